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
#                 libsbxcore.a), N threads: the baseline the percentages refer to
#   local/cli     `sandboxrt run -- /usr/bin/python3 -c 'print(1)'`, one process per job
# and prints jobs/s, p50 and p99 latency in ms. The server runs with --max-concurrency equal to
# the CPU count; its peak RSS (VmHWM) is printed at the end. Clients keep one HTTP connection
# each. Environment: BENCH_JOBS, BENCH_CONCURRENCY (default "1 2 8").
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
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$log" "$driver_dir"' EXIT

# The in-process local runtime: a small driver on libsbxcore calling sbx_run from N threads.
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
cc -O2 -D_GNU_SOURCE -I"$here/../runtime" -I"$here/.." -o "$driver_dir/local" "$driver_dir/local.c" \
	"$build/libsbxcore.a" $(pkg-config --libs libseccomp libcap libcurl libmicrohttpd libcjson \
	yaml-0.1 libarchive) -lpthread -lm ||
	{ echo "bench/serve.sh: cannot build the local driver" >&2; exit 1; }

"$bin" run -- /usr/bin/python3 -c 'print(1)' >/dev/null ||
	{ echo "bench/serve.sh: sandboxrt run cannot run programs here" >&2; exit 77; }
"$bin" serve --port 0 --log-level warn --queue 1024 2>"$log" &
pid=$!
for _ in $(seq 100); do
	port=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9]*\) .*/\1/p' "$log")
	[ -n "$port" ] && break
	sleep 0.1
done
# --log-level warn hides the "listening" line: ask the kernel for the port instead.
if [ -z "${port:-}" ]; then
	for _ in $(seq 100); do
		port=$(ss -ltnpH 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {sub(/.*:/, "", $4); print $4; exit}')
		[ -n "$port" ] && break
		sleep 0.1
	done
fi
[ -n "${port:-}" ] || { echo "bench/serve.sh: the server did not start: $(cat "$log")" >&2; exit 1; }

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
