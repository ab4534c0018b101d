#!/usr/bin/env bash
# ms-enclave parity (issue 12): parity.sh native|docker runs tests/serve/parity.py, what
# ms-enclave's HttpSandboxManager and its own tests do, against a server on that backend
# started as an operator serving ms-enclave's clients would (examples/ms-enclave.yaml as the
# ceiling, with two more writable paths of its own), plus a second server whose ceiling has a
# 2 s wall limit.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

IMAGE=${SBX_TEST_IMAGE:-sandboxrt-test/python:3.11}
EXAMPLES=$(cd "$SERVE_DIR/../../examples" && pwd)
backend=${1:?backend}
image_args=()

case $backend in
native)
	need_exec
	;;
docker)
	"$SANDBOXRT" doctor 2>/dev/null | grep -q '^docker *ok' ||
		skip "no usable Docker engine: $("$SANDBOXRT" doctor 2>&1 | grep '^docker')"
	export SANDBOXRT_DOCKER_IMAGE=$IMAGE
	image_args=(--image "$IMAGE")
	;;
*)
	fail "unknown backend $backend"
	;;
esac
command -v curl >/dev/null || skip "curl is not installed"

work=$(mktemp -d)
short_pid=
cleanup() {
	[ -n "$short_pid" ] && kill -KILL "$short_pid" 2>/dev/null && wait "$short_pid" 2>/dev/null
	rm -rf "$work"
	cleanup_server
}
trap cleanup EXIT

# The short server: the default policy with a 2 s wall limit.
sed -e 's/^name: .*/name: short/' -e 's/^  wall: .*/  wall: 2s/' -e 's/^  cpu: .*/  cpu: 2s/' \
	"$SERVE_DIR/../../policies/default.yaml" >"$work/short.yaml"
start_server --backend "$backend" --ceiling "$work/short.yaml"
short_pid=$SERVER_PID short_url=$URL short_log=$SERVER_LOG
SERVER_PID= SERVER_LOG=

cp "$EXAMPLES/ms-enclave.yaml" "$work/ms-enclave.yaml"
echo 'writable: [/opt/data, /var/cache/job]' >>"$work/ms-enclave.yaml"
start_server --backend "$backend" --ceiling "$work/ms-enclave.yaml" --tool-output 4m \
	--max-concurrency 4
"$PY" "$SERVE_DIR/parity.py" --url "$URL" --short-url "$short_url" "${image_args[@]}" \
	--tool-output $((4 << 20)) --cap-text 4m --writable /opt/data,/var/cache/job || {
	tail -n 20 "$short_log" >&2
	fail "parity.py ($backend)"
}
main_log=$SERVER_LOG
stop_server
rm -f "$main_log"
SERVER_PID=$short_pid SERVER_LOG=$short_log short_pid=
stop_server
echo PASS
