# Helpers for the fleet tests: `sandboxrt serve` nodes on 127.0.0.1 ports, HAProxy in front of
# them with the project's own deploy/haproxy/haproxy.cfg, and clean-up of everything started.
# Loopback only: every node, HAProxy and client listen and connect on 127.0.0.1.
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
SRC=${SBX_SOURCE_DIR:?}
FLEET_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export FLEET_DIR SERVE_DIR="$SRC/tests/serve"

WORK=$(mktemp -d /tmp/sbx-fleet-test.XXXXXX)
declare -A NODE_PID NODE_PORT
HAPROXY_PID=
HAPROXY_PORT=
HAPROXY_SOCK=$WORK/haproxy.sock

fleet_cleanup() {
	local pid
	for pid in "${NODE_PID[@]}" $HAPROXY_PID; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${NODE_PID[@]}" $HAPROXY_PID; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	[ -n "${SBX_KEEP_TMP:-}" ] || rm -rf "$WORK"
}
trap fleet_cleanup EXIT

# Say what went wrong, with the tails of the logs.
fleet_fail() {
	local f
	for f in "$WORK"/*.log; do
		[ -f "$f" ] || continue
		echo "--- $(basename "$f")" >&2
		tail -n 15 "$f" >&2
	done
	fail "$@"
}

need_jail() {
	"$SBX" run --backend native -- /usr/bin/python3 -c 'print(1)' >/dev/null 2>&1 ||
		skip "the native jail does not run here: $("$SBX" doctor 2>&1 | tr '\n' ';')"
}

need_haproxy() {
	command -v haproxy >/dev/null 2>&1 ||
		skip "haproxy is not installed (scripts/install-deps.sh installs Debian's package)"
}

# A TCP port free on 127.0.0.1 right now.
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_node NAME [serve options...]: a node named NAME on a free loopback port.
# Every node's ceiling leaves room for eval's judging limits (3x review_timeout of wall time, a
# 16 MiB output cap), as an evaluation server's must (README, Evaluator).
sed -e 's/^name: .*/name: judge/' -e 's/wall: .*/wall: 60s/' -e 's/output: .*/output: 16m/' \
	"$SBX_SOURCE_DIR/policies/default.yaml" >"$WORK/judge.yaml"

start_node() {
	local name=$1 log=$WORK/$1.log port=
	shift
	"$SBX" serve --host 127.0.0.1 --port 0 --node-name "$name" --ceiling "$WORK/judge.yaml" "$@" \
		2>"$log" &
	NODE_PID[$name]=$!
	for _ in $(seq 200); do
		port=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9]*\) .*/\1/p' "$log")
		[ -n "$port" ] && break
		kill -0 "${NODE_PID[$name]}" 2>/dev/null || fleet_fail "node $name exited"
		sleep 0.1
	done
	[ -n "$port" ] || fleet_fail "node $name did not start listening"
	NODE_PORT[$name]=$port
}

# The env that points deploy/haproxy/haproxy.cfg at the nodes sbx-0 .. sbx-N started here.
haproxy_env() {
	local i=0
	echo "SBX_HAPROXY_BIND=127.0.0.1:$HAPROXY_PORT SBX_HAPROXY_SOCKET=$HAPROXY_SOCK"
	while [ -n "${NODE_PORT[sbx-$i]:-}" ]; do
		echo "SBX_NODE_$i=127.0.0.1:${NODE_PORT[sbx-$i]}"
		i=$((i + 1))
	done
}

# HAProxy's runtime API: haproxy_cmd "show stat".
haproxy_cmd() {
	"$PY" - "$HAPROXY_SOCK" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while chunk := s.recv(65536):
    out += chunk
print(out.decode(), end="")
EOF
}

# server_state NAME: UP, DOWN, MAINT, ... as HAProxy sees the node.
server_state() {
	haproxy_cmd "show stat" | awk -F, -v s="$1" '$1 == "sandboxrt_nodes" && $2 == s {print $18}'
}

# wait_state NAME STATE [TENTHS]
wait_state() {
	for _ in $(seq "${3:-100}"); do
		[ "$(server_state "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	fleet_fail "HAProxy did not see $1 $2 (it says $(server_state "$1"))"
}

# start_haproxy: the project's config in front of every node started, on a free port; returns
# once every node is UP.
start_haproxy() {
	local n
	need_haproxy
	HAPROXY_PORT=$(free_port)
	# shellcheck disable=SC2046
	env $(haproxy_env) haproxy -c -q -f "$SRC/deploy/haproxy/haproxy.cfg" >"$WORK/haproxy-check.log" 2>&1 ||
		fleet_fail "haproxy -c rejects deploy/haproxy/haproxy.cfg: $(cat "$WORK/haproxy-check.log")"
	# shellcheck disable=SC2046
	env $(haproxy_env) haproxy -W -db -f "$SRC/deploy/haproxy/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
	HAPROXY_PID=$!
	for _ in $(seq 100); do
		[ -S "$HAPROXY_SOCK" ] && break
		kill -0 "$HAPROXY_PID" 2>/dev/null || fleet_fail "haproxy exited"
		sleep 0.1
	done
	for n in "${!NODE_PORT[@]}"; do
		wait_state "$n" UP
	done
	HAPROXY_URL=http://127.0.0.1:$HAPROXY_PORT
}

# stop_node NAME: SIGTERM, then it must exit 0 within 60 s.
stop_node() {
	local pid=${NODE_PID[$1]} status
	kill -TERM "$pid"
	for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && fleet_fail "node $1 ignored SIGTERM for 60 s"
	wait "$pid"
	status=$?
	unset "NODE_PID[$1]"
	[ "$status" = 0 ] || fleet_fail "node $1 exited with $status after SIGTERM"
}

# kill_node NAME: SIGKILL by its PID, as a crash would.
kill_node() {
	kill -KILL "${NODE_PID[$1]}"
	wait "${NODE_PID[$1]}" 2>/dev/null
	unset "NODE_PID[$1]"
}

# metric NAME METRIC: a gauge's value on a node's /metrics.
metric() {
	"$PY" - "http://127.0.0.1:${NODE_PORT[$1]}/metrics" "$2" <<'EOF'
import re, sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
m = re.search(r"^" + re.escape(sys.argv[2]) + r"(\{[^}]*\})? (\S+)$", text, re.M)
print(m.group(2) if m else "")
EOF
}

# kill_node_busy NAME: SIGKILL the node while it runs a job (so a job is lost with it).
kill_node_busy() {
	for _ in $(seq 600); do
		[ "$(metric "$1" sandboxrt_running_jobs)" -ge 1 ] 2>/dev/null && break
		sleep 0.05
	done
	kill_node "$1"
}

# kill_node_midway NAME: once the run is well under way (the node has had 10 jobs), SIGKILL the
# node while it runs a job.
kill_node_midway() {
	for _ in $(seq 600); do
		[ "$(grep -c 'POST /v1/run' "$WORK/$1.log")" -ge 10 ] && break
		sleep 0.1
	done
	kill_node_busy "$1"
}

# node_token NAME: the owner token of the node's native backend (runtime/owner.h), which the
# names of its sandbox directories start with, read from the record it holds open.
node_token() {
	local f
	for f in /proc/"${NODE_PID[$1]}"/fd/*; do
		f=$(readlink "$f" 2>/dev/null) || continue
		case $f in "$(state_dir)"/owners/native.*) echo "${f##*.}" && return 0 ;; esac
	done
	fleet_fail "node $1 holds no owner record in $(state_dir)/owners"
}

# json FILE EXPR: a Python expression over the JSON document d in FILE.
json() {
	"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# humaneval_task NAME: a task file for HumanEval's reference solutions into $WORK/NAME.
humaneval_task() {
	printf 'model: reference\ndatasets: [humaneval]\ndataset_args:\n  humaneval:\n    review_timeout: 10\nwork_dir: %s\n' \
		"$WORK/$1" >"$WORK/$1.yaml"
}

# expect_humaneval_164 NAME: the run scored 164/164 with no sandbox error.
expect_humaneval_164() {
	local report=$WORK/$1/reports/reference/humaneval.json
	[ -f "$report" ] || fleet_fail "no report $report"
	[ "$(json "$report" 'd["outcomes"].get("OK", 0)')" = 164 ] ||
		fleet_fail "$1: not 164/164: $(json "$report" 'd["outcomes"]')"
}
