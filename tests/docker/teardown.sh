#!/usr/bin/env bash
# After the Docker tests: no sandboxrt-labelled container may be left; then stop the daemon
# that docker_setup started (unless SBX_DOCKER_KEEP=1).
set -u
here=$(cd "$(dirname "$0")" && pwd)
status=0
if command -v docker >/dev/null 2>&1 && docker version >/dev/null 2>&1; then
	left=$(docker ps -aq --filter label=sandboxrt.owner)
	if [ -n "$left" ]; then
		echo "FAIL: sandboxrt containers left behind:"
		docker ps -a --filter label=sandboxrt.owner
		docker rm -f -v $left >/dev/null
		status=1
	else
		echo "no sandboxrt container left"
	fi
fi
if [ "${SBX_DOCKER_KEEP:-0}" != 1 ]; then
	bash "$here/../../scripts/docker-setup.sh" stop || status=1
fi
exit $status
