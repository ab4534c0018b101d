#!/usr/bin/env bash
# A fleet of `sandboxrt serve` nodes behind HAProxy (deploy/haproxy/haproxy.cfg), on loopback.
#
#   bench/fleet.sh [BUILD_DIR]        (default: build)
#
# 1. Throughput of 1, 2 and 3 nodes behind HAProxy on a job that waits more than it computes:
#    POST /v1/run of `/bin/sleep 0.2`, $BENCH_JOBS jobs (default 480) from $BENCH_CLIENTS
#    clients (default 24), each node with --max-concurrency $BENCH_SLOTS (default 8). Prints
#    jobs/s, p50 and p99 latency, and jobs/s per node.
# 2. The HAProxy hop: GET /health (the cheapest route, so the hop is what is measured), one
#    client with one kept-alive connection to a node and one to HAProxy, $BENCH_HOPS requests
#    each (default 1000), interleaved so that the machine's load weighs on both alike: p50 and
#    p99 of each, and what the hop adds.
# 3. What one node can do per core, independent of the machine's load: the CPU time a job
#    costs the node (the server, its launcher, supervisors and jails: every process of its
#    tree, from /proc, reaped ones included), for POST /v1/run of `python3 -c print(1)` and of
#    /bin/true, $BENCH_CPU_JOBS jobs each (default 200) from 2 clients. jobs/s per core is
#    1000 / (CPU ms per job).
# Every node, HAProxy and client is on 127.0.0.1. Needs haproxy (scripts/install-deps.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
build=${1:-$src/build}
bin=$build/api/sandboxrt
[ -x "$bin" ] || { echo "bench/fleet.sh: no $bin; build first" >&2; exit 2; }
command -v haproxy >/dev/null || { echo "bench/fleet.sh: haproxy is not installed" >&2; exit 2; }
jobs=${BENCH_JOBS:-480}
clients=${BENCH_CLIENTS:-24}
slots=${BENCH_SLOTS:-8}
hops=${BENCH_HOPS:-1000}
cpu_jobs=${BENCH_CPU_JOBS:-200}
work=$(mktemp -d)
pids=()
haproxy_pid=

cleanup() {
	local p
	for p in "${pids[@]}" $haproxy_pid; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}" $haproxy_pid; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() { # URL
	for _ in $(seq 200); do
		curl -fs -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "bench/fleet.sh: $1 does not answer" >&2
	exit 1
}

"$bin" run -- /bin/true || { echo "bench/fleet.sh: sandboxrt run cannot run programs here" >&2; exit 77; }
ports=()
for i in 0 1 2; do
	ports[i]=$(free_port)
	"$bin" serve --host 127.0.0.1 --port "${ports[i]}" --node-name "sbx-$i" --max-concurrency "$slots" \
		--queue 4096 --log-level warn 2>"$work/sbx-$i.log" &
	pids+=($!)
done
for i in 0 1 2; do wait_http "http://127.0.0.1:${ports[i]}/health"; done

start_haproxy() { # N: nodes sbx-0 .. sbx-N-1
	local env=() i
	lb_port=$(free_port)
	for ((i = 0; i < $1; i++)); do env+=("SBX_NODE_$i=127.0.0.1:${ports[i]}"); done
	env "${env[@]}" SBX_HAPROXY_BIND="127.0.0.1:$lb_port" \
		haproxy -W -db -f "$src/deploy/haproxy/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
	haproxy_pid=$!
	wait_http "http://127.0.0.1:$lb_port/health"
	sleep 2.5 # every server's first health checks (rise 2, inter 1s)
}

stop_haproxy() {
	kill -TERM "$haproxy_pid"
	wait "$haproxy_pid" 2>/dev/null || true
	haproxy_pid=
}

measure() { # MODE URL [N]
	/usr/bin/python3 - "$@" <<'PY'
import http.client, json, sys, threading, time
mode, url = sys.argv[1], sys.argv[2]
host, port = url.split("//")[1].split(":")
port = int(port)

def request(conn, method, path, body=None):
    conn.request(method, path, json.dumps(body) if body else None,
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise RuntimeError(f"{path}: {r.status} {data[:200]!r}")
    return data

def pct(lat, q):
    lat = sorted(lat)
    return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000

if mode == "throughput":
    n_jobs, n_clients, n_nodes = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    left, lock, lat = [n_jobs], threading.Lock(), []
    job = {"argv": ["/bin/sleep", "0.2"]}
    def client():
        conn = http.client.HTTPConnection(host, port, timeout=300)
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            t = time.perf_counter()
            request(conn, "POST", "/v1/run", job)
            with lock:
                lat.append(time.perf_counter() - t)
    ts = [threading.Thread(target=client) for _ in range(n_clients)]
    t0 = time.perf_counter()
    for t in ts: t.start()
    for t in ts: t.join()
    wall = time.perf_counter() - t0
    print(f"{n_nodes:>5}  {n_jobs / wall:>7.1f}  {pct(lat, .5):>7.0f}  {pct(lat, .99):>7.0f}"
          f"  {n_jobs / wall / n_nodes:>12.1f}")
else:
    lb_host, lb_port = sys.argv[3].split("//")[1].split(":")
    n = int(sys.argv[4])
    conns = {"direct": http.client.HTTPConnection(host, port, timeout=60),
             "haproxy": http.client.HTTPConnection(lb_host, int(lb_port), timeout=60)}
    lat = {k: [] for k in conns}
    for _ in range(n):
        for k, conn in conns.items():
            t = time.perf_counter()
            request(conn, "GET", "/health")
            lat[k].append(time.perf_counter() - t)
    d, h = lat["direct"], lat["haproxy"]
    print(f"{'GET /health':<12} {pct(d, .5):>11.3f} {pct(d, .99):>8.3f} {pct(h, .5):>12.3f}"
          f" {pct(h, .99):>8.3f} {pct(h, .5) - pct(d, .5):>8.3f} {pct(h, .99) - pct(d, .99):>8.3f}")
PY
}

echo "load average: $(cut -d" " -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "Throughput: /bin/sleep 0.2 per job, $jobs jobs, $clients clients, $slots slots per node"
echo "nodes   jobs/s  p50 ms   p99 ms  jobs/s/node"
for n in 1 2 3; do
	start_haproxy "$n"
	measure throughput "http://127.0.0.1:$lb_port" "$jobs" "$clients" "$n"
	stop_haproxy
done

echo
echo "The HAProxy hop: $hops requests each way, interleaved, one connection each, 3 nodes"
start_haproxy 3
echo "route         direct p50      p99  HAProxy p50      p99  hop p50      p99  (ms)"
measure hop "http://127.0.0.1:${ports[0]}" "http://127.0.0.1:$lb_port" "$hops"
stop_haproxy

echo
echo "CPU per job on one node (sbx-0, $slots slots), $cpu_jobs jobs each, 2 clients"
/usr/bin/python3 - "http://127.0.0.1:${ports[0]}" "${pids[0]}" "$cpu_jobs" <<'PY'
import http.client, json, os, sys, threading

url, root, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
host, port = url.split("//")[1].split(":")
tick = os.sysconf("SC_CLK_TCK")

def tree_cpu():
    """Seconds of CPU of root and its descendants, reaped ones included (a process's cutime
    holds its reaped children's, so each tick is counted once)."""
    kids, stat = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stat[int(pid)] = sum(int(x) for x in f[11:15])  # utime stime cutime cstime
        kids.setdefault(int(f[1]), []).append(int(pid))
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += stat.get(p, 0)
        todo += kids.get(p, [])
    return total / tick

def run(argv):
    left, lock = [n], threading.Lock()
    def client():
        conn = http.client.HTTPConnection(host, int(port), timeout=300)
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            conn.request("POST", "/v1/run", json.dumps({"argv": argv}),
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            body = json.loads(r.read())
            assert r.status == 200 and body["verdict"] == "OK", body
    ts = [threading.Thread(target=client) for _ in range(2)]
    before = tree_cpu()
    for t in ts: t.start()
    for t in ts: t.join()
    ms = (tree_cpu() - before) * 1000 / n
    print(f"{' '.join(argv):<36} {ms:>7.1f} ms CPU per job  {1000 / ms:>6.1f} jobs/s per core")

run(["/usr/bin/python3", "-c", "print(1)"])
run(["/bin/true"])
PY
