#!/usr/bin/env bash
# After the Docker tests: no container of this test run may be left; then stop the daemon
# that docker_setup started (unless SBX_DOCKER_KEEP=1).
set -u
here=$(cd "$(dirname "$0")" && pwd)
status=0
# Ours are those labelled with an owner token of this test run's state dir: other sandboxrt
# instances on the engine (other test runs, a server) are none of our business.
ours() {
	local record
	for record in "${SANDBOXRT_STATE_DIR:-/nonexistent}"/owners/docker.*; do
		[ -e "$record" ] && docker ps -aq --filter "label=sandboxrt.owner=${record##*.}"
	done
}
if [ -z "${SANDBOXRT_STATE_DIR:-}" ]; then
	echo "SANDBOXRT_STATE_DIR is not set: cannot tell this run's containers from others'"
elif command -v docker >/dev/null 2>&1 && docker version >/dev/null 2>&1; then
	left=$(ours)
	if [ -n "$left" ]; then
		echo "FAIL: sandboxrt containers left behind:" $left
		docker rm -f -v $left >/dev/null
		status=1
	else
		echo "no sandboxrt container of this run left"
	fi
fi
if [ "${SBX_DOCKER_KEEP:-0}" != 1 ]; then
	bash "$here/../../scripts/docker-setup.sh" stop || status=1
fi
exit $status
