# One language of the multi-language benchmarks (humaneval_x, mbxp, multiple_humaneval): a
# problem in each benchmark's own layout, run with a right completion (OK), a wrong one (not
# OK) and one that exits with status 0 before its tests ran (WRONG_ANSWER, counted as an early
# exit); MBXP's reference solution passes. Skipped (77) when the runtime lacks the language.
#
#   langs.sh LANGUAGE
. "$(dirname "$0")/lib.sh"
LANGUAGE=${1:?usage: langs.sh LANGUAGE}
require_jail
scratch

"$PY" "$SRC/tests/eval/langs.py" "$LANGUAGE" "$WORK/data" >"$WORK/benches" ||
        fail "cannot write the test data"

# outcomes FILE: "sample:outcome[:early]" for each review, by sample
outcomes() {
        "$PY" - "$1" <<'PY'
import json, sys
rows = sorted((r["sample"], r["outcome"], r.get("early_exit", False))
              for r in map(json.loads, open(sys.argv[1])))
print(" ".join("%d:%s%s" % (s, o, ":early" if e else "") for s, o, e in rows))
PY
}

while read -r bench subset; do
        case $bench in
        humaneval_x) local_path="" ;;
        multiple_humaneval) local_path="local_path: $WORK/data/multiple" ;;
        *) local_path="local_path: $WORK/data/$bench" ;;
        esac
        samples=$WORK/data/${bench%_humaneval}.samples.jsonl
        cat >"$WORK/$bench.yaml" <<YAML
datasets: [$bench]
samples: $samples
limit: 1
# one job at a time: compilers stay within the compile policy's 30 s on a busy host
judge_worker_num: 1
dataset_args:
  $bench:
    subset_list: [$subset]
    $local_path
work_dir: $WORK/out-$bench
no_timestamp: true
YAML
        "$SBX" eval --config "$WORK/$bench.yaml" -q >"$WORK/$bench.out" 2>"$WORK/$bench.err"
        rc=$?
        if grep -q "needs the runtime's language" "$WORK/$bench.err"; then
                skip "$LANGUAGE: $(grep -o "needs the runtime's language '[^']*'" "$WORK/$bench.err" | head -1)"
        fi
        [ $rc -eq 0 ] || fail "$bench $subset: eval exited $rc: $(tail -5 "$WORK/$bench.err")"
        reviews=$(ls "$WORK/out-$bench"/reviews/*/"${bench}_$subset.jsonl")
        got=$(outcomes "$reviews")
        case $got in
        "0:OK 1:"*) ;;
        *) fail "$bench $subset: the right completion did not pass: $got: $(head -c 2000 "$reviews")" ;;
        esac
        case $got in
        *" 1:OK"*) fail "$bench $subset: the wrong completion passed: $got" ;;
        esac
        if [ "$(wc -l <"$samples")" -gt 2 ]; then
                case $got in
                *" 2:WRONG_ANSWER:early") ;;
                *) fail "$bench $subset: the early exit was not caught: $got: $(tail -1 "$reviews")" ;;
                esac
        fi
        echo "$bench $subset: $got"
        if [ "$bench" = mbxp ]; then
                # MBXP ships reference solutions: the right completion is this problem's
                sed -e 's/^samples: .*$/model: reference/' -e "s|out-$bench|ref-$bench|" \
                        "$WORK/$bench.yaml" >"$WORK/ref.yaml"
                "$SBX" eval --config "$WORK/ref.yaml" -q >"$WORK/ref.out" 2>"$WORK/ref.err" ||
                        fail "mbxp reference: $(tail -5 "$WORK/ref.err")"
                grep -q "| $subset *| *1 | 1.0000 |" "$WORK/ref.out" ||
                        fail "mbxp reference did not pass: $(cat "$WORK/ref.out")"
        fi
done <"$WORK/benches"
[ -s "$WORK/benches" ] || fail "no benchmark has $LANGUAGE"
exit 0
