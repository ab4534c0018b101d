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
# review_timeout is CPU time; the wall clock gets three times as much (a machine busy enough to
# give the loop less than a third of a core stops it there).
line=$(grep TIME_LIMIT "$WORK/out/reviews/samples/humaneval.jsonl")
cpu=$(sed -n 's/.*"cpu_ms":\([0-9]*\),.*/\1/p' <<<"$line")
case $line in
*'"message":"wall-clock limit of 6000 ms'*) ;;
*) [ -n "$cpu" ] && [ "$cpu" -ge 1800 ] && [ "$cpu" -lt $((2000 + $(scaled 500))) ] ||
        fail "the loop was not stopped at the 2 s CPU (6 s wall) review_timeout: $line" ;;
esac

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
R="$WORK/lcb/reports/lcb_samples/live_code_bench_default.json"
expect_json "$R" 'd["metrics"]["pass@1"]' 0.75
expect_json "$R" 'd["metrics"]["pass@2"]' 1
expect_json "$R" 'd["outcomes"]["WRONG_ANSWER"]' 1
grep -q '"outcome":"WRONG_ANSWER".*"tests_total":2,"tests_run":2,"tests_passed":1' \
        "$WORK/lcb/reviews/lcb_samples/live_code_bench_default.jsonl" || fail "the wrong stdin sample's tests"

# A LiveCodeBench release directory as released: private tests are base64(zlib(pickle(str)))
# made by Python's own pickle here; versions select files, dates select problems, and the table
# says what was evaluated. A functional sample that exits before the harness's last line fails.
"$PY" - "$WORK/release" <<'PY'
import base64, json, os, pickle, sys, zlib
d = sys.argv[1]
os.mkdir(d)
def private(tests):
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()
def problem(qid, date, fn=None):
    if fn:
        t = [{"input": "[1, 2]\n3", "output": "[0, 1]", "testtype": "functional"},
             {"input": "[5, 5]\n10", "output": "[0, 1]", "testtype": "functional"}]
    else:
        t = [{"input": "%d %d\n" % (i, i * 2), "output": "%d\n" % (i * 3), "testtype": "stdin"}
             for i in range(1, 6)]
    return {"question_id": qid, "question_content": "q", "contest_date": date,
            "starter_code": "class Solution:\n    def pair(self, a, t):\n" if fn else "",
            "public_test_cases": json.dumps(t[:1]), "private_test_cases": private(t[1:]),
            "metadata": json.dumps({"func_name": fn} if fn else {})}
with open(os.path.join(d, "test.jsonl"), "w") as f:
    f.write(json.dumps(problem("s1", "2023-06-01T00:00:00")) + "\n")
with open(os.path.join(d, "test2.jsonl"), "w") as f:
    f.write(json.dumps(problem("f2", "2024-02-01T00:00:00", "pair")) + "\n")
    f.write(json.dumps(problem("s3", "2024-05-01T00:00:00")) + "\n")
PY
cat >"$WORK/rel_samples.jsonl" <<'JSONL'
{"task_id": "s1", "completion": "```python\na, b = map(int, input().split())\nprint(a + b)\n```"}
{"task_id": "f2", "completion": "```python\nclass Solution:\n    def pair(self, a, t):\n        return [0, 1]\n```"}
{"task_id": "f2", "completion": "```python\nimport sys\nclass Solution:\n    def pair(self, a, t):\n        print([0, 1]); sys.exit(0)\n```"}
{"task_id": "s3", "completion": "```python\na, b = map(int, input().split())\nprint(a + b)\n```"}
JSONL
cat >"$WORK/rel.yaml" <<YAML
datasets: [live_code_bench]
samples: $WORK/rel_samples.jsonl
dataset_args:
  live_code_bench:
    local_path: $WORK/release
    subset_list: [release_v1, release_v2]
    extra_params: {end_date: 2024-03-01}
work_dir: $WORK/rel
no_timestamp: true
YAML
eval_config rel
expect_row rel '| release_v1 (to 2024-03-01) |   1 | 1.0000 |' "release_v1 row"
expect_row rel '| release_v2 (to 2024-03-01) |   2 | 0.7500 |' "release_v2 row (s3 is after end_date)"
R="$WORK/rel/reports/rel_samples/live_code_bench_release_v2.json"
expect_json "$R" 'd["outcomes"]["WRONG_ANSWER"]' 1
expect_json "$R" 'd["early_exits"]' 1
grep -q '"tests_total":5,"tests_run":5,"tests_passed":5' \
        "$WORK/rel/reviews/rel_samples/live_code_bench_release_v1.jsonl" || fail "decoded private tests"
expect_row rel 'WRONG_ANSWER 1 (1 exited before the tests finished)' "the early exit is not counted"
exit 0
