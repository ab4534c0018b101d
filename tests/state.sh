# The test run's private state dir and cgroup parent (tests/helpers.cmake), a ctest fixture:
#   state.sh setup     make them (unprivileged: the cgroup under the delegated one, if any)
#   state.sh cleanup   after the run's tests: reap what killed instances left, fail if any job
#                      cgroup or work dir of the run is still there, then remove both
. "$(dirname "$0")/common.sh"
: "${SANDBOXRT_STATE_DIR:?}" "${SANDBOXRT_CGROUP:?}"

# parents: the run's cgroup parents (one per hierarchy) as doctor reports them; nothing when
# none is usable. As root, asking creates them.
parents() {
        "$SBX" doctor 2>/dev/null | sed -n 's/^cgroups *ok .* under \(.*\) ([^)]*); .*/\1/p'
}

setup() {
        local base p name=${SANDBOXRT_CGROUP##*/}
        mkdir -p -m 0711 "$SANDBOXRT_STATE_DIR" || fail "cannot create $SANDBOXRT_STATE_DIR"
        [ "$(id -u)" = 0 ] && return
        # Unprivileged: our parent goes under the delegated cgroup, in every hierarchy.
        base=$(SANDBOXRT_CGROUP=${SANDBOXRT_CGROUP%/*} parents)
        if [ -z "$base" ]; then
                echo "no delegated cgroup for $(id -un): tests that need cgroups will skip" >&2
                return
        fi
        for p in $base; do
                mkdir -p "$p/$name" || fail "cannot create the cgroup $p/$name"
        done
        [ -n "$(parents)" ] || fail "\$SANDBOXRT_CGROUP=$SANDBOXRT_CGROUP is not usable: $("$SBX" doctor 2>&1 | grep '^cgroups')"
}

# leftovers PARENTS: the job cgroups under PARENTS, and the work dirs in the state dir.
leftovers() {
        local p
        for p in $1; do
                find "$p" -mindepth 1 -maxdepth 1 -type d -name 'job-*'
        done
        find "$SANDBOXRT_STATE_DIR/boxes" -mindepth 1 -maxdepth 1 2>/dev/null
}

cleanup() {
        local p left ps
        [ -d "$SANDBOXRT_STATE_DIR" ] || return 0
        ps=$(parents)
        # A start reaps what the run's killed instances left (their owners are dead by now).
        "$SBX" run --backend native -- /bin/true >/dev/null 2>&1
        for _ in $(seq 50); do
                left=$(leftovers "$ps")
                [ -z "$left" ] && break
                sleep 0.1
        done
        for p in $ps; do
                rmdir "$p" 2>/dev/null
        done
        [ -z "$left" ] || fail "the test run left these behind: $left"
        rm -rf "$SANDBOXRT_STATE_DIR"
}

case ${1:-} in
setup | cleanup) "$1" ;;
*) fail "usage: state.sh setup|cleanup" ;;
esac
