# The CLI: stdin, --file with modes and relative paths, exit statuses, errors.
. "$(dirname "$0")/lib.sh"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# A bad option gets the same message from every command, and exit status 2.
for cmd in run doctor policy serve eval; do
        "$SBX" $cmd --bogus >/dev/null 2>"$dir/err"
        [ $? -eq 2 ] || fail "$cmd --bogus should exit 2"
        want="sandboxrt: $cmd: unknown option '--bogus'; run 'sandboxrt $cmd --help'"
        [ "$(cat "$dir/err")" = "$want" ] || fail "$cmd --bogus: $(cat "$dir/err")"
done
"$SBX" run --policy >/dev/null 2>"$dir/err"
[ $? -eq 2 ] && [ "$(cat "$dir/err")" = "sandboxrt: run: missing argument for '--policy'; run 'sandboxrt run --help'" ] ||
        fail "run --policy: $(cat "$dir/err")"

require_jail
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
grep -qE '^user namespaces +ok' "$dir/doc" || fail "doctor has no user namespace line: $(cat "$dir/doc")"

# A piped stdin reaches the program without --stdin, as with any command; --stdin /dev/null
# keeps it away.
out=$(printf '21\n' | "$SBX" run -- /usr/bin/python3 -c 'print(int(input()) * 2)')
[ "$out" = 42 ] || fail "piped stdin was not fed to the program: '$out'"
out=$(printf 'not for it\n' | "$SBX" run --stdin /dev/null -- /bin/cat)
[ -z "$out" ] || fail "--stdin /dev/null still fed the pipe: '$out'"
out=$(printf 'print("from stdin")\n' | "$SBX" run --language python --source -)
[ "$out" = "from stdin" ] || fail "--source - did not read stdin: '$out'"

# A failed compile step: the compiler's messages and figures, not the unrun program's.
printf 'int main(void) { return undeclared; }\n' >"$dir/bad.c"
"$SBX" run --language c --source "$dir/bad.c" 2>"$dir/err"
[ $? -eq 7 ] || fail "a compile error exits 7"
grep -q "undeclared" "$dir/err" || fail "no compiler message: $(cat "$dir/err")"
grep -q "COMPILE_ERROR: compilation failed (compiler exit 1, wall" "$dir/err" ||
        fail "summary: $(cat "$dir/err")"
# A compile step whose sandbox fails says why (a job file where the source must go).
printf 'int main(void) { return 0; }\n' >"$dir/ok.c"
"$SBX" run --file "$dir/ok.c:main.c/x" --language c --source "$dir/ok.c" 2>"$dir/err"
[ $? -eq 9 ] || fail "a failed compile sandbox exits 9"
grep -q "SANDBOX_ERROR: the compile step's sandbox failed: .*main.c" "$dir/err" ||
        fail "no reason: $(cat "$dir/err")"
