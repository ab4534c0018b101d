# Shared by the benchmarks that set `sandboxrt eval` against the same programs run bare
# (humaneval.sh, lcb.sh). Sourced after `set -euo pipefail`: sets root, build, sandboxrt, py and
# out (a directory removed at exit), and stops unless `sandboxrt run` works here.
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

# bare_vs_sandboxed ROUNDS WHAT NOT_ALL: ROUNDS rounds of the caller's bare (prints "MS
# FAILED", FAILED counting WHAT) then sandboxed (prints "MS OK", OK 1 when all passed, else
# NOT_ALL is said); the times go to $out/bare_ms and $out/sbx_ms, a line a round.
bare_vs_sandboxed() {
	local r ms failed ok
	: >"$out/bare_ms"
	: >"$out/sbx_ms"
	for r in $(seq 1 "$1"); do
		read -r ms failed < <(bare)
		[ "$failed" -eq 0 ] || echo "bench: $failed $2 failed bare" >&2
		echo "$ms" >>"$out/bare_ms"
		read -r ms ok < <(sandboxed)
		[ "$ok" -eq 1 ] || echo "bench: $3" >&2
		echo "$ms" >>"$out/sbx_ms"
		echo "round $r: bare $(tail -1 "$out/bare_ms") ms, sandboxrt eval $ms ms" >&2
	done
}
