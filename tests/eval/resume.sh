# A run killed midway and resumed with --use-cache writes the same report as an uninterrupted
# run, and runs only what the killed run had not finished.
. "$(dirname "$0")/lib.sh"
require_jail
scratch
N=40
"$SBX" eval --datasets humaneval --model reference --limit $N --work-dir "$WORK/a" \
        --no-timestamp -q >/dev/null 2>"$WORK/a.err" || fail "uninterrupted run: $(cat "$WORK/a.err")"

# reviewed DIR N: wait until the run in DIR has N reviews or more.
reviewed() {
        local reviews="$1/reviews/reference/humaneval.jsonl"
        for _ in $(seq "$(scaled 600)"); do
                [ -f "$reviews" ] && [ "$(wc -l <"$reviews")" -ge "$2" ] && return
                sleep 0.05
        done
}

"$SBX" eval --datasets humaneval --model reference --limit $N --work-dir "$WORK/b" \
        --no-timestamp -q -j 1 >/dev/null 2>&1 &
pid=$!
reviews="$WORK/b/reviews/reference/humaneval.jsonl"
reviewed "$WORK/b" 10
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

# Interrupted (Ctrl-C, SIGTERM), a run says how to go on with it, then dies of the signal; the
# command it gives finishes the run. The folder's name needs quoting for a shell.
for sig in INT TERM; do
        dir="$WORK/$sig run's"
        env --default-signal=INT "$SBX" eval --datasets humaneval --model reference --limit $N \
                --work-dir "$dir" --no-timestamp -q -j 1 >/dev/null 2>"$WORK/$sig.err" &
        pid=$!
        reviewed "$dir" 5
        kill -$sig $pid
        status=0
        wait $pid || status=$?
        [ $status = $((128 + $(kill -l $sig))) ] || fail "SIG$sig: exit status $status"
        hint=$(tail -1 "$WORK/$sig.err")
        [ "$hint" = "sandboxrt: eval: interrupted; to go on from where it stopped, run the same command with --use-cache '$WORK/$sig run'\''s'" ] ||
                fail "SIG$sig: $(cat "$WORK/$sig.err")"
        eval "set -- ${hint#*same command with }"
        [ "$2" = "$dir" ] || fail "SIG$sig: the hint names $2"
        "$SBX" eval --datasets humaneval --model reference --limit $N "$@" -q >/dev/null \
                2>"$WORK/$sig.err" || fail "SIG$sig: resumed run: $(cat "$WORK/$sig.err")"
        cmp "$WORK/a/reports/reference/humaneval.json" "$dir/reports/reference/humaneval.json" ||
                fail "SIG$sig: the resumed run's report differs"
done

# A review is reused only while what judged it is the same: a resume whose limits or tests
# changed judges again (it reused the old verdicts: OK where a fresh run said TIME_LIMIT).
cat >"$WORK/tight.yaml" <<YAML
dataset_args:
  humaneval:
    review_timeout: 0.001
YAML
"$SBX" eval --config "$WORK/tight.yaml" --datasets humaneval --model reference --limit $N \
        --use-cache "$WORK/a" -q >/dev/null 2>"$WORK/tight.err" || fail "$(cat "$WORK/tight.err")"
expect_json "$WORK/a/reports/reference/humaneval.json" 'd["outcomes"]["TIME_LIMIT"]' $N
cat >"$WORK/lcb_samples.jsonl" <<'JSONL'
{"task_id": "abc000_a", "completion": "```python\na, b = map(int, input().split())\nprint(a + b)\n```"}
JSONL
sed 's/\\"output\\": \\"6\\\\n\\"/\\"output\\": \\"7\\\\n\\"/' "$SRC/tests/eval/lcb_sample.jsonl" >"$WORK/lcb_changed.jsonl"
cmp -s "$SRC/tests/eval/lcb_sample.jsonl" "$WORK/lcb_changed.jsonl" && fail "the test's sed changed nothing"
resume=()
for data in "$SRC/tests/eval/lcb_sample.jsonl" "$WORK/lcb_changed.jsonl"; do
        printf 'dataset_args:\n  live_code_bench:\n    local_path: %s\n' "$data" >"$WORK/lcb.yaml"
        "$SBX" eval --config "$WORK/lcb.yaml" --datasets live_code_bench --limit 1 \
                --samples "$WORK/lcb_samples.jsonl" --no-timestamp --work-dir "$WORK/lcb" \
                "${resume[@]}" -q >/dev/null 2>"$WORK/lcb.err" || fail "$(cat "$WORK/lcb.err")"
        resume=(--use-cache "$WORK/lcb")
done
expect_json "$WORK/lcb/reports/lcb_samples/live_code_bench_default.json" \
        'd["outcomes"]["WRONG_ANSWER"]' 1
exit 0
