#!/usr/bin/env bash
# The server's trust boundary (issue 8): attacks.sh CASE reproduces one attack against a live
# server and asserts that it is refused or harmless. Cases named docker_* run the same attack on
# the Docker backend.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

attack() {
	"$PY" "$SERVE_DIR/attacks.py" --url "$URL" "$@" || fail "attacks.py $*"
}

# Docker cases: the engine and the test image must be there (scripts/docker-setup.sh).
IMAGE=${SBX_TEST_IMAGE:-sandboxrt-test/python:3.11}
need_docker() {
	"$SANDBOXRT" doctor 2>/dev/null | grep -q '^docker *ok' ||
		skip "no usable Docker engine: $("$SANDBOXRT" doctor 2>&1 | grep '^docker')"
	export SANDBOXRT_DOCKER_IMAGE=$IMAGE
}

# sigterm_bound: SIGTERM must end the server within 10 s, whatever its sandboxes hold.
sigterm_bound() {
	local t0 elapsed_ms
	t0=$(date +%s%N)
	kill -TERM "$SERVER_PID"
	for _ in $(seq 150); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
	kill -0 "$SERVER_PID" 2>/dev/null && fail "the server ignored SIGTERM for 15 s"
	wait "$SERVER_PID"
	local status=$?
	SERVER_PID=
	[ "$elapsed_ms" -lt 10000 ] || fail "stopping took ${elapsed_ms} ms"
	[ "$status" = 0 ] || fail "the server exited with $status after SIGTERM"
	echo "stopped in ${elapsed_ms} ms"
	left=$(ls "$(state_dir)/boxes" 2>/dev/null || true)
	[ -z "$left" ] || fail "sandbox directories left behind: $left"
}

# A sandbox plants FIFOs, a client writes to one, another runs a long job; then SIGTERM.
sigterm_case() {
	"$PY" - "$URL" "${1:-}" >"$SERVER_LOG.client" 2>&1 <<'PYEOF' &
import os, sys, threading
sys.path.insert(0, os.environ["SERVE_DIR"])
from enclave import Client
c = Client(sys.argv[1], timeout=60)
cfg = {"tools_config": ["python_executor", "file_operation", "shell_executor"]}
if sys.argv[2]:
    cfg["image"] = sys.argv[2]
sid = c.create_sandbox(cfg)
c.execute_tool(sid, "python_executor", {"code": "import os; os.mkfifo('solution.py')"})
other = c.create_sandbox(cfg)
def call(tool, params, s=sid):
    try:
        c.execute_tool(s, tool, params)
    except Exception as e:
        print("call:", e)
threading.Thread(target=call, args=("file_operation", {
    "operation": "write", "file_path": "solution.py", "content": "x"}), daemon=True).start()
threading.Thread(target=call, args=("shell_executor", {
    "command": "sleep 25", "timeout": 30}, other), daemon=True).start()
print("READY", flush=True)
threading.Event().wait(60)
PYEOF
	local client=$!
	for _ in $(seq 200); do grep -q READY "$SERVER_LOG.client" 2>/dev/null && break; sleep 0.1; done
	grep -q READY "$SERVER_LOG.client" || fail "client: $(cat "$SERVER_LOG.client")"
	sleep 1
	sigterm_bound
	kill "$client" 2>/dev/null
	wait "$client" 2>/dev/null
	rm -f "$SERVER_LOG.client"
	pgrep -f "slee[p] 25" >/dev/null && fail "a sandboxed process outlived the server"
}

# A ceiling with room for long jobs and big trees: the default policy with a 2 min wall and CPU
# limit, and a work dir with inodes for 200,000 files.
tall_policy() {
	mkdir -p "$1"
	sed -e 's/^name: .*/name: tall/' -e 's/wall: .*/wall: 120s/' -e 's/cpu: .*/cpu: 120s/' \
		-e 's/tmpfs: .*/tmpfs: 1g/' -e 's/memory: .*/memory: 1g/' \
		"$SBX_SOURCE_DIR/policies/default.yaml" >"$1/tall.yaml"
}

tenants_file() {
	local sha
	sha=$(printf %s bob-key-0002 | sha256sum | cut -d' ' -f1)
	cat >"$1" <<EOF
tenants:
  - name: alice
    key: "alice-key-0001"
    max_sandboxes: 8
    max_jobs: 4
    ceiling: default
  - name: bob
    key_sha256: "$sha"
  - name: carol
    key: carol-key-0003
    max_sandboxes: 2
    max_jobs: 1
    ceiling: strict
EOF
}

work=$(mktemp -d)
trap 'cleanup_server; rm -rf "$work"' EXIT

case ${1:?case} in
ceiling) # limits, network and tool timeouts above the ceiling: 422, nothing runs
	need_exec
	start_server
	attack ceiling
	# The CLI is the operator: --limit may go up to the policy files' own bounds.
	"$SANDBOXRT" run --limit pids=65536 --limit wall=24h -- /bin/true ||
		fail "sandboxrt run --limit above the default ceiling was refused"
	stop_server
	mkdir -p "$work/pol"
	sed -e 's/^name: .*/name: tiny/' -e 's/wall: .*/wall: 2s/' -e 's/memory: .*/memory: 128m/' \
		"$SBX_SOURCE_DIR/policies/default.yaml" >"$work/pol/tiny.yaml"
	start_server --ceiling "$work/pol/tiny.yaml"
	attack ceiling_file
	stop_server
	start_server --allow-network
	attack allow_network
	;;
tenants)
	need_exec
	tenants_file "$work/tenants.yaml"
	start_server --tenants "$work/tenants.yaml" --max-concurrency 4
	attack tenants
	for key in alice-key-0001 bob-key-0002 carol-key-0003 mallory; do
		grep -q -- "$key" "$SERVER_LOG" && fail "the log shows the key $key"
	done
	grep -q "tenant=bob" "$SERVER_LOG" || fail "the log does not name the tenant"
	;;
fifo)
	need_exec
	own_state_dir
	start_server
	attack --state-dir "$(state_dir)" --server-pid "$SERVER_PID" fifo
	;;
deep_tree)
	need_exec
	# Building 40,000 levels takes a while on a disk (the sandbox's, not the server's time).
	tall_policy "$work/pol"
	own_state_dir
	start_server --ceiling "$work/pol/tall.yaml"
	attack --state-dir "$(state_dir)" --server-pid "$SERVER_PID" --build-timeout 120 deep_tree
	;;
connections)
	start_server
	attack connections
	stop_server
	start_server --connection-timeout 2
	attack connection_timeout
	stop_server
	need_exec
	start_server --max-connections 4 --max-concurrency 1
	attack connections_full
	;;
sigterm)
	need_exec
	own_state_dir
	start_server --ceiling compile
	sigterm_case
	;;
docker_ceiling)
	need_docker
	start_server --backend docker
	attack --image "$IMAGE" ceiling_docker
	;;
docker_fifo)
	need_docker
	start_server --backend docker
	attack --image "$IMAGE" fifo
	;;
docker_deep_tree)
	need_docker
	tall_policy "$work/pol"
	start_server --backend docker --ceiling "$work/pol/tall.yaml"
	attack --image "$IMAGE" --build-timeout 120 deep_tree
	;;
docker_sigterm)
	need_docker
	start_server --backend docker --ceiling compile
	sigterm_case "$IMAGE"
	;;
*)
	fail "unknown case $1"
	;;
esac
[ -n "$SERVER_PID" ] && stop_server
echo PASS
