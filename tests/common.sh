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
