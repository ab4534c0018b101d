#!/usr/bin/env bash
# Orphan reaping. A client killed in the middle of its job (kill -9) has its container removed by
# its reaper, a process of its own that outlives it. Then the same with the reaper killed first
# (as when a service's whole cgroup is killed): a client in another pid namespace leaves a live
# client's container alone; once the client is dead, a client that cannot see its owner record
# (another state dir) leaves its container alone too; the next client that can removes it
# (labelled sandboxrt.owner=<the dead one's owner token>).
set -u
client=$1

command -v docker >/dev/null 2>&1 || { echo "skipped: no docker client" >&2; exit 77; }
docker version >/dev/null 2>&1 || { echo "skipped: no Docker engine answers" >&2; exit 77; }

work=$(mktemp -d)
log=$work/log
trap 'rm -rf "$work"' EXIT

# hang STATE_DIR: a client in the middle of its job, its pid in $pid, its owner token in $token
# and its reaper's pid in $reaper.
hang() {
	export SANDBOXRT_STATE_DIR=$1
	"$client" hang >"$log" 2>&1 &
	pid=$!
	local ids= record
	for _ in $(seq 1 200); do
		record=$(ls "$SANDBOXRT_STATE_DIR/owners" 2>/dev/null | grep '^docker\.')
		token=${record##*.}
		[ -n "$token" ] && ids=$(docker ps -q --filter "label=sandboxrt.owner=$token")
		[ -n "$ids" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$ids" ]; then
		echo "FAIL: no running container labelled with the client's owner token ($record)"
		cat "$log"
		kill -9 "$pid" 2>/dev/null
		exit 1
	fi
	reaper=$(pgrep -P "$pid" -x sbx-docker-reap)
	[ -n "$reaper" ] || { echo "FAIL: the client has no reaper"; exit 1; }
	sleep 1 # the job is running in it now
}

hang "$work/alone"
kill -TERM "$reaper" # as pkill -f would: it has the client's command line, and stays
kill -9 "$pid"
wait "$pid" 2>/dev/null
for _ in $(seq 1 300); do
	[ -z "$(docker ps -aq --filter "label=sandboxrt.owner=$token")" ] && break
	sleep 0.1
done
left=$(docker ps -aq --filter "label=sandboxrt.owner=$token")
if [ -n "$left" ]; then
	echo "FAIL: the reaper left the killed client's container(s) $left"
	docker rm -f -v $left >/dev/null
	exit 1
fi
for _ in $(seq 1 50); do kill -0 "$reaper" 2>/dev/null || break; sleep 0.1; done
kill -0 "$reaper" 2>/dev/null && { echo "FAIL: the reaper did not exit"; exit 1; }
[ -z "$(ls "$SANDBOXRT_STATE_DIR/owners" | grep "$token")" ] ||
	{ echo "FAIL: the reaper left the killed client's owner record"; exit 1; }
echo "the killed client's reaper removed its container"

hang "$work/state"
kill -9 "$reaper"
# A client in another pid namespace (a container, a CI job) starts while the job runs: it must
# not take the live owner for dead.
if unshare --pid --fork --mount-proc true 2>/dev/null; then
	unshare --pid --fork --mount-proc "$client" reap ||
		{ echo "FAIL: the client in another pid namespace did not start"; exit 1; }
	if [ -z "$(docker ps -q --filter "label=sandboxrt.owner=$token")" ]; then
		echo "FAIL: a client in another pid namespace removed a live client's container"
		exit 1
	fi
fi
kill -9 "$pid"
wait "$pid" 2>/dev/null
if [ -z "$(docker ps -aq --filter "label=sandboxrt.owner=$token")" ]; then
	echo "FAIL: the container went away by itself: nothing was left to reap"
	exit 1
fi
SANDBOXRT_STATE_DIR=$work/other "$client" reap || { echo "FAIL: the other client did not start"; exit 1; }
if [ -z "$(docker ps -aq --filter "label=sandboxrt.owner=$token")" ]; then
	echo "FAIL: a client that cannot see the owner's record removed its container"
	exit 1
fi
"$client" reap || { echo "FAIL: the second client did not start"; exit 1; }
left=$(docker ps -aq --filter "label=sandboxrt.owner=$token")
if [ -n "$left" ]; then
	echo "FAIL: container(s) of the dead client still there: $left"
	docker rm -f -v $left >/dev/null
	exit 1
fi
[ -z "$(ls "$SANDBOXRT_STATE_DIR/owners" | grep "$token")" ] ||
	{ echo "FAIL: the dead client's owner record is still there"; exit 1; }
echo "orphan container of owner $token reaped"
echo "1 passed, 0 failed"
