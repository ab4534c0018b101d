#!/usr/bin/env bash
# sandboxrt serve's command line: flags, refusals, binding.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

out=$("$SANDBOXRT" serve --help) || fail "--help failed"
for flag in --host --port --api-key --max-concurrency --queue --max-body --cleanup-interval \
	--backend --log-level --insecure-no-auth --allow-network --image-map --tenants --ceiling \
	--max-connections --max-connections-per-ip --connection-timeout; do
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
refused 2 "max-connections" --max-connections 0
refused 2 "connection-timeout" --connection-timeout 2h
unset SANDBOXRT_API_KEY
SANDBOXRT_API_KEY= refused 2 "empty" --port 0
echo "ok refusals"

# Ceilings and tenants files: mistakes stop the server, naming the file, line and key.
dir=$(mktemp -d)
trap 'cleanup_server; rm -rf "$dir"' EXIT
printf 'tenants:\n  - name: a\n    key: k-a\n' >"$dir/ok.yaml"
printf 'tenants:\n  - name: a\n' >"$dir/nokey.yaml"
printf 'tenants:\n  - name: a\n    key: k-a\n    max_jobs: many\n' >"$dir/badquota.yaml"
printf 'tenants:\n  - name: a\n    key: k-a\n    ceiling: nope\n' >"$dir/badceiling.yaml"
refused 2 "unknown policy 'nope'" --port 0 --ceiling nope
refused 2 "no-such.yaml" --port 0 --ceiling ./no-such.yaml
refused 2 "exclude each other" --port 0 --api-key k --tenants "$dir/ok.yaml"
refused 2 "nokey.yaml:2: tenants\[0\]: needs a key" --port 0 --tenants "$dir/nokey.yaml"
refused 2 "badquota.yaml:4: tenants\[0\].max_jobs" --port 0 --tenants "$dir/badquota.yaml"
refused 2 "tenant \"a\" (line 2): ceiling: unknown policy 'nope'" --port 0 \
	--tenants "$dir/badceiling.yaml"
refused 2 "no-such" --port 0 --tenants "$dir/no-such.yaml"
grep -q "k-a" <<<"$(timeout 10 "$SANDBOXRT" serve --port 0 --tenants "$dir/badquota.yaml" 2>&1)" &&
	fail "a tenants file error shows a key"
# Tenants are authentication: a non-loopback address needs no --api-key then.
start_server --host 0.0.0.0 --tenants "$dir/ok.yaml"
stop_server
echo "ok ceilings and tenants files"

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
