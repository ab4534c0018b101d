#!/usr/bin/env bash
# Make a Docker engine and the test image available for sandboxrt's Docker backend.
#
#   scripts/docker-setup.sh [start]   install docker.io if missing, start dockerd if no daemon
#                                      answers, build sandboxrt-test/python:3.11 if missing
#   scripts/docker-setup.sh stop      stop the dockerd that this script started (and only it)
#   scripts/docker-setup.sh status    say whether an engine answers and the image exists
#
# Exit status: 0 ready, 77 no engine can be had here (the reason on stderr), 1 failure.
# The daemon runs with --bridge=none --iptables=false: sandboxes never need a bridge, and the
# host's firewall is left alone.
set -euo pipefail

IMAGE=${SBX_DOCKER_TEST_IMAGE:-sandboxrt-test/python:3.11}
SUITE=${SBX_DOCKER_SUITE:-bookworm}
STATE_DIR=${SBX_DOCKER_STATE_DIR:-/run/sandboxrt-docker-setup}
PIDFILE=$STATE_DIR/dockerd.pid
LOG=$STATE_DIR/dockerd.log
# Bumped when the image's recipe changes, so that an image built by an older one is rebuilt
# (version 2: its / is 0755, not mktemp's 0700).
IMAGE_LABEL=org.sandboxrt.test-image
IMAGE_VERSION=2

say() { echo "docker-setup: $*" >&2; }
skip() { say "$*"; exit 77; }

engine_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

install_docker() {
	command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] || skip "dockerd is not installed and we are not root to install docker.io"
	command -v apt-get >/dev/null 2>&1 || skip "dockerd is not installed and there is no apt-get"
	say "installing docker.io"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q --no-install-recommends docker.io >/dev/null 2>&1; then
		apt-get update -q >/dev/null 2>&1 || true
		apt-get install -y -q --no-install-recommends docker.io >/dev/null ||
			skip "could not install docker.io with apt-get"
	fi
}

start_daemon() {
	engine_up && return 0
	[ "$(id -u)" = 0 ] || skip "no Docker daemon answers and we are not root to start one"
	mkdir -p "$STATE_DIR"
	say "starting dockerd (log: $LOG)"
	# setsid: the daemon must outlive this script and the test that ran it.
	setsid dockerd --bridge=none --iptables=false >"$LOG" 2>&1 </dev/null &
	echo $! >"$PIDFILE"
	for _ in $(seq 1 120); do
		engine_up && return 0
		if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
			tail -n 20 "$LOG" >&2 || true
			rm -f "$PIDFILE"
			skip "dockerd exited at start (see above)"
		fi
		sleep 0.5
	done
	tail -n 20 "$LOG" >&2 || true
	skip "dockerd did not answer within 60 s"
}

build_image() {
	local have
	have=$(docker image inspect --format "{{index .Config.Labels \"$IMAGE_LABEL\"}}" "$IMAGE" \
		2>/dev/null) || have=absent
	[ "$have" = "$IMAGE_VERSION" ] && return 0
	[ "$have" = absent ] || say "rebuilding $IMAGE: it predates version $IMAGE_VERSION of its recipe"
	command -v debootstrap >/dev/null 2>&1 || {
		say "installing debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null ||
			{ say "could not install debootstrap"; exit 1; }
	}
	local mirror dir
	mirror=$("$(dirname "${BASH_SOURCE[0]}")/debian-mirror.sh") || true
	[ -n "$mirror" ] || { say "no Debian mirror found in /etc/apt"; exit 1; }
	dir=$(mktemp -d /var/tmp/sandboxrt-rootfs.XXXXXX)
	# mktemp -d makes it 0700, and `tar -C dir .` keeps that mode for the image's /: with the vfs
	# storage driver, the engine then cannot even run /sbin/docker-init as the container user.
	chmod 0755 "$dir"
	# shellcheck disable=SC2064
	trap "rm -rf '$dir'" EXIT
	say "building $IMAGE: debootstrap $SUITE from $mirror"
	debootstrap --variant=minbase --include=python3 "$SUITE" "$dir" "$mirror" \
		>"$dir.log" 2>&1 || { tail -n 30 "$dir.log" >&2; rm -f "$dir.log"; exit 1; }
	rm -f "$dir.log"
	tar -C "$dir" -c . | docker import -c 'CMD ["/usr/bin/python3"]' \
		-c "LABEL $IMAGE_LABEL=$IMAGE_VERSION" - "$IMAGE" >/dev/null
	rm -rf "$dir"
	trap - EXIT
	say "built $IMAGE"
}

stop_daemon() {
	[ -f "$PIDFILE" ] || { say "no dockerd started by this script"; return 0; }
	local pid
	pid=$(cat "$PIDFILE")
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
		say "stopping dockerd ($pid)"
		kill -TERM "$pid"
		for _ in $(seq 1 60); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	fi
	rm -f "$PIDFILE"
}

case "${1:-start}" in
start)
	install_docker
	start_daemon
	build_image
	;;
stop) stop_daemon ;;
status)
	engine_up || { say "no engine answers"; exit 77; }
	docker image inspect "$IMAGE" >/dev/null 2>&1 || { say "engine up, $IMAGE missing"; exit 1; }
	say "engine up, $IMAGE present"
	;;
*)
	say "usage: $0 [start|stop|status]"
	exit 2
	;;
esac
