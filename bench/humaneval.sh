#!/usr/bin/env bash
# Wall time of `sandboxrt eval` on the 164 HumanEval reference programs versus the same 164
# programs run bare (/usr/bin/python3, no sandbox) at the same parallelism, in one invocation.
# Rounds alternate bare and sandboxed runs; the medians and their ratio are printed.
#
#   bench/humaneval.sh [ROUNDS] [JOBS]     (defaults: 3 rounds, the CPU count)
# Env: SBX_BUILD_DIR (default build). Target: sandboxed within 1.3x of bare.
set -euo pipefail

rounds=${1:-3}
jobs=${2:-$(nproc)}
. "$(dirname "$0")/lib.sh"

# The exact programs sandboxrt builds: prompt + solution + "\n" + test + "\n" + check(entry).
mkdir "$out/programs"
"$py" - "$root/data/humaneval/HumanEval.jsonl.gz" "$out/programs" <<'PY'
import gzip, json, os, sys
for i, line in enumerate(gzip.open(sys.argv[1], "rt")):
    p = json.loads(line)
    prog = p["prompt"] + p["canonical_solution"] + "\n" + p["test"] + "\n" + f"check({p['entry_point']})"
    with open(os.path.join(sys.argv[2], f"{i:03d}.py"), "w") as f:
        f.write(prog)
PY

bare() {
	local t0 failed
	t0=$(now_ms)
	failed=$(cd "$out/programs" && ls | xargs -P "$jobs" -I{} sh -c "$py {} >/dev/null 2>&1 || echo {}" | wc -l)
	echo "$(($(now_ms) - t0)) $failed"
}

sandboxed() {
	local t0
	t0=$(now_ms)
	"$sandboxrt" eval --config "$root/examples/humaneval-reference.yaml" --jobs "$jobs" -q \
		--work-dir "$out/runs" >"$out/table" 2>/dev/null || { echo "bench: eval failed" >&2; exit 1; }
	echo "$(($(now_ms) - t0)) $(grep -c '| 164 | 1.0000 |' "$out/table")"
}

echo "bench: 164 HumanEval programs, $jobs in parallel, $rounds rounds" >&2
bare_vs_sandboxed "$rounds" programs "sandboxed run did not score 164/164"

"$py" - "$out/bare_ms" "$out/sbx_ms" "$jobs" <<'PY'
import statistics, sys
bare = [int(x) for x in open(sys.argv[1]).read().split()]
sbx = [int(x) for x in open(sys.argv[2]).read().split()]
b, s = statistics.median(bare), statistics.median(sbx)
print(f"bare /usr/bin/python3 (xargs -P {sys.argv[3]}): median {b / 1000:.2f} s  (runs: {', '.join(f'{x / 1000:.2f}' for x in bare)})")
print(f"sandboxrt eval (--jobs {sys.argv[3]}):          median {s / 1000:.2f} s  (runs: {', '.join(f'{x / 1000:.2f}' for x in sbx)})")
print(f"ratio sandboxed / bare: {s / b:.2f}x (target 1.3x)")
PY
