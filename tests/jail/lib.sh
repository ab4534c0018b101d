# Shared helpers for the jail's integration tests (sourced).
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

# The native jail must work on this host; otherwise say why (doctor's report) and skip.
require_jail() {
        "$SBX" run --backend native -- /bin/true >/dev/null 2>&1 ||
                skip "the native jail does not run here: $("$SBX" doctor 2>&1 | tr '\n' ';')"
}

# Limits enforced by cgroups need a cgroup hierarchy we may write to.
require_cgroups() {
        "$SBX" doctor 2>/dev/null | grep -q '^cgroups *ok' ||
                skip "no usable cgroup hierarchy: $("$SBX" doctor 2>&1 | grep '^cgroups')"
}

# A language's toolchain must be installed (doctor's "lang NAME ok" line); otherwise skip
# with doctor's line, which names the package to install.
require_language() {
        local line
        line=$("$SBX" doctor 2>/dev/null | grep "^lang $1 ")
        case $line in
        "lang $1 "*" ok "*) ;;
        *) skip "${line:-doctor has no line for language $1}" ;;
        esac
}

# sbx ARGS...: run `sandboxrt run --json ARGS`, keeping the JSON in RESULT, the exit status in
# STATUS and the elapsed wall time (ms, measured here) in ELAPSED_MS.
sbx() {
        local t0=${EPOCHREALTIME/./}
        RESULT=$("$SBX" run --backend native --json "$@")
        STATUS=$?
        ELAPSED_MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
}

# field KEY[.KEY...]: one field of RESULT (booleans as true/false).
field() {
        "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    d = d[k]
print(str(d).lower() if isinstance(d, bool) else d)' "$RESULT" "$1"
}

# expect KEY VALUE (trailing newlines of both are ignored, as $(...) strips them)
expect() {
        local got want
        got=$(field "$1") || fail "no field $1 in: $RESULT"
        want=$(printf '%s' "$2")
        [ "$got" = "$want" ] || fail "$1: expected '$2', got '$got' (result: ${RESULT:0:600})"
}

expect_verdict() {
        expect verdict "$1"
}

# expect_within MS: the run ended within MS of wall time plus a small margin (the supervisor's
# kill and the pipes' last bytes), by its own account and by ours. MS is a limit the test chose
# already scaled; the margins are scaled here.
expect_within() {
        local wall margin total
        wall=$(field wall_ms)
        margin=$(scaled 250)
        total=$(scaled 1000)
        [ "$wall" -le $(($1 + margin)) ] || fail "wall_ms $wall > $1 + $margin"
        [ "$ELAPSED_MS" -le $(($1 + total)) ] || fail "the run took $ELAPSED_MS ms, limit $1 ms"
}

# expect_cpu_within MS: the tree used at least MS of CPU time and at most MS plus a margin (the
# supervisor's polling, scaled).
expect_cpu_within() {
        local cpu margin
        cpu=$(field cpu_ms)
        margin=$(scaled 300)
        [ "$cpu" -ge "$1" ] || fail "cpu_ms $cpu < $1: stopped before the limit"
        [ "$cpu" -le $(($1 + margin)) ] || fail "cpu_ms $cpu > $1 + $margin"
}

expect_contains() {
        case "$(field "$1")" in
        *"$2"*) ;;
        *) fail "$1 does not contain '$2': ${RESULT:0:600}" ;;
        esac
}

# cgroup_parents: the parents of job cgroups (absolute, one per hierarchy) that `doctor` reports
# with the current environment; nothing when there is no usable hierarchy.
cgroup_parents() {
        "$SBX" doctor 2>/dev/null | sed -n 's/^cgroups *ok .* under \(.*\) ([^)]*); .*/\1/p'
}

# own_state DIR NAME: a state dir (DIR/state) and a cgroup parent (NAME, under the current one) of
# this test's own, so that what it counts is its own and not a concurrent test's. Exports
# SANDBOXRT_STATE_DIR and SANDBOXRT_CGROUP, and OWN_CGROUPS (the new parents, absolute: empty
# without cgroups) for own_state_cleanup.
own_state() {
        local dir=$1 name=$2 p mount rel=
        OWN_CGROUPS=
        chmod 711 "$dir" # as root, the sandboxes' uids pass through it to their work dirs
        export SANDBOXRT_STATE_DIR=$dir/state
        for p in $(cgroup_parents); do
                mkdir -p "$p/$name" || fail "cannot create the cgroup $p/$name"
                OWN_CGROUPS="$OWN_CGROUPS $p/$name"
                mount=$(findmnt -n -o TARGET -T "$p") || fail "no mount point for $p"
                rel=${p#"$mount"}
        done
        [ -z "$OWN_CGROUPS" ] && return
        export SANDBOXRT_CGROUP=${rel#/}/$name
        [ "$(cgroup_parents)" = "${OWN_CGROUPS# }" ] ||
                fail "SANDBOXRT_CGROUP=$SANDBOXRT_CGROUP gives '$(cgroup_parents)', not '$OWN_CGROUPS'"
}

# job_cgroups: the job cgroups under this test's own parents, one per line.
job_cgroups() {
        local p
        for p in $OWN_CGROUPS; do
                find "$p" -mindepth 1 -maxdepth 1 -type d -name 'job-*'
        done
}

# own_state_cleanup: after the test's instances are gone (or killed), one more instance reaps
# what they left (a killed supervisor may leave a frozen cgroup: only a reaper can tell it is
# ours), then the parents go.
own_state_cleanup() {
        local p
        [ -z "${SANDBOXRT_STATE_DIR:-}" ] || "$SBX" run --backend native -- /bin/true >/dev/null 2>&1
        for _ in $(seq 30); do
                [ -z "$(job_cgroups)" ] && break
                sleep 0.1
        done
        for p in $OWN_CGROUPS; do
                find "$p" -mindepth 1 -maxdepth 1 -type d -name 'job-*' -exec rmdir {} + 2>/dev/null
                rmdir "$p" 2>/dev/null
        done
}

# fork_counter MAX SLEEP: a Python program that forks up to MAX children, each sleeping SLEEP
# seconds, and prints how many forks succeeded: what a pids limit lets a jail have.
fork_counter() {
        printf '%s\n' 'import os, time' 'n = 0' 'try:' "    while n < $1:" \
                '        if os.fork() == 0:' "            time.sleep($2)" '            os._exit(0)' \
                '        n += 1' 'except OSError:' '    pass' 'print(n)'
}
