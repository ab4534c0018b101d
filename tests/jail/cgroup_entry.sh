# How a job gets into its cgroup (supervisor.c, jail.c: sbx_jail_clone): on cgroup v2 its jail
# is born there (clone3 with CLONE_INTO_CGROUP), cloned by the supervisor (cold) or the zygote
# (warm); when the kernel refuses that (here: clone3 made to fail with ENOSYS, as on a kernel
# before 5.3), and on cgroup v1, it is moved there. `run -v` says which path ran, and on every
# path the memory and pids limits hold from the payload's first instruction. doctor says the same.
. "$(dirname "$0")/lib.sh"
require_jail
require_cgroups

work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

# Runs its arguments with clone3 failing with ENOSYS (a seccomp filter, through libseccomp).
cat >"$work/no_clone3.py" <<'PY'
import ctypes, errno, os, sys
lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
lib.seccomp_init.restype = ctypes.c_void_p
lib.seccomp_init.argtypes = [ctypes.c_uint32]
lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
lib.seccomp_load.argtypes = [ctypes.c_void_p]
ctx = lib.seccomp_init(0x7FFF0000)  # SCMP_ACT_ALLOW
nr = lib.seccomp_syscall_resolve_name(b"clone3")
if not ctx or nr < 0 or lib.seccomp_rule_add(ctx, 0x00050000 | errno.ENOSYS, nr, 0) != 0 \
        or lib.seccomp_load(ctx) != 0:
    sys.exit("no_clone3: cannot load the seccomp filter")
os.execv(sys.argv[1], sys.argv[1:])
PY
cat >"$work/bomb.py" <<'PY'
b = []
while True:
    b.append(bytearray(8 << 20))
PY
# Forks until the pids limit refuses, then says how many children it got.
fork_counter 64 2 >"$work/forks.py"

# run [no_clone3] cold|warm FILE [RUN_OPTIONS...]: FILE as main.py through `run -v --json`:
# RESULT and STATUS as sbx's, ENTRY the verbose line on the job's cgroup, HIER v1 or v2.
run() {
        local wrap=() opts=()
        if [ "$1" = no_clone3 ]; then
                wrap=("$PY" "$work/no_clone3.py")
                shift
        fi
        [ "$1" = warm ] && opts=(--warm)
        local file=$2
        shift 2
        RESULT=$("${wrap[@]}" "$SBX" run --backend native --json -v "${opts[@]}" "$@" \
                --file "$file:main.py" -- /usr/bin/python3 main.py 2>"$work/stderr")
        STATUS=$?
        ENTRY=$(sed -n 's/^sandboxrt: the job was //p' "$work/stderr")
        HIER=$(sed -n 's/^sandboxrt: backend native, cgroups \(v[12]\) .*/\1/p' "$work/stderr")
        [ -n "$ENTRY" ] || fail "run -v does not say how the job got into its cgroup: $(cat "$work/stderr")"
}

# limits_hold [no_clone3] cold|warm WANT: on that path the job's entry is WANT, and a memory bomb
# and a fork loop meet their limits.
limits_hold() {
        local want=${*: -1} args=("${@:1:$#-1}")
        run "${args[@]}" "$work/bomb.py" --limit memory=64m
        [ "$ENTRY" = "$want" ] || fail "${args[*]}: '$ENTRY', expected '$want'"
        expect_verdict MEMORY_LIMIT
        peak=$(field peak_memory_bytes)
        [ "$peak" -le $((68 << 20)) ] || fail "${args[*]}: peak memory $peak above the 64 MiB limit"
        run "${args[@]}" "$work/forks.py" --limit pids=8
        [ "$ENTRY" = "$want" ] || fail "${args[*]}: '$ENTRY', expected '$want'"
        expect_verdict OK
        children=$(field stdout)
        # The jail's init and the payload count too.
        [ "$children" -ge 1 ] && [ "$children" -le 6 ] ||
                fail "${args[*]}: $children children under pids=8"
}

run cold "$work/forks.py"
case $HIER in
v2)
        born="born in its cgroup (CLONE_INTO_CGROUP;"
        cold="$born cloned by the supervisor)"
        limits_hold cold "$cold"
        limits_hold warm "$born cloned by the zygote)"
        moved="moved into its cgroup (CLONE_INTO_CGROUP refused: Function not implemented;"
        limits_hold no_clone3 cold "$moved cloned by the supervisor)"
        limits_hold no_clone3 warm "$moved cloned by the zygote)"
        ;;
v1)
        moved="moved into its cgroup (cgroup v1: no CLONE_INTO_CGROUP;"
        cold="$moved cloned by the supervisor)"
        limits_hold cold "$cold"
        limits_hold warm "$moved cloned by the zygote)"
        ;;
*) fail "run -v names no cgroup hierarchy: $(cat "$work/stderr")" ;;
esac

doctor=$("$SBX" doctor 2>&1)
grep -qxF "cgroup entry     ok   a job (/bin/true) was $cold" <<<"$doctor" ||
        fail "doctor does not say '$cold': $doctor"
