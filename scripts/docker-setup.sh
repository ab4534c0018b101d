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

# The first plain Debian mirror apt is configured with (one-line or deb822 format).
debian_mirror() {
	local files=() f
	[ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
	for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] || return 1
	awk '
		/^[[:space:]]*#/ { next }
		$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; break } }
		$1 == "URIs:" { for (i = 2; i <= NF; i++) print $i }
	' "${files[@]}" | grep -v -e security -e updates | head -n 1
}

build_image() {
	if docker image inspect "$IMAGE" >/dev/null 2>&1; then
		return 0
	fi
	command -v debootstrap >/dev/null 2>&1 || {
		say "installing debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null ||
			{ say "could not install debootstrap"; exit 1; }
	}
	local mirror dir
	mirror=$(debian_mirror) || true
	[ -n "$mirror" ] || { say "no Debian mirror found in /etc/apt"; exit 1; }
	dir=$(mktemp -d /var/tmp/sandboxrt-rootfs.XXXXXX)
	# shellcheck disable=SC2064
	trap "rm -rf '$dir'" EXIT
	say "building $IMAGE: debootstrap $SUITE from $mirror"
	debootstrap --variant=minbase --include=python3 "$SUITE" "$dir" "$mirror" \
		>"$dir.log" 2>&1 || { tail -n 30 "$dir.log" >&2; rm -f "$dir.log"; exit 1; }
	rm -f "$dir.log"
	tar -C "$dir" -c . | docker import -c 'CMD ["/usr/bin/python3"]' - "$IMAGE" >/dev/null
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
