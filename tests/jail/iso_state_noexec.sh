# Compiled programs and stateful work dirs run when the state dir's file system is mounted
# noexec,nosuid,nodev (Debian mounts /run so): what a sandbox executes lives on mounts sandboxrt
# makes itself. (Root only: the test mounts that file system.)
. "$(dirname "$0")/lib.sh"
require_jail
[ "$(id -u)" = 0 ] || skip "mounting a noexec state dir needs root"

dir=$(mktemp -d)
mount -t tmpfs -o noexec,nosuid,nodev,mode=0755,size=16m sandboxrt-test "$dir" ||
        skip "cannot mount a tmpfs here"
trap 'umount -l "$dir"; rmdir "$dir"' EXIT
export SANDBOXRT_STATE_DIR=$dir/sandboxrt

printf '#include <stdio.h>\nint main(void){puts("compiled ok");return 0;}\n' >"$dir/ok.c"
sbx --language c --source "$dir/ok.c"
expect_verdict OK
expect stdout "compiled ok
"
[ -d "$SANDBOXRT_STATE_DIR" ] || fail "SANDBOXRT_STATE_DIR was not used"
