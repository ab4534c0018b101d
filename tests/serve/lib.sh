# Helpers for the serve tests: start a server on a free port, stop it, skip when the host cannot
# run sandboxes. Sourced by tests/serve/*.sh; needs $SANDBOXRT.
SERVE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SERVE_DIR
. "$SERVE_DIR/../common.sh"
SERVER_PID=
SERVER_LOG=
URL=

# common.sh's fail, with the server's last words.
fail() {
	echo "FAIL: $*" >&2
	[ -n "$SERVER_LOG" ] && tail -n 30 "$SERVER_LOG" >&2
	exit 1
}

# Tests that run programs need a working jail.
need_exec() {
	local out
	out=$("$SANDBOXRT" run -- /usr/bin/python3 -c 'print(1)' 2>&1) ||
		skip "sandboxrt run cannot run a program on this host yet: $out"
	[ "$out" = 1 ] || skip "sandboxrt run printed '$out' instead of 1"
}

cleanup_server() {
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	[ -n "$SERVER_LOG" ] && rm -f "$SERVER_LOG"
	if [ -n "${OWN_STATE:-}" ]; then
		# What a killed server left in the run's cgroups is reaped only by an instance that
		# sees its owner record: one last instance before the records go.
		owners_released
		"$SANDBOXRT" run --backend native -- /bin/true >/dev/null 2>&1
		rm -rf "$OWN_STATE"
	fi
}
trap cleanup_server EXIT

# start_server [serve options...]: sets SERVER_PID, URL, PORT.
start_server() {
	SERVER_LOG=$(mktemp)
	"$SANDBOXRT" serve --port 0 "$@" 2>"$SERVER_LOG" &
	SERVER_PID=$!
	# Starting reaps what killed servers left behind (a deep tree on a slow disk takes a while).
	for _ in $(seq "$(scaled 600)"); do
		PORT=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9]*\) .*/\1/p' "$SERVER_LOG")
		[ -n "$PORT" ] && break
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			grep -q "no backend can run sandboxes" "$SERVER_LOG" &&
				skip "the server has no backend here: $(cat "$SERVER_LOG")"
			fail "the server exited: $(cat "$SERVER_LOG")"
		fi
		sleep 0.1
	done
	[ -n "$PORT" ] || fail "the server did not start listening"
	URL=http://127.0.0.1:$PORT
}

# stop_server: SIGTERM, then it must exit 0 within a bound.
stop_server() {
	local status
	kill -TERM "$SERVER_PID"
	for _ in $(seq "$(scaled 300)"); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$SERVER_PID" 2>/dev/null && fail "the server ignored SIGTERM for $(scaled 30) s"
	wait "$SERVER_PID"
	status=$?
	[ "$status" = 0 ] || fail "the server exited with $status after SIGTERM"
	SERVER_PID=
}

api() {
	"$PY" "$SERVE_DIR/test_api.py" --url "$URL" "$@" || fail "test_api.py $*"
}

# own_state_dir: a state dir of this test's own, so that every sandbox dir in it is its servers'.
own_state_dir() {
	OWN_STATE=$(mktemp -d)
	chmod 711 "$OWN_STATE" # as root, the sandboxes' uids pass through it to their work dirs
	export SANDBOXRT_STATE_DIR=$OWN_STATE/state
}

# owners_released: wait until no process holds an owner record of the state dir (a killed
# server's supervisors finish their cleanup after it died).
owners_released() {
	local f held
	for _ in $(seq 100); do
		held=
		for f in "$(state_dir)"/owners/*; do
			[ -e "$f" ] && ! flock -n "$f" true && held=$f
		done
		[ -z "$held" ] && return 0
		sleep 0.1
	done
	fail "$held is still locked 10 s after its server was killed"
}
