# A fork bomb is contained by the pids limit and the run still ends on time; nothing of it
# survives.
. "$(dirname "$0")/lib.sh"
require_jail
require_cgroups

wall=$(scaled 3000)
sbx --limit pids=32 --limit wall="${wall}ms" -- /bin/bash -c 'b() { b | b & }; b; sleep 1; echo alive'
case "$(field verdict)" in
OK | RUNTIME_ERROR | TIME_LIMIT | SIGNALED) ;;
*) fail "unexpected verdict for a fork bomb: $RESULT" ;;
esac
expect_within "$wall"

# The limit holds: 40 sleepers cannot all start under pids=16. bash retries a failed fork with
# growing sleeps, so the loop takes seconds: more than the default policy's wall on a busy host.
sbx --limit pids=16 --limit wall="$(scaled 30)s" -- /bin/bash -c 'for i in $(seq 40); do (sleep 2 &) 2>/dev/null || echo fail; done; ls /proc | grep -c "^[0-9]"'
count=$(field stdout)
[ "$count" -le 16 ] || fail "$count processes visible under pids=16"
