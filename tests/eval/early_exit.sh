# HumanEval and MBPP: programs that end with status 0 before their tests finished are not OK.
# Each way out a completion has (sys.exit, os._exit, exit() in a __main__ block, raise
# SystemExit, exec'ing another program, killing itself, closing stdout) is judged not OK; the
# exits with status 0 are WRONG_ANSWER "exited before the tests finished", counted apart.
. "$(dirname "$0")/lib.sh"
require_jail
scratch

"$PY" - "$WORK" <<'PY'
import json, os, sys
work = sys.argv[1]
exits = [
    "    import sys\n    sys.exit(0)\n",
    "    import os\n    os._exit(0)\n",
    "    return 0\nif __name__ == '__main__':\n    exit()\n",
    "    raise SystemExit(0)\n",
    "    import os\n    os.execv('/bin/true', ['true'])\n",
    "    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)\n",
    # right answers, but stdout closed: the harness cannot say the tests finished
    "    import os\n    os.close(1)\n"
    "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n",
]
with open(os.path.join(work, "he.jsonl"), "w") as f:
    for c in exits:
        f.write(json.dumps({"task_id": "HumanEval/0", "completion": c}) + "\n")
mbpp = [
    "import sys\nsys.exit(0)\n",
    # (MBPP's extraction already cuts a reply at `if __name__ ==`)
    "def remove_Occ(s, ch):\n    return s\nexit()\n",
    "import os\nos._exit(0)\n",
]
with open(os.path.join(work, "mb.jsonl"), "w") as f:
    for c in mbpp:
        f.write(json.dumps({"task_id": 11, "completion": c}) + "\n")
PY

# counts FILE: "outcome[:early] count" lines
counts() {
        "$PY" -c 'import json, sys, collections
c = collections.Counter(r["outcome"] + (":early" if r.get("early_exit") else "")
                        for r in map(json.loads, open(sys.argv[1])))
print(" ".join("%s=%d" % kv for kv in sorted(c.items())))' "$1"
}

"$SBX" eval --datasets humaneval --samples "$WORK/he.jsonl" --limit 1 -q --no-timestamp \
        --work-dir "$WORK/he" >"$WORK/he.out" 2>"$WORK/he.err" || fail "humaneval: $(tail -3 "$WORK/he.err")"
got=$(counts "$WORK/he/reviews/he/humaneval.jsonl")
# killed by a signal: RUNTIME_ERROR; stdout closed: the proof cannot be written, RUNTIME_ERROR
[ "$got" = "RUNTIME_ERROR=2 WRONG_ANSWER:early=5" ] || fail "humaneval early exits: $got"
grep -qF 'WRONG_ANSWER 5 (5 exited before the tests finished)' "$WORK/he.out" ||
        fail "breakdown: $(cat "$WORK/he.out")"
expect_json "$WORK/he/reports/he/humaneval.json" 'd["early_exits"]' 5

"$SBX" eval --datasets mbpp --samples "$WORK/mb.jsonl" --limit 1 -q --no-timestamp \
        --work-dir "$WORK/mb" >"$WORK/mb.out" 2>"$WORK/mb.err" || fail "mbpp: $(tail -3 "$WORK/mb.err")"
got=$(counts "$WORK/mb/reviews/mb/mbpp.jsonl")
[ "$got" = "WRONG_ANSWER:early=3" ] || fail "mbpp early exits: $got"
exit 0
