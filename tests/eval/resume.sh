# A run killed midway and resumed with --use-cache writes the same report as an uninterrupted
# run, and runs only what the killed run had not finished.
. "$(dirname "$0")/lib.sh"
require_jail
scratch
N=40
"$SBX" eval --datasets humaneval --model reference --limit $N --work-dir "$WORK/a" \
        --no-timestamp -q >/dev/null 2>"$WORK/a.err" || fail "uninterrupted run: $(cat "$WORK/a.err")"

"$SBX" eval --datasets humaneval --model reference --limit $N --work-dir "$WORK/b" \
        --no-timestamp -q -j 1 >/dev/null 2>&1 &
pid=$!
reviews="$WORK/b/reviews/reference/humaneval.jsonl"
for _ in $(seq "$(scaled 600)"); do
        [ -f "$reviews" ] && [ "$(wc -l <"$reviews")" -ge 10 ] && break
        sleep 0.05
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
done_before=$(wc -l <"$reviews")
[ "$done_before" -ge 10 ] && [ "$done_before" -lt $N ] ||
        fail "the run was not killed midway ($done_before of $N reviews)"
[ -f "$WORK/b/reports/reference/humaneval.json" ] && fail "the killed run wrote a report"

"$SBX" eval --datasets humaneval --model reference --limit $N --use-cache "$WORK/b" -q \
        >"$WORK/b.out" 2>"$WORK/b.err" || fail "resumed run: $(cat "$WORK/b.err")"
cmp "$WORK/a/reports/reference/humaneval.json" "$WORK/b/reports/reference/humaneval.json" ||
        fail "reports differ: $(diff "$WORK/a/reports/reference/humaneval.json" "$WORK/b/reports/reference/humaneval.json")"
grep -q "reviews: $((N - done_before)) run" "$WORK/b/logs/eval_log.log" ||
        fail "expected $((N - done_before)) new runs: $(grep reviews "$WORK/b/logs/eval_log.log")"
grep -q "reviews: $done_before reused" "$WORK/b/logs/eval_log.log" || fail "reviews not reused"
# one review per sample, whatever the kill cut
"$PY" - "$reviews" $N <<'PY' || fail "reviews are not one per sample"
import json, sys
keys = [(r["task_id"], r["sample"]) for r in map(json.loads, open(sys.argv[1]))]
assert len(keys) == len(set(keys)) == int(sys.argv[2]), (len(keys), len(set(keys)))
PY
exit 0
