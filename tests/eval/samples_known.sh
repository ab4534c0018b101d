# Samples with known wrong answers score exactly what they should, with the right verdicts;
# LiveCodeBench-format stdin and functional problems run on real stdin and through the harness.
. "$(dirname "$0")/lib.sh"
require_jail
scratch
"$PY" - "$SRC/data/humaneval/HumanEval.jsonl.gz" "$WORK/samples.jsonl" <<'PY'
import gzip, json, sys
probs = [json.loads(l) for l in gzip.open(sys.argv[1], "rt")][:8]
wrong = "    raise AssertionError('wrong answer')\n"
runtime = "    raise ValueError('boom')\n"
syntax = "    return (\n"
loop = "    while True:\n        pass\n"
plan = [("ok", "ok"), ("ok", wrong), (runtime, "ok"), (syntax, wrong),
        (loop, "ok"), ("ok", "ok"), (wrong, wrong), ("ok", runtime)]
with open(sys.argv[2], "w") as f:
    for p, pair in zip(probs, plan):
        for c in pair:
            f.write(json.dumps({"task_id": p["task_id"],
                                "completion": p["canonical_solution"] if c == "ok" else c}) + "\n")
PY
cat >"$WORK/task.yaml" <<YAML
datasets: [humaneval]
samples: $WORK/samples.jsonl
limit: 8
dataset_args:
  humaneval:
    review_timeout: 2
work_dir: $WORK/out
no_timestamp: true
YAML
"$SBX" eval --config "$WORK/task.yaml" -q >"$WORK/stdout" 2>"$WORK/stderr" ||
        fail "eval exited $?: $(tail -5 "$WORK/stderr")"
R="$WORK/out/reports/samples/humaneval.json"
# passes per problem: 2 1 1 0 1 2 0 1 of 2 each
expect_json "$R" 'd["metrics"]["pass@1"]' 0.5
expect_json "$R" 'd["metrics"]["pass@2"]' 0.75
expect_json "$R" 'd["outcomes"]["OK"]' 8
expect_json "$R" 'd["outcomes"]["WRONG_ANSWER"]' 4
expect_json "$R" 'd["outcomes"]["RUNTIME_ERROR"]' 3
expect_json "$R" 'd["outcomes"]["TIME_LIMIT"]' 1
expect_json "$R" 'd["outcomes"]["SANDBOX_ERROR"]' 0
grep -qF '| samples    | humaneval    | pass@2      | default     |   8 | 0.7500 |' "$WORK/stdout" ||
        fail "unexpected table: $(cat "$WORK/stdout")"
wall=$(sed -n 's/.*TIME_LIMIT.*"wall_ms":\([0-9]*\),.*/\1/p' "$WORK/out/reviews/samples/humaneval.jsonl")
[ -n "$wall" ] && [ "$wall" -ge 2000 ] && [ "$wall" -lt $((2000 + $(scaled 1000))) ] ||
        fail "the loop was not stopped at the 2 s review_timeout (wall_ms ${wall:-none})"

# LiveCodeBench format: a stdin problem (2 tests) and a functional one, two samples each.
cat >"$WORK/lcb_samples.jsonl" <<'JSONL'
{"task_id": "abc000_a", "completion": "Here:\n```python\na, b = map(int, input().split())\nprint(a + b)\n```\n"}
{"task_id": "abc000_a", "completion": "```python\nprint(3)\n```"}
{"task_id": "1", "completion": "```python\nclass Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n        seen = {}\n        for i, x in enumerate(nums):\n            if target - x in seen:\n                return [seen[target - x], i]\n            seen[x] = i\n```"}
{"task_id": "1", "completion": "```python\ndef twoSum(nums, target):\n    return (0, 1)\n```"}
JSONL
cat >"$WORK/lcb.yaml" <<YAML
dataset_args:
  live_code_bench:
    local_path: $SRC/tests/eval/lcb_sample.jsonl
YAML
"$SBX" eval --config "$WORK/lcb.yaml" --datasets live_code_bench --samples "$WORK/lcb_samples.jsonl" \
        -q --no-timestamp --work-dir "$WORK/lcb" >"$WORK/lcb.stdout" 2>"$WORK/lcb.stderr" ||
        fail "lcb eval exited $?: $(tail -5 "$WORK/lcb.stderr")"
R="$WORK/lcb/reports/lcb_samples/live_code_bench.json"
expect_json "$R" 'd["metrics"]["pass@1"]' 0.75
expect_json "$R" 'd["metrics"]["pass@2"]' 1
expect_json "$R" 'd["outcomes"]["WRONG_ANSWER"]' 1
grep -q '"outcome":"WRONG_ANSWER".*"tests_total":2,"tests_run":2,"tests_passed":1' \
        "$WORK/lcb/reviews/lcb_samples/live_code_bench.jsonl" || fail "the wrong stdin sample's tests"
exit 0
