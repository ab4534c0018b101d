#!/usr/bin/env bash
# sandboxrt serve through HTTP: api.sh CASE (see the case list below).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

case ${1:?case} in
routes) # every route, its documented errors, bodies and requests that must be refused
	start_server --max-body 65536
	api routes
	api --max-body 65536 limits
	;;
auth)
	SANDBOXRT_API_KEY=s3cret-key-0123 start_server
	api --api-key s3cret-key-0123 auth
	stop_server
	start_server --api-key flag-key-987
	api --api-key flag-key-987 auth
	# One line per request, without the key (it came in headers and query strings).
	grep -q "GET /health 401" "$SERVER_LOG" || fail "no log line for a refused request"
	grep -q "flag-key-987" "$SERVER_LOG" && fail "the log shows the API key"
	;;
backend_choice)
	start_server
	api --expect auto backend_choice
	stop_server
	start_server --image-map 'node:*=native' --allow-network
	api --expect mapped backend_choice
	stop_server
	start_server --backend native
	api --expect native backend_choice
	;;
tools)
	need_exec
	start_server
	api tools
	api languages
	api v1
	;;
manager)
	need_exec
	start_server
	api manager
	;;
hostile_tar)
	start_server
	outside=$(mktemp -d)
	api --outside "$outside" hostile_tar
	rmdir "$outside" || fail "something was written to $outside"
	;;
concurrency)
	need_exec
	start_server --max-concurrency 2 --queue 256
	api --max-concurrency 2 --requests 200 concurrency
	;;
disconnect)
	need_exec
	start_server --max-concurrency 1 --queue 16
	api disconnect
	;;
*)
	fail "unknown case $1"
	;;
esac
stop_server
echo PASS
