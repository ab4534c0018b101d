# Filling the disk stops at the tmpfs cap (work dir and /tmp share it); a file larger than the
# file-size limit is cut off with OUTPUT_LIMIT.
. "$(dirname "$0")/lib.sh"
require_jail

sbx --limit tmpfs=8m --limit file_size=64m -- /bin/sh -c 'dd if=/dev/zero of=big bs=1M count=32 2>&1; dd if=/dev/zero of=/tmp/more bs=1M count=32 2>&1; du -sk /sandbox /tmp'
expect_verdict OK
expect_contains stdout "No space left on device"
total=$("$PY" -c 'import json,sys; print(sum(int(l.split()[0]) for l in json.loads(sys.argv[1])["stdout"].splitlines() if l.split()[-1:] in (["/sandbox"], ["/tmp"])))' "$RESULT")
[ "$total" -le 8192 ] || fail "wrote $total KiB with an 8 MiB tmpfs"

sbx --limit file_size=1m -- /bin/sh -c 'exec head -c 2000000 /dev/zero > f'
expect_verdict OUTPUT_LIMIT
expect_contains message "file size limit"
