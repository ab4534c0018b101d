#!/usr/bin/env bash
# The remote backend against a live server, speaking sandboxrt's protocol and then ms-enclave's.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_exec
bin=${1:?test_remote binary}
SANDBOXRT_API_KEY=remote-key-42 start_server
export SBX_REMOTE_URL=$URL SBX_REMOTE_KEY=remote-key-42
"$bin" || fail "sandboxrt protocol"
SANDBOXRT_REMOTE_PROTOCOL=ms-enclave "$bin" || fail "ms-enclave protocol"
stop_server
echo PASS
