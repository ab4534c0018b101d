#!/usr/bin/env bash
# sandboxrt serve's command line: flags, refusals, binding.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

out=$("$SANDBOXRT" serve --help) || fail "--help failed"
for flag in --host --port --api-key --max-concurrency --queue --max-body --cleanup-interval \
	--backend --log-level --insecure-no-auth --allow-network --image-map; do
	grep -q -- "$flag" <<<"$out" || fail "--help does not mention $flag"
done

refused() { # refused STATUS PATTERN ARGS...: the server must not start (bounded by timeout)
	local want=$1 pattern=$2 err status
	shift 2
	err=$(timeout 10 "$SANDBOXRT" serve "$@" 2>&1 >/dev/null)
	status=$?
	[ "$status" = "$want" ] || fail "serve $* exited $status, not $want: $err"
	grep -qi -- "$pattern" <<<"$err" || fail "serve $*: no '$pattern' in: $err"
}
refused 2 "without an API key" --host 0.0.0.0 --port 0
refused 2 "without an API key" --host 10.1.2.3 --port 0
refused 2 "port" --port 70000
refused 2 "backend" --backend kvm
refused 2 "image-map" --image-map python
refused 2 "log-level" --log-level loud
refused 2 "max-body" --max-body 12x
refused 2 "max-concurrency" --max-concurrency 0
refused 2 "unexpected" extra
unset SANDBOXRT_API_KEY
SANDBOXRT_API_KEY= refused 2 "empty" --port 0
echo "ok refusals"

# Loopback needs no key; ::1 works too when the host has IPv6.
start_server --host 127.0.0.1
curl_ok=$("$PY" -c "import json,urllib.request;print(json.load(urllib.request.urlopen('$URL/health'))['healthy'])")
[ "$curl_ok" = True ] || fail "health over 127.0.0.1"
stop_server
if "$PY" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	start_server --host ::1
	"$PY" -c "import urllib.request;urllib.request.urlopen('http://[::1]:$PORT/health')" ||
		fail "health over ::1"
	stop_server
fi
# A non-loopback address with a key starts (the key is random and the server stops at once).
key=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
SANDBOXRT_API_KEY=$key start_server --host 0.0.0.0
stop_server
grep -q "$key" "$SERVER_LOG" && fail "the log shows the API key"
echo PASS
