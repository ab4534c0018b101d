# What every shell test shares (sourced by the per-module lib.sh files). A test exits 0 to
# pass, 1 to fail, 77 to be skipped with the reason on stderr.
set -u
SBX=${SANDBOXRT:?SANDBOXRT must name the sandboxrt binary}
PY=/usr/bin/python3

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

skip() {
        echo "SKIP: $*" >&2
        exit 77
}

# SBX_TEST_TIME_SCALE (default 1): how many times slower than an ordinary machine this one runs
# the tests (scripts/vm-test.sh's VM without KVM sets 6). Every timing-bound test multiplies its
# time limits, margins and waits by it; CPU-time and memory limits stay as they are.
TIME_SCALE=${SBX_TEST_TIME_SCALE:-1}
awk -v s="$TIME_SCALE" 'BEGIN { exit !(s ~ /^[0-9]+(\.[0-9]+)?$/ && s + 0 > 0) }' ||
	fail "SBX_TEST_TIME_SCALE=$TIME_SCALE is not a positive number"

# The built-in policies' time limits scale too (the compile policy's 30 s of CPU is too short for javac
# on an emulated CPU): sandboxrt gets copies of them with wall and cpu scaled, made once per build
# (again when the binary is newer), unless the caller chose its own $SANDBOXRT_POLICY_DIR.
if [ "$TIME_SCALE" != 1 ] && [ -z "${SANDBOXRT_POLICY_DIR:-}" ] && [ -n "${SBX_BUILD_DIR:-}" ]; then
	SANDBOXRT_POLICY_DIR=$SBX_BUILD_DIR/policies-x$TIME_SCALE
	flock "$SBX_BUILD_DIR/.policies.lock" sh -c '[ "$1" -nt "$2" ] || "$3" "$2" "$4" "$1"' sh \
		"$SANDBOXRT_POLICY_DIR" "$SBX" "$(dirname "${BASH_SOURCE[0]}")/scale-policies.sh" \
		"$TIME_SCALE" || fail "cannot write the scaled policies in $SANDBOXRT_POLICY_DIR"
	export SANDBOXRT_POLICY_DIR
fi

# scaled N: N (milliseconds, seconds, a count of polls) times the time scale, rounded up.
scaled() {
	awk -v n="$1" -v s="$TIME_SCALE" 'BEGIN { v = n * s; r = int(v); print (r < v ? r + 1 : r) }'
}

# scaled_sleep SECONDS: sleep that long times the time scale.
scaled_sleep() {
	sleep "$(awk -v n="$1" -v s="$TIME_SCALE" 'BEGIN { printf "%.3f", n * s }')"
}

# Where sandboxrt keeps its host state (per-sandbox work dirs in boxes/, owner records in
# owners/): as sbx_state_dir_open finds it.
state_dir() {
	if [ -n "${SANDBOXRT_STATE_DIR:-}" ]; then
		echo "$SANDBOXRT_STATE_DIR"
	elif [ "$(id -u)" = 0 ]; then
		echo /run/sandboxrt
	elif [ -n "${XDG_RUNTIME_DIR:-}" ]; then
		echo "$XDG_RUNTIME_DIR/sandboxrt"
	else
		echo "/tmp/sandboxrt-$(id -u)"
	fi
}
