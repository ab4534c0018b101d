# sandbox_type: docker (EvalScope's key) runs the programs on the Docker backend, in the image a
# dataset's sandbox_config names; the completion proof reaches the program there too.
. "$(dirname "$0")/lib.sh"
scratch
IMAGE=sandboxrt-test/python:3.11
"$SBX" run --backend docker --image "$IMAGE" -- python3 -c 'print(1)' >/dev/null 2>&1 ||
        skip "the Docker backend cannot run $IMAGE here (see scripts/docker-setup.sh)"

printf '{"task_id": "HumanEval/0", "completion": "    import sys\\n    sys.exit(0)\\n"}\n' >"$WORK/exit.jsonl"
cat >"$WORK/task.yaml" <<YAML
datasets: [humaneval]
model: reference
limit: 3
sandbox_type: docker
dataset_args:
  humaneval:
    sandbox_config:
      image: $IMAGE
work_dir: $WORK/out
no_timestamp: true
YAML
"$SBX" eval --config "$WORK/task.yaml" -q >"$WORK/stdout" 2>"$WORK/stderr" ||
        fail "eval exited $?: $(tail -5 "$WORK/stderr")"
grep -qF '| reference  | humaneval    | pass@1      | default     |   3 | 1.0000 |' "$WORK/stdout" ||
        fail "table: $(cat "$WORK/stdout")"
R=$WORK/out/reviews/reference/humaneval.jsonl
[ "$(grep -c '"backend":"docker"' "$R")" -eq 3 ] || fail "not run on Docker: $(cat "$R")"
grep -q "backend docker" "$WORK/out/logs/eval_log.log" || fail "the log names another backend"
grep -q "image $IMAGE" "$WORK/out/logs/eval_log.log" || fail "the log does not name the image"

# an early exit is caught on Docker as well
"$SBX" eval --config "$WORK/task.yaml" --samples "$WORK/exit.jsonl" --limit 1 --work-dir "$WORK/exit" \
        -q >"$WORK/exit.out" 2>"$WORK/exit.err" || fail "early exit run: $(tail -3 "$WORK/exit.err")"
R=$(ls "$WORK"/exit/reviews/*/humaneval.jsonl)
grep -q '"outcome":"WRONG_ANSWER".*"early_exit":true.*"backend":"docker"' "$R" ||
        fail "early exit on Docker: $(cat "$R")"
exit 0
