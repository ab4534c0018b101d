#!/usr/bin/env bash
# Graceful drain. Two nodes behind HAProxy; SIGTERM to sbx-0 while it runs two jobs (one in a
# stateful sandbox, reached through HAProxy, one /v1/run): its /health answers 503 at once,
# it takes no new sandbox (and a second SIGTERM changes nothing), HAProxy sends new work to
# sbx-1 (retrying sbx-0's 503s there) and marks sbx-0 down; both jobs finish; sbx-0 exits 0
# having removed its sandboxes, and none of its directories or processes stay. Then the bound: a node with --drain-timeout 2 and a job
# of 60 s exits within the bound, cancelling the job, and leaves nothing behind either.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_jail
need_haproxy

start_node sbx-0 --max-concurrency 2 --drain-timeout 60
start_node sbx-1 --max-concurrency 2
start_haproxy
node0=http://127.0.0.1:${NODE_PORT[sbx-0]}
pid0=${NODE_PID[sbx-0]}

# Two jobs on sbx-0: a tool call in its sandbox (through HAProxy), and a /v1/run.
"$PY" - "$HAPROXY_URL" "$node0" >"$WORK/jobs.out" 2>&1 <<'PYEOF' &
import os, sys, threading
sys.path.insert(0, os.environ["SERVE_DIR"])
from enclave import Client
lb, node0 = Client(sys.argv[1]), Client(sys.argv[2])
sid = node0.create_sandbox({"tools_config": ["shell_executor"]})
assert sid.startswith("sbx-0."), sid
print("SANDBOX", sid, flush=True)
out = {}
def tool():
    out["tool"] = lb.execute_tool(sid, "shell_executor",
                                  {"command": "sleep 3.37; echo finished-in-sandbox", "timeout": 10})
def run():
    out["run"] = node0.request("POST", "/v1/run", body={"argv": ["/bin/sh", "-c", "sleep 3.38; echo finished-run"]})
ts = [threading.Thread(target=f) for f in (tool, run)]
for t in ts: t.start()
for t in ts: t.join()
print("tool:", out["tool"]["output"].strip())
print("run:", out["run"][0], out["run"][1]["stdout"].strip())
PYEOF
jobs_pid=$!
for _ in $(seq 300); do
	[ "$(metric sbx-0 sandboxrt_running_jobs)" = 2 ] && break
	sleep 0.05
done
[ "$(metric sbx-0 sandboxrt_running_jobs)" = 2 ] || fleet_fail "the two jobs did not start on sbx-0"
sid=$(sed -n 's/^SANDBOX //p' "$WORK/jobs.out")
kill -TERM "$pid0"
# Operators and supervisors repeat the signal: every thread of the server blocks it (the Docker
# backend's threads start before the signal loop), so the repeat cannot kill the draining node.
sleep 0.2
kill -TERM "$pid0"

# Draining: readiness fails, no new sandbox, HAProxy sends new work elsewhere.
health=$(curl -s -w ' %{http_code}' "$node0/health")
case $health in *'"status":"draining"'*' 503') ;; *) fleet_fail "sbx-0 /health while draining: $health" ;; esac
code=$(curl -s -o "$WORK/create.out" -w '%{http_code}' -X POST "$node0/sandbox/create?sandbox_type=docker" -d '{}')
[ "$code" = 503 ] || fleet_fail "sbx-0 created a sandbox while draining: $code $(cat "$WORK/create.out")"
for i in 1 2 3 4; do
	out=$(curl -s -X POST "$HAPROXY_URL/v1/run" -d "{\"argv\": [\"/bin/echo\", \"lb-$i\"]}")
	case $out in *"\"stdout\":\"lb-$i\\n\""*) ;; *) fleet_fail "/v1/run through HAProxy while sbx-0 drains: $out" ;; esac
done
wait_state sbx-0 DOWN 50
new=$(curl -s -X POST "$HAPROXY_URL/sandbox/create?sandbox_type=docker" -d '{}')
case $new in *'"sandbox_id":"sbx-1.'*) ;; *) fleet_fail "a sandbox created while sbx-0 drains: $new" ;; esac
gone=$(curl -s "$HAPROXY_URL/sandbox/$sid")
case $gone in *"node 'sbx-0' is gone"*) ;; *) fleet_fail "sbx-0's sandbox while it drains: $gone" ;; esac

# The running jobs finish; then the node removes its sandboxes and exits 0.
wait $jobs_pid || fleet_fail "the jobs' client failed: $(cat "$WORK/jobs.out")"
grep -q "^tool: finished-in-sandbox$" "$WORK/jobs.out" || fleet_fail "the sandbox's job did not finish: $(cat "$WORK/jobs.out")"
grep -q "^run: 200 finished-run$" "$WORK/jobs.out" || fleet_fail "the /v1/run job did not finish: $(cat "$WORK/jobs.out")"
stop_node sbx-0
grep -q "stopped; removed 1 sandboxes" "$WORK/sbx-0.log" || fleet_fail "sbx-0 did not remove its sandbox"
pgrep -f "sleep 3.3[78]" >/dev/null && fleet_fail "a process of sbx-0's jobs outlived it"

# The bound: a job longer than --drain-timeout is cancelled when it runs out.
start_node sbx-2 --max-concurrency 1 --drain-timeout 2
curl -s -X POST "http://127.0.0.1:${NODE_PORT[sbx-2]}/v1/run" \
	-d '{"argv": ["/bin/sleep", "60.25"]}' >"$WORK/long.out" 2>&1 &
long_pid=$!
for _ in $(seq 300); do
	[ "$(metric sbx-2 sandboxrt_running_jobs)" = 1 ] && break
	sleep 0.05
done
t0=$(date +%s%N)
stop_node sbx-2
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
wait $long_pid
# Well under the job's own wall limit (the default policy's 10 s), so the drain stopped it.
[ "$elapsed_ms" -lt 8000 ] || fleet_fail "a node with --drain-timeout 2 took ${elapsed_ms} ms to stop"
[ "$elapsed_ms" -ge 1900 ] || fleet_fail "the node did not wait for its running job (${elapsed_ms} ms)"
for _ in $(seq 50); do pgrep -f "sleep 60.25" >/dev/null || break; sleep 0.1; done
pgrep -f "sleep 60.25" >/dev/null && fleet_fail "the cancelled job outlived its node"
echo PASS
