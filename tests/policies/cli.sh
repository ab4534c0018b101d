#!/usr/bin/env bash
# sandboxrt policy list/show/check: output, exit statuses, --policy-dir and the environment.
set -euo pipefail

: "${SANDBOXRT:?}" "${SBX_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect STATUS CMD...: run CMD, keep stdout/stderr in $tmp/out, $tmp/err, check the status.
expect() {
	local want=$1 got=0
	shift
	"$@" >"$tmp/out" 2>"$tmp/err" || got=$?
	[ "$got" -eq "$want" ] || fail "$* exited $got, expected $want; stderr: $(cat "$tmp/err")"
}

has() { grep -qF -- "$2" "$1" || fail "$1 lacks '$2': $(cat "$1")"; }

# list: the built-ins, one per line, with their source.
expect 0 env -u SANDBOXRT_POLICY_DIR "$SANDBOXRT" policy list
for name in default strict compile loopback; do
	grep -qE "^$name +.+\(built-in\)\$" "$tmp/out" || fail "list lacks $name: $(cat "$tmp/out")"
done

# show: YAML that check accepts again, under the policy's own name.
expect 0 "$SANDBOXRT" policy show strict
has "$tmp/out" "name: strict"
has "$tmp/out" "  memory: 256m"
has "$tmp/out" "network: none"
cp "$tmp/out" "$tmp/strict.yaml"
expect 0 "$SANDBOXRT" policy check "$tmp/strict.yaml"
[ "$(cat "$tmp/out")" = "$tmp/strict.yaml: ok (strict)" ] || fail "check output: $(cat "$tmp/out")"

# Every shipped file checks.
for f in "$SBX_SOURCE_DIR"/policies/*.yaml; do
	expect 0 "$SANDBOXRT" policy check "$f"
done

# check: the validation error names file, line and key; exit 1.
mkdir "$tmp/bad"
sed 's/memory: 256m/memory: 12q/' "$tmp/strict.yaml" >"$tmp/bad/strict.yaml"
expect 1 "$SANDBOXRT" policy check "$tmp/bad/strict.yaml"
has "$tmp/err" "$tmp/bad/strict.yaml:8: limits.memory: \"12q\" is not a size"
expect 1 "$SANDBOXRT" policy check "$tmp/missing.yaml"

# --policy-dir and $SANDBOXRT_POLICY_DIR: a directory policy replaces the built-in.
mkdir "$tmp/dir"
sed 's/wall: 5s/wall: 7s/; s/^description: .*/description: "local strict"/' \
	"$tmp/strict.yaml" >"$tmp/dir/strict.yaml"
expect 0 "$SANDBOXRT" policy --policy-dir "$tmp/dir" show strict
has "$tmp/out" "  wall: 7s"
expect 0 env SANDBOXRT_POLICY_DIR="$tmp/dir" "$SANDBOXRT" policy list
grep -qE "^strict +local strict +\($tmp/dir/strict.yaml\)\$" "$tmp/out" ||
	fail "list does not show the replacement: $(cat "$tmp/out")"
expect 2 "$SANDBOXRT" policy --policy-dir "$tmp/bad" list
has "$tmp/err" "limits.memory"
# A file over a count (9 writable paths) is the same usage error, for run too (it said 9, the
# sandbox failed).
mkdir "$tmp/many"
{ cat "$tmp/strict.yaml"; echo 'writable: [/o/a, /o/b, /o/c, /o/d, /o/e, /o/f, /o/g, /o/h, /o/i]'; } \
	>"$tmp/many/strict.yaml"
expect 2 "$SANDBOXRT" policy --policy-dir "$tmp/many" list
expect 2 "$SANDBOXRT" run --policy-dir "$tmp/many" --policy strict -- /bin/true
has "$tmp/err" "writable: more than 8 paths"

# Usage errors and an unknown policy exit 2, as `run --policy` does; --help exits 0.
expect 2 "$SANDBOXRT" policy
expect 2 "$SANDBOXRT" policy frob
expect 2 "$SANDBOXRT" policy show
expect 2 "$SANDBOXRT" policy check a b
expect 2 "$SANDBOXRT" policy --bogus list
expect 2 "$SANDBOXRT" policy show no-such-policy
expect 2 "$SANDBOXRT" run --policy no-such-policy -- /bin/true
has "$tmp/err" "unknown policy 'no-such-policy'"
expect 0 "$SANDBOXRT" policy --help
has "$tmp/out" "Usage: sandboxrt policy"
echo "policy CLI: ok"
