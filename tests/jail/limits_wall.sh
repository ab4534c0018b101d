# A sleeping program is stopped at the wall-clock limit.
. "$(dirname "$0")/lib.sh"
require_jail

sbx --limit wall=1s -- /bin/sleep 30
expect_verdict TIME_LIMIT
expect_contains message "wall-clock limit"
expect_within 1500
