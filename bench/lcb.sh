#!/usr/bin/env bash
# Wall time of `sandboxrt eval` on a LiveCodeBench-style stdin set (many tests per problem, one
# program run per test, outputs compared) versus the same runs bare (/usr/bin/python3 with the
# input on stdin, outputs compared by the same script) at the same parallelism. The set is made
# here: PROBLEMS problems of 5 kinds (sums, sorting, words, primes, a DP), TESTS tests each,
# with their reference solutions as the samples. Rounds alternate bare and sandboxed runs; the
# medians and their ratio are printed.
#
#   bench/lcb.sh [ROUNDS] [JOBS] [PROBLEMS] [TESTS]   (defaults: 3, the CPU count, 20, 25)
# Env: SBX_BUILD_DIR (default build).
set -euo pipefail

rounds=${1:-3}
jobs=${2:-$(nproc)}
problems=${3:-20}
tests=${4:-25}
. "$(dirname "$0")/lib.sh"

# The set, LiveCodeBench's layout (public and private tests as JSON strings), the samples, and
# the same runs as files for the bare side: <problem>/sol.py, <problem>/<n>.in, <n>.out.
"$py" - "$out" "$problems" "$tests" <<'PY'
import json, os, random, sys
out, n_problems, n_tests = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(42)
KINDS = {
    "sum": ("n = int(input())\nprint(sum(map(int, input().split())))\n",
            lambda: [rng.randint(-10**12, 10**12) for _ in range(rng.randint(1, 2000))],
            lambda v: (f"{len(v)}\n{' '.join(map(str, v))}\n", f"{sum(v)}\n")),
    "sort": ("input()\nprint(*sorted(map(int, input().split())))\n",
             lambda: [rng.randint(0, 10**6) for _ in range(rng.randint(1, 3000))],
             lambda v: (f"{len(v)}\n{' '.join(map(str, v))}\n", " ".join(map(str, sorted(v))) + "\n")),
    "words": ("import sys\nfrom collections import Counter\n"
              "c = Counter(sys.stdin.read().split())\nfor w, k in sorted(c.items()):\n    print(w, k)\n",
              lambda: [rng.choice("abcdefgh") * rng.randint(1, 4) for _ in range(rng.randint(1, 2000))],
              lambda v: (" ".join(v) + "\n",
                         "".join(f"{w} {v.count(w)}\n" for w in sorted(set(v))))),
    "primes": ("n = int(input())\ns = bytearray([1]) * (n + 1)\ns[0:2] = b'\\x00\\x00'\n"
               "for i in range(2, int(n ** 0.5) + 1):\n    if s[i]:\n"
               "        s[i * i::i] = bytearray(len(s[i * i::i]))\nprint(sum(s))\n",
               lambda: rng.randint(2, 200000),
               lambda n: (f"{n}\n", f"{sum(1 for k in range(2, n + 1) if all(k % d for d in range(2, int(k ** 0.5) + 1)))}\n")),
    "dp": ("n = int(input())\na, b = 0, 1\nfor _ in range(n):\n    a, b = b, (a + b) % 1000000007\nprint(a)\n",
           lambda: rng.randint(1, 100000),
           lambda n: (f"{n}\n", f"{fib(n)}\n")),
}
def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, (a + b) % 1000000007
    return a
names = sorted(KINDS)
with open(os.path.join(out, "set.jsonl"), "w") as f, open(os.path.join(out, "samples.jsonl"), "w") as s:
    for i in range(n_problems):
        kind = names[i % len(names)]
        sol, gen, render = KINDS[kind]
        cases = [render(gen()) for _ in range(n_tests)]
        qid = f"{kind}{i:03d}"
        d = os.path.join(out, "bare", qid)
        os.makedirs(d)
        open(os.path.join(d, "sol.py"), "w").write(sol)
        for k, (inp, exp) in enumerate(cases):
            open(os.path.join(d, f"{k}.in"), "w").write(inp)
            open(os.path.join(d, f"{k}.out"), "w").write(exp)
        tests = [{"input": inp, "output": exp, "testtype": "stdin"} for inp, exp in cases]
        f.write(json.dumps({"question_id": qid, "question_content": kind, "starter_code": "",
                            "public_test_cases": json.dumps(tests[:3]),
                            "private_test_cases": json.dumps(tests[3:]), "metadata": "{}",
                            "contest_date": "2024-01-01T00:00:00"}) + "\n")
        s.write(json.dumps({"task_id": qid, "completion": "```python\n" + sol + "```"}) + "\n")
PY

# One bare test: run, compare stripped lines (the sandboxed judge's rule for these outputs).
cat >"$out/one.sh" <<'SH'
d=${1%/*}; k=${1##*/}; k=${k%.in}
got=$(/usr/bin/python3 "$d/sol.py" <"$1") || { echo "FAIL $1"; exit 0; }
[ "$(printf '%s' "$got" | sed 's/[[:space:]]*$//')" = "$(sed 's/[[:space:]]*$//' "$d/$k.out")" ] || echo "FAIL $1"
SH

# measure bare|sandboxed: every test once, bare (one.sh) or through `sandboxrt eval`.
printf 'dataset_args:\n  live_code_bench:\n    local_path: %s\n' "$out/set.jsonl" >"$out/task.yaml"
measure() {
	local failed
	if [ "$1" = bare ]; then
		failed=$(find "$out/bare" -name '*.in' | xargs -P "$jobs" -I{} sh "$out/one.sh" {} | wc -l)
		[ "$failed" -eq 0 ] || echo "bench: $failed tests failed bare" >&2
		return
	fi
	"$sandboxrt" eval --config "$out/task.yaml" --datasets live_code_bench \
		--samples "$out/samples.jsonl" --jobs "$jobs" -q --work-dir "$out/runs" \
		>"$out/table" 2>"$out/err" || { echo "bench: eval failed: $(tail -3 "$out/err")" >&2; exit 1; }
	grep -q "| *$problems | 1.0000 |" "$out/table" ||
		echo "bench: the sandboxed run did not pass every problem" >&2
}

echo "bench: $problems problems x $tests tests = $((problems * tests)) runs, $jobs in parallel," \
	"$rounds rounds" >&2
rounds "$rounds" bare sandboxed

"$py" - "$out/bare.ms" "$out/sandboxed.ms" "$jobs" "$((problems * tests))" <<'PY'
import statistics, sys
bare = [int(x) for x in open(sys.argv[1]).read().split()]
sbx = [int(x) for x in open(sys.argv[2]).read().split()]
b, s = statistics.median(bare), statistics.median(sbx)
runs = int(sys.argv[4])
print(f"bare /usr/bin/python3 (xargs -P {sys.argv[3]}): median {b / 1000:.2f} s, {b / runs:.1f} ms/run  (runs: {', '.join(f'{x / 1000:.2f}' for x in bare)})")
print(f"sandboxrt eval (--jobs {sys.argv[3]}):          median {s / 1000:.2f} s, {s / runs:.1f} ms/run  (runs: {', '.join(f'{x / 1000:.2f}' for x in sbx)})")
print(f"ratio sandboxed / bare: {s / b:.2f}x")
PY
