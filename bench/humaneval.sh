#!/usr/bin/env bash
# Wall time of `sandboxrt eval` on the 164 HumanEval reference programs, warm (eval's default:
# Python forked from a started interpreter, docs/warm.md) and cold (warm=false), versus the same
# 164 programs run bare (/usr/bin/python3, no sandbox) at the same parallelism, in one
# invocation. Rounds alternate bare, warm and cold runs; the medians and ratios are printed.
# A fourth run, "forked", is the floor of any warm runner: each program forked from one started
# python3 and run there, as a warm job is, with no sandbox at all.
#
#   bench/humaneval.sh [ROUNDS] [JOBS]     (defaults: 3 rounds, the CPU count)
# Env: SBX_BUILD_DIR (default build). Targets: warm at most 0.7x bare, cold within 1.3x.
set -euo pipefail

rounds=${1:-3}
jobs=${2:-$(nproc)}
. "$(dirname "$0")/lib.sh"

humaneval_programs "$out/programs"

# measure bare|forked|warm|cold: the 164 programs once, bare, forked, or through eval's own config
# (warm Python off for cold).
humaneval_configs
measure() {
	if [ "$1" = bare ]; then
		# python3 straight from xargs: a shell around each run would be timed as bare's.
		(cd "$out/programs" && ls | xargs -P "$jobs" -n 1 "$py" >/dev/null 2>&1) ||
			echo "bench: programs failed bare (xargs exit status $?)" >&2
		return
	fi
	if [ "$1" = forked ]; then
		(cd "$out/programs" && "$py" "$root/bench/forked.py" "$jobs")
		return
	fi
	"$sandboxrt" eval --config "$out/$1.yaml" --jobs "$jobs" -q \
		--work-dir "$out/runs" >"$out/table" 2>/dev/null || { echo "bench: eval failed" >&2; exit 1; }
	grep -q '| 164 | 1.0000 |' "$out/table" || echo "bench: the $1 run did not score 164/164" >&2
}

echo "bench: 164 HumanEval programs, $jobs in parallel, $rounds rounds" >&2
rounds "$rounds" bare forked warm cold

"$py" - "$out" "$jobs" <<'PY'
import statistics, sys
kinds = ("bare", "forked", "warm", "cold")
runs = {k: [int(x) for x in open(f"{sys.argv[1]}/{k}.ms").read().split()] for k in kinds}
med = {k: statistics.median(v) for k, v in runs.items()}
label = {"bare": f"bare /usr/bin/python3 (xargs -P {sys.argv[2]})",
         "forked": "forked from one python3, no sandbox",
         "warm": f"sandboxrt eval, warm (--jobs {sys.argv[2]})",
         "cold": f"sandboxrt eval, cold (--jobs {sys.argv[2]})"}
for k in kinds:
    print(f"{label[k]:40} median {med[k] / 1000:.2f} s  (runs: {', '.join(f'{x / 1000:.2f}' for x in runs[k])})")
print(f"ratio warm / bare: {med['warm'] / med['bare']:.2f}x (target 0.7x; forked, the floor: "
      f"{med['forked'] / med['bare']:.2f}x)")
print(f"ratio cold / bare: {med['cold'] / med['bare']:.2f}x (target 1.3x)")
PY
