#!/usr/bin/env bash
# sandboxrt serve's throughput and latency against the local runtime, in one invocation.
#
#   bench/serve.sh [BUILD_DIR]        (default: build)
#
# The job: python_executor with code print(1). For each concurrency (1, 2, 8) it runs
# $BENCH_JOBS jobs (default 200):
#   server/pool   POST /pool/execute on a pool as large as the concurrency (a fresh sandbox per
#                 job: what EvalScope's pool does)
#   server/box    POST /sandbox/tool/execute, one stateful sandbox per client
#   local/sbx_run the same job through the runtime API in one process (a driver built here on
#                 lib/libsandboxrt.a), N threads: the baseline the percentages refer to
#   local/cli     `sandboxrt run -- /usr/bin/python3 -c 'print(1)'`, one process per job
# and prints jobs/s, p50 and p99 latency in ms. The server runs with --max-concurrency equal to
# the CPU count; its peak RSS (VmHWM) is printed at the end. Clients keep one HTTP connection
# each. Environment: BENCH_JOBS, BENCH_CONCURRENCY (default "1 2 8").
#
# Then the HumanEval pool workload, ms-enclave's route as EvalScope uses it: the 164 canonical
# programs through POST /pool/execute (python_executor) on a pool of 2 with 2 callers, on the
# native backend and on the Docker backend (when an engine answers; image $BENCH_IMAGE, default
# sandboxrt-test/python:3.11), and in the same run the same 164 programs through `docker exec`
# in one running container of that image with 2 callers. Targets: native at least 5x the jobs/s
# of Docker; a Docker pool job at most half the latency (p50) of a `docker exec`.
# BENCH_WORKLOADS picks the parts: "print1 humaneval" (default), or either alone.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$here/../build}
bin=$build/api/sandboxrt
[ -x "$bin" ] || { echo "bench/serve.sh: no $bin; build first" >&2; exit 2; }
jobs=${BENCH_JOBS:-200}
levels=${BENCH_CONCURRENCY:-1 2 8}
log=$(mktemp)
driver_dir=$(mktemp -d)
pid=
container=
# On exit: the server and the container we started, if any, and our files. Nothing here may
# fail (set -e applies in the trap too, and would change the exit status).
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ -n "$container" ]; then
		docker rm -f "$container" >/dev/null 2>&1 || true
	fi
	rm -rf "$log" "$driver_dir"
}
trap cleanup EXIT

# The in-process local runtime: a small driver on libsandboxrt calling sbx_run from N threads.
cat >"$driver_dir/local.c" <<'C'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "sandboxrt.h"
static struct sbx_runtime *rt;
static int left;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}
static void *worker(void *arg)
{
        struct sbx_job job = {.language = "python", .source = "print(1)", .source_size = 8};
        for (;;) {
                pthread_mutex_lock(&lock);
                int mine = left-- > 0;
                pthread_mutex_unlock(&lock);
                if (!mine)
                        return NULL;
                struct sbx_result *r = NULL;
                double t = now();
                if (sbx_run(rt, &job, &r, NULL) < 0 || r->verdict != SBX_VERDICT_OK)
                        abort();
                printf("%.6f\n", now() - t);
                sbx_result_free(r);
        }
}
int main(int argc, char **argv)
{
        int n = atoi(argv[1]);
        struct sbx_runtime_options o = {.backend = "native"};
        pthread_t t[64];
        left = atoi(argv[2]);
        if (sbx_runtime_new(&o, &rt, NULL) < 0)
                return 1;
        double t0 = now();
        for (int i = 0; i < n; i++)
                pthread_create(&t[i], NULL, worker, NULL);
        for (int i = 0; i < n; i++)
                pthread_join(t[i], NULL);
        fprintf(stderr, "%.6f\n", now() - t0);
        sbx_runtime_free(rt);
        return 0;
}
C
# shellcheck disable=SC2046
cc -O2 -D_GNU_SOURCE -I"$here/../include" -o "$driver_dir/local" "$driver_dir/local.c" \
	"$build/lib/libsandboxrt.a" $(pkg-config --libs libseccomp libcap libcurl libcjson \
	yaml-0.1 libarchive zlib) -lpthread -lm ||
	{ echo "bench/serve.sh: cannot build the local driver" >&2; exit 1; }
# It lives outside the build tree, which the library trusts only for its own programs.
export SANDBOXRT_LAUNCHER=$bin

"$bin" run -- /usr/bin/python3 -c 'print(1)' >/dev/null ||
	{ echo "bench/serve.sh: sandboxrt run cannot run programs here" >&2; exit 77; }

# start_server ARGS...: a server in the background; sets pid and port. --log-level warn hides
# the "listening" line: the kernel says which port it took.
start_server() {
	port=
	"$bin" serve --port 0 --log-level warn --queue 1024 "$@" 2>"$log" &
	pid=$!
	for _ in $(seq 300); do
		port=$(ss -ltnpH 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {sub(/.*:/, "", $4); print $4; exit}')
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "${port:-}" ] || { echo "bench/serve.sh: the server did not start: $(cat "$log")" >&2; exit 1; }
}

stop_server() {
	kill -TERM "$pid"
	wait "$pid" || true
	pid=
}

case " ${BENCH_WORKLOADS:-print1 humaneval} " in
*" print1 "*) ;;
*) jobs=0 ;;
esac
if [ "$jobs" -gt 0 ]; then
start_server

/usr/bin/python3 - "$port" "$bin" "$jobs" "$pid" "$driver_dir/local" $levels <<'PY'
import http.client, json, subprocess, sys, threading, time

port, binary, jobs, pid, driver = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
levels = [int(x) for x in sys.argv[6:]]

def post(conn, path, body):
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = json.loads(r.read())
    if r.status != 200:
        raise RuntimeError(f"{path}: {r.status} {data}")
    return data

def measure(n_workers, make_worker):
    latencies, lock, left = [], threading.Lock(), [jobs]
    def loop(job):
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            t = time.perf_counter()
            job()
            with lock:
                latencies.append(time.perf_counter() - t)
    workers = [make_worker(i) for i in range(n_workers)]
    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    t0 = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    return jobs / wall, pick(0.50), pick(0.99)

def pool_worker(i):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    def job():
        r = post(conn, "/pool/execute?tool_name=python_executor&timeout=300", {"code": "print(1)"})
        assert r["status"] == "success" and r["output"] == "1\n", r
    return job

def box_worker(i):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    sid = post(conn, "/sandbox/create?sandbox_type=docker",
               {"tools_config": ["python_executor"]})["sandbox_id"]
    def job():
        r = post(conn, "/sandbox/tool/execute", {"sandbox_id": sid, "tool_name": "python_executor",
                                                 "parameters": {"code": "print(1)"}})
        assert r["status"] == "success" and r["output"] == "1\n", r
    return job

def local_worker(i):
    def job():
        out = subprocess.run([binary, "run", "--", "/usr/bin/python3", "-c", "print(1)"],
                             capture_output=True, text=True)
        assert out.returncode == 0 and out.stdout == "1\n", out
    return job

def in_process(n):
    """The local runtime in one process (no HTTP, no process per job)."""
    out = subprocess.run([driver, str(n), str(jobs)], capture_output=True, text=True, check=True)
    lat = sorted(float(x) for x in out.stdout.split())
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
    return jobs / float(out.stderr.split()[-1]), pick(0.50), pick(0.99)

print(f"{jobs} jobs of python_executor print(1) per row")
print(f"{'mode':<14}{'conc':>5}{'jobs/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
local = {}
for n in levels:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    post(conn, f"/pool/initialize?pool_size={n}&sandbox_type=docker",
         {"tools_config": ["python_executor"]})
    rows = [("local/sbx_run", None), ("local/cli", local_worker), ("server/pool", pool_worker),
            ("server/box", box_worker)]
    for name, make in rows:
        rate, p50, p99 = in_process(n) if make is None else measure(n, make)
        if name == "local/sbx_run":
            local[n] = rate
        ratio = "" if name == "local/sbx_run" else f"  {rate / local[n] * 100:5.1f}% of sbx_run"
        print(f"{name:<14}{n:>5}{rate:>9.1f}{p50:>9.1f}{p99:>9.1f}{ratio}", flush=True)
with open(f"/proc/{pid}/status") as f:
    hwm = [l.split()[1] for l in f if l.startswith("VmHWM")][0]
print(f"server peak RSS (VmHWM): {int(hwm) / 1024:.1f} MiB")
PY
stop_server
fi

case " ${BENCH_WORKLOADS:-print1 humaneval} " in
*" humaneval "*) ;;
*) exit 0 ;;
esac
# ---- HumanEval over /pool/execute, native and Docker, and `docker exec` -----------------------

image=${BENCH_IMAGE:-sandboxrt-test/python:3.11}
programs=$driver_dir/programs
mkdir "$programs"
/usr/bin/python3 - "$here/../data/humaneval/HumanEval.jsonl.gz" "$programs" <<'PY'
import gzip, json, os, sys
for i, line in enumerate(gzip.open(sys.argv[1], "rt")):
    p = json.loads(line)
    prog = p["prompt"] + p["canonical_solution"] + "\n" + p["test"] + "\n" + f"check({p['entry_point']})"
    with open(os.path.join(sys.argv[2], f"{i:03d}.py"), "w") as f:
        f.write(prog)
PY
docker_ok=
"$bin" doctor 2>/dev/null | grep -q '^docker *ok' && docker info >/dev/null 2>&1 && docker_ok=1

# humaneval NAME [IMAGE]: the 164 programs through /pool/execute of the running server.
humaneval() {
	/usr/bin/python3 - "$port" "$programs" "$1" "${2:-}" <<'PY'
import http.client, json, os, sys, threading, time
port, progdir, name, image = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
progs = [open(os.path.join(progdir, f)).read() for f in sorted(os.listdir(progdir))]
def post(conn, path, body):
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = json.loads(r.read())
    if r.status != 200:
        raise RuntimeError(f"{path}: {r.status} {data}")
    return data
config = {"tools_config": ["python_executor"]}
if image:
    config["image"] = image
t0 = time.perf_counter()
post(http.client.HTTPConnection("127.0.0.1", port, timeout=600),
     "/pool/initialize?pool_size=2&sandbox_type=docker", config)
init = time.perf_counter() - t0
lat, lock, todo = [], threading.Lock(), list(range(len(progs)))
def caller():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    while True:
        with lock:
            if not todo:
                return
            i = todo.pop(0)
        t = time.perf_counter()
        r = post(conn, "/pool/execute?tool_name=python_executor", {"code": progs[i]})
        assert r["status"] == "success", (i, r)
        with lock:
            lat.append(time.perf_counter() - t)
t0 = time.perf_counter()
threads = [threading.Thread(target=caller) for _ in range(2)]
for t in threads: t.start()
for t in threads: t.join()
wall = time.perf_counter() - t0
lat.sort()
print(json.dumps({"name": name, "rps": len(progs) / wall, "wall": wall, "init": init,
                  "p50": lat[len(lat) // 2] * 1000, "p90": lat[int(len(lat) * 0.9)] * 1000}))
PY
}

# docker_exec: the 164 programs through `docker exec` in one running container, 2 callers.
docker_exec() {
	container=$(docker run -d --rm --network none -v "$programs:/programs:ro" "$image" \
		sleep infinity)
	/usr/bin/python3 - "$container" "$programs" <<'PY'
import json, os, subprocess, sys, threading, time
container, progdir = sys.argv[1], sys.argv[2]
names = sorted(os.listdir(progdir))
lat, lock, todo = [], threading.Lock(), list(names)
def caller():
    while True:
        with lock:
            if not todo:
                return
            name = todo.pop(0)
        t = time.perf_counter()
        subprocess.run(["docker", "exec", container, "python3", f"/programs/{name}"], check=True,
                       stdout=subprocess.DEVNULL)
        with lock:
            lat.append(time.perf_counter() - t)
t0 = time.perf_counter()
threads = [threading.Thread(target=caller) for _ in range(2)]
for t in threads: t.start()
for t in threads: t.join()
wall = time.perf_counter() - t0
lat.sort()
print(json.dumps({"name": "docker exec", "rps": len(names) / wall, "wall": wall, "init": 0,
                  "p50": lat[len(lat) // 2] * 1000, "p90": lat[int(len(lat) * 0.9)] * 1000}))
PY
	docker rm -f "$container" >/dev/null
	container=
}

echo
echo "HumanEval: 164 canonical programs, python_executor via POST /pool/execute, pool 2, 2 callers"
rows=$driver_dir/rows
start_server --backend native
humaneval native >"$rows"
stop_server
if [ -n "$docker_ok" ]; then
	SANDBOXRT_DOCKER_IMAGE=$image start_server --backend docker
	humaneval docker "$image" >>"$rows"
	stop_server
	docker_exec >>"$rows"
else
	echo "(no usable Docker engine: the Docker rows are left out)"
fi
/usr/bin/python3 - "$rows" <<'PY'
import json, sys
rows = {r["name"]: r for r in map(json.loads, open(sys.argv[1]))}
print(f"{'mode':<14}{'jobs/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'wall s':>9}{'pool init s':>13}")
for r in rows.values():
    print(f"{r['name']:<14}{r['rps']:>9.1f}{r['p50']:>9.1f}{r['p90']:>9.1f}{r['wall']:>9.2f}"
          f"{r['init']:>13.2f}")
if "docker" in rows:
    n, d, e = rows["native"], rows["docker"], rows["docker exec"]
    print(f"native / docker jobs/s: {n['rps'] / d['rps']:.1f}x (target >= 5x)")
    print(f"docker pool p50 / docker exec p50: {d['p50'] / e['p50']:.2f} (target <= 0.5)")
PY
