#!/usr/bin/env bash
# SIGTERM: stop accepting, let the running job end, answer the queued request with 503, remove
# every sandbox, exit 0; nothing of the server's sandboxes stays on the host.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_exec

own_state_dir
start_server --max-concurrency 1 --queue 8
export SERVE_DIR
"$PY" - "$URL" >"$SERVER_LOG.client" 2>&1 <<'PYEOF' &
import os, sys, threading, time
sys.path.insert(0, os.environ["SERVE_DIR"])
from enclave import Client
c = Client(sys.argv[1])
ids = [c.create_sandbox({"tools_config": ["shell_executor", "file_operation"]}) for _ in range(3)]
for i in ids:
    c.execute_tool(i, "file_operation", {"operation": "write", "file_path": "f", "content": "x"})
c.initialize_pool(2, {"tools_config": ["shell_executor"]})
out = {}
def run(name, sid, cmd):
    try:
        out[name] = c.execute_tool(sid, "shell_executor", {"command": cmd, "timeout": 10})
    except Exception as e:
        out[name] = e
running = threading.Thread(target=run, args=("running", ids[0], "sleep 2.71; echo finished"))
running.start()
time.sleep(0.5)
queued = threading.Thread(target=run, args=("queued", ids[1], "echo never"))
queued.start()
print("READY", flush=True)
running.join(); queued.join()
print("running:", out["running"]["output"] if isinstance(out["running"], dict) else out["running"])
q = out["queued"]
print("queued:", getattr(q, "status", None), getattr(q, "detail", None))
PYEOF
client=$!
for _ in $(seq "$(scaled 100)"); do grep -q READY "$SERVER_LOG.client" 2>/dev/null && break; sleep 0.1; done
scaled_sleep 0.3
t0=$(date +%s%N)
stop_server
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
wait $client || fail "client: $(cat "$SERVER_LOG.client")"
cat "$SERVER_LOG.client"
grep -q "running: finished" "$SERVER_LOG.client" || fail "the running job did not finish"
grep -q "queued: 503 Server is shutting down" "$SERVER_LOG.client" ||
	fail "the queued request did not get 503"
# The running job had at most 2.71 s left; allow a generous margin.
[ "$elapsed_ms" -lt "$(scaled 12710)" ] || fail "stopping took ${elapsed_ms} ms"
grep -q "stopped; removed 5 sandboxes" "$SERVER_LOG" || fail "not every sandbox was removed"
left=$(ls "$(state_dir)/boxes" 2>/dev/null)
[ -z "$left" ] || fail "sandbox directories left behind: $left"
pgrep -f "sleep 2.71" >/dev/null && fail "a sandboxed process outlived the server"
rm -f "$SERVER_LOG.client"
echo PASS
