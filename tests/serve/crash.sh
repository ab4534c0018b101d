#!/usr/bin/env bash
# A server killed with SIGKILL leaves its sandboxes behind; the next server reaps them.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

own_state_dir
start_server
"$PY" - "$URL" <<'PYEOF' || fail "setup"
import os, sys
sys.path.insert(0, os.environ.get("SERVE_DIR", "."))
from enclave import Client
c = Client(sys.argv[1])
for _ in range(2):
    sid = c.create_sandbox({"tools_config": ["file_operation"]})
    c.execute_tool(sid, "file_operation", {"operation": "write", "file_path": "f", "content": "x"})
PYEOF
dead=$SERVER_PID
boxes=$(state_dir)/boxes
[ -n "$(ls "$boxes")" ] || fail "no sandbox directories to begin with"
kill -KILL "$dead"
wait "$dead" 2>/dev/null
SERVER_PID=
owners_released
start_server
left=$(ls "$boxes" 2>/dev/null)
[ -z "$left" ] || fail "the new server did not reap $left"
stop_server
echo PASS
