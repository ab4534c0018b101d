#!/usr/bin/env bash
# Build sandboxrt and run its whole test suite, the same way CI does (.ci/run calls this).
#
#   scripts/test.sh [BUILD_DIR]          BUILD_DIR defaults to build (relative to the source root)
#
# Steps, in order; a failing step does not stop the later ones, and the summary lists them all:
#   1. scripts/install-deps.sh (a no-op when everything is installed)
#   2. configure and build BUILD_DIR with -DSBX_WERROR=ON
#   3. scripts/docker-setup.sh, when it exists (stopped again on exit)
#   4. ctest in BUILD_DIR: every test except the style ones and those for the VM (label vm)
#   5. configure and build BUILD_DIR-asan with -DSBX_SANITIZE=ON (ASan+UBSan); ctest -L 'unit|fuzz|asan'
#   6. style: scripts/checksrc.sh and scripts/format-check.sh
#   7. as root only: create the user sbxtest, delegate cgroups to it with
#      `sandboxrt doctor --delegate-cgroup sbxtest`, build a copy of the tree as that user and run
#      `ctest -L integration -LE 'docker|root'` there (the jail tests, unprivileged)
#   8. the cgroup v2 lane: scripts/vm-test.sh BUILD_DIR boots a Debian 12 VM (pure cgroup v2,
#      systemd, /run noexec) and runs the cgroup, jail, language and stateful-sandbox tests there
#      as root and as a user whose cgroups come from systemd (building its image first: root)
#
# A test that cannot run here exits 77 and ctest reports it skipped. With CI=true, a skipped test
# or a skipped step is a failure: CI must run everything.
#
# Environment:
#   CI=true               skips are failures
#   SBX_JOBS=N            build parallelism (default: nproc)
#   SBX_TEST_JOBS=N       ctest parallelism (default: 2; tests that must run alone set RUN_SERIAL)
#   SBX_TEST_TIMEOUT=S    default per-test timeout in seconds (default: 600)
#   SBX_ASAN_BUILD_DIR    the sanitizer build dir (default: BUILD_DIR-asan)
#   SBX_TEST_USER=NAME    the unprivileged user (default: sbxtest)
#   SBX_SKIP_DEPS=1       do not run scripts/install-deps.sh
#   SBX_KEEP_TMP=1        keep the unprivileged pass's copy of the tree in /tmp
#   SBX_SKIP_VM=1         do not run step 8 (the VM lane; its own knobs: scripts/vm-test.sh)
#
# Exit status: 0 when every step passed, 1 otherwise.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
cd "$src"

build=${1:-build}
case $build in /*) ;; *) build=$src/$build ;; esac
asan_build=${SBX_ASAN_BUILD_DIR:-$build-asan}
case $asan_build in /*) ;; *) asan_build=$src/$asan_build ;; esac
jobs=${SBX_JOBS:-$(nproc)}
test_jobs=${SBX_TEST_JOBS:-2}
timeout=${SBX_TEST_TIMEOUT:-600}
test_user=${SBX_TEST_USER:-sbxtest}
ci=false
case ${CI:-} in true | 1 | yes) ci=true ;; esac

step_names=()
step_results=()
step_notes=()
step_secs=()
skipped_tests=()
failed_tests=()

banner() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
note() { echo "test.sh: $*" >&2; }

# record NAME RESULT SECONDS [NOTE]: RESULT is PASS, FAIL or SKIP. Under CI a SKIP counts as FAIL.
record() {
	local result=$2 why=${4:-}
	if [ "$result" = SKIP ] && $ci; then
		result=FAIL
		why="skipped, and CI=true forbids skips${why:+: $why}"
	fi
	step_names+=("$1")
	step_results+=("$result")
	step_secs+=("$3")
	step_notes+=("$why")
}

# run_step NAME CMD...: run a command as one step; 77 means skipped.
run_step() {
	local name=$1 start=$SECONDS rc=0
	shift
	banner "$name"
	"$@" || rc=$?
	case $rc in
	0) record "$name" PASS $((SECONDS - start)) ;;
	77) record "$name" SKIP $((SECONDS - start)) "see the log above" ;;
	*) record "$name" FAIL $((SECONDS - start)) "exit status $rc" ;;
	esac
	return "$rc"
}

# configure_and_build DIR CMAKE_ARGS...
configure_and_build() {
	local dir=$1
	shift
	cmake -S "$src" -B "$dir" -DSBX_WERROR=ON "$@" && cmake --build "$dir" -j"$jobs"
}

# run_ctest NAME DIR [CTEST_ARGS...]: ctest as one step; skipped tests are noted (and fail in CI).
# RUNAS (an array) may hold a command prefix such as runuser.
run_ctest() {
	local name=$1 dir=$2 start=$SECONDS rc=0 junit skips=() fails=()
	shift 2
	junit=$dir/junit-$(echo "$name" | tr -c 'A-Za-z0-9\n' '-').xml
	banner "$name"
	rm -f "$junit"
	"${RUNAS[@]}" ctest --test-dir "$dir" --output-on-failure --no-tests=error \
		--timeout "$timeout" -j"$test_jobs" --output-junit "$junit" "$@" || rc=$?
	if [ -f "$junit" ]; then
		mapfile -t skips < <("$here/junit-tests.py" notrun "$junit" ||
			echo "?: cannot read the report $junit")
		mapfile -t fails < <("$here/junit-tests.py" fail "$junit" || true)
	fi
	for s in "${skips[@]}"; do
		skipped_tests+=("[$name] $s")
	done
	for s in "${fails[@]}"; do
		failed_tests+=("[$name] $s")
	done
	if [ $rc -ne 0 ]; then
		record "$name" FAIL $((SECONDS - start)) "ctest exit status $rc"
	elif [ ! -f "$junit" ]; then
		record "$name" FAIL $((SECONDS - start)) "ctest wrote no report"
	elif [ ${#skips[@]} -ne 0 ]; then
		record "$name" SKIP $((SECONDS - start)) "${#skips[@]} tests skipped"
	else
		record "$name" PASS $((SECONDS - start))
	fi
}
RUNAS=()

docker_started=false
unpriv_tmp=
cleanup() {
	if $docker_started; then
		banner "stopping Docker (scripts/docker-setup.sh stop)"
		bash "$src/scripts/docker-setup.sh" stop || note "docker-setup.sh stop failed"
	fi
	if [ -n "$unpriv_tmp" ] && [ "${SBX_KEEP_TMP:-0}" != 1 ]; then
		rm -rf "$unpriv_tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Copy the tree (the project's files only) to a fresh directory owned by USER, build it there as
# USER and run the integration tests as USER. The copy keeps the source tree and build dir out of
# reach of root-only paths such as /root, wherever the checkout lives.
unprivileged_pass() {
	local user=$1 group home start
	group=$(id -gn "$user")
	home=$(getent passwd "$user" | cut -d: -f6)
	unpriv_tmp=$(mktemp -d /tmp/sandboxrt-unpriv.XXXXXX)
	chown "$user:$group" "$unpriv_tmp"
	local copy=$unpriv_tmp/src ubuild=$unpriv_tmp/src/build
	RUNAS=(runuser -u "$user" -- env -i "HOME=$home" "USER=$user" "LOGNAME=$user"
		"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" "LANG=C.UTF-8" "TMPDIR=/tmp" "CI=${CI:-}")

	start=$SECONDS
	banner "unprivileged: copy and build as $user in $copy"
	if ! (cd "$unpriv_tmp" && "${RUNAS[@]}" mkdir "$copy" &&
		"$here/list-files.sh" "$src" | tar -C "$src" --null -T - -cf - |
		"${RUNAS[@]}" tar -C "$copy" -xf - &&
		"${RUNAS[@]}" cmake -S "$copy" -B "$ubuild" -DSBX_WERROR=ON &&
		"${RUNAS[@]}" cmake --build "$ubuild" -j"$jobs"); then
		record "unprivileged build ($user)" FAIL $((SECONDS - start))
		RUNAS=()
		return
	fi
	record "unprivileged build ($user)" PASS $((SECONDS - start))
	# The user must be able to stat its cwd; run_ctest stays in this shell to keep its records.
	cd "$unpriv_tmp" || return
	run_ctest "integration as $user" "$ubuild" -L integration -LE 'docker|root'
	cd "$src" || return
	RUNAS=()
}

overall_start=$SECONDS
note "source $src, build $build, sanitizer build $asan_build, CI=$ci"

# 1. dependencies
if [ "${SBX_SKIP_DEPS:-0}" = 1 ]; then
	record "dependencies" SKIP 0 "SBX_SKIP_DEPS=1"
else
	run_step "dependencies" "$here/install-deps.sh"
fi

# 2. main build
built=false
run_step "build $(basename "$build") (-Werror)" configure_and_build "$build" && built=true

# 3. Docker engine for the Docker backend's tests
if [ -f "$here/docker-setup.sh" ]; then
	# On exit, stop only a daemon this run started (even if setup then failed half-way). An engine
	# that already answered belongs to someone else, even when an earlier docker-setup.sh started
	# it; and only root can start one. `status` exits 77 when no engine answers.
	status_rc=0
	bash "$here/docker-setup.sh" status >/dev/null 2>&1 || status_rc=$?
	[ "$status_rc" -eq 77 ] && [ "$(id -u)" -eq 0 ] && docker_started=true
	run_step "docker setup" bash "$here/docker-setup.sh"
fi

# 4. all tests but style
if $built; then
	run_ctest "tests $(basename "$build")" "$build" -LE 'style|vm'
else
	record "tests $(basename "$build")" FAIL 0 "not run: the build failed"
fi

# 5. sanitizers
asan_built=false
run_step "build $(basename "$asan_build") (ASan+UBSan)" configure_and_build "$asan_build" \
	-DSBX_SANITIZE=ON && asan_built=true
if $asan_built; then
	# Not strict_string_checks: it flags strndup() of a buffer without a NUL, which is valid.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	run_ctest "unit+fuzz under ASan+UBSan" "$asan_build" -L 'unit|fuzz|asan'
else
	record "unit+fuzz under ASan+UBSan" FAIL 0 "not run: the sanitizer build failed"
fi

# 6. style
run_step "checksrc" "$here/checksrc.sh" "$src"
run_step "format-check" "$here/format-check.sh" "$src"

# 7. jail tests as an unprivileged user
if [ "$(id -u)" -ne 0 ]; then
	note "not root: the unprivileged pass (user $test_user, cgroup delegation) is skipped;" \
		"step 4 already ran the tests as $(id -un)"
	record "unprivileged pass" SKIP 0 "needs root to create $test_user"
elif ! $built; then
	record "unprivileged pass" FAIL 0 "not run: the build failed"
else
	run_step "test user $test_user" "$here/add-test-user.sh" "$test_user"
	run_step "delegate cgroups to $test_user" \
		"$build/api/sandboxrt" doctor --delegate-cgroup "$test_user"
	unprivileged_pass "$test_user"
fi

# 8. the cgroup v2 VM (it builds nothing: step 2's build goes into the VM)
if [ "${SBX_SKIP_VM:-0}" = 1 ]; then
	record "cgroup v2 VM" SKIP 0 "SBX_SKIP_VM=1"
elif ! $built; then
	record "cgroup v2 VM" FAIL 0 "not run: the build failed"
else
	run_step "cgroup v2 VM (scripts/vm-test.sh)" env SBX_SKIP_BUILD=1 "$here/vm-test.sh" "$build"
fi

# Summary
failed=0
printf '\n\033[1m==================== sandboxrt test summary ====================\033[0m\n'
for i in "${!step_names[@]}"; do
	printf '  %-4s  %-40s %5ss  %s\n' "${step_results[$i]}" "${step_names[$i]}" \
		"${step_secs[$i]}" "${step_notes[$i]}"
	[ "${step_results[$i]}" = FAIL ] && failed=$((failed + 1))
done
if [ ${#failed_tests[@]} -ne 0 ]; then
	echo
	echo "Tests that failed (${#failed_tests[@]}):"
	printf '  %s\n' "${failed_tests[@]}"
fi
if [ ${#skipped_tests[@]} -ne 0 ]; then
	echo
	echo "Tests that did not run (${#skipped_tests[@]}):"
	printf '  %s\n' "${skipped_tests[@]}"
fi
echo
if [ $failed -ne 0 ]; then
	echo "RESULT: FAILED ($failed of ${#step_names[@]} steps) in $((SECONDS - overall_start))s"
	exit 1
fi
echo "RESULT: OK (${#step_names[@]} steps) in $((SECONDS - overall_start))s"
