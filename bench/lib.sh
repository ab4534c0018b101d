# Shared by the benchmarks that set `sandboxrt eval` against the same programs run bare
# (humaneval.sh, lcb.sh, roles.sh). Sourced after `set -euo pipefail`: sets root, build,
# sandboxrt, py and out (a directory removed at exit), and stops unless `sandboxrt run` works here.
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SBX_BUILD_DIR:-$root/build}
sandboxrt=$build/api/sandboxrt
py=/usr/bin/python3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

[ -x "$sandboxrt" ] || { echo "bench: build first ($sandboxrt missing)" >&2; exit 1; }
"$sandboxrt" run -- "$py" -c pass >/dev/null 2>&1 ||
	{ echo "bench: '$sandboxrt run' does not work here" >&2; exit 1; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# humaneval_programs DIR: the 164 HumanEval reference programs as DIR/000.py..163.py, exactly as
# sandboxrt builds them: prompt + solution + "\n" + test + "\n" + check(entry).
humaneval_programs() {
	mkdir "$1"
	"$py" - "$root/data/humaneval/HumanEval.jsonl.gz" "$1" <<'PY'
import gzip, json, os, sys
for i, line in enumerate(gzip.open(sys.argv[1], "rt")):
    p = json.loads(line)
    prog = p["prompt"] + p["canonical_solution"] + "\n" + p["test"] + "\n" + f"check({p['entry_point']})"
    with open(os.path.join(sys.argv[2], f"{i:03d}.py"), "w") as f:
        f.write(prog)
PY
}

# humaneval_configs: $out/warm.yaml, eval's own HumanEval config (warm Python is its default),
# and $out/cold.yaml, the same with warm Python off.
humaneval_configs() {
	cp "$root/examples/humaneval-reference.yaml" "$out/warm.yaml"
	{ cat "$out/warm.yaml"; printf 'sandbox:\n  default_config:\n    limits: [warm=false]\n'; } \
		>"$out/cold.yaml"
}

# rounds ROUNDS MODE...: ROUNDS rounds, each timing the caller's `measure MODE` for every MODE in
# turn (measure runs one batch and says on stderr what failed in it). The milliseconds go to
# $out/MODE.ms, a line a round; each round's are said on stderr.
rounds() {
	local n=$1 r m t0 ms line
	shift
	for m; do : >"$out/$m.ms"; done
	for r in $(seq 1 "$n"); do
		line="round $r:"
		for m; do
			t0=$(now_ms)
			measure "$m"
			ms=$(($(now_ms) - t0))
			echo "$ms" >>"$out/$m.ms"
			line+=" $m $ms ms,"
		done
		echo "${line%,}" >&2
	done
}
