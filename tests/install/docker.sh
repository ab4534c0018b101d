# The installed sandboxrt's Docker backend runs each job under the installed waiter
# (PREFIX/libexec/sandboxrt/sandboxrt-waiter), and nothing of the source or build tree: a job's
# exit(130) then reads as an exit code, which the engine alone would report as SIGINT.
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || skip "strace is not installed (scripts/install-deps.sh installs it)"
image=${SBX_DOCKER_TEST_IMAGE:-sandboxrt-test/python:3.11}
doctor=$("$SBX" doctor --image "$image" 2>&1)
grep -q '^docker *ok' <<<"$doctor" && grep -q "image $image: present" <<<"$doctor" ||
        skip "no Docker engine with $image: $(grep -A2 '^docker' <<<"$doctor" | tr '\n' ';')"
install_prefix

traced docker "$prefix/bin/sandboxrt" run --backend docker --image "$image" --json -- \
        python3 -c 'import sys; print("in docker"); sys.exit(130)'
RESULT=$(cat "$tmp/docker.out")
expect backend docker
expect stdout "in docker"
expect verdict RUNTIME_ERROR
expect exit_code 130
grep -q "\"$prefix/libexec/sandboxrt/sandboxrt-waiter\"" "$tmp/docker.trace" ||
        fail "the installed waiter was not used"
echo "the installed Docker backend runs its jobs under the installed waiter"
