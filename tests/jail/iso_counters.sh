# Per-user kernel counters are charged to the sandbox: one sandbox holding every inotify instance
# or queued signal it can get leaves the host's user (root, or the unprivileged caller) and a
# second sandbox running meanwhile able to get theirs.
. "$(dirname "$0")/lib.sh"
require_jail

tag=sbx-counters-$$

# hog NAME CODE: run CODE (Python, after the preamble) in a sandbox in the background; it
# grabs what it can, prints how much and holds it for 6 s. Sets HOG_PID (the runner) and
# HOG_OUT (its JSON result, once it ended).
preamble='import ctypes, os, signal, sys, time
libc = ctypes.CDLL(None, use_errno=True)
held = []
def grab(get, most):
    while len(held) < most and get() == 0:
        held.append(1)
'
hog() {
        HOG_OUT=$(mktemp)
        "$SBX" run --backend native --json --limit "wall=$(scaled 20)s" -- \
                "$PY" -c "$preamble$2
print(len(held), flush=True)
time.sleep($(scaled 6))" "$tag-$1" >"$HOG_OUT" &
        HOG_PID=$!
}

# settled READING: wait (10 s at most, scaled) until the hog's process appeared and the number
# READING prints for its pid (a shell snippet using $pid) stopped growing.
settled() {
        local pid= prev=-1 same=0 n
        for _ in $(seq "$(scaled 200)"); do
                pid=$(pgrep -f -- "^$PY -c .*$tag-" | head -1)
                if [ -n "$pid" ]; then
                        n=$(pid=$pid bash -c "$1" 2>/dev/null) || n=-1
                        if [ "$n" -gt 0 ] && [ "$n" = "$prev" ]; then
                                same=$((same + 1))
                                [ $same -ge 3 ] && return 0
                        else
                                same=0
                        fi
                        prev=$n
                fi
                sleep 0.1
        done
        fail "the hog never settled (pid '$pid', last reading $prev)"
}

finish_hog() {
        wait "$HOG_PID"
        RESULT=$(cat "$HOG_OUT")
        rm -f "$HOG_OUT"
        expect_verdict OK
        [ "$(field stdout)" -gt 0 ] || fail "the hog got nothing: $RESULT"
}

# --- inotify instances
hog inotify 'grab(lambda: 0 if libc.inotify_init1(0) >= 0 else -1, 200)'
settled 'ls -l /proc/$pid/fd | grep -c inotify'
"$PY" -c 'import ctypes, sys
fd = ctypes.CDLL(None, use_errno=True).inotify_init1(0)
sys.exit(0 if fd >= 0 else 1)' || fail "the host's user cannot create an inotify instance while a sandbox holds its own"
sbx -- "$PY" -c 'import ctypes; print(ctypes.CDLL(None).inotify_init1(0) >= 0)'
expect stdout "True
"
finish_hog

# --- queued signals: sigqueue() counts against RLIMIT_SIGPENDING (kill() does not); the
# others must be able to queue a few dozen
hog signals 'signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])
me = os.getpid()
grab(lambda: libc.sigqueue(me, signal.SIGRTMIN, 0), 200000)'
settled 'sed -n "s/^SigQ:\t\([0-9]*\).*/\1/p" /proc/$pid/status'
queue='import ctypes, os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])
libc = ctypes.CDLL(None)
print(all(libc.sigqueue(os.getpid(), signal.SIGRTMIN, 0) == 0 for _ in range(64)))'
[ "$("$PY" -c "$queue")" = True ] ||
        fail "the host's user cannot queue a signal while a sandbox holds its own"
sbx -- "$PY" -c "$queue"
expect stdout "True
"
finish_hog
exit 0
