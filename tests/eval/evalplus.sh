# HumanEval+ and MBPP+ as EvalPlus releases them, built here from the bundled HumanEval and
# MBPP problems: base_input + plus_input run through the reference and the candidate (NaN and
# Infinity among the inputs, integers past 2^64), atol honoured, the special oracles (find_zero,
# MBPP's set comparison and tuple arguments); references pass, wrong answers and early exits
# fail.
. "$(dirname "$0")/lib.sh"
require_jail
scratch

"$PY" - "$SRC/data" "$WORK" <<'PY'
import gzip, json, os, sys
data, work = sys.argv[1], sys.argv[2]
he = {p["task_id"]: p for p in map(json.loads, gzip.open(os.path.join(data, "humaneval/HumanEval.jsonl.gz"), "rt"))}
def rec(tid, base, plus, atol=0):
    p = he[tid]
    return {"task_id": tid, "prompt": p["prompt"], "entry_point": p["entry_point"],
            "canonical_solution": p["canonical_solution"], "base_input": base,
            "plus_input": plus, "atol": atol, "contract": ""}
with open(os.path.join(work, "HumanEvalPlus.jsonl"), "w") as f:
    for r in [rec("HumanEval/0", [[[1.0, 2.0, 3.0], 0.5]],
                  [[[1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3], [[1.0, float("nan")], 0.5],
                   [[float("inf"), 2.0], 1e308]]),
              rec("HumanEval/2", [[3.5], [1.33]], [[123.456], [1e10 + 0.1]], atol=1e-6),
              rec("HumanEval/32", [[[1, 2]], [[-6, 11, -6, 1]]], [[[4, -5, 1]]], atol=1e-4),
              rec("HumanEval/13", [[3, 5]], [[2**70 * 3, 2**65 * 9], [10**20 + 1, 10**20 + 3]])]:
        f.write(json.dumps(r) + "\n")  # json writes NaN and Infinity, as EvalPlus's files do
mb = {p["task_id"]: p for p in map(json.loads, open(os.path.join(data, "mbpp/mbpp.jsonl")))}
def mrec(t, entry, base, plus):
    p = mb[t]
    return {"task_id": "Mbpp/%d" % t, "prompt": '"""\n%s\n%s\n"""\n' % (p["text"], p["test_list"][0]),
            "entry_point": entry, "canonical_solution": p["code"].replace("\r\n", "\n"),
            "base_input": base, "atol": 0, "plus_input": plus, "contract": "",
            "assertion": "\n".join(p["test_list"])}
with open(os.path.join(work, "MbppPlus.jsonl"), "w") as f:
    for r in [mrec(2, "similar_elements", [[[3, 4, 5, 6], [5, 7, 4, 10]]], [[[1, 2, 3], [3, 2]]]),
              mrec(11, "remove_Occ", [["hello", "l"]], [["abcda", "a"], ["x", "y"]])]:
        f.write(json.dumps(r) + "\n")
samples = [
    ("HumanEval/0", 0, "    return False\n"),                                   # wrong on plus
    ("HumanEval/2", 0, "    return number % 1.0 + 1e-9\n"),                     # within atol
    ("HumanEval/2", 1, "    return number % 1.0 + 1e-3\n"),                     # outside it
    ("HumanEval/2", 2, "    import os\n    os._exit(0)\n"),                     # early exit
    ("HumanEval/32", 0, "    return 0.0\n"),                                    # not a root
    ("HumanEval/13", 0, "    import math\n    return int(math.gcd(int(float(a)), int(float(b))))\n"),
]
with open(os.path.join(work, "he_samples.jsonl"), "w") as f:
    for tid, _, c in samples:
        f.write(json.dumps({"task_id": tid, "completion": c}) + "\n")
with open(os.path.join(work, "mb_samples.jsonl"), "w") as f:
    for tid, c in [("Mbpp/2", "def similar_elements(a, b):\n    return tuple(sorted(set(a) & set(b), reverse=True))\n"),
                   ("Mbpp/2", "def similar_elements(a, b):\n    return tuple(a)\n"),
                   ("Mbpp/11", "def remove_Occ(s, ch):\n    return s.replace(ch, '')\n"),
                   ("Mbpp/11", "import sys\nsys.exit(0)\n")]:
        f.write(json.dumps({"task_id": tid, "completion": c}) + "\n")
PY

# outcome FILE TASK SAMPLE
outcome() {
        "$PY" -c 'import json, sys
for r in map(json.loads, open(sys.argv[1])):
    if r["task_id"] == sys.argv[2] and r["sample"] == int(sys.argv[3]):
        print(r["outcome"] + (":early" if r.get("early_exit") else ""))' "$1" "$2" "$3"
}
expect() {
        local got
        got=$(outcome "$1" "$2" "$3")
        [ "$got" = "$4" ] || fail "$2 sample $3: $got, expected $4: $(grep -F "\"$2\"" "$1" | head -c 1500)"
}

cat >"$WORK/ref.yaml" <<YAML
datasets: [humaneval_plus, mbpp_plus]
model: reference
dataset_args:
  humaneval_plus: {local_path: $WORK/HumanEvalPlus.jsonl}
  mbpp_plus: {local_path: $WORK/MbppPlus.jsonl}
work_dir: $WORK/ref
no_timestamp: true
YAML
eval_config ref
expect_row ref '| humaneval_plus | pass@1      | default     |   4 | 1.0000 |' "HumanEval+ references"
expect_row ref '| mbpp_plus      | pass@1      | default     |   2 | 1.0000 |' "MBPP+ references"

for kind in he mb; do
        bench=$([ $kind = he ] && echo humaneval_plus || echo mbpp_plus)
        file=$([ $kind = he ] && echo HumanEvalPlus || echo MbppPlus)
        printf 'dataset_args:\n  %s: {local_path: %s}\n' $bench "$WORK/$file.jsonl" >"$WORK/$kind.yaml"
        "$SBX" eval --config "$WORK/$kind.yaml" --datasets $bench --samples "$WORK/${kind}_samples.jsonl" \
                -q --no-timestamp --work-dir "$WORK/$kind" >"$WORK/$kind.out" 2>"$WORK/$kind.err" ||
                fail "$bench samples exited $?: $(tail -5 "$WORK/$kind.err")"
done
R=$WORK/he/reviews/he_samples/humaneval_plus.jsonl
expect "$R" HumanEval/0 0 WRONG_ANSWER
expect "$R" HumanEval/2 0 OK
expect "$R" HumanEval/2 1 WRONG_ANSWER
expect "$R" HumanEval/2 2 WRONG_ANSWER:early
expect "$R" HumanEval/32 0 WRONG_ANSWER
expect "$R" HumanEval/13 0 WRONG_ANSWER
R=$WORK/mb/reviews/mb_samples/mbpp_plus.jsonl
expect "$R" Mbpp/2 0 OK # a set comparison: any order
expect "$R" Mbpp/2 1 WRONG_ANSWER
expect "$R" Mbpp/11 0 OK
expect "$R" Mbpp/11 1 WRONG_ANSWER:early
exit 0
