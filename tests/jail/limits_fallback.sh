# Unprivileged without a delegated cgroup: RLIMIT_NPROC (counted per jail) stops a fork bomb,
# RLIMIT_AS caps each process's memory, and sandboxrt says on stderr, in --json
# (limits_enforced) and in doctor which limits do not hold for the whole job, with the fix.
# As root it runs as a second test user that has no delegated cgroup (created here, like
# scripts/test.sh creates sbxtest); unprivileged, with $SANDBOXRT_CGROUP naming no cgroup.
. "$(dirname "$0")/lib.sh"
require_jail

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
if [ "$(id -u)" = 0 ]; then
        user=${SBX_TEST_USER_NOCG:-sbxnocg}
        "$SBX_SOURCE_DIR/scripts/add-test-user.sh" "$user" >/dev/null ||
                fail "cannot create the test user $user"
        uid=$(id -u "$user")
        for p in /sys/fs/cgroup/*/sandboxrt-"$uid" /sys/fs/cgroup/sandboxrt-"$uid"; do
                [ -e "$p" ] && skip "$user has a delegated cgroup ($p): remove it to run this test"
        done
        # The build may be where that user cannot go: a copy of the binaries.
        install -m 755 "$SBX" "$(dirname "$SBX")/sandboxrt-full" "$work/"
        install -d -o "$user" -m 700 "$work/state"
        as_user() {
                (cd "$work" && runuser -u "$user" -- env -i PATH=/usr/bin:/bin LANG=C.UTF-8 \
                        SANDBOXRT_STATE_DIR="$work/state" "$work/sandboxrt" "$@")
        }
else
        as_user() {
                SANDBOXRT_CGROUP=sandboxrt-none-$$ "$SBX" "$@"
        }
fi

# run ARGS...: `sandboxrt run --json ARGS` as that user: RESULT, STATUS, ELAPSED_MS, and WARNINGS
# (sandboxrt's own stderr).
run() {
        local t0=${EPOCHREALTIME/./}
        RESULT=$(as_user run --backend native --json "$@" 2>"$work/stderr")
        STATUS=$?
        ELAPSED_MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
        WARNINGS=$(cat "$work/stderr")
}

doctor=$(as_user doctor 2>&1)
grep -q '^cgroups *no' <<<"$doctor" || fail "the user has a usable cgroup: $doctor"
grep -q '^limits *no *cpu, cpus, memory not enforced.*RLIMIT_AS.*--delegate-cgroup USER' \
        <<<"$doctor" || fail "doctor does not say which limits do not hold, and the fix: $doctor"

# A fork bomb stops at the process limit and the run ends on time; nothing of it survives.
run --limit pids=32 --limit wall=3s -- /bin/bash -c 'b() { b | b & }; b; sleep 1; echo alive'
case "$(field verdict)" in
OK | RUNTIME_ERROR | TIME_LIMIT | SIGNALED) ;;
*) fail "unexpected verdict for a fork bomb: $RESULT" ;;
esac
expect_within 3000
expect limits_enforced "['wall', 'pids', 'output', 'file_size', 'open_files', 'tmpfs']"
case $WARNINGS in
*"warning: these limits are not enforced for a job's whole process tree: cpu, cpus, memory"*"--delegate-cgroup USER"*) ;;
*) fail "no warning naming the limits not enforced, with the fix: '$WARNINGS'" ;;
esac

# The limit is counted per jail: a process count tells.
run --limit pids=16 -- /usr/bin/python3 -c "$(fork_counter 200 30)"
expect_verdict OK
n=$(field stdout)
[ "$n" -lt 16 ] || fail "$n processes forked under pids=16 without a cgroup"
[ "$n" -ge 8 ] || fail "only $n processes forked under pids=16: the limit counts more than the jail"

# Each process's memory is capped at the limit: its address space, so a shared mapping (which
# RLIMIT_DATA does not count) too.
fill_shared='
import mmap
m = mmap.mmap(-1, 96 << 20)
for i in range(96):
    m.write(b"x" * (1 << 20))
print("filled")'
run --limit memory=64m -- /usr/bin/python3 -c "$fill_shared"
[ "$(field verdict)" != OK ] || fail "a process filled 96 MiB of shared memory under memory=64m"
expect_contains stderr "Error"
run --limit memory=64m -- /usr/bin/python3 -c 'b = bytearray(16 << 20); print(len(b))'
expect_verdict OK

# The warning does not depend on --json.
out=$(as_user run --backend native -- /bin/true 2>&1) || fail "a plain run failed: $out"
case $out in *"warning: these limits are not enforced"*) ;; *) fail "no warning without --json: $out" ;; esac
exit 0
