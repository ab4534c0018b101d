# A lock a sandbox takes on a host file (the read-only toolchain it sees) is invisible to the
# host: a sandbox flock()ing the Python binary (and as root /dev/null) or fcntl-locking a
# library file blocks no host process. Locks on the sandbox's own files still work (sqlite, pip
# rely on them). Without root the jail's device nodes are the host's: it cannot make its own.
. "$(dirname "$0")/lib.sh"
require_jail

tag=sbx-locks-$$
binary=$(readlink -f "$PY")
library=/usr/lib/python3.11/os.py
[ -f "$library" ] || library=$(dirname "$(readlink -f "$PY")")/../lib/$(basename "$binary")/os.py
[ -f "$library" ] || skip "no os.py next to $binary"
flocked=$binary
[ "$(id -u)" = 0 ] && flocked="$binary:/dev/null"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$SBX" run --backend native --json --limit wall=20s -- "$PY" -c '
import fcntl, os, sys, time
for path in sys.argv[1].split(":"):
    fcntl.flock(os.open(path, os.O_RDONLY), fcntl.LOCK_EX)
fcntl.lockf(os.open(sys.argv[2], os.O_RDONLY), fcntl.LOCK_SH)
print("locked", flush=True)
time.sleep(6)' "$flocked" "$library" "$tag" >"$out" &
runner=$!

# The sandbox holds its locks once /proc/locks lists them all for its process.
want=$(($(tr ':' '\n' <<<"$flocked" | wc -l) + 1))
pid=
for _ in $(seq 200); do
        pid=$(pgrep -f -- "^$PY -c .*$tag" | head -1)
        [ -n "$pid" ] && [ "$(grep -c ": .* $pid " /proc/locks)" -ge $want ] && break
        sleep 0.1
done
[ -n "$pid" ] && [ "$(grep -c ": .* $pid " /proc/locks)" -ge $want ] ||
        fail "the sandbox never took its locks"

"$PY" - "$flocked" "$library" <<'PYEOF' || fail "the sandbox's lock on a host file blocks the host"
import fcntl, os, struct, sys
for path in sys.argv[1].split(":"):
    try:
        fcntl.flock(os.open(path, os.O_RDONLY), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit("flock on %s: held by the sandbox" % path)
# Would a write lock conflict? (F_GETLK needs no write access.)
probe = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
got = fcntl.fcntl(os.open(sys.argv[2], os.O_RDONLY), fcntl.F_GETLK, probe)
if struct.unpack("hhqqi", got)[0] != fcntl.F_UNLCK:
    sys.exit("fcntl lock on %s: held by the sandbox" % sys.argv[2])
PYEOF
wait "$runner"
RESULT=$(cat "$out")
expect_verdict OK

# Its own files: a second process is refused the lock the first holds; sqlite works.
sbx -- "$PY" -c '
import fcntl, os, sqlite3
fd = os.open("f", os.O_CREAT | os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
if os.fork() == 0:
    try:
        fcntl.flock(os.open("f", os.O_RDWR), fcntl.LOCK_EX | fcntl.LOCK_NB)
        print("not exclusive", flush=True)
    except BlockingIOError:
        print("exclusive", flush=True)
    os._exit(0)
os.wait()
db = sqlite3.connect("db")
db.execute("create table t (x)")
db.execute("insert into t values (42)")
db.commit()
print(db.execute("select x from t").fetchone()[0])'
expect_verdict OK
expect stdout "exclusive
42
"
