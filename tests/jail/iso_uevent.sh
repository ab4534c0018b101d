# No host device event reaches a sandbox: a netlink uevent listener in the sandbox hears nothing
# while the host announces a device change that a listener on the host does hear. (Root only:
# writing a uevent needs it. As root, jobs without network share pooled network namespaces of
# the host's user namespace, which the kernel sends uevents to.)
. "$(dirname "$0")/lib.sh"
require_jail
[ "$(id -u)" = 0 ] || skip "announcing a device change on the host needs root"
device=/sys/devices/virtual/mem/full/uevent
[ -w "$device" ] || skip "$device is not writable here"

tag=sbx-uevent-$$
listen='import socket, sys, time
try:
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15)  # NETLINK_KOBJECT_UEVENT
    s.bind((0, 1))
except OSError as e:
    print("refused:", e.strerror, flush=True)
    sys.exit(0)
heard = 0
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        heard += b"/devices/virtual/mem/full" in s.recv(65536)
    except socket.timeout:
        pass
print("heard", heard, flush=True)'

out=$(mktemp)
host=$(mktemp)
trap 'rm -f "$out" "$host"' EXIT
"$SBX" run --backend native --json --limit wall=20s -- "$PY" -c "$listen" 6 "$tag" >"$out" &
runner=$!
# Announce once the sandbox's listener is up (it has its socket) or gave up.
for _ in $(seq 200); do
        pid=$(pgrep -f -- "^$PY -c .*$tag" | head -1)
        [ -n "$pid" ] && ls -l "/proc/$pid/fd" 2>/dev/null | grep -q socket && break
        kill -0 "$runner" 2>/dev/null || break
        sleep 0.1
done
"$PY" -c "$listen" 3 >"$host" &
listener=$!
sleep 0.5
for _ in 1 2 3 4 5; do
        echo change >"$device"
        sleep 0.2
done
wait "$runner" "$listener"
RESULT=$(cat "$out")
expect_verdict OK
grep -q "^heard [1-9]" "$host" || skip "the host's own listener heard no uevent: $(cat "$host")"
case $(field stdout) in
"heard 0" | refused:*) ;;
*) fail "the sandbox heard host uevents: $(field stdout)" ;;
esac
