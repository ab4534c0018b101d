#!/usr/bin/env bash
# The job scripts/vm-test.sh runs inside its Debian 12 VM (pure cgroup v2, systemd, /run noexec),
# as root, from the unit sbx-vm-job.service. Never run it on a host: it installs sandboxrt into
# /usr/local, creates a user and changes owners in the tree.
#
#   vm-guest.sh OUTDIR      results (JUnit reports, logs, summary, status) go to OUTDIR
#
# Settings (from vm-test.sh): SBX_VM_SRC, SBX_VM_BUILD (the trees, at the host's paths),
# SBX_VM_MODE (lane or full), SBX_VM_TESTS (a ctest -R regex, or empty), SBX_TEST_TIME_SCALE.
#
# Passes:
#   1. root: the tests (lane: the cgroup v2 subset below; full: all but Docker and style);
#   2. an unprivileged user whose cgroups come from systemd: `sandboxrt doctor --delegate-cgroup`
#      enables lingering, and the integration tests of the same set run as that user in one
#      `systemd-run --user --scope -p Delegate=yes` from a shell without a login session: every
#      sandboxrt of the pass shares that scope's cgroup. (A sandboxrt outside any delegated
#      cgroup asks the user's systemd for a scope of its own, a second or so under TCG per run:
#      jail_systemd checks that way.)
set -uo pipefail

out=${1:?usage: vm-guest.sh OUTDIR}
src=${SBX_VM_SRC:?} build=${SBX_VM_BUILD:?}
mode=${SBX_VM_MODE:-lane}
only=${SBX_VM_TESTS:-}
user=sbxtest
export SBX_TEST_TIME_SCALE=${SBX_TEST_TIME_SCALE:-1}
# The lane: cgroup live tests, every jail test (limits, isolation, languages, the CLI, seccomp,
# the systemd delegation paths), the runtime API (stateful sandboxes), the server's sandbox tools.
lane='^(test_cgroup_live|jail_.*|test_runtime|serve_tools|serve_manager)$'
# The image carries the toolchains of the first seven languages only: the others' tests (which
# check toolchains, not cgroups) run on the host.
lane_skip='^jail_languages_(go|rust|typescript|ruby|php|lua|r|csharp|scala|d|racket)$'
# The user's pass runs in a systemd scope with Delegate=yes, so the user has cgroups: the
# no-cgroup fallback is tested in the root pass, as a user created without any.
user_skip='^jail_limits_fallback$'

exec > >(tee -a "$out/guest.log") 2>&1
results=()
failed=0

banner() { printf '\n==> %s\n' "$*"; }

# junit FILE: name and reason of every test that failed or did not run.
junit() {
	"$src/scripts/junit-tests.py" fail "$1" | sed 's/^/    failed: /'
	"$src/scripts/junit-tests.py" notrun "$1" | sed 's/^/    skipped: /'
}

# pass NAME JUNIT CMD...: one ctest pass; a skipped test fails it, as under CI. The report is
# written where any user may, then kept in $out.
pass() {
	local name=$1 report=$2 start=$SECONDS rc=0 skipped tmp
	shift 2
	banner "$name"
	tmp=$(mktemp -d /tmp/junit.XXXXXX)
	chmod 0777 "$tmp"
	"$@" --output-junit "$tmp/report.xml" || rc=$?
	cp "$tmp/report.xml" "$report" 2>/dev/null
	rm -rf "$tmp"
	skipped=$("$src/scripts/junit-tests.py" notrun "$report" 2>/dev/null | wc -l)
	if [ $rc -eq 0 ] && [ -f "$report" ] && [ "$skipped" -eq 0 ]; then
		results+=("PASS  $name ($((SECONDS - start)) s)")
	else
		results+=("FAIL  $name ($((SECONDS - start)) s, ctest status $rc, $skipped skipped)")
		[ -f "$report" ] && results+=("$(junit "$report")")
		failed=$((failed + 1))
	fi
}

# select_tests [SKIP]: ctest's selection for this mode, leaving out the tests matching SKIP too.
select_tests() {
	local skip=${1:-}
	if [ -n "$only" ]; then
		echo -R "$only" ${skip:+-E "$skip"}
	elif [ "$mode" = lane ]; then
		echo -R "$lane" -E "$lane_skip${skip:+|$skip}"
	elif [ -n "$skip" ]; then
		echo -E "$skip"
	fi
}

banner "the host"
uname -r
systemctl --version | head -n 1
findmnt -no FSTYPE,OPTIONS /sys/fs/cgroup
findmnt -no OPTIONS /run
echo "controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
echo "time scale: $SBX_TEST_TIME_SCALE"

banner "install (cmake --install, as a user would: the systemd unit too)"
cmake --install "$build" --prefix /usr/local >"$out/install.log" 2>&1 || {
	cat "$out/install.log"
	results+=("FAIL  cmake --install")
	failed=$((failed + 1))
}
systemctl daemon-reload
# The trees stay where ctest's files say they are; the unprivileged user must reach them.
d=$src
while [ "$d" != / ]; do
	d=$(dirname "$d")
	chmod o+x "$d"
done
chmod -R o+rX "$src" "$build"
export SBX_TEST_CHANGE_HOST=1 SBX_TEST_USER=$user
# The built-in policies' time limits, scaled like the tests' own (tests/common.sh), for every
# test, the C ones too; and ctest's per-test timeouts, which its --timeout does not override.
if [ "$SBX_TEST_TIME_SCALE" != 1 ]; then
	find "$build" -name CTestTestfile.cmake -exec perl -pi -e \
		's/\bTIMEOUT "(\d+)"/sprintf("TIMEOUT \"%d\"", $1 * $ENV{SBX_TEST_TIME_SCALE} + 0.5)/ge' {} +
	export SANDBOXRT_POLICY_DIR=/var/tmp/sandboxrt-policies
	"$src/tests/scale-policies.sh" "$build/api/sandboxrt" "$SBX_TEST_TIME_SCALE" \
		"$SANDBOXRT_POLICY_DIR"
	chmod -R a+rX "$SANDBOXRT_POLICY_DIR"
fi

# shellcheck disable=SC2046
pass "tests as root" "$out/junit-root.xml" \
	ctest --test-dir "$build" --output-on-failure -j2 --timeout 900 $(select_tests) \
	-LE 'docker|style'

banner "the unprivileged user $user, cgroups from systemd"
"$src/scripts/add-test-user.sh" "$user"
uid=$(id -u "$user")
"$build/api/sandboxrt" doctor --delegate-cgroup "$user" || {
	results+=("FAIL  sandboxrt doctor --delegate-cgroup $user")
	failed=$((failed + 1))
}
# The user's tests write into the build tree.
chown -R "$user:" "$src" "$build"
as_user=(runuser -u "$user" -- env -i "HOME=$(getent passwd "$user" | cut -d: -f6)"
	"USER=$user" "LOGNAME=$user" "PATH=/usr/local/bin:/usr/bin:/bin" "LANG=C.UTF-8"
	"SBX_TEST_TIME_SCALE=$SBX_TEST_TIME_SCALE" ${SANDBOXRT_POLICY_DIR:+"SANDBOXRT_POLICY_DIR=$SANDBOXRT_POLICY_DIR"})
echo "doctor as $user:"
(cd / && "${as_user[@]}" "$build/api/sandboxrt" doctor) | grep -E '^(cgroups|user namespaces)'
# shellcheck disable=SC2046
pass "integration tests as $user" "$out/junit-$user.xml" \
	"${as_user[@]}" "XDG_RUNTIME_DIR=/run/user/$uid" systemd-run --user --scope -p Delegate=yes \
	--quiet -- ctest --test-dir "$build" --output-on-failure -j2 --timeout 900 \
	$(select_tests "$user_skip") -L integration -LE 'docker|style|root'

banner "nothing left behind"
left=$(find /sys/fs/cgroup -name 'job-*' -type d 2>/dev/null)
if [ -n "$left" ]; then
	results+=("FAIL  job cgroups left behind: $(echo "$left" | tr '\n' ' ')")
	failed=$((failed + 1))
else
	results+=("PASS  no job cgroup left behind")
fi

{
	echo
	echo "==================== sandboxrt in the cgroup v2 VM ($mode) ===================="
	printf '  %s\n' "${results[@]}"
	echo "  kernel $(uname -r), $(systemctl --version | head -n 1), time scale $SBX_TEST_TIME_SCALE"
} | tee "$out/summary"
exit $((failed > 0))
