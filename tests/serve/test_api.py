"""sandboxrt serve against the ms-enclave contract (docs/spec/ms-enclave-http.md) and its own routes.

    test_api.py --url http://127.0.0.1:PORT [--api-key K] GROUP

Groups: routes, limits, auth, tools, languages, manager, hostile_tar, concurrency, disconnect,
v1. Prints "ok NAME" per check; the first failure raises (exit status 1)."""

import argparse
import datetime
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from enclave import Client, HttpError, raw_exchange, status_of  # noqa: E402

ALL_TOOLS = {"python_executor": {}, "shell_executor": {}, "file_operation": {},
             "multi_code_executor": {}}
# SBX_TEST_TIME_SCALE: how many times slower this machine is (tests/common.sh): waits and
# margins below are multiplied by it; the limits the server is given are not.
TIME_SCALE = float(os.environ.get("SBX_TEST_TIME_SCALE") or 1)


def scaled(seconds):
    return seconds * TIME_SCALE


ID_RE = re.compile(r"^[23456789abcdefghijkmnopqrstuvwxyz]{8}$")


def ok(name):
    print(f"ok {name}", flush=True)


def expect(status_body, status, detail=None, detail_prefix=None):
    got_status, body = status_body
    assert got_status == status, f"wanted {status}, got {got_status}: {body!r}"
    if detail is not None or detail_prefix is not None:
        assert isinstance(body, dict) and isinstance(body.get("detail"), str), body
        if detail is not None:
            assert body["detail"] == detail, f"detail {body['detail']!r} != {detail!r}"
        if detail_prefix is not None:
            assert body["detail"].startswith(detail_prefix), body["detail"]
    return body


def tool_result_ok(r, tool):
    for k in ("status", "tool_name", "output", "error", "metadata", "execution_time", "timestamp"):
        assert k in r, f"ToolResult lacks {k}: {r}"
    assert r["tool_name"] == tool
    assert r["status"] in ("success", "error", "timeout", "cancelled")
    assert isinstance(r["execution_time"], (int, float)) and r["execution_time"] >= 0
    datetime.datetime.fromisoformat(r["timestamp"])
    return r


def make_tar(entries):
    """entries: (name, kind, data_or_target) with kind file|dir|symlink|hardlink."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, data in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(data)
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                         "hardlink": tarfile.LNKTYPE}[kind]
            if kind != "dir":
                info.linkname = data
            tar.addfile(info)
    return buf.getvalue()


# ---- routes: every route, success and documented errors, no program runs ------------------


def check_health_stats(c):
    h = c.health()
    assert h["healthy"] is True and isinstance(h["version"], str), h
    assert isinstance(h["uptime"], float) and isinstance(h["active_sandboxes"], int), h
    assert h["system_info"]["manager_type"] == "local" and h["server"] == "sandboxrt", h
    s = c.stats()
    for k in ("manager_type", "total_sandboxes", "status_counts", "sandbox_types", "running",
              "cleanup_interval", "pool_size", "pool_enabled", "pool_initialized"):
        assert k in s, k
    assert s["running"] is True and s["manager_type"] == "local"
    ok("health and stats")
    status, doc = c.request("GET", "/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3."), doc
    for path in ("/health", "/stats", "/sandbox/create", "/sandboxes", "/sandbox/{sandbox_id}",
                 "/sandbox/{sandbox_id}/stop", "/sandbox/{sandbox_id}/tools",
                 "/sandbox/tool/execute", "/sandbox/{sandbox_id}/archive", "/pool/initialize",
                 "/pool/execute", "/v1/run", "/v1/runs", "/v1/policies", "/metrics",
                 "/openapi.json"):
        assert path in doc["paths"], f"openapi.json does not document {path}"
    status, text = c.request("GET", "/metrics", raw=True)
    assert status == 200 and b"sandboxrt_jobs_total{verdict=\"OK\"}" in text, text[:200]
    assert b"sandboxrt_queue_depth" in text and b"sandboxrt_sandboxes{status=" in text
    assert b"sandboxrt_job_duration_seconds_bucket{le=\"+Inf\"}" in text
    ok("openapi and metrics")
    expect(c.request("GET", "/nope"), 404, "Not Found")
    expect(c.request("PUT", "/health"), 405, "Method Not Allowed")
    expect(c.request("GET", "/sandbox/tool/execute"), 405, "Method Not Allowed")
    ok("unknown routes")


def check_create(c):
    expect(c.request("POST", "/sandbox/create", body={}), 422, "sandbox_type: field required")
    expect(c.request("POST", "/sandbox/create", {"sandbox_type": "bogus"}, {}), 422)
    expect(c.request("POST", "/sandbox/create", {"sandbox_type": "volcengine"}, {}), 400,
           detail_prefix="Failed to create sandbox: ")
    expect(c.request("POST", "/sandbox/create", {"sandbox_type": "docker"}, b"{"), 422)
    expect(c.request("POST", "/sandbox/create", {"sandbox_type": "docker"},
                     {"memory_limit": "12x"}), 400, detail_prefix="Failed to create sandbox: ")
    sid = c.create_sandbox()  # no body at all is an empty config
    assert ID_RE.match(sid), sid
    assert c.delete_sandbox(sid)
    ok("create: 422 / 400 / 200")


def check_info(c, sid):
    info = c.get_sandbox_info(sid)
    for k in ("id", "status", "type", "config", "created_at", "updated_at", "metadata",
              "available_tools"):
        assert k in info, k
    assert info["id"] == sid and info["status"] == "running" and info["type"] == "docker"
    datetime.datetime.fromisoformat(info["created_at"])
    datetime.datetime.fromisoformat(info["updated_at"])
    assert info["config"]["env_vars"] == {"SECRET": "***"}, info["config"]
    assert info["metadata"]["network"] == "none" and "network_note" in info["metadata"]
    tools = c.get_sandbox_tools(sid)
    assert set(tools) == set(ALL_TOOLS), tools
    for name, t in tools.items():
        assert t["type"] == "function" and t["function"]["name"] == name, t
        p = t["function"]["parameters"]
        assert p["type"] == "object" and p["additionalProperties"] is False, p
        assert set(p["required"]) <= set(p["properties"]), p
    ok("SandboxInfo, tools")
    assert sid in [s["id"] for s in c.list_sandboxes()]
    assert sid in [s["id"] for s in c.list_sandboxes("running")]
    assert sid not in [s["id"] for s in c.list_sandboxes("stopped")]
    expect(c.request("GET", "/sandboxes", {"status": "bogus"}), 422)
    ok("list")


def check_not_found(c):
    expect(c.request("GET", "/sandbox/nope1234"), 404, "Sandbox not found")
    expect(c.request("GET", "/sandbox/nope1234/tools"), 404, "Sandbox nope1234 not found")
    expect(c.request("POST", "/sandbox/nope1234/stop"), 404, "Sandbox not found")
    expect(c.request("DELETE", "/sandbox/nope1234"), 404, "Sandbox not found")
    body = {"sandbox_id": "nope1234", "tool_name": "python_executor", "parameters": {"code": "1"}}
    expect(c.request("POST", "/sandbox/tool/execute", body=body), 404,
           "Sandbox nope1234 not found")
    expect(c.request("POST", "/sandbox/nope1234/archive", {"target_dir": "/sandbox"},
                     make_tar([("a", "file", b"x")])), 404, "Sandbox nope1234 not found")
    ok("404s")


def check_tool_errors(c, sid, limited):
    ex = "/sandbox/tool/execute"
    expect(c.request("POST", ex, body={"sandbox_id": limited, "tool_name": "shell_executor",
                                       "parameters": {"command": "true"}}),
           404, "Tool shell_executor is not available")
    expect(c.request("POST", ex, body={"sandbox_id": sid, "tool_name": "no_such_tool",
                                       "parameters": {}}), 404, "Tool no_such_tool is not available")
    expect(c.request("POST", ex, body=b"{not json"), 422)
    expect(c.request("POST", ex, body={"tool_name": "python_executor"}), 422,
           "field required: sandbox_id")
    # Parameters the tool refuses are ms-enclave's TypeError: a 500.
    expect(c.request("POST", ex, body={"sandbox_id": sid, "tool_name": "python_executor",
                                       "parameters": {}}), 500,
           "python_executor: missing required parameter 'code'")
    expect(c.request("POST", ex, body={"sandbox_id": sid, "tool_name": "python_executor",
                                       "parameters": {"code": "1", "timeout": "soon"}}), 422)
    r = tool_result_ok(c.execute_tool(sid, "python_executor", {"code": "  \n"}), "python_executor")
    assert r["status"] == "error" and r["error"] == "No code provided", r
    ok("tool/execute errors")


def check_files(c, sid):
    f = lambda **p: tool_result_ok(c.execute_tool(sid, "file_operation", p), "file_operation")
    r = f(operation="write", file_path="/sandbox/dir/a.txt", content="héllo\n")
    assert r["status"] == "success" and r["output"] == "File written successfully: /sandbox/dir/a.txt"
    assert f(operation="read", file_path="dir/a.txt")["output"] == "héllo\n"
    assert f(operation="exists", file_path="/sandbox/dir/a.txt")["output"] == "exists"
    assert f(operation="exists", file_path="/sandbox/dir")["output"] == "exists"
    assert f(operation="exists", file_path="/sandbox/none")["output"] == "does not exist"
    assert f(operation="create", file_path="empty")["status"] == "success"
    assert f(operation="read", file_path="empty")["output"] == ""
    r = f(operation="write", file_path="x")
    assert r["status"] == "error" and r["error"] == "Content is required for write operation", r
    r = f(operation="delete", file_path="/sandbox/dir")
    assert r["status"] == "success" and r["output"] == "Successfully deleted: /sandbox/dir", r
    assert f(operation="exists", file_path="dir/a.txt")["output"] == "does not exist"
    for bad in ("../x", "/sandbox/../etc/passwd", "/tmp/../etc/passwd"):
        r = f(operation="read", file_path=bad)
        assert r["status"] == "error" and r["error"] == f"Path {bad} must not contain '..'", r
        r = f(operation="write", file_path=bad, content="x")
        assert r["status"] == "error", r
    r = f(operation="write", file_path="/etc/passwd", content="x")
    assert r["status"] == "error" and r["error"] == (
        "Write failed: /etc/passwd is not in a writable directory of the sandbox "
        "(writable: /sandbox, /tmp, /home/sandbox)"), r
    r = f(operation="chmod", file_path="x")
    assert r["status"] == "error" and r["error"] == "Unknown operation: chmod", r
    r = f(operation="read", file_path="  ")
    assert r["error"] == "No file path provided", r
    r = f(operation="read", file_path="missing.txt")
    assert r["status"] == "error" and r["error"].startswith("Failed to read file: missing.txt"), r
    ok("file_operation")


def check_archive(c, sid):
    tar = make_tar([("pkg", "dir", None), ("pkg/m.py", "file", b"X = 1\n"),
                    ("./top.txt", "file", b"top")])
    assert c.upload_archive(sid, tar, "/sandbox/up") == {"ok": True}
    r = c.execute_tool(sid, "file_operation", {"operation": "read", "file_path": "up/pkg/m.py"})
    assert r["output"] == "X = 1\n", r
    ar = f"/sandbox/{sid}/archive"
    expect(c.request("POST", ar, None, tar), 422, "target_dir: field required")
    expect(c.request("POST", ar, {"target_dir": ""}, tar), 400, "target_dir must not be empty")
    expect(c.request("POST", ar, {"target_dir": "/sandbox"}, b""), 400,
           "Archive body must not be empty")
    expect(c.request("POST", ar, {"target_dir": "/etc"}, tar), 500,
           detail_prefix="Failed to create target directory /etc: ")
    expect(c.request("POST", ar, {"target_dir": "/tmp/../etc"}, tar), 400)
    expect(c.request("POST", ar, {"target_dir": "/sandbox"}, b"not a tar" * 100), 400)
    assert c.upload_archive(sid, tar, "rel") == {"ok": True}  # relative to the working dir
    r = c.execute_tool(sid, "file_operation", {"operation": "read", "file_path": "rel/top.txt"})
    assert r["output"] == "top", r
    ok("archive")


def check_stop_delete(c, sid):
    assert c.call("POST", f"/sandbox/{sid}/stop") == {"message": "Sandbox stopped successfully"}
    assert c.get_sandbox_info(sid)["status"] == "stopped"
    expect(c.request("POST", "/sandbox/tool/execute",
                     body={"sandbox_id": sid, "tool_name": "file_operation",
                           "parameters": {"operation": "exists", "file_path": "x"}}),
           404, f"Sandbox {sid} is not active (status: stopped)")
    expect(c.request("POST", f"/sandbox/{sid}/archive", {"target_dir": "/sandbox"},
                     make_tar([("a", "file", b"x")])), 400,
           f"Sandbox {sid} is not active (status: stopped)")
    assert c.call("DELETE", f"/sandbox/{sid}") == {"message": "Sandbox deleted successfully"}
    assert c.get_sandbox_info(sid) is None
    ok("stop and delete")


def check_pool_errors(c):
    expect(c.request("POST", "/pool/execute", {"tool_name": "python_executor"}, {"code": "1"}),
           400, "Sandbox pool is empty, call initialize_pool first")
    expect(c.request("POST", "/pool/execute", None, {"code": "1"}), 422,
           "tool_name: field required")
    for size in (0, -1):  # ms-enclave: no pool asked for, 200 with no ids
        assert c.call("POST", "/pool/initialize", {"pool_size": size}, {}) == {
            "message": "Pool initialized successfully", "pool_size": 0, "sandbox_ids": []}
    expect(c.request("POST", "/pool/initialize", {"pool_size": "two"}, {}), 422)
    expect(c.request("POST", "/pool/initialize", {"pool_size": 1, "sandbox_type": "nope"}, {}),
           422)
    ok("pool errors")


def group_routes(c, args):
    check_health_stats(c)
    check_create(c)
    check_not_found(c)
    check_pool_errors(c)
    sid = c.create_sandbox({"tools_config": ALL_TOOLS, "env_vars": {"SECRET": "hunter2"},
                            "network_enabled": True})
    limited = c.create_sandbox({"tools_config": ["python_executor"]})
    check_info(c, sid)
    check_tool_errors(c, sid, limited)
    check_files(c, sid)
    check_archive(c, sid)
    check_stop_delete(c, sid)
    assert c.delete_sandbox(limited)


# ---- limits: bodies and requests that must get a 4xx, never a crash ----------------------


def group_limits(c, args):
    host, port = urllib.parse.urlsplit(c.base_url).hostname, urllib.parse.urlsplit(c.base_url).port
    big = b"x" * (args.max_body + 1)
    expect(c.request("POST", "/v1/run", body=big), 413)
    # Chunked, so the server learns the size only while reading.
    head = (b"POST /v1/run HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\nContent-Type: application/json\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (len(big), big)
    resp = raw_exchange(host, port, head + chunk + b"0\r\n\r\n")
    assert status_of(resp) == 413, resp[:200]
    for body in (b"", b"{", b"[]", b"\xff\xfe", b"{\"argv\":" + b"[" * 5000, b"null",
                 b"{\"argv\":[\"a\"],\"language\":\"python\"}", b"{\"argv\":[1]}"):
        expect(c.request("POST", "/v1/run", body=body), 422)
    ok("bodies: 413 and 422")
    for target in (b"/sandbox/%zz", b"/a/../b", b"/x%00y"):
        resp = raw_exchange(host, port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n"
                            b"Connection: close\r\n\r\n")
        assert status_of(resp) == 400, (target, resp[:200])
    resp = raw_exchange(host, port, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n"
                        b"Connection: close\r\n\r\n")
    assert status_of(resp) in (400, 414, 431), resp[:100]
    resp = raw_exchange(host, port, b"\x00\x01garbage\r\n\r\n", timeout=scaled(2))
    assert resp == b"" or 400 <= status_of(resp) < 500, resp[:100]
    resp = raw_exchange(host, port, b"GET /health?" + b"&".join(b"k%d=v" % i for i in range(100))
                        + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status_of(resp) == 400, resp[:100]
    assert c.health()["healthy"] is True
    ok("malformed requests: 4xx, server alive")


# ---- auth -----------------------------------------------------------------------------------


def group_auth(c, args):
    anon = Client(c.base_url)
    wrong = Client(c.base_url, api_key=args.api_key + "x")
    prefix = Client(c.base_url, api_key=args.api_key[:-1])
    for path in ("/health", "/stats", "/metrics", "/sandboxes", "/openapi.json"):
        expect(anon.request("GET", path), 401, "Unauthorized")
        expect(wrong.request("GET", path), 401, "Unauthorized")
        expect(prefix.request("GET", path), 401, "Unauthorized")
        expect(anon.request("GET", path, {"api_key": args.api_key + "x"}), 401, "Unauthorized")
        assert c.request("GET", path)[0] == 200
        assert anon.request("GET", path, {"api_key": args.api_key})[0] == 200
    expect(anon.request("POST", "/sandbox/create", {"sandbox_type": "docker"}, {}), 401)
    # Refused before the body is read: an oversized upload without a key is a 401, not a 413.
    u = urllib.parse.urlsplit(c.base_url)
    resp = raw_exchange(u.hostname, u.port, b"POST /v1/run HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Length: %d\r\n\r\n" % (args.max_body * 2), timeout=scaled(5))
    assert status_of(resp) == 401 and resp.endswith(b'{"detail":"Unauthorized"}'), resp
    ok("auth: missing, wrong, prefix, query key, header key")


# ---- tools that run programs ------------------------------------------------------------


def group_tools(c, args):
    sid = c.create_sandbox({"tools_config": ALL_TOOLS})
    py = lambda code, **kw: tool_result_ok(
        c.execute_tool(sid, "python_executor", dict(code=code, **kw)), "python_executor")
    sh = lambda cmd, **kw: tool_result_ok(
        c.execute_tool(sid, "shell_executor", dict(command=cmd, **kw)), "shell_executor")
    r = py("print(1)")
    assert r["status"] == "success" and r["output"] == "1\n" and r["error"] is None, r
    m = r["metadata"]
    assert m["verdict"] == "OK" and m["exit_code"] == 0 and m["wall_ms"] >= 0, m
    for k in ("cpu_ms", "peak_memory_bytes", "stdout_truncated", "stderr_truncated"):
        assert k in m, k
    r = py("import sys; print('out'); print('warn', file=sys.stderr)")
    assert r["status"] == "success" and r["output"] == "out\n" and r["error"] == "warn\n", r
    r = py("1/0")
    assert r["status"] == "error" and "ZeroDivisionError" in r["error"], r
    assert r["metadata"]["exit_code"] == 1 and r["metadata"]["verdict"] == "RUNTIME_ERROR"
    ok("python_executor")
    t0 = time.monotonic()
    r = py("import time\nwhile True: time.sleep(1)", timeout=1)
    assert r["status"] == "timeout" and r["error"] == "Command timed out after 1 seconds", r
    assert r["metadata"]["verdict"] == "TIME_LIMIT" and time.monotonic() - t0 < scaled(1 + 10)
    r = sh("sleep 30 & sleep 30; echo never", timeout=1)
    assert r["status"] == "timeout" and r["error"] == "Command timed out after 1 seconds", r
    ok("timeouts kill the tree: status timeout")
    r = sh("echo hi")
    assert r["status"] == "success" and r["output"] == "hi\n" and r["error"] is None, r
    r = sh("exit 3")
    assert r["status"] == "error" and r["error"] == "Command failed with exit code 3", r
    r = sh("echo oops >&2; exit 2")
    assert r["status"] == "error" and r["error"] == "oops\n", r
    r = sh(["/bin/sh", "-c", "echo $0 \"$1\"", "a b", "c;d"])
    assert r["output"] == "a b c;d\n", r
    r = sh("  ")
    assert r["status"] == "error" and r["error"] == "No command provided", r
    ok("shell_executor")
    sh("echo state > kept.txt")
    assert py("print(open('kept.txt').read(), end='')")["output"] == "state\n"
    r = c.execute_tool(sid, "file_operation", {"operation": "list", "file_path": "/sandbox"})
    assert r["status"] == "success" and "kept.txt" in r["output"], r
    r = c.execute_tool(sid, "file_operation", {"operation": "list", "file_path": "nodir"})
    assert r["status"] == "error" and r["error"], r
    assert py("import os; print(os.getcwd())")["output"] == "/sandbox\n"
    ok("state persists between calls; list")
    r = py("print('x' * (64 << 20))")
    assert r["metadata"]["stdout_truncated"] or r["status"] == "error", r["metadata"]
    assert c.delete_sandbox(sid)
    ok("output cap")


LANG_PROGRAMS = {
    "python": ("print('hello')", "python3"),
    "c": ("#include <stdio.h>\nint main(void){puts(\"hello\");return 0;}", "gcc"),
    "cpp": ("#include <iostream>\nint main(){std::cout<<\"hello\"<<std::endl;}", "g++"),
    "javascript": ("console.log('hello')", "node"),
    "java": ("public class Main{public static void main(String[] a){"
             "System.out.println(\"hello\");}}", "javac"),
    "bash": ("echo hello", "bash"),
    "perl": ("print \"hello\\n\";", "perl"),
}


def group_languages(c, args):
    sid = c.create_sandbox({"tools_config": ["multi_code_executor"]})
    schema = c.get_sandbox_tools(sid)["multi_code_executor"]["function"]["parameters"]
    langs = schema["properties"]["language"]["enum"]
    tried = 0
    for lang in langs:
        if lang not in LANG_PROGRAMS:
            continue  # an alias of one below
        code, tool = LANG_PROGRAMS[lang]
        if not shutil.which(tool, path="/usr/local/bin:/usr/bin:/bin"):
            print(f"skip {lang}: {tool} is not installed", flush=True)
            continue
        r = c.execute_tool(sid, "multi_code_executor", {"language": lang, "code": code,
                                                         "run_timeout": int(scaled(10))})
        assert r["status"] == "success" and r["output"].rstrip("\n") == "hello", (lang, r)
        tried += 1
    assert tried >= 2, langs
    ok(f"multi_code_executor: {tried} languages")
    r = c.execute_tool(sid, "multi_code_executor",
                       {"language": "c", "code": "int main(void){return missing;}"})
    assert r["status"] == "error" and "missing" in r["error"], r
    assert r["metadata"]["verdict"] == "COMPILE_ERROR", r
    r = c.execute_tool(sid, "multi_code_executor", {"language": "cobol", "code": "x"})
    assert r["status"] == "error" and r["error"] == "Unsupported language: cobol", r
    r = c.execute_tool(sid, "multi_code_executor", {"language": "python", "code": " "})
    assert r["error"] == "Invalid input", r
    r = c.execute_tool(sid, "multi_code_executor",
                       {"language": "python", "code": "import helper; print(helper.V)",
                        "files": {"sub/helper.py": "V = 42\n"}})
    assert r["output"] == "42\n", r
    r = c.execute_tool(sid, "multi_code_executor",
                       {"language": "python", "code": "import time; time.sleep(30)",
                        "run_timeout": 1})
    assert r["status"] == "timeout", r
    assert c.delete_sandbox(sid)
    ok("multi_code_executor: errors, files, timeout")


# ---- the HttpSandboxManager flow --------------------------------------------------------


def group_manager(c, args):
    assert c.health()["healthy"]
    sid = c.create_sandbox({"image": "python:3.11-slim", "tools_config": ALL_TOOLS,
                            "memory_limit": "256m", "cpu_limit": "1.0"})
    assert c.get_sandbox_info(sid)["status"] == "running"
    assert "python_executor" in c.get_sandbox_tools(sid)
    r = c.execute_tool(sid, "python_executor", {"code": "print(6 * 7)"})
    assert r["status"] == "success" and r["output"] == "42\n", r
    tar = make_tar([("lib/util.py", "file", b"def f():\n    return 'from tar'\n")])
    assert c.upload_archive(sid, tar, "/sandbox") == {"ok": True}
    r = c.execute_tool(sid, "python_executor",
                       {"code": "import sys; sys.path.insert(0, 'lib'); import util; print(util.f())"})
    assert r["output"] == "from tar\n", r
    ok("manager: create, info, tools, execute, archive")
    pool = c.initialize_pool(3, {"image": "python:3.11-slim",
                                 "tools_config": ["python_executor", "shell_executor"]})
    assert pool["message"] == "Pool initialized successfully" and pool["pool_size"] == 3, pool
    assert len(pool["sandbox_ids"]) == 3 and all(ID_RE.match(i) for i in pool["sandbox_ids"])
    st = c.stats()
    assert st["pool_size"] == 3 and st["pool_enabled"] and st["pool_initialized"], st
    r = c.execute_tool_in_pool("python_executor", {"code": "open('leak', 'w').write('x')"}, 10)
    assert r["status"] == "success", r
    for _ in range(4):
        r = c.execute_tool_in_pool("shell_executor", {"command": "test -e leak && echo leaked"}, 10)
        assert r["status"] == "error" and r["output"] == "", f"pool state leaked: {r}"
    expect(c.request("POST", "/pool/execute", {"tool_name": "file_operation", "timeout": 5},
                     {"operation": "exists", "file_path": "x"}), 400,
           "Tool file_operation is not available")
    expect(c.request("POST", "/pool/execute", {"tool_name": "python_executor", "timeout": 5},
                     b"{bad"), 422)
    ok("manager: pool initialize, get each id, execute, isolation")
    assert c.delete_sandbox(sid)
    for i in pool["sandbox_ids"]:
        assert c.delete_sandbox(i)
    assert not c.delete_sandbox(sid)
    expect(c.request("POST", "/pool/execute", {"tool_name": "python_executor"}, {"code": "1"}),
           400)
    ok("manager: delete")


# ---- hostile archives -------------------------------------------------------------------


def group_hostile_tar(c, args):
    sid = c.create_sandbox({"tools_config": ["file_operation"]})
    outside = args.outside
    cases = [
        [("../" * 12 + outside.lstrip("/") + "/dotdot", "file", b"pwned")],
        [(outside + "/absolute", "file", b"pwned")],
        [("ok/../../escape", "file", b"pwned")],
        [("etc", "symlink", "/etc"), ("etc/pwned", "file", b"pwned")],
        [("link", "symlink", outside), ("link/via_symlink", "file", b"pwned")],
        [("hard", "hardlink", "/etc/passwd")],
        [("rel", "symlink", "../../../../"), ("rel" + outside + "/rel", "file", b"pwned")],
    ]
    for entries in cases:
        try:
            c.upload_archive(sid, make_tar(entries), "/sandbox")
            raise AssertionError(f"accepted {entries[0][0]}")
        except HttpError as e:
            assert e.status == 400 and "unsafe archive entry" in e.detail, (e.status, e.body)
    assert os.listdir(outside) == [], os.listdir(outside)
    assert not os.path.exists("/etc/pwned")
    f = lambda p: c.execute_tool(sid, "file_operation", {"operation": "exists", "file_path": p})
    for p in ("etc", "link", "hard", "rel", "ok"):
        assert f(p)["output"] == "does not exist", p
    # A mixed archive is refused whole: its good file is not written either.
    try:
        c.upload_archive(sid, make_tar([("good.txt", "file", b"ok"), ("/abs", "file", b"x")]),
                         "/sandbox")
    except HttpError as e:
        assert e.status == 400
    assert f("good.txt")["output"] == "does not exist"
    assert c.delete_sandbox(sid)
    ok("hostile tar: nothing written outside (or at all)")


# ---- pressure ---------------------------------------------------------------------------


def group_concurrency(c, args):
    n = args.requests
    c.initialize_pool(4, {"tools_config": ["python_executor"]})
    results, errors, peak = [None] * n, [], [0]
    done = threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], c.stats()["running_jobs"])
            time.sleep(0.02)

    def one(i):
        try:
            results[i] = c.execute_tool_in_pool("python_executor", {"code": f"print({i} * 3)"},
                                                timeout=600)
        except Exception as e:  # noqa: BLE001 - collected and reported
            errors.append((i, repr(e)))

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    watcher.join()
    assert not errors, errors[:5]
    for i, r in enumerate(results):
        assert r["status"] == "success" and r["output"] == f"{i * 3}\n", (i, r)
    assert peak[0] <= args.max_concurrency, f"{peak[0]} jobs ran at once"
    ok(f"{n} concurrent pool/execute: all correct, at most {peak[0]} running")
    metrics = c.request("GET", "/metrics", raw=True)[1].decode()
    jobs = int(re.search(r'sandboxrt_jobs_total\{verdict="OK"\} (\d+)', metrics).group(1))
    assert jobs >= n, jobs
    ok("metrics count the jobs")


def group_disconnect(c, args):
    """--max-concurrency 1. A job holds the slot; a queued client hangs up; a slow client
    trickles a body. A later client must be served after the first job, not after the dead
    client's job, and the slow one must block nobody."""
    u = urllib.parse.urlsplit(c.base_url)
    sid = c.create_sandbox({"tools_config": ["python_executor"]})
    hold = scaled(3)
    holder = threading.Thread(target=c.execute_tool, args=(
        sid, "python_executor", {"code": f"import time; time.sleep({hold})"}))
    t0 = time.monotonic()
    holder.start()
    time.sleep(scaled(0.5))
    body = json.dumps({"argv": ["/bin/sleep", str(hold)]}).encode()
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    time.sleep(scaled(0.5))
    s.close()  # queued behind the holder, then gone
    slow = socket.create_connection((u.hostname, u.port))
    slow.sendall(b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"ar")
    status, r = c.request("POST", "/v1/run", body={"argv": ["/bin/echo", "served"]})
    elapsed = time.monotonic() - t0
    holder.join()
    assert status == 200 and r["stdout"] == "served\n", r
    assert elapsed < hold + scaled(2.5), f"served after {elapsed:.1f}s: the dead client's job ran"
    h0 = time.monotonic()
    assert c.health()["healthy"] and time.monotonic() - h0 < scaled(2)
    slow.close()
    metrics = c.request("GET", "/metrics", raw=True)[1].decode()
    gone = int(re.search(r'sandboxrt_jobs_rejected_total\{reason="client_gone"\} (\d+)',
                         metrics).group(1))
    assert gone >= 1, metrics
    ok(f"disconnected client dropped from the queue; slow client blocks nobody ({elapsed:.1f}s)")

    # A client that leaves while its job runs cancels the job: the slot frees at once and
    # nothing of the job survives; the log and metrics count a 499, not a success.
    def by_class(cls):
        metrics = c.request("GET", "/metrics", raw=True)[1].decode()
        found = re.search(r'sandboxrt_http_requests_total\{code="%s"\} (\d+)' % cls, metrics)
        return int(found.group(1)) if found else 0
    fours = by_class("4xx")
    body = json.dumps({"argv": ["/bin/sh", "-c", "sleep 9.31; echo done"],
                       "limits": {"wall": "10s"}}).encode()
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    time.sleep(scaled(1))
    running = subprocess.run(["pgrep", "-f", "slee[p] 9.31"], capture_output=True).returncode
    assert running == 0, "the job never started"
    s.close()
    t0 = time.monotonic()
    status, r = c.request("POST", "/v1/run", body={"argv": ["/bin/echo", "next"]})
    assert status == 200 and r["stdout"] == "next\n", r
    assert time.monotonic() - t0 < scaled(5), "the cancelled job kept its slot"
    time.sleep(scaled(0.5))
    gone = subprocess.run(["pgrep", "-f", "slee[p] 9.31"], capture_output=True).returncode
    assert gone != 0, "the cancelled job's process survived"
    assert by_class("4xx") == fours + 1, "the cancelled request was not counted as a 499"
    ok("a client that leaves mid-job cancels it")


def group_v1(c, args):
    status, r = c.request("POST", "/v1/run", body={"argv": ["/bin/cat"], "stdin": "in\n",
                                                   "limits": {"wall": "5s"}})
    assert status == 200 and r["verdict"] == "OK" and r["stdout"] == "in\n", r
    status, r = c.request("POST", "/v1/run", body={"language": "python",
                                                   "source": "import sys; sys.exit(4)"})
    assert status == 200 and r["verdict"] == "RUNTIME_ERROR" and r["exit_code"] == 4, r
    status, r = c.request("POST", "/v1/run", body={"argv": ["/bin/sleep", "5"],
                                                   "limits": {"wall": "500ms"}})
    assert r["verdict"] == "TIME_LIMIT", r
    expect(c.request("POST", "/v1/run", body={"argv": ["x"], "policy": "nope"}), 400)
    expect(c.request("POST", "/v1/run", body={"argv": ["x"], "limits": {"wall": "forever"}}), 400)
    ok("/v1/run")
    status, r = c.request("POST", "/v1/runs", body={"jobs": [
        {"language": "python", "source": f"print({i})"} for i in range(6)] + [
        {"argv": ["x"], "policy": "nope"}]})
    assert status == 200 and len(r["results"]) == 7, r
    for i in range(6):
        assert r["results"][i]["stdout"] == f"{i}\n", r["results"][i]
    assert "error" in r["results"][6]
    ok("/v1/runs keeps order")
    status, r = c.request("GET", "/v1/policies")
    assert status == 200 and "default" in [p["name"] for p in r], r
    assert r[0]["limits"]["wall_ms"] > 0
    ok("/v1/policies")


def group_backend_choice(c, args):
    """Which backend serves an image: the image map, --backend, and the refusal naming the
    image when its backend is missing. Run with the flags the case names."""
    backends = c.stats()["backends"]
    info = lambda cfg: c.get_sandbox_info(c.create_sandbox(cfg))
    if args.expect == "auto":
        assert info({"image": "python:3.11-slim"})["metadata"]["backend"] == "native"
        assert info({})["metadata"]["backend"] == "native"
        if not backends["docker"]:
            expect(c.request("POST", "/sandbox/create", {"sandbox_type": "docker"},
                             {"image": "node:20"}), 400,
                   detail_prefix="Failed to create sandbox: image 'node:20' needs the docker "
                                 "backend, which is not available")
        m = info({"network_enabled": True})["metadata"]
        assert m["network"] == "none" and "--allow-network" in m["network_note"], m
    elif args.expect == "mapped":  # --image-map 'node:*=native' --allow-network
        assert info({"image": "node:20"})["metadata"]["backend"] == "native"
        m = info({"network_enabled": True})["metadata"]
        assert m["network"] == "host" and "network_note" not in m, m
    elif args.expect == "native":  # --backend native
        assert info({"image": "golang:1.22"})["metadata"]["backend"] == "native"
    ok(f"backend choice ({args.expect})")


GROUPS = {name[len("group_"):]: fn for name, fn in globals().items() if name.startswith("group_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--api-key")
    ap.add_argument("--max-body", type=int, default=16 << 20)
    ap.add_argument("--max-concurrency", type=int, default=2)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--outside", help="a host directory a hostile tar aims at")
    ap.add_argument("--expect", default="auto", help="backend_choice: auto, mapped or native")
    ap.add_argument("group", choices=sorted(GROUPS))
    args = ap.parse_args()
    GROUPS[args.group](Client(args.url, args.api_key), args)


if __name__ == "__main__":
    main()
