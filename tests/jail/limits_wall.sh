# A sleeping program is stopped at the wall-clock limit.
. "$(dirname "$0")/lib.sh"
require_jail

wall=$(scaled 1000)
sbx --limit wall="${wall}ms" -- /bin/sleep 30
expect_verdict TIME_LIMIT
expect_contains message "wall-clock limit"
expect_within $((wall + $(scaled 500)))
