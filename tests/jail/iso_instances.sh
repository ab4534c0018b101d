# Two sandboxrt instances in different pid namespaces share the host's cgroups and state dir.
# Neither touches the other's live jobs (cgroups, stateful work dirs, uids) when it starts and
# reaps; both leave nothing behind; what a killed instance left is reaped by the next instance
# that can see its owner record, and by no other. Work dirs live in each launcher's own mount
# namespace: a killed instance leaves none on the host.
. "$(dirname "$0")/lib.sh"
require_jail

pidns=(unshare --pid --fork --mount-proc --kill-child)
enter=(nsenter --pid) # a command in an instance's pid namespace
if [ "$(id -u)" != 0 ]; then
        pidns=(unshare --user --map-current-user --pid --fork --mount-proc --kill-child)
        enter=(nsenter --user --preserve-credentials --pid)
fi
why=$("${pidns[@]}" true 2>&1) || skip "cannot create a pid namespace here: $why"

work=$(mktemp -d)
chmod 755 "$work"
bg=()
cleanup() {
        [ ${#bg[@]} -eq 0 ] || kill -9 "${bg[@]}" 2>/dev/null
        wait 2>/dev/null
        own_state_cleanup
        rm -rf "$work"
}
trap cleanup EXIT
own_state "$work" "instances-$$"
boxes=$SANDBOXRT_STATE_DIR/boxes

# A C program (its /sandbox is a work dir shared by the compile and run steps) that says when
# it runs.
cat >"$work/slow.c" <<'EOF'
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
        FILE *f = fopen(MARK, "w");
        if (f)
                fclose(f);
        sleep(SECONDS);
        puts(MARK);
        return 0;
}
EOF
source_with() { # NAME MARK SECONDS
        { echo "#define MARK \"$2\""; echo "#define SECONDS $3"; cat "$work/slow.c"; } >"$work/$1.c"
        chmod 644 "$work/$1.c"
}

# instance OUT ARGS...: `sandboxrt run --json ARGS` as an instance in a pid namespace of its own;
# its unshare's pid in LAST.
instance() {
        local out=$1
        shift
        "${pidns[@]}" "$SBX" run --backend native --json "$@" >"$work/$out" 2>"$work/$out.err" &
        LAST=$!
        bg+=("$LAST")
}

# await_mark MARK: wait until a C job writing MARK into its work dir (its cwd) runs.
await_mark() {
        for _ in $(seq 600); do
                compgen -G "/proc/[0-9]*/cwd/$1" >/dev/null && return
                sleep 0.05
        done
        fail "the job marking $1 never ran: $(cat "$work"/*.err)"
}

# check OUT STDOUT: that instance's job ended OK with STDOUT.
check() {
        RESULT=$(cat "$work/$1")
        [ -n "$RESULT" ] || fail "instance $1 printed no result: $(cat "$work/$1.err")"
        expect_verdict OK
        expect stdout "$2"
}

# pid_of PATTERN: the process whose command line is PATTERN (empty: none within 15 s).
pid_of() {
        local pid
        for _ in $(seq 300); do
                pid=$(pgrep -f -x "$1" | head -1)
                [ -n "$pid" ] && echo "$pid" && return
                sleep 0.05
        done
}

# 1. Instances A run two jobs; instances B, one with a job overlapping A's, start (and reap)
#    while they run. Every job ends OK.
source_with a2 a2-running 12
instance a2 --limit wall=60s --language c --source "$work/a2.c"
await_mark a2-running
# The jobs' sleeps outlast the instances started meanwhile on a slow machine too (time scale).
sleep_a=$(scaled 10).01 sleep_b=$(scaled 5).02 wall=$(scaled 60)s
instance a1 --limit wall=$wall -- /bin/sh -c "sleep $sleep_a; echo a1"
pid_a=$(pid_of "sleep $sleep_a")
[ -n "$pid_a" ] || fail "the job of instance a1 never ran: $(cat "$work/a1" "$work/a1.err")"
instance b4 --limit wall=$wall -- /bin/sh -c "sleep $sleep_b; echo b4"
pid_b=$(pid_of "sleep $sleep_b")
[ -n "$pid_b" ] || fail "the job of instance b4 never ran: $(cat "$work/b4" "$work/b4.err")"
uid_a=$(ps -o uid= -p "$pid_a" | tr -d ' ')
uid_b=$(ps -o uid= -p "$pid_b" | tr -d ' ')
kill -0 "$pid_a" || fail "the job of instance a1 ended before b4's started"
if [ "$(id -u)" = 0 ]; then
        [ "$uid_a" != "$uid_b" ] || fail "two live jobs of two instances share the host uid $uid_a"
fi
for i in 1 2 3; do
        instance "b$i" -- /bin/echo "b$i"
        wait "$LAST" || fail "instance b$i failed: $(cat "$work/b$i.err")"
done
kill -0 "$pid_a" || fail "the job of instance a1 ended before the instances b1-b3 did"
wait
bg=()
check a1 a1
check a2 a2-running
for i in 1 2 3; do check "b$i" "b$i"; done
check b4 b4

# 2. Nothing is left once both are done (the supervisors tear down after answering).
for _ in $(seq 50); do
        [ -z "$(job_cgroups)" ] && [ -z "$(ls -A "$boxes")" ] && break
        sleep 0.1
done
[ -z "$(job_cgroups)" ] || fail "job cgroups left behind: $(job_cgroups)"
[ -z "$(ls -A "$boxes")" ] || fail "work dirs left on the host: $(ls -A "$boxes")"
pgrep -f "sleep ($sleep_a|$sleep_b)" && fail "a payload outlived its run"

# 3. An instance killed with everything in its pid namespace leaves its cgroups, but no work
#    dir: that went with its launcher's mount namespace... It is killed at once: its pid 1
#    stopped, every other process killed from inside its pid namespace, then its unshare (and
#    with it pid 1). Killing only the unshare lets pid 1 close its fds as it exits, before the
#    kernel kills the rest: its supervisors see their caller gone and may tear their jobs'
#    cgroups down first (the cgroup v2 VM under emulation did, now and then).
source_with k k-running 60
instance k --limit wall=60s --language c --source "$work/k.c"
await_mark k-running
init=$(pgrep -P "$LAST")
[ -n "$init" ] || fail "instance k has no pid 1"
kill -STOP "$init"
"${enter[@]}" --target "$init" -- /bin/kill -9 -1 ||
        true # not nsenter's status: its kill may die with the namespace
{ kill -9 "$LAST" && wait "$LAST"; } 2>/dev/null # bash's "Killed" notice too
bg=()
for _ in $(seq 50); do
        pgrep -x -f './main' -u "$(id -u)" >/dev/null || break
        sleep 0.1
done
left_cgroups=$(job_cgroups)
[ -z "$(ls -A "$boxes")" ] || fail "the killed instance left work dirs on the host: $(ls -A "$boxes")"
[ -z "$OWN_CGROUPS" ] || [ -n "$left_cgroups" ] ||
        fail "the killed instance left no cgroup; under $OWN_CGROUPS: $(find $OWN_CGROUPS -type d 2>&1 |
                tr '\n' ' '); its stderr: $(cat "$work/k.err")"

# ... which an instance that cannot see its owner record (another state dir) leaves alone ...
SANDBOXRT_STATE_DIR=$work/other-state instance other -- /bin/true
wait "$LAST" || fail "the instance with another state dir failed: $(cat "$work/other.err")"
[ "$(job_cgroups)" = "$left_cgroups" ] ||
        fail "an instance that cannot see the owner's record reaped its cgroups"

# ... and the next instance that can reaps at start.
instance next -- /bin/echo next
wait "$LAST" || fail "the next instance failed: $(cat "$work/next.err")"
check next next
for _ in $(seq 30); do
        [ -z "$(job_cgroups)" ] && break
        sleep 0.1
done
[ -z "$(job_cgroups)" ] || fail "the killed instance's cgroups were not reaped: $(job_cgroups)"
exit 0
