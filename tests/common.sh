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
