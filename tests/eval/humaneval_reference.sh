# The embedded default: all 164 HumanEval canonical solutions pass in the sandbox.
. "$(dirname "$0")/lib.sh"
require_jail
scratch
"$SBX" eval --config "$SRC/examples/humaneval-reference.yaml" --work-dir "$WORK/out" \
        --no-timestamp >"$WORK/stdout" 2>"$WORK/stderr" ||
        fail "eval exited $?: $(tail -5 "$WORK/stderr")"
grep -qF '| reference  | humaneval    | pass@1      | default     | 164 | 1.0000 |' "$WORK/stdout" ||
        fail "unexpected table: $(cat "$WORK/stdout")"
grep -q 'Reviewing\[humaneval\]: 164/164' "$WORK/stderr" || fail "no progress line: $(cat "$WORK/stderr")"
R="$WORK/out/reports/reference/humaneval.json"
expect_json "$R" 'd["metrics"]["pass@1"]' 1
expect_json "$R" 'd["outcomes"]["OK"]' 164
expect_json "$R" 'd["outcomes"]["SANDBOX_ERROR"]' 0
[ "$(wc -l <"$WORK/out/reviews/reference/humaneval.jsonl")" -eq 164 ] || fail "not 164 reviews"
[ "$(wc -l <"$WORK/out/predictions/reference/humaneval.jsonl")" -eq 164 ] || fail "not 164 predictions"
grep -q '"backend":"native"' "$WORK/out/reviews/reference/humaneval.jsonl" || fail "not run natively"
[ -s "$WORK/out/configs/task_config.yaml" ] || fail "no resolved config"
[ -s "$WORK/out/logs/eval_log.log" ] || fail "no log"
exit 0
