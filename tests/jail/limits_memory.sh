# A memory bomb is OOM-killed at the cgroup's limit and reported as MEMORY_LIMIT.
. "$(dirname "$0")/lib.sh"
require_jail
require_cgroups

sbx --limit memory=64m -- /usr/bin/python3 -c '
b = []
while True:
    b.append(bytearray(8 << 20))'
expect_verdict MEMORY_LIMIT
[ "$STATUS" -eq 5 ] || fail "exit status $STATUS, expected 5"
peak=$(field peak_memory_bytes)
[ "$peak" -le $((68 << 20)) ] || fail "peak memory $peak above the 64 MiB limit"
[ "$peak" -ge $((32 << 20)) ] || fail "peak memory $peak: the bomb never grew?"
expect_within "$(scaled 10000)"

# Below the limit the same program runs fine.
sbx --limit memory=64m -- /usr/bin/python3 -c 'b = bytearray(16 << 20); print(len(b))'
expect_verdict OK
