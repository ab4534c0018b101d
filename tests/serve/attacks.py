"""The server's trust boundary, tried as an attacker would (issue 8): each group reproduces one
hole against a live server and asserts that it is closed.

    attacks.py --url http://127.0.0.1:PORT [--api-key K] [--state-dir D] [--image I] GROUP

Groups: ceiling, ceiling_file, allow_network, tenants, fifo, deep_tree, connections,
connections_full. Prints "ok NAME" per check; the first failure raises (exit status 1)."""

import argparse
import io
import json
import os
import resource
import socket
import tarfile
import threading
import time
import urllib.parse

import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enclave import Client, HttpError, status_of  # noqa: E402

# The built-in "default" policy: the server's ceiling unless --ceiling says otherwise.
DEFAULT_CEILING = {"wall": "10s", "cpu": "10s", "cpus": "1", "memory": "512m", "pids": "64",
                   "output": "1m", "file_size": "16m", "open_files": "256", "tmpfs": "64m"}
# Far above it, and still within the policy files' own bounds (the CLI's --limit may go there).
ABOVE = {"wall": "24h", "cpu": "24h", "cpus": "1024", "memory": "1024g", "pids": "65536",
         "output": "1g", "file_size": "1024g", "open_files": "1048576", "tmpfs": "64g"}


def ok(name):
    print(f"ok {name}", flush=True)


def expect(status_body, status, *needles):
    got, body = status_body
    assert got == status, f"wanted {status}, got {got}: {body!r}"
    if needles:
        assert isinstance(body, dict) and isinstance(body.get("detail"), str), body
        for n in needles:
            assert n in body["detail"], f"{n!r} not in detail {body['detail']!r}"
    return body


def timed(fn, *a, **kw):
    t0 = time.monotonic()
    r = fn(*a, **kw)
    return r, time.monotonic() - t0


def sandbox_config(args, **cfg):
    if args.image:
        cfg.setdefault("image", args.image)
    return cfg


# ---- ceiling ------------------------------------------------------------------------------


def host_listener():
    """A listener only the host can reach: a job in the host's network would connect."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    hits = []

    def accept():
        while True:
            try:
                conn, _ = s.accept()
            except OSError:
                return
            hits.append(1)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    return s, hits


NET_PROBE = """import socket
names = sorted(n for _, n in socket.if_nameindex())
print("interfaces", " ".join(names))
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    print("REACHED")
except OSError as e:
    print("unreachable", e)
"""


def check_network(c, args):
    listener, hits = host_listener()
    code = NET_PROBE.format(port=listener.getsockname()[1])
    status, body = c.request("POST", "/v1/run", body={
        "language": "python", "source": code, "limits": {"network": "host"}})
    assert not hits and not (status == 200 and "REACHED" in body.get("stdout", "")), \
        f"a job asking for network=host reached a host-only listener: {body}"
    expect((status, body), 422, "network", "host")
    status, body = c.request("POST", "/v1/run", body={"language": "python", "source": code})
    assert status == 200 and body["verdict"] == "OK", body
    names = body["stdout"].splitlines()[0].split()[1:]
    assert set(names) <= {"lo"}, f"the job sees non-loopback interfaces: {names}"
    assert "REACHED" not in body["stdout"] and not hits, body
    for policy in ("loopback",):
        expect(c.request("POST", "/v1/run", body={"argv": ["/bin/true"], "policy": policy}),
               422, "network", "loopback")
    listener.close()
    ok("network=host (and a network-changing policy) refused: 422; jobs see only lo")


def check_limits_v1(c, args):
    before = metrics_ok(c)
    for key, value in ABOVE.items():
        body = expect(c.request("POST", "/v1/run", body={"argv": ["/bin/true"],
                                                         "limits": {key: value}}),
                      422, key, value, DEFAULT_CEILING[key])
        assert "detail" in body
    expect(c.request("POST", "/v1/run", body={"argv": ["/bin/true"], "policy": "compile"}),
           422, "compile")
    jobs = [{"argv": ["/bin/true"]}, {"argv": ["/bin/true"], "limits": {"memory": "4g"}}]
    expect(c.request("POST", "/v1/runs", body={"jobs": jobs}), 422, "memory", "4g", "512m")
    assert metrics_ok(c) == before, "a job ran although its request was refused"
    ok("/v1/run, /v1/runs: every limit above the ceiling is a 422 naming it; nothing runs")
    status, r = c.request("POST", "/v1/run", body={"argv": ["/bin/sleep", "5"],
                                                   "limits": {"wall": "1s"}})
    assert status == 200 and r["verdict"] == "TIME_LIMIT" and r["wall_ms"] < 4000, r
    status, r = c.request("POST", "/v1/run", body={
        "argv": ["/bin/sh", "-c", "head -c 100 /dev/zero | tr '\\0' x"],
        "limits": {"output": "16", "wall": "10s", "memory": "512m"}})
    assert status == 200 and r["stdout"] == "x" * 16 and r["stdout_truncated"], r
    ok("limits below (or at) the ceiling are honoured")


def metrics_ok(c):
    text = c.request("GET", "/metrics", raw=True)[1].decode()
    total = 0
    for line in text.splitlines():
        if line.startswith("sandboxrt_jobs_total{"):
            total += int(line.rsplit(" ", 1)[1])
    return total


def check_enclave(c, args):
    create = lambda cfg: c.request("POST", "/sandbox/create", {"sandbox_type": "docker"},
                                   sandbox_config(args, **cfg))
    expect(create({"memory_limit": "1024g"}), 422, "memory", "1024g", "512m")
    expect(create({"cpu_limit": 64}), 422, "cpus", "64", "1")
    assert c.list_sandboxes() == [], c.list_sandboxes()
    pool = lambda cfg: c.request("POST", "/pool/initialize",
                                 {"pool_size": 2, "sandbox_type": "docker"},
                                 sandbox_config(args, **cfg))
    expect(pool({"memory_limit": "64g", "tools_config": ["python_executor"]}), 422, "memory")
    assert c.list_sandboxes() == [] and not c.stats()["pool_initialized"], c.list_sandboxes()
    ok("sandbox and pool configs: memory_limit and cpu_limit above the ceiling are a 422")
    sid = c.create_sandbox(sandbox_config(args, tools_config=["python_executor"],
                                          memory_limit="256m", cpu_limit=0.5))
    ex = lambda p: c.request("POST", "/sandbox/tool/execute", body={
        "sandbox_id": sid, "tool_name": "python_executor", "parameters": p})
    expect(ex({"code": "print(1)", "timeout": 86400}), 422, "timeout", "86400", "10s")
    status, r = ex({"code": "print(1)", "timeout": 5})
    assert status == 200 and r["status"] == "success", r
    status, r = ex({"code": "import time; time.sleep(5)", "timeout": 1})
    assert status == 200 and r["status"] == "timeout", r
    status, r = ex({"code": "print(2)"})
    assert status == 200 and r["output"] == "2\n", r
    assert c.delete_sandbox(sid)
    c.initialize_pool(1, sandbox_config(args, tools_config=["python_executor"]))
    expect(c.request("POST", "/pool/execute", {"tool_name": "python_executor"},
                     {"code": "1", "timeout": 3600}), 422, "timeout", "3600")
    r = c.execute_tool_in_pool("python_executor", {"code": "print(3)", "timeout": 2})
    assert r["status"] == "success" and r["output"] == "3\n", r
    for s in c.list_sandboxes():
        c.delete_sandbox(s["id"])
    ok("tool timeouts above the ceiling's wall are a 422; below it they are honoured")


def group_ceiling(c, args):
    check_network(c, args)
    check_limits_v1(c, args)
    check_enclave(c, args)


def group_ceiling_docker(c, args):
    """The Docker backend: the same checks on the routes that reach it (sandboxes)."""
    create = lambda cfg: c.request("POST", "/sandbox/create", {"sandbox_type": "docker"},
                                   sandbox_config(args, **cfg))
    expect(create({"memory_limit": "1024g"}), 422, "memory", "1024g")
    status, body = c.request("POST", "/v1/run", body={"argv": ["/bin/true"],
                                                      "limits": {"network": "host"}})
    expect((status, body), 422, "network")
    status, body = c.request("POST", "/v1/run", body={"argv": ["/bin/true"],
                                                      "limits": {"pids": "65536"}})
    expect((status, body), 422, "pids")
    check_enclave(c, args)
    sid = c.create_sandbox(sandbox_config(args, tools_config=["python_executor"],
                                          network_enabled=True))
    m = c.get_sandbox_info(sid)["metadata"]
    assert m["backend"] == "docker" and m["network"] == "none", m
    listener, hits = host_listener()
    r = c.execute_tool(sid, "python_executor",
                       {"code": NET_PROBE.format(port=listener.getsockname()[1])})
    assert "REACHED" not in r["output"] and not hits, r
    assert c.delete_sandbox(sid)
    ok("docker: network and limits above the ceiling refused")


def group_ceiling_file(c, args):
    """--ceiling tiny.yaml: wall 2s, memory 128m."""
    status, r = c.request("POST", "/v1/run", body={"argv": ["/bin/sleep", "5"]})
    assert status == 200 and r["verdict"] == "TIME_LIMIT" and r["wall_ms"] < 4500, r
    expect(c.request("POST", "/v1/run", body={"argv": ["/bin/true"],
                                              "limits": {"memory": "256m"}}),
           422, "memory", "256m", "128m", "tiny")
    expect(c.request("POST", "/v1/run", body={"argv": ["/bin/true"], "policy": "default"}),
           422, "default", "tiny")
    status, r = c.request("POST", "/v1/run", body={"argv": ["/bin/echo", "fits"],
                                                   "limits": {"memory": "64m"}})
    assert status == 200 and r["stdout"] == "fits\n", r
    st = c.stats()
    assert st["ceiling"]["policy"] == "tiny" and st["ceiling"]["network_allowed"] is False, st
    ok("--ceiling FILE: jobs start from it and cannot exceed it")


def group_allow_network(c, args):
    listener, hits = host_listener()
    code = NET_PROBE.format(port=listener.getsockname()[1])
    status, body = c.request("POST", "/v1/run", body={
        "language": "python", "source": code, "limits": {"network": "host"}})
    assert status == 200 and "REACHED" in body["stdout"], body
    expect(c.request("POST", "/v1/run", body={"argv": ["/bin/true"],
                                              "limits": {"memory": "1024g"}}), 422, "memory")
    ok("--allow-network: network=host is the operator's choice; limits still capped")


# ---- tenants ------------------------------------------------------------------------------


def tar_of(name, data):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def group_tenants(c, args):
    """tenants: alice (key), bob (key_sha256), carol (max_sandboxes 2, max_jobs 1, strict)."""
    url = c.base_url
    alice, bob = Client(url, "alice-key-0001"), Client(url, "bob-key-0002")
    carol, nobody = Client(url, "carol-key-0003"), Client(url, "mallory")
    expect(nobody.request("GET", "/sandboxes"), 401, "Unauthorized")
    expect(Client(url).request("GET", "/health"), 401, "Unauthorized")
    sid = alice.create_sandbox({"tools_config": ["file_operation", "shell_executor"]})
    alice.execute_tool(sid, "file_operation", {"operation": "write", "file_path": "secret.txt",
                                               "content": "alice's"})
    pool = alice.initialize_pool(2, {"tools_config": ["shell_executor"]})["sandbox_ids"]
    ok("alice has a sandbox and a pool")
    ex = {"sandbox_id": sid, "tool_name": "file_operation",
          "parameters": {"operation": "read", "file_path": "secret.txt"}}
    for s in [sid] + pool:
        expect(bob.request("GET", f"/sandbox/{s}"), 404)
        expect(bob.request("GET", f"/sandbox/{s}/tools"), 404)
        expect(bob.request("POST", "/sandbox/tool/execute", body=dict(ex, sandbox_id=s)), 404)
        expect(bob.request("POST", f"/sandbox/{s}/archive", {"target_dir": "/sandbox"},
                           tar_of("secret.txt", b"bob's")), 404)
        expect(bob.request("POST", f"/sandbox/{s}/stop"), 404)
        expect(bob.request("DELETE", f"/sandbox/{s}"), 404)
    assert bob.list_sandboxes() == [] and bob.list_sandboxes("running") == []
    st = bob.stats()
    assert st["total_sandboxes"] == 0 and st["pool_size"] == 0 and st["sandbox_types"] == {}, st
    assert bob.health()["active_sandboxes"] == 0
    metrics = bob.request("GET", "/metrics", raw=True)[1].decode()
    for s in [sid] + pool:
        assert s not in metrics
    assert "alice" not in metrics and 'sandboxrt_sandboxes{status="running"} 0' in metrics, \
        metrics
    expect(bob.request("POST", "/pool/execute", {"tool_name": "shell_executor"},
                       {"command": "true"}), 400, "pool")
    ok("bob: 404 for alice's sandboxes on every route; lists, stats, metrics show none")
    r = alice.execute_tool(sid, "file_operation", ex["parameters"])
    assert r["status"] == "success" and r["output"] == "alice's", r
    assert {s["id"] for s in alice.list_sandboxes()} == set([sid] + pool)
    assert alice.stats()["total_sandboxes"] == 3
    status, r = bob.request("POST", "/v1/runs", body={"jobs": [
        {"argv": ["/bin/sh", "-c", "ls -A /sandbox; cat /sandbox/secret.txt"]}]})
    assert status == 200 and "alice" not in json.dumps(r), r
    ok("alice's sandbox is intact; bob's /v1/runs sees nothing of it")
    check_quotas(carol)
    for s in [sid] + pool:
        assert alice.delete_sandbox(s)
    ok("tenants")


def check_quotas(carol):
    a = carol.create_sandbox({"tools_config": ["shell_executor"]})
    b = carol.create_sandbox({"tools_config": ["shell_executor"]})
    expect(carol.request("POST", "/sandbox/create", {"sandbox_type": "docker"}, {}), 429,
           "max_sandboxes", "2")
    expect(carol.request("POST", "/pool/initialize", {"pool_size": 3, "sandbox_type": "docker"},
                         {}), 429, "max_sandboxes")
    ok("quota max_sandboxes: 429 naming it")
    slow = threading.Thread(target=carol.execute_tool, args=(
        a, "shell_executor", {"command": "sleep 2", "timeout": 4}))
    slow.start()
    time.sleep(0.7)
    expect(carol.request("POST", "/sandbox/tool/execute", body={
        "sandbox_id": b, "tool_name": "shell_executor", "parameters": {"command": "true"}}),
        429, "max_jobs", "1")
    expect(carol.request("POST", "/v1/run", body={"argv": ["/bin/true"]}), 429, "max_jobs")
    slow.join()
    r = carol.execute_tool(b, "shell_executor", {"command": "echo after"})
    assert r["output"] == "after\n", r
    ok("quota max_jobs: 429 naming it; freed when the job ends")
    expect(carol.request("POST", "/v1/run", body={"argv": ["/bin/true"],
                                                  "limits": {"memory": "512m"}}),
           422, "memory", "256m", "strict")
    ok("carol's own ceiling (strict)")
    assert carol.delete_sandbox(a) and carol.delete_sandbox(b)


# ---- things a sandbox plants ------------------------------------------------------------


PLANT = """import os, socket
os.mkfifo("solution.py")
os.mkfifo("up.txt")
os.makedirs("d/e", exist_ok=True)
os.mkfifo("d/e/pipe")
s = socket.socket(socket.AF_UNIX)
s.bind("d/sock")
os.symlink("/etc/passwd", "link")
print("planted")
"""


def group_fifo(c, args):
    sid = c.create_sandbox(sandbox_config(args, tools_config=[
        "python_executor", "file_operation", "shell_executor"]))
    r = c.execute_tool(sid, "python_executor", {"code": PLANT})
    assert r["output"] == "planted\n", r
    quick = Client(c.base_url, c.api_key, timeout=5)
    for op in ("read", "exists", "write", "create"):
        (status, r), took = timed(quick.request, "POST", "/sandbox/tool/execute", body={
            "sandbox_id": sid, "tool_name": "file_operation",
            "parameters": {"operation": op, "file_path": "solution.py", "content": "print(1)"}})
        assert took < 5 and status == 200, (op, status, r, took)
        if op in ("write", "read", "create") and not args.image:
            assert r["status"] == "error" and "regular file" in r["error"], (op, r)
    (status, r), took = timed(quick.request, "POST", f"/sandbox/{sid}/archive",
                              {"target_dir": "/sandbox"}, tar_of("up.txt", b"data"))
    assert took < 5, took
    ok("a planted FIFO: write, read, create and archive upload return at once")
    r = c.execute_tool(sid, "python_executor", {"code": "print('still works')"})
    assert r["output"] == "still works\n", r
    assert len(boxes(args)) == 1 or not args.state_dir, boxes(args)
    (status, r), took = timed(quick.request, "DELETE", f"/sandbox/{sid}")
    assert status == 200 and took < 5, (status, r, took)
    assert not boxes(args), f"the sandbox's files were left behind: {boxes(args)}"
    assert c.health()["healthy"]
    ok(f"delete of a FIFO-planting sandbox: {took:.2f}s, nothing left")


def boxes(args):
    """The sandboxes' work dirs in the server's state dir (a test's private one). They are
    mounts in the launcher's own mount namespace, so look through every process of the server's:
    /proc/PID/root is the root of PID's mount namespace."""
    if not args.state_dir:
        return set()
    found = set()
    for pid in descendants(args.server_pid):
        d = f"/proc/{pid}/root{os.path.abspath(args.state_dir)}/boxes"
        try:
            found |= {n for n in os.listdir(d) if not n.startswith(".")}
        except OSError:
            pass
    return found


def descendants(pid):
    children = {}
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{p}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(p))
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += children.get(p, [])
    return seen


DEEP = """import os, socket
os.mkdir("{name}"); os.chdir("{name}")
for i in range({depth}):
    os.mkdir("d"); os.chdir("d")
os.mkfifo("fifo")
socket.socket(socket.AF_UNIX).bind("sock")
os.mkdir("locked"); open("locked/f", "w").close(); os.chmod("locked", 0)
os.chdir("..")
os.chmod("d", 0o500)
print("built")
"""

WIDE = """import os
os.mkdir("wide")
for i in range({wide}):
    open(f"wide/f{{i}}", "w").close()
os.mkdir("wide/ro"); open("wide/ro/x", "w").close(); os.chmod("wide/ro", 0o500)
os.mkdir("wide/none"); os.chmod("wide/none", 0)
os.chmod("wide", 0o500)
print("built")
"""


def group_deep_tree(c, args):
    depth, wide = args.depth, args.wide
    sid = c.create_sandbox(sandbox_config(args, tools_config=[
        "python_executor", "file_operation"]))
    for code in (DEEP.format(name="deep", depth=depth), WIDE.format(wide=wide),
                 DEEP.format(name="deep2", depth=depth)):
        r = c.execute_tool(sid, "python_executor", {"code": code, "timeout": args.build_timeout})
        assert r["status"] == "success" and r["output"] == "built\n", r
    ok(f"built a {depth}-level tree (twice), {wide} files in one read-only directory")
    assert len(boxes(args)) == 1 or not args.state_dir, boxes(args)
    (status, r), took = timed(c.request, "POST", "/sandbox/tool/execute", body={
        "sandbox_id": sid, "tool_name": "file_operation",
        "parameters": {"operation": "delete", "file_path": "deep2"}})
    assert status == 200 and r["status"] == "success", (status, r)
    assert c.health()["healthy"]
    r = c.execute_tool(sid, "file_operation", {"operation": "exists", "file_path": "deep2"})
    assert r["output"] == "does not exist", r
    ok(f"file_operation delete of a {depth}-level tree: {took:.2f}s, server alive")
    (status, r), took = timed(c.request, "DELETE", f"/sandbox/{sid}")
    assert status == 200, (status, r)
    assert c.health()["healthy"], "the server died"
    assert not boxes(args), f"the sandbox's files were left behind: {boxes(args)}"
    ok(f"delete of the sandbox: {took:.2f}s, server alive, nothing left on disk")


# ---- connections --------------------------------------------------------------------------


def idle_connections(host, port, n, source=None, partial=False):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if source:
            s.bind((source, 0))
        s.settimeout(2)
        try:
            s.connect((host, port))
            if partial:
                s.sendall(b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Le")
        except OSError:
            s.close()
            continue
        socks.append(s)
    return socks


def answered_quickly(url, limit=2.0, source=None):
    u = urllib.parse.urlsplit(url)
    t0 = time.monotonic()
    s = socket.create_connection((u.hostname, u.port), timeout=limit,
                                 source_address=(source, 0) if source else None)
    try:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError as e:
        raise AssertionError(f"a well-behaved client got no answer: {e!r}") from e
    finally:
        s.close()
    took = time.monotonic() - t0
    assert status_of(data) == 200 and took < limit, (data[:120], took)
    return took


def group_connections(c, args):
    u = urllib.parse.urlsplit(c.base_url)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1400:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    # An attacker holds its connections: they are seconds old when a client comes.
    socks = idle_connections(u.hostname, u.port, 400, source="127.0.0.2")
    time.sleep(1.5)
    took = answered_quickly(c.base_url)
    ok(f"{len(socks)} idle connections from another address: answered in {took:.2f}s")
    socks += idle_connections(u.hostname, u.port, 400, partial=True)
    time.sleep(1.5)
    took = answered_quickly(c.base_url)
    ok(f"plus 400 half-sent requests from the client's own address: answered in {took:.2f}s")
    for i in range(400):
        socks += idle_connections(u.hostname, u.port, 1, source=f"127.0.{1 + i // 200}.{i % 200 + 2}")
    time.sleep(1.5)
    took = answered_quickly(c.base_url, source="127.0.9.9")
    ok(f"plus 400 idle connections from 400 addresses: answered in {took:.2f}s")
    for s in socks:
        s.close()
    assert c.health()["healthy"]


def group_connection_timeout(c, args):
    """--connection-timeout 2: an idle or slow client is dropped within seconds."""
    u = urllib.parse.urlsplit(c.base_url)
    for partial in (False, True):
        s = idle_connections(u.hostname, u.port, 1, partial=partial)[0]
        s.settimeout(10)
        t0 = time.monotonic()
        try:
            data = s.recv(100)
        except OSError:
            data = b""
        took = time.monotonic() - t0
        assert took < 5, f"an idle connection stayed open {took:.1f}s"
        assert data == b"" or status_of(data) in (400, 408), data
        s.close()
    ok("idle and half-sent requests are dropped after the connection timeout")


def group_connections_full(c, args):
    """--max-connections 4 --max-concurrency 1: four requests hold every connection."""
    u = urllib.parse.urlsplit(c.base_url)
    holders = []
    for i in range(4):
        t = threading.Thread(target=c.request, args=("POST", "/v1/run"), kwargs={
            "body": {"argv": ["/bin/sleep", "2"]}})
        t.start()
        holders.append(t)
    time.sleep(0.8)
    s = socket.create_connection((u.hostname, u.port), timeout=5)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    assert status_of(data) == 503 and b"connections" in data, data[:300]
    for t in holders:
        t.join()
    answered_quickly(c.base_url, limit=5)
    ok("when every connection is busy: a clear 503")


GROUPS = {name[len("group_"):]: fn for name, fn in globals().items() if name.startswith("group_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--api-key")
    ap.add_argument("--state-dir", help="the native backend's state dir (sandbox dirs)")
    ap.add_argument("--server-pid", type=int, help="with --state-dir: the server's pid")
    ap.add_argument("--image", help="sandbox image (the Docker backend's cases)")
    ap.add_argument("--depth", type=int, default=40000)
    ap.add_argument("--wide", type=int, default=100000)
    ap.add_argument("--build-timeout", type=int, default=10, help="deep_tree: seconds to build")
    ap.add_argument("group", choices=sorted(GROUPS))
    args = ap.parse_args()
    try:
        GROUPS[args.group](Client(args.url, args.api_key, timeout=300), args)
    except HttpError as e:
        raise AssertionError(f"HTTP {e.status}: {e.body!r}") from e


if __name__ == "__main__":
    main()
