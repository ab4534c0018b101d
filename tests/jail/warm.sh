# Warm Python (isolation/zygote.h): a program run warm sees what it sees cold, but for the
# documented differences (docs/warm.md); exits, tracebacks, output and verdicts are the same; a
# job that scribbles over everything it can reach leaves nothing for the next one.
. "$(dirname "$0")/lib.sh"
require_jail
here=$(dirname "$0")/warm

work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

# py MODE FILE [RUN_OPTIONS...]: run FILE as main.py (python3 main.py a 'b c'), cold or warm.
py() {
        local mode=$1 file=$2
        shift 2
        local opts=()
        [ "$mode" = warm ] && opts=(--warm)
        sbx "${opts[@]}" "$@" --file "$file:main.py" -- /usr/bin/python3 main.py a 'b c'
}

# same_run FILE [RUN_OPTIONS...]: FILE's verdict, exit code, signal, stdout and stderr are the
# same warm and cold.
same_run() {
        local file=$1 cold
        shift
        py cold "$file" "$@"
        cold=$RESULT
        py warm "$file" "$@"
        "$PY" - "$cold" "$RESULT" "$file" <<'PY' || fail "$file differs warm and cold"
import json, sys
cold, warm = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for k in ("verdict", "exit_code", "signal", "stdout", "stderr"):
    if cold.get(k) != warm.get(k):
        print(f"{sys.argv[3]}: {k}: cold {cold.get(k)!r}, warm {warm.get(k)!r}", file=sys.stderr)
        sys.exit(1)
PY
}

program() { # program NAME TEXT: a program file
        printf '%s\n' "$2" >"$work/$1.py"
        echo "$work/$1.py"
}

# ---- what a program sees -----------------------------------------------------------------
probe() {
        py "$1" "$here/probe.py" --stdin "$work/input"
        expect_verdict OK
        field stdout
}
printf 'line one\nline two\n' >"$work/input"
cold1=$(probe cold)
cold2=$(probe cold)
warm1=$(probe warm)
warm2=$(probe warm)
"$PY" - "$cold1" "$cold2" "$warm1" "$warm2" <<'PY' || fail "the probe differs warm and cold"
import json, sys
cold1, cold2, warm1, warm2 = (json.loads(a) for a in sys.argv[1:])
# The documented differences (docs/warm.md): what is mapped (the zygote's library), and str/bytes
# hashes (one seed per zygote: each `sandboxrt run` starts its own); random is fresh in every
# run either way.
assert not cold1["warm"] and warm1["warm"] and warm2["warm"], "the warm runs were not warm"
assert cold1["hash"] != cold2["hash"], "cold runs get fresh hash seeds"
assert len({cold1["random"], cold2["random"], warm1["random"], warm2["random"]}) == 4
for k in sorted(cold1):
    if k in ("warm", "hash", "random"):
        continue
    if cold1[k] != warm1[k]:
        print(f"{k}:\n  cold {cold1[k]!r}\n  warm {warm1[k]!r}", file=sys.stderr)
        sys.exit(1)
assert warm1["fds"] == ["0", "1", "2", "3"], warm1["fds"]  # 3: listdir's own
PY

# ---- how it ends -------------------------------------------------------------------------
same_run "$(program exit3 'import sys; print("out"); sys.exit(3)')"
expect exit_code 3
same_run "$(program exitmsg 'raise SystemExit("bye")')"
expect stderr "bye"
same_run "$(program chained 'def f():
    raise ValueError("inner")
try:
    f()
except ValueError as e:
    raise KeyError("outer") from e')"
expect_contains stderr 'File "/sandbox/main.py", line 2, in f'
same_run "$(program syntax 'print("ok")
def (:')"
expect_contains stderr "SyntaxError"
same_run "$(program atexit 'import atexit, sys
atexit.register(lambda: print("atexit ran"))
sys.stdout.write("partial")
sys.stderr.write("err-partial")')"
expect stdout "partialatexit ran"
# Python's finalization, as far as a program sees it (docs/warm.md: a warm job ends by exit).
same_run "$(program del 'import sys
class D:
    def __init__(self, name): self.name = name
    def __del__(self): print("del", self.name, file=sys.stderr if self.name == "b" else sys.stdout)
a, b = D("a"), D("b")
print("main done")')"
expect stdout "main done
del a"
expect stderr "del b"
same_run "$(program late_thread 'import threading, time
def late():
    time.sleep(0.3)
    print("thread after main")
threading.Thread(target=late).start()
print("main returns")')"
expect stdout "main returns
thread after main"
same_run "$(program atexit_order 'import atexit
atexit.register(print, "registered first, runs last")
class Boom:  # a repr without an address
    def __call__(self): 1 / 0
    def __repr__(self): return "boom"
atexit.register(Boom())
atexit.register(print, "registered last, runs first")
print("main")')"
expect_contains stderr "Exception ignored in atexit callback: boom"
same_run "$(program flush_fails 'import os, sys
sys.stdout.write("never seen")
os.close(1)')"
expect exit_code 120
expect_contains stderr "Exception ignored in: <_io.TextIOWrapper name='<stdout>'"
for code in '"msg"' None True 263 -1 '2 ** 80' '(1, 2)'; do
        same_run "$(program "exit_$RANDOM" "import sys; sys.exit($code)")"
done
expect exit_code 1
expect stderr "(1, 2)"
same_run "$(program lost 'import os, sys
sys.stdout.write("lost")
os._exit(4)')"
expect stdout ""
same_run "$(program interrupt 'raise KeyboardInterrupt')"
same_run "$(program stdin 'import sys; print(sys.stdin.read().upper(), end="")')" --stdin "$work/input"
expect stdout "LINE ONE
LINE TWO"
same_run "$(program main 'import helper, inspect, pickle, warnings
class C: pass
def g(): return 1
print(__name__, helper.where(), type(pickle.loads(pickle.dumps(C()))).__name__)
print(inspect.getsource(g), end="")
warnings.warn("careful")
print("héllo ✓")')" --file "$(program helper 'import os
def where(): return os.path.dirname(__file__)'):helper.py"
expect_contains stderr "/sandbox/main.py:6: UserWarning: careful"
same_run "$(program threads 'import subprocess, threading
t = threading.Thread(target=print, args=("thread",)); t.start(); t.join()
print(subprocess.run(["/bin/echo", "child"], capture_output=True).stdout)')"

# ---- limits: the same verdicts -----------------------------------------------------------
require_cgroups
same_run "$(program memory 'x = bytearray(512 << 20); print(len(x))')" --limit memory=128m
expect_verdict MEMORY_LIMIT
same_run "$(program spin 'while True: pass')" --limit wall=1s
expect_verdict TIME_LIMIT
same_run "$(program forks 'import os, time
n = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(5); os._exit(0)
        n += 1
except OSError as e:
    print("stopped", type(e).__name__)')" --limit pids=16

# ---- a job cannot leave anything for the next one ----------------------------------------
py warm "$here/after.py"
before=$(field stdout)
py warm "$here/scribble.py"
[ "$(field stdout)" = scribbling ] || fail "the scribbler did not run warm: $RESULT"
py warm "$here/after.py"
expect_verdict OK
[ "$(field stdout)" = "$before" ] || fail "after a scribbler: '$(field stdout)', before: '$before'"
[ "$(field stdout)" = "True True /sandbox None None []" ] || fail "unexpected: $(field stdout)"
warm3=$(probe warm)
"$PY" - "$warm1" "$warm3" <<'PY' || fail "a warm job differs after the scribbler"
import json, sys
a, b = (json.loads(x) for x in sys.argv[1:])
diff = [k for k in a if k not in ("random", "hash") and a[k] != b[k]]
assert not diff, diff
PY

# ---- what the zygote cannot give runs cold -----------------------------------------------
for opts in "--env PYTHONHASHSEED=1" "--env LANG=C" "--limit warm=false"; do
        # shellcheck disable=SC2086
        py warm "$here/probe.py" $opts
        expect_verdict OK
        [ "$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["warm"])' "$(field stdout)")" = False ] ||
                fail "$opts: not run cold"
done
sbx --warm -- /usr/bin/python3 -c 'print("sandboxrt-zygote" in open("/proc/self/maps").read())'
expect stdout "False"
