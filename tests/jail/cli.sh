# The CLI: stdin, --file with modes and relative paths, exit statuses, errors.
. "$(dirname "$0")/lib.sh"
require_jail

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
printf 'line one\nline two\n' >"$dir/in.txt"
printf '#!/bin/sh\necho script ran\n' >"$dir/tool.sh"
chmod 755 "$dir/tool.sh"
chmod 644 "$dir/in.txt"

sbx --stdin "$dir/in.txt" -- /usr/bin/wc -l
expect stdout "2
"
sbx --file "$dir/tool.sh:bin/tool.sh" --file "$dir/in.txt:/tmp/in.txt" -- /bin/sh -c './bin/tool.sh; cat /tmp/in.txt | head -1; stat -c %a bin/tool.sh'
expect stdout "script ran
line one
755
"
out=$("$SBX" run -- /bin/sh -c 'echo to-stdout; echo to-stderr >&2; exit 3' 2>"$dir/err")
[ $? -eq 1 ] || fail "exit status for RUNTIME_ERROR should be 1"
[ "$out" = to-stdout ] || fail "stdout passthrough: $out"
grep -q to-stderr "$dir/err" || fail "stderr passthrough"
grep -q 'RUNTIME_ERROR' "$dir/err" || fail "no summary for a failed run"

"$SBX" run -- /nonexistent/program 2>"$dir/err"
[ $? -eq 1 ] || fail "a missing program is a program failure (exit 1)"
grep -q 'cannot execute /nonexistent/program' "$dir/err" || fail "message: $(cat "$dir/err")"

"$SBX" run --limit wall=banana -- /bin/true 2>"$dir/err"
[ $? -eq 2 ] || fail "a bad limit is a usage error (exit 2)"
grep -q wall "$dir/err" || fail "the error names the key: $(cat "$dir/err")"
"$SBX" run --file "$dir/in.txt:../escape" -- /bin/true 2>"$dir/err"
[ $? -eq 2 ] || fail "a file path with .. is a usage error"
grep -q "must not contain '..'" "$dir/err" || fail "message: $(cat "$dir/err")"
"$SBX" run --file "$dir/in.txt:/etc/x" -- /bin/true 2>/dev/null
[ $? -eq 2 ] || fail "a file outside the writable directories is a usage error"
"$SBX" run --policy nope -- /bin/true 2>/dev/null
[ $? -eq 2 ] || fail "an unknown policy is a usage error"
"$SBX" run 2>/dev/null
[ $? -eq 2 ] || fail "nothing to run is a usage error"
"$SBX" run --help | grep -q 'Exit status' || fail "--help documents exit statuses"
"$SBX" doctor >"$dir/doc" || fail "doctor failed: $(cat "$dir/doc")"
grep -q '^auto backend *native' "$dir/doc" || fail "doctor: $(cat "$dir/doc")"
grep -qE '^cgroups +(ok|no) +(v1|v2|none)' "$dir/doc" || fail "doctor names the hierarchy: $(cat "$dir/doc")"
