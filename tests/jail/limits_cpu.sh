# An infinite loop is stopped at the CPU limit, even when spread over several processes.
. "$(dirname "$0")/lib.sh"
require_jail
require_cgroups

wall=$(scaled 20)s
sbx --limit cpu=1s --limit wall="$wall" -- /usr/bin/python3 -c 'while True: pass'
expect_verdict TIME_LIMIT
expect_contains message "CPU time limit"
expect_cpu_within 1000
[ "$STATUS" -eq 4 ] || fail "exit status $STATUS, expected 4 (TIME_LIMIT)"

# Two busy processes share the one-core bandwidth and the CPU budget of the whole tree.
sbx --limit cpu=1s --limit wall="$wall" -- /bin/sh -c 'yes >/dev/null & yes >/dev/null; wait'
expect_verdict TIME_LIMIT
expect_cpu_within 1000
