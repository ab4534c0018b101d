#!/usr/bin/env bash
# Orphan reaping: kill -9 a client in the middle of a job; the next client that opens the
# Docker backend must remove the container the dead one left (labelled sandboxrt.owner=<pid>).
set -u
client=$1

command -v docker >/dev/null 2>&1 || { echo "skipped: no docker client" >&2; exit 77; }
docker version >/dev/null 2>&1 || { echo "skipped: no Docker engine answers" >&2; exit 77; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$client" hang >"$log" 2>&1 &
pid=$!
ids=
for _ in $(seq 1 200); do
	ids=$(docker ps -q --filter "label=sandboxrt.owner=$pid")
	[ -n "$ids" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$ids" ]; then
	echo "FAIL: no running container labelled sandboxrt.owner=$pid"
	cat "$log"
	kill -9 "$pid" 2>/dev/null
	exit 1
fi
sleep 1 # the job is running in it now
kill -9 "$pid"
wait "$pid" 2>/dev/null
if [ -z "$(docker ps -aq --filter "label=sandboxrt.owner=$pid")" ]; then
	echo "FAIL: the container went away by itself: nothing was left to reap"
	exit 1
fi
"$client" reap || { echo "FAIL: the second client did not start"; exit 1; }
left=$(docker ps -aq --filter "label=sandboxrt.owner=$pid")
if [ -n "$left" ]; then
	echo "FAIL: container(s) of the dead client still there: $left"
	docker rm -f -v $left >/dev/null
	exit 1
fi
echo "orphan container of pid $pid reaped"
echo "1 passed, 0 failed"
