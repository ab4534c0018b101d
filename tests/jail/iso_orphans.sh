# A process that double-forks and calls setsid does not outlive the run, whatever way the run
# ends; nothing is left behind (cgroups, sandbox dirs, processes).
. "$(dirname "$0")/lib.sh"
require_jail

work=$(mktemp -d)
trap 'own_state_cleanup; rm -rf "$work"' EXIT
own_state "$work" "orphans-$$"

sbx -- /bin/sh -c '(setsid /bin/sleep 7.31 &) ; echo started'
expect_verdict OK
sbx --limit wall="$(scaled 1000)ms" -- /bin/sh -c '(setsid /bin/sleep 7.32 &) ; sleep 30'
expect_verdict TIME_LIMIT
scaled_sleep 0.3
pgrep -f 'sleep 7.3[12]' && fail "an orphan survived the run"

# Kill the runner itself with SIGKILL mid-run: the jail dies with it.
"$SBX" run -- /bin/sh -c 'setsid /bin/sleep 7.33 & sleep 30' &
runner=$!
for _ in $(seq "$(scaled 50)"); do
        pgrep -f 'sleep 7.33' >/dev/null && break
        sleep 0.1
done
pgrep -f 'sleep 7.33' >/dev/null || fail "the jail's sleep never appeared"
kill -9 "$runner"
wait "$runner" 2>/dev/null
for _ in $(seq "$(scaled 20)"); do
        pgrep -f 'sleep 7.33' >/dev/null || break
        sleep 0.1
done
pgrep -f 'sleep 7.33' && fail "the jail survived its supervisor's caller being killed"

# Nothing of the killed run is left once the next one ran (it reaps what a dead owner left).
"$SBX" run -- /bin/true || fail "a run after the kill failed"
for _ in $(seq 30); do
        [ -z "$(job_cgroups)" ] && break
        sleep 0.1
done
[ -z "$(job_cgroups)" ] || fail "job cgroups left behind: $(job_cgroups)"
