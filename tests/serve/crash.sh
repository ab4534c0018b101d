#!/usr/bin/env bash
# A server killed with SIGKILL leaves nothing of its sandboxes behind: their work dirs live in
# its jail launcher's own mount namespace (isolation/storage.h), which goes with it.
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
boxes=" $(state_dir)/boxes/"
launcher=$(pgrep -P "$dead" -x sbx-launcher | head -1)
[ -n "$launcher" ] || fail "the server has no jail launcher"
n=$(grep -cF "$boxes" "/proc/$launcher/mountinfo")
[ "$n" -ge 2 ] || fail "$n work dirs in the launcher's mount namespace, expected the 2 sandboxes'"
grep -F "$boxes" /proc/self/mountinfo && fail "a work dir is mounted on the host"
kill -KILL "$dead"
wait "$dead" 2>/dev/null
SERVER_PID=
for _ in $(seq 50); do
        kill -0 "$launcher" 2>/dev/null || break
        sleep 0.1
done
kill -0 "$launcher" 2>/dev/null && fail "the launcher (and its work dirs) outlived the server"
left=$(ls -A "$(state_dir)/boxes" 2>/dev/null)
[ -z "$left" ] && ! grep -F "$boxes" /proc/self/mountinfo ||
        fail "the dead server left sandboxes on the host"
start_server
stop_server
echo PASS
