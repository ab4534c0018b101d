# sandboxrt eval from the command line: help, the promised messages for bad task files, the
# pickled-LiveCodeBench refusal, and an openai_api run against a fixture server on 127.0.0.1
# with the key from a .env file (never written out), then a rejected key.
. "$(dirname "$0")/lib.sh"
scratch

"$SBX" eval --help | grep -q '^Usage: sandboxrt eval' || fail "--help"
"$SBX" eval 2>/dev/null
[ $? -eq 2 ] || fail "no arguments should exit 2"

# expect_bad TASK_TEXT MESSAGE: exit status 2 and MESSAGE on stderr.
expect_bad() {
        printf '%s' "$1" >"$WORK/task.yaml"
        "$SBX" eval --config "$WORK/task.yaml" >/dev/null 2>"$WORK/err"
        local rc=$?
        [ $rc -eq 2 ] || fail "exit $rc for: $1"
        grep -qF -- "$2" "$WORK/err" || fail "expected '$2', got: $(cat "$WORK/err")"
}
expect_bad $'datasets: [humaneval]\ndataset_args:\n  humaneval:\n    review_timeout: fast\n' \
        "task.yaml:4: dataset_args.humaneval.review_timeout: expected a number of seconds, got a string"
expect_bad $'datasets: [humanevl]\n' "unknown benchmark 'humanevl' (did you mean 'humaneval'?)"
expect_bad $'datasets: [mbpp]\nlimit: -2\n' "task.yaml:2: limit: expected a number of samples"
expect_bad $'model: gpt-4o\ndatasets: [mbpp]\n' "needs eval_type: openai_api and api_url"
expect_bad $'datasets: [mbpp\n' "YAML syntax error"
"$SBX" eval --config "$WORK/none.yaml" 2>"$WORK/err"
[ $? -eq 2 ] && grep -q "none.yaml: No such file" "$WORK/err" || fail "missing task file: $(cat "$WORK/err")"

require_jail

# An unknown key is a warning naming the nearest key; the run goes on.
printf 'datasets: [humaneval]\nlimit: 2\neval_batch_szie: 2\nwork_dir: %s/w\n' "$WORK" >"$WORK/task.yaml"
"$SBX" eval --config "$WORK/task.yaml" -q >"$WORK/out" 2>"$WORK/err" || fail "warning run: $(cat "$WORK/err")"
grep -qF "task.yaml:3: unknown key 'eval_batch_szie' ignored (did you mean 'eval_batch_size'?)" \
        "$WORK/err" || fail "no warning: $(cat "$WORK/err")"
grep -q '|   2 | 1.0000 |' "$WORK/out" || fail "warning run table: $(cat "$WORK/out")"

# A work_dir that cannot be made: the error names the directory that could not be, and why.
: >"$WORK/file"
printf 'datasets: [humaneval]\nlimit: 1\nwork_dir: %s/file/out\n' "$WORK" >"$WORK/task.yaml"
"$SBX" eval --config "$WORK/task.yaml" -q >/dev/null 2>"$WORK/err"
[ $? -eq 1 ] && grep -qxF "sandboxrt: eval: work_dir: cannot create $WORK/file/out: Not a directory" \
        "$WORK/err" || fail "work_dir error: $(cat "$WORK/err")"

# A private test list whose pickle does more than build a string is refused before anything
# runs, naming the problem; what the pickle would have run did not run.
"$PY" - "$WORK/evil.jsonl" "$WORK/pwned" <<'PY'
import base64, json, os, pickle, sys, zlib
class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + sys.argv[2],))
tests = base64.b64encode(zlib.compress(pickle.dumps(Evil()))).decode()
rec = {"question_id": "evil1", "question_content": "q", "starter_code": "",
       "public_test_cases": "[]", "private_test_cases": tests, "metadata": "{}"}
open(sys.argv[1], "w").write(json.dumps(rec) + "\n")
PY
printf 'datasets: [live_code_bench]\nsamples: /dev/null\ndataset_args:\n  live_code_bench:\n    local_path: %s\nwork_dir: %s/w\n' \
        "$WORK/evil.jsonl" "$WORK" >"$WORK/task.yaml"
"$SBX" eval --config "$WORK/task.yaml" -q >/dev/null 2>"$WORK/err"
[ $? -eq 1 ] && grep -q "evil.jsonl:1: problem evil1: private_test_cases is neither JSON nor base64(zlib(pickle(str))): .*: refused" "$WORK/err" ||
        fail "malicious pickle not refused: $(cat "$WORK/err")"
[ -e "$WORK/pwned" ] && fail "the pickle's payload ran"

# Bad input for a later dataset is found before the first runs: nothing was judged (it ran
# every HumanEval program first, then failed on MBPP's missing samples).
printf '{"task_id": "HumanEval/0", "completion": "    return False\\n"}\n' >"$WORK/he0.jsonl"
"$SBX" eval --datasets humaneval,mbpp --samples "$WORK/he0.jsonl" --limit 1 --no-timestamp \
        --work-dir "$WORK/early" -q >/dev/null 2>"$WORK/err"
[ $? -eq 1 ] && grep -q "mbpp: samples: .*he0.jsonl has no completion for 11" "$WORK/err" ||
        fail "mbpp's missing samples: $(cat "$WORK/err")"
[ -e "$WORK/early/reviews/he0/humaneval.jsonl" ] && fail "humaneval ran before mbpp's error"

# openai_api against the fixture: the key comes from .env through ${VAR}.
"$PY" "$SRC/tests/eval/fixture_openai.py" "$SRC/data/humaneval/HumanEval.jsonl.gz" sk-dotenv-4242 \
        "$WORK/port" "$WORK/auth.log" 2>"$WORK/server.log" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq "$(scaled 100)"); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || fail "the fixture server did not start"
mkdir "$WORK/api"
echo 'MY_KEY=sk-dotenv-4242' >"$WORK/api/.env"
cat >"$WORK/api/task.yaml" <<YAML
model: fixture-model
eval_type: openai_api
api_url: http://127.0.0.1:$(cat "$WORK/port")/v1
api_key: \${MY_KEY}
datasets: [humaneval]
limit: 3
eval_batch_size: 2
generation_config: {temperature: 0}
work_dir: $WORK/api/out
no_timestamp: true
YAML
"$SBX" eval --config "$WORK/api/task.yaml" >"$WORK/api/stdout" 2>"$WORK/api/stderr" ||
        fail "openai run exited $?: $(tail -5 "$WORK/api/stderr")"
grep -qF '| fixture-model | humaneval    | pass@1      | default     |   3 | 1.0000 |' "$WORK/api/stdout" ||
        fail "openai table: $(cat "$WORK/api/stdout")"
grep -q 'Predicting\[humaneval\]: 3/3' "$WORK/api/stderr" || fail "no Predicting progress"
grep -q '^Bearer sk-dotenv-4242$' "$WORK/auth.log" || fail "the key was not sent"
grep -rq 'sk-dotenv-4242' "$WORK/api/out" "$WORK/api/stdout" "$WORK/api/stderr" &&
        fail "the API key was written out"
grep -q "api_key: '\*\*\*'" "$WORK/api/out/configs/task_config.yaml" || fail "key not masked"
grep -q '"code":"from typing import List' "$WORK/api/out/predictions/fixture-model/humaneval.jsonl" ||
        fail "the fenced code was not extracted"

# A key the server rejects: a clear error with the status and the server's message. The
# environment wins over .env, as with python-dotenv.
MY_KEY=sk-wrong "$SBX" eval --config "$WORK/api/task.yaml" --work-dir "$WORK/api/bad" -q \
        >/dev/null 2>"$WORK/err"
[ $? -eq 1 ] || fail "a rejected key should exit 1"
grep -qF "HTTP status 401: Incorrect API key provided" "$WORK/err" || fail "error text: $(cat "$WORK/err")"
# Nothing was done: no word of going on.
grep -q 'use-cache' "$WORK/err" && fail "a hint to resume a run that did nothing: $(cat "$WORK/err")"

# An endpoint that fails midway (one that knows only the first two problems: 400 for the third):
# the error says which command goes on with the run; it does, with a working endpoint, and asks
# only for what is missing.
"$PY" -c 'import gzip, sys; sys.stdout.writelines(gzip.open(sys.argv[1], "rt").readlines()[:2])' \
        "$SRC/data/humaneval/HumanEval.jsonl.gz" | gzip >"$WORK/two.jsonl.gz"
"$PY" "$SRC/tests/eval/fixture_openai.py" "$WORK/two.jsonl.gz" sk-dotenv-4242 "$WORK/port2" \
        "$WORK/auth2.log" 2>>"$WORK/server.log" &
server2=$!
trap 'kill $server $server2 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq "$(scaled 100)"); do [ -s "$WORK/port2" ] && break; sleep 0.05; done
"$SBX" eval --config "$WORK/api/task.yaml" --work-dir "$WORK/api/midway" --eval-batch-size 1 \
        --api-url "http://127.0.0.1:$(cat "$WORK/port2")/v1" -q >/dev/null 2>"$WORK/err"
[ $? -eq 1 ] || fail "a failed request should exit 1"
hint=$(tail -1 "$WORK/err")
[ "$hint" = "sandboxrt: eval: to go on from where it stopped, run the same command with --use-cache $WORK/api/midway" ] ||
        fail "no command to go on: $(cat "$WORK/err")"
: >"$WORK/auth.log"
"$SBX" eval --config "$WORK/api/task.yaml" --use-cache "$WORK/api/midway" >"$WORK/api/stdout" \
        2>"$WORK/err" || fail "going on: $(cat "$WORK/err")"
grep -qF '| fixture-model | humaneval    | pass@1      | default     |   3 | 1.0000 |' "$WORK/api/stdout" ||
        fail "going on: $(cat "$WORK/api/stdout")"
[ "$(wc -l <"$WORK/auth.log")" = 1 ] || fail "going on asked for $(wc -l <"$WORK/auth.log") completions, not 1"
exit 0
