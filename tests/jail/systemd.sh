# Every way a process gets a cgroup on a cgroup v2 host run by systemd, as root and as an
# unprivileged user, and the shipped unit for `sandboxrt serve` (installed by cmake --install):
# in each, a memory bomb ends in MEMORY_LIMIT, the pids controller holds, and nothing is left.
# It changes the host (a user, lingering, units): scripts/vm-test.sh runs it in its VM (with
# SBX_TEST_CHANGE_HOST=1); the label "vm" keeps it out of scripts/test.sh's runs on the host.
. "$(dirname "$0")/lib.sh"

[ "${SBX_TEST_CHANGE_HOST:-0}" = 1 ] ||
	skip "it changes the host: run it in scripts/vm-test.sh's VM, or set SBX_TEST_CHANGE_HOST=1"
[ "$(id -u)" -eq 0 ] || skip "needs root (it creates a user and system units)"
[ -d /run/systemd/system ] || skip "the host was not booted by systemd"
grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null || skip "not a cgroup v2 host"
require_jail

user=${SBX_TEST_USER:-sbxtest}
"$SBX_SOURCE_DIR/scripts/add-test-user.sh" "$user" >/dev/null || fail "cannot create $user"
uid=$(id -u "$user")
home=$(getent passwd "$user" | cut -d: -f6)
# A shell of the user's without a login session's environment (su, cron): the hardest case.
as_user=(runuser -u "$user" -- env -i "HOME=$home" "PATH=/usr/local/bin:/usr/bin:/bin"
	${SANDBOXRT_POLICY_DIR:+"SANDBOXRT_POLICY_DIR=$SANDBOXRT_POLICY_DIR"})
# A service gets only what it is given.
service=(systemd-run --quiet --wait --pipe -p Delegate=yes
	${SANDBOXRT_POLICY_DIR:+-E "SANDBOXRT_POLICY_DIR=$SANDBOXRT_POLICY_DIR"})
bomb='b = []
while True:
    b.append(bytearray(8 << 20))'
sleepers='for i in $(seq 40); do (sleep 2 &) 2>/dev/null; done; ls /proc | grep -c "^[0-9]"'

# check NAME WANT CMD...: in the context CMD (a prefix), doctor's cgroups line contains WANT, a
# memory bomb ends in MEMORY_LIMIT and 40 sleepers do not start under pids=16.
check() {
	local name=$1 want=$2 line
	shift 2
	line=$(cd / && "$@" "$SBX" doctor 2>&1 | grep '^cgroups') || true
	case $line in
	*"cgroups          ok   v2 "*"$want"*) ;;
	*) fail "$name: doctor says: $line (wanted v2 with '$want')" ;;
	esac
	RESULT=$(cd / && "$@" "$SBX" run --backend native --json --limit memory=64m -- \
		/usr/bin/python3 -c "$bomb")
	expect_verdict MEMORY_LIMIT
	RESULT=$(cd / && "$@" "$SBX" run --backend native --json --limit pids=16 \
		--limit wall="$(scaled 30)s" -- /bin/bash -c "$sleepers")
	[ "$(field stdout)" -le 16 ] || fail "$name: $(field stdout) processes under pids=16"
	echo "ok: $name ($line)"
}

# 1. doctor --delegate-cgroup: lingering, then the user's sandboxrt asks its systemd for a scope.
"$SBX" doctor --delegate-cgroup "$user" >/dev/null || fail "doctor --delegate-cgroup $user failed"
[ "$(loginctl show-user "$user" -p Linger --value)" = yes ] || fail "lingering is not on for $user"
check "unprivileged, a scope sandboxrt asked for" "user@$uid.service/app.slice/run-" \
	"${as_user[@]}"
# 2. The documented wrapper: sandboxrt uses the scope it runs in, not one more.
check "unprivileged, systemd-run --user --scope -p Delegate=yes" ".scope (the unit of this user" \
	"${as_user[@]}" "XDG_RUNTIME_DIR=/run/user/$uid" systemd-run --user --scope \
	-p Delegate=yes --quiet --
# 3. A system service with User= and Delegate=yes.
check "unprivileged, a service with Delegate=yes" "system.slice/run-" "${service[@]}" \
	-p User="$user" --
# 4. Root in a service with Delegate=yes: the service's cgroup, not /sys/fs/cgroup/sandboxrt.
check "root, a service with Delegate=yes" "Delegate=yes" "${service[@]}" --

# 5. The shipped unit, hardening included, on a port of ours (a runtime drop-in).
systemctl cat sandboxrt.service >/dev/null 2>&1 ||
	skip "sandboxrt.service is not installed (cmake --install): cases 1-4 passed"
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dropin=/run/systemd/system/sandboxrt.service.d
mkdir -p "$dropin"
printf '[Service]\nEnvironment=SANDBOXRT_SERVE_ARGS="--port %s"\n' "$port" >"$dropin/test.conf"
cleanup() {
	systemctl stop sandboxrt.service 2>/dev/null
	rm -rf "$dropin"
	systemctl daemon-reload
}
trap cleanup EXIT
systemctl daemon-reload
systemctl start sandboxrt.service || fail "sandboxrt.service did not start: $(journalctl -u sandboxrt -n 20 --no-pager)"
post() { # post JSON: POST /v1/run, the result in RESULT
	RESULT=$("$PY" - "$port" "$1" <<'EOF'
import json, sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}"
for _ in range(600):
    try:
        urllib.request.urlopen(url + "/health", timeout=5)
        break
    except OSError:
        time.sleep(0.1)
req = urllib.request.Request(url + "/v1/run", data=sys.argv[2].encode(),
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=300).read().decode())
EOF
	) || fail "POST /v1/run $1 failed: $(journalctl -u sandboxrt -n 20 --no-pager)"
}
post "$("$PY" -c 'import json, sys; print(json.dumps({"argv": ["/usr/bin/python3", "-c", sys.argv[1]], "limits": {"memory": "64m"}}))' "$bomb")"
expect_verdict MEMORY_LIMIT
post '{"language": "python", "source": "print(6 * 7)"}'
expect_verdict OK
expect stdout 42
[ "$(systemctl is-active sandboxrt.service)" = active ] ||
	fail "a sandbox's OOM kill stopped the service (OOMPolicy)"
cg=/sys/fs/cgroup/system.slice/sandboxrt.service
[ -d "$cg/supervisor" ] || fail "the server's processes are not in $cg/supervisor: $(ls "$cg")"
# A compiled program runs from the work dir: its failure is reported once the unit has stopped.
compiled=$( (
	post '{"language": "c", "source": "#include <stdio.h>\nint main(void) { puts(\"compiled\"); return 0; }"}'
	expect_verdict OK
	expect stdout compiled
) 2>&1) || compiled="C under the unit: $compiled"
systemctl stop sandboxrt.service
[ "$(systemctl show sandboxrt.service -p Result --value)" = success ] ||
	fail "sandboxrt.service did not stop cleanly: $(journalctl -u sandboxrt -n 20 --no-pager)"
[ -z "$compiled" ] || fail "$compiled"
echo "ok: the shipped sandboxrt.service (port $port)"

# Nothing left: no job cgroup anywhere, and the user's transient scopes are gone.
left=$(find /sys/fs/cgroup -name 'job-*' -type d)
[ -z "$left" ] || fail "job cgroups left behind: $left"
for _ in $(seq "$(scaled 50)"); do
	scopes=$(find "/sys/fs/cgroup/user.slice/user-$uid.slice" -name 'run-*.scope' -type d)
	[ -z "$scopes" ] && break
	sleep 0.1
done
[ -z "$scopes" ] || fail "the user's scopes outlived their runs: $scopes"
