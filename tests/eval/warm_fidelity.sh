# Warm Python in eval (its default) against cold (warm=false): every HumanEval and MBPP reference
# program, and wrong HumanEval answers (exceptions, failed asserts, syntax errors), give the
# same verdict, exit status, stdout and stderr.
. "$(dirname "$0")/lib.sh"
require_jail
scratch
# Two samples per HumanEval problem: the canonical solution, and a wrong one or one that also
# prints, at module level, whether the zygote's library is mapped (docs/warm.md), which shows
# that the warm run was warm.
"$PY" - "$SRC/data/humaneval/HumanEval.jsonl.gz" "$WORK/samples.jsonl" <<'PY'
import gzip, json, sys
variants = [
    "    raise ValueError('boom')\n",
    "    raise AssertionError('wrong answer')\n",
    "    return (\n",
    None,  # canonical + the marker
]
with open(sys.argv[2], "w") as f:
    for i, line in enumerate(gzip.open(sys.argv[1], "rt")):
        p = json.loads(line)
        v = variants[i % len(variants)]
        if v is None:
            v = p["canonical_solution"] + "\nprint('sandboxrt-zygote' in open('/proc/self/maps').read())\n"
        for c in (p["canonical_solution"], v):
            f.write(json.dumps({"task_id": p["task_id"], "completion": c}) + "\n")
PY
run() { # run NAME WARM: eval HumanEval samples and the MBPP references
        local name=$1 warm=$2
        cat >"$WORK/$name.yaml" <<YAML
datasets: [humaneval]
samples: $WORK/samples.jsonl
dataset_args:
  humaneval:
    review_timeout: 4
sandbox:
  default_config:
    limits: [warm=$warm]
work_dir: $WORK/$name
no_timestamp: true
YAML
        "$SBX" eval --config "$WORK/$name.yaml" -q >/dev/null 2>"$WORK/$name.err" ||
                fail "eval $name exited $?: $(tail -5 "$WORK/$name.err")"
        sed -i "s/^datasets: .*/datasets: [mbpp]/; /^samples:/d" "$WORK/$name.yaml"
        sed -i "s/^  humaneval:/  mbpp:/; s|^work_dir: .*|work_dir: $WORK/$name-mbpp|" \
                "$WORK/$name.yaml"
        "$SBX" eval --config "$WORK/$name.yaml" --model reference -q >/dev/null 2>"$WORK/$name.err" ||
                fail "eval $name (mbpp) exited $?: $(tail -5 "$WORK/$name.err")"
}
run cold false
run warm true
"$PY" - "$WORK" <<'PY' || fail "warm and cold differ"
import glob, json, re, sys
def reviews(pattern):
    out = {}
    for path in glob.glob(pattern):
        for line in open(path):
            r = json.loads(line)
            # The completion proof eval's harness prints last is new in every run.
            r["stdout"] = re.sub(r"\n[0-9a-f]{32}\n$", "", r["stdout"])
            out[(r["task_id"], r["sample"])] = r
    return out
for cold_glob, warm_glob, n in (("cold/reviews/*/humaneval.jsonl", "warm/reviews/*/humaneval.jsonl", 328),
                                ("cold-mbpp/reviews/*/mbpp.jsonl", "warm-mbpp/reviews/*/mbpp.jsonl", None)):
    cold, warm = reviews(sys.argv[1] + "/" + cold_glob), reviews(sys.argv[1] + "/" + warm_glob)
    assert cold and cold.keys() == warm.keys(), (len(cold), len(warm))
    assert n is None or len(cold) == n, len(cold)
    marked = 0
    for key, c in cold.items():
        w = warm[key]
        if c["stdout"] == "False\n":  # the marker: warm must have been warm
            assert w["stdout"] == "True\n", (key, w["stdout"])
            marked += 1
            w = dict(w, stdout=c["stdout"])
        for k in ("passed", "outcome", "verdict", "exit_code", "signal", "stdout", "stderr"):
            assert c[k] == w[k], f"{key} {k}: cold {c[k]!r}, warm {w[k]!r}"
    print(f"{len(cold)} programs the same warm and cold ({marked} showed the warm run was warm)")
    if n:
        assert marked == 41, marked
        verdicts = {c["verdict"] for c in cold.values()}
        assert {"OK", "RUNTIME_ERROR"} <= verdicts, verdicts
PY
