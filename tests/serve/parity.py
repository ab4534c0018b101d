"""ms-enclave parity: what ms-enclave's own HTTP client and tests do, against sandboxrt serve.

    parity.py --url http://127.0.0.1:PORT [--image IMAGE] [--short-url URL] [--tool-output N]
              [--writable /opt/data,/var/cache/job]

Manager below behaves as ms-enclave's HttpSandboxManager does (the same requests, the same
exception for each status: 400/404 -> ValueError, 408 -> TimeoutError, others -> RuntimeError;
SandboxInfo and ToolResult checked as its pydantic models would), written from the protocol
(spec/ms-enclave-http.md), with the standard library; archives go up with curl, as a shell
client would. The checks are ms-enclave's own tests (put_dir to /tmp/eval-skills, the pool
tests, the tool tests) plus what a sandbox must do as a small machine of its own: every
writable directory kept between calls, timeout 0, whole outputs, the 404 after a delete, and
each error status. --short-url is a second server whose ceiling has a 2 s wall limit (timeout
0 must end there). --writable lists the paths the server's ceiling policy makes writable
besides the built-in ones (its `writable` key). Prints "ok NAME" per check; the first failure
raises."""

import argparse
import datetime
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ID_RE = re.compile(r"^[23456789abcdefghijkmnopqrstuvwxyz]{8}$")
STATUSES = {"initializing", "running", "idle", "busy", "stopping", "stopped", "error"}
WRITABLE = "(writable: /sandbox, /tmp, /home/sandbox)"
ALL_TOOLS = {"python_executor": {}, "shell_executor": {}, "file_operation": {},
             "multi_code_executor": {}}


def ok(name):
    print(f"ok {name}", flush=True)


# ---- the client ----------------------------------------------------------------------------


def check_info(data):
    """SandboxInfo.model_validate"""
    for k in ("id", "status", "type", "config", "created_at", "updated_at", "metadata",
              "available_tools"):
        assert k in data, f"SandboxInfo lacks {k}: {data}"
    assert data["status"] in STATUSES and isinstance(data["config"], dict), data
    datetime.datetime.fromisoformat(data["created_at"])
    datetime.datetime.fromisoformat(data["updated_at"])
    return data


def check_result(data):
    """ToolResult.model_validate"""
    assert data["status"] in ("success", "error", "timeout", "cancelled"), data
    assert isinstance(data["tool_name"], str) and isinstance(data["metadata"], dict), data
    assert data["error"] is None or isinstance(data["error"], str), data
    datetime.datetime.fromisoformat(data["timestamp"])
    return data


class Manager:
    """HttpSandboxManager's requests and error handling."""

    def __init__(self, base_url, timeout=300):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method, path, query=None, body=None, ctype="application/json"):
        url = self.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": ctype} if data is not None else {})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def create_sandbox(self, config, sandbox_type="docker"):
        status, data = self.request("POST", "/sandbox/create", {"sandbox_type": sandbox_type},
                                    config)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {data.get('detail', 'Unknown error')}")
        assert ID_RE.match(data["sandbox_id"]), data
        assert self.get_sandbox_info(data["sandbox_id"]) is not None
        return data["sandbox_id"]

    def get_sandbox_info(self, sandbox_id):
        status, data = self.request("GET", f"/sandbox/{sandbox_id}")
        return check_info(data) if status == 200 else None

    def list_sandboxes(self, status=None):
        code, data = self.request("GET", "/sandboxes", {"status": status} if status else None)
        return [check_info(i) for i in data] if code == 200 else []

    def stop_sandbox(self, sandbox_id):
        return self.request("POST", f"/sandbox/{sandbox_id}/stop")[0] == 200

    def delete_sandbox(self, sandbox_id):
        return self.request("DELETE", f"/sandbox/{sandbox_id}")[0] == 200

    def execute_tool(self, sandbox_id, tool_name, parameters):
        body = {"sandbox_id": sandbox_id, "tool_name": tool_name, "parameters": parameters,
                "timeout": None}
        status, data = self.request("POST", "/sandbox/tool/execute", body=body)
        if status == 200:
            return check_result(data)
        if status == 404:
            raise ValueError(data.get("detail", f"Sandbox {sandbox_id} not found"))
        if status == 500:
            raise RuntimeError(data.get("detail", "Internal server error"))
        raise RuntimeError(f"HTTP {status}: {data.get('detail', 'Unknown error')}")

    def get_sandbox_tools(self, sandbox_id):
        status, data = self.request("GET", f"/sandbox/{sandbox_id}/tools")
        if status == 404:
            raise ValueError(data.get("detail"))
        return data

    def put_archive(self, sandbox_id, target_dir, data):
        """With curl, as a shell script would upload a tar."""
        url = (f"{self.base_url}/sandbox/{sandbox_id}/archive?"
               + urllib.parse.urlencode({"target_dir": target_dir}))
        with tempfile.NamedTemporaryFile() as f:
            f.write(data)
            f.flush()
            out = subprocess.run(["curl", "-sS", "-X", "POST", "-H",
                                  "Content-Type: application/x-tar", "--data-binary",
                                  "@" + f.name, "-w", "\n%{http_code}", url],
                                 capture_output=True, check=True, text=True).stdout
        body, status = out.rsplit("\n", 1)
        payload = json.loads(body)
        if status == "200":
            return bool(payload.get("ok", True))
        detail = payload.get("detail", "Unknown error")
        if status in ("400", "404"):
            raise ValueError(detail)
        if status == "501":
            raise NotImplementedError(detail)
        raise RuntimeError(f"HTTP {status}: {detail}")

    def put_dir(self, sandbox_id, source, target_dir):
        return self.put_archive(sandbox_id, target_dir, tar_directory(source))

    def initialize_pool(self, pool_size, config, sandbox_type="docker"):
        status, data = self.request("POST", "/pool/initialize",
                                    {"pool_size": pool_size, "sandbox_type": sandbox_type}, config)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {data.get('detail', 'Unknown error')}")
        for sid in data["sandbox_ids"]:
            assert self.get_sandbox_info(sid) is not None, sid
        return data["sandbox_ids"]

    def execute_tool_in_pool(self, tool_name, parameters, timeout=None):
        query = {"tool_name": tool_name}
        if timeout:
            query["timeout"] = timeout
        status, data = self.request("POST", "/pool/execute", query, parameters)
        if status == 200:
            return check_result(data)
        if status == 400:
            raise ValueError(data.get("detail", "Pool execution failed"))
        if status == 408:
            raise TimeoutError(data.get("detail", "Timeout waiting for available sandbox"))
        raise RuntimeError(f"HTTP {status}: {data.get('detail', 'Unknown error')}")


def tar_directory(source):
    """ms-enclave's utils.archive.tar_directory: the directory's contents, sorted."""
    stream = io.BytesIO()
    with tarfile.open(fileobj=stream, mode="w") as tar:
        for root, dirs, files in sorted(os.walk(source)):
            for name in sorted(dirs + files):
                path = os.path.join(root, name)
                tar.add(path, arcname=os.path.relpath(path, source), recursive=False)
    return stream.getvalue()


def tar_file(name, data):
    """ms-enclave's utils.archive.tar_file (what its put_file sends)."""
    stream = io.BytesIO()
    with tarfile.open(fileobj=stream, mode="w") as tar:
        info = tarfile.TarInfo(name=name)
        info.size = len(data)
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
    return stream.getvalue()


def raises(exc, fn, *args, match=None):
    try:
        fn(*args)
    except exc as e:
        assert match is None or match == str(e) or str(e).startswith(match), (str(e), match)
        return str(e)
    raise AssertionError(f"{fn.__name__} did not raise {exc.__name__}")


# ---- the checks ----------------------------------------------------------------------------


class Checks:
    def __init__(self, args):
        self.m = Manager(args.url)
        self.args = args
        self.config = {"tools_config": ALL_TOOLS}
        if args.image:
            self.config["image"] = args.image

    def sandbox(self, **extra):
        return self.m.create_sandbox(dict(self.config, **extra))

    def sh(self, sid, command, **kw):
        return self.m.execute_tool(sid, "shell_executor", dict(command=command, **kw))

    def py(self, sid, code, **kw):
        return self.m.execute_tool(sid, "python_executor", dict(code=code, **kw))

    def fop(self, sid, **kw):
        return self.m.execute_tool(sid, "file_operation", kw)

    # -- create, info, every tool --

    def create_and_tools(self):
        sid = self.sandbox()
        info = self.m.get_sandbox_info(sid)
        assert info["status"] == "running" and info["type"] == "docker", info
        assert sid in [s["id"] for s in self.m.list_sandboxes("running")]
        assert set(self.m.get_sandbox_tools(sid)) == set(ALL_TOOLS)
        ok("create, info, list, tools")
        r = self.py(sid, 'print("Hello from manager!")', timeout=10)
        assert r["status"] == "success" and r["output"] == "Hello from manager!\n", r
        assert r["error"] is None, r
        r = self.sh(sid, 'echo "Hello, Shell!"')
        assert r["status"] == "success" and "Hello, Shell!" in r["output"], r
        r = self.sh(sid, ["bash", "-c", "echo wrapped"], timeout=5)
        assert r["output"] == "wrapped\n", r
        r = self.fop(sid, operation="create", file_path="/tmp/test_file.txt",
                     content="Test content")
        assert r["status"] == "success", r
        assert self.fop(sid, operation="exists", file_path="/tmp/test_file.txt")["output"] == \
            "exists"
        assert self.fop(sid, operation="read", file_path="/tmp/test_file.txt")["output"] == \
            "Test content"
        r = self.fop(sid, operation="list", file_path="/tmp")
        assert r["status"] == "success" and "test_file.txt" in r["output"], r
        r = self.fop(sid, operation="delete", file_path="/tmp/test_file.txt")
        assert r["output"] == "Successfully deleted: /tmp/test_file.txt", r
        assert self.fop(sid, operation="exists", file_path="/tmp/test_file.txt")["output"] == \
            "does not exist"
        r = self.m.execute_tool(sid, "multi_code_executor",
                                {"language": "python", "code": "print('hello from python')",
                                 "run_timeout": 10})
        assert r["status"] == "success" and r["output"] == "hello from python\n", r
        ok("every tool")
        return sid

    def tool_semantics(self, sid):
        """ms-enclave's tests/test_tool.py."""
        r = self.sh(sid, ["bash", "-c", "exit 124"], timeout=5)
        assert r["status"] == "error", r
        r = self.sh(sid, ["bash", "-c", "kill -9 $$"], timeout=5)
        assert r["status"] == "error", r
        r = self.sh(sid, "exit 3")
        assert r["error"] == "Command failed with exit code 3", r
        marker = "/tmp/ms-enclave-shell-timeout-marker"
        self.sh(sid, ["bash", "-c", f"rm -f {marker}"], timeout=5)
        r = self.sh(sid, ["bash", "-c", f'bash -c "bash -c \\"sleep 2; touch {marker}\\" & wait"'],
                    timeout=0.3)
        assert r["status"] == "timeout", r
        code = f"import os\nos.system('sleep 2; touch {marker}')\n"
        r = self.py(sid, code, timeout=0.3)
        assert r["status"] == "timeout" and r["error"] == "Command timed out after 0.3 seconds", r
        time.sleep(2.5)
        r = self.sh(sid, ["bash", "-c", f"test -e {marker} && echo PRESENT || echo ABSENT"])
        assert r["output"].strip() == "ABSENT", r
        ok("exit 124 and SIGKILL are errors; a timeout kills the tree (0.3 s)")

    # -- a small machine of its own --

    def uploads(self, sid):
        with tempfile.TemporaryDirectory() as tmp:
            skill = os.path.join(tmp, "skills", "demo")
            os.makedirs(skill)
            with open(os.path.join(skill, "SKILL.md"), "w") as f:
                f.write("skill from http")
            assert self.m.put_dir(sid, os.path.join(tmp, "skills"), "/tmp/eval-skills") is True
            assert self.m.put_dir(sid, os.path.join(tmp, "skills"), "/sandbox/skills") is True
        r = self.sh(sid, ["cat", "/tmp/eval-skills/demo/SKILL.md"], timeout=30)
        assert r["status"] == "success" and r["output"] == "skill from http", r
        r = self.sh(sid, "cat skills/demo/SKILL.md")
        assert r["output"] == "skill from http", r
        # put_file: one file by its absolute path, as ms-enclave's Sandbox.put_file sends it.
        assert self.m.put_archive(sid, "/home/sandbox", tar_file("notes.txt", b"n\n")) is True
        r = self.fop(sid, operation="read", file_path="/home/sandbox/notes.txt")
        assert r["output"] == "n\n", r
        ok("put_dir to /tmp/eval-skills and /sandbox/skills, put_file to /home/sandbox")

    def persistence(self, sid):
        for d in ("/tmp", "/home/sandbox", "/sandbox"):
            r = self.sh(sid, f"echo kept > {d}/persist && mkdir -p {d}/sub && echo deep > "
                             f"{d}/sub/f")
            assert r["status"] == "success", r
        for d in ("/tmp", "/home/sandbox", "/sandbox"):
            r = self.sh(sid, f"cat {d}/persist {d}/sub/f")
            assert r["status"] == "success" and r["output"] == "kept\ndeep\n", (d, r)
        self.py(sid, "open('/tmp/from_python', 'w').write('py')")
        assert self.fop(sid, operation="read", file_path="/tmp/from_python")["output"] == "py"
        self.fop(sid, operation="write", file_path="/home/sandbox/.cfg/a", content="fo")
        r = self.sh(sid, "cat /home/sandbox/.cfg/a")
        assert r["output"] == "fo", r
        ok("/tmp, /home/sandbox and /sandbox persist across calls, between tools")
        # A writable directory itself is no file to delete or overwrite: it stays, with its files.
        for op in ({"operation": "delete"}, {"operation": "write", "content": "x"}):
            r = self.fop(sid, file_path="/home/sandbox", **op)
            assert r["status"] == "error" and "/home/sandbox is a directory of the sandbox " \
                "itself" in r["error"], r
        r = self.sh(sid, "cat /home/sandbox/persist && echo back > /home/sandbox/f && cat "
                         "/home/sandbox/f")
        assert r["status"] == "success" and r["output"] == "kept\nback\n", r
        ok("a writable directory itself cannot be deleted or overwritten")

    def not_writable(self, sid):
        r = self.fop(sid, operation="write", file_path="/usr/local/x", content="x")
        assert r["status"] == "error" and r["error"] == (
            f"Write failed: /usr/local/x is not in a writable directory of the sandbox "
            f"{WRITABLE}"), r
        r = self.fop(sid, operation="delete", file_path="/etc/hostname")
        assert r["status"] == "error" and WRITABLE in r["error"], r
        r = self.sh(sid, "touch /usr/local/x")
        assert r["status"] == "error", r
        msg = raises(RuntimeError, self.m.put_archive, sid, "/srv/data",
                     tar_file("a", b"x"), match="HTTP 500: Failed to create target directory "
                                                "/srv/data: ")
        assert WRITABLE in msg, msg
        r = self.fop(sid, operation="read", file_path="/etc/passwd")
        assert r["status"] == "success" and "root" in r["output"], r
        assert self.fop(sid, operation="exists", file_path="/usr/bin")["output"] == "exists"
        assert self.fop(sid, operation="exists", file_path="/nonexistent")["output"] == \
            "does not exist"
        ok("read-only paths: read in the sandbox, writes refused naming the writable ones")

    def policy_writable(self, sid):
        """The ceiling policy's own writable paths: as /tmp in everything."""
        data, cache = self.args.writable[0], self.args.writable[-1]
        r = self.fop(sid, operation="write", file_path=f"{data}/in/a.txt", content="via fop")
        assert r["status"] == "success", r
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "tree", "bin"))
            with open(os.path.join(tmp, "tree", "bin", "run.sh"), "w") as f:
                f.write("#!/bin/sh\necho ran from $0\n")
            os.chmod(os.path.join(tmp, "tree", "bin", "run.sh"), 0o755)
            assert self.m.put_dir(sid, os.path.join(tmp, "tree"), cache) is True
        r = self.sh(sid, f"{cache}/bin/run.sh && cat {data}/in/a.txt && echo shell > {data}/b")
        assert r["status"] == "success" and r["output"] == \
            f"ran from {cache}/bin/run.sh\nvia fop", r
        r = self.py(sid, f"print(open('{data}/b').read(), end='')")
        assert r["output"] == "shell\n", r
        assert self.fop(sid, operation="read", file_path=f"{data}/b")["output"] == "shell\n"
        r = self.fop(sid, operation="list", file_path=data)
        assert r["status"] == "success" and re.search(r" in\n", r["output"]), r
        r = self.fop(sid, operation="delete", file_path=f"{data}/b")
        assert r["status"] == "success", r
        r = self.sh(sid, f"ls {data}; cat {data}/b 2>/dev/null || echo gone")
        assert r["output"] == "in\ngone\n", r
        ok(f"policy's writable {data} and {cache}: write, put_dir, read, execute, delete; kept "
           "across calls")
        # Next to a listed path, nothing is writable: the refusal names every writable root.
        parent = os.path.dirname(data)
        r = self.fop(sid, operation="write", file_path=f"{parent}/other", content="x")
        assert r["status"] == "error" and r["error"] == (
            f"Write failed: {parent}/other is not in a writable directory of the sandbox "
            f"{WRITABLE}"), r
        r = self.sh(sid, f"touch {parent}/other")
        assert r["status"] == "error", r
        msg = raises(RuntimeError, self.m.put_archive, sid, f"{parent}/other",
                     tar_file("a", b"x"), match="HTTP 500: Failed to create target directory ")
        assert WRITABLE in msg, msg
        for op in ({"operation": "delete"}, {"operation": "write", "content": "x"}):
            r = self.fop(sid, file_path=data, **op)
            assert r["status"] == "error" and f"{data} is a directory of the sandbox itself" in \
                r["error"], r
        # Escapes: '..' out of it, and links planted in it, pointing out of it.
        for p in (f"{data}/../x", f"{data}/in/../../../etc/x"):
            r = self.fop(sid, operation="write", file_path=p, content="x")
            assert r["status"] == "error" and r["error"] == f"Path {p} must not contain '..'", r
        raises(ValueError, self.m.put_archive, sid, f"{data}/..", tar_file("a", b"x"))
        r = self.sh(sid, f"ln -s /etc {data}/etc && ln -s {parent} {data}/up && "
                         f"ln -s /tmp/evil {data}/file")
        assert r["status"] == "success", r
        own = self.sh(sid, "cat /etc/passwd")["output"]
        for p in (f"{data}/etc/pwned", f"{data}/up/pwned", f"{data}/file"):
            r = self.fop(sid, operation="write", file_path=p, content="x")
            assert r["status"] == "error", (p, r)
        r = self.fop(sid, operation="read", file_path=f"{data}/etc/passwd")
        assert r["status"] == "error" or r["output"] == own, r
        for target in (f"{data}/etc", f"{data}/up"):
            try:
                self.m.put_archive(sid, target, tar_file("pwned", b"x"))
            except (ValueError, RuntimeError):
                pass
        r = self.sh(sid, f"ls /etc/pwned {parent}/pwned /tmp/evil 2>&1; true")
        assert r["output"].count("No such file") == 3, r
        ok(f"outside {data}: refused naming the writable roots; '..' and planted links refused")

    def escapes(self, sid):
        for p in ("../etc/passwd", "/tmp/../etc/passwd", "/home/sandbox/../../etc/x"):
            r = self.fop(sid, operation="write", file_path=p, content="x")
            assert r["status"] == "error" and r["error"] == f"Path {p} must not contain '..'", r
        raises(ValueError, self.m.put_archive, sid, "/tmp/../etc", tar_file("a", b"x"))
        # A link the sandbox planted is not followed from outside, wherever it points.
        r = self.sh(sid, "ln -s /etc /tmp/etc && ln -s /usr /home/sandbox/usr && "
                         "ln -s /tmp/etc /sandbox/etc")
        assert r["status"] == "success", r
        own = self.sh(sid, "cat /etc/passwd")["output"]
        for p in ("/tmp/etc/pwned", "/home/sandbox/usr/pwned", "etc/pwned"):
            r = self.fop(sid, operation="write", file_path=p, content="x")
            assert r["status"] == "error", (p, r)
        for p in ("/tmp/etc/passwd", "etc/passwd"):
            # Refused, or (read in the sandbox) its own file: never the host's.
            r = self.fop(sid, operation="read", file_path=p)
            assert r["status"] == "error" or r["output"] == own, (p, r)
        for target in ("/tmp/etc", "/home/sandbox/usr/lib"):
            try:
                self.m.put_archive(sid, target, tar_file("pwned", b"x"))
            except (ValueError, RuntimeError):
                pass
        r = self.sh(sid, "ls /etc/pwned /usr/pwned /usr/lib/pwned 2>&1; true")
        assert "No such file" in r["output"], r
        ok("escapes refused: '..', planted symlinks")

    def timeouts(self, sid):
        for t in (0, -1, None):
            params = {"command": "echo no-timeout"}
            if t is not None:
                params["timeout"] = t
            r = self.m.execute_tool(sid, "shell_executor", params)
            assert r["status"] == "success" and r["output"] == "no-timeout\n", (t, r)
        r = self.py(sid, "print('zero')", timeout=0)
        assert r["status"] == "success" and r["output"] == "zero\n", r
        ok("timeout 0, negative or absent: the policy's wall limit")
        if not self.args.short_url:
            return
        short = Manager(self.args.short_url)
        s2 = short.create_sandbox(self.config)
        t0 = time.monotonic()
        r = short.execute_tool(s2, "shell_executor", {"command": "sleep 20", "timeout": 0})
        took = time.monotonic() - t0
        assert r["status"] == "timeout" and r["error"] == "Command timed out after 2 seconds", r
        assert took < 10, took
        raises(RuntimeError, short.execute_tool, s2, "shell_executor",
               {"command": "true", "timeout": 3}, match="HTTP 422: timeout 3 s: ")
        assert short.delete_sandbox(s2)
        ok(f"timeout 0 never passes the ceiling's wall limit ({took:.1f} s of 2)")

    def outputs(self, sid):
        r = self.py(sid, "print('x' * (2 << 20))")
        assert r["status"] == "success", r["metadata"]
        assert r["output"] == "x" * (2 << 20) + "\n", len(r["output"])
        assert not r["metadata"]["stdout_truncated"], r["metadata"]
        r = self.sh(sid, "head -c %d /dev/zero | tr '\\0' y" % (2 << 20))
        assert r["output"] == "y" * (2 << 20), len(r["output"])
        ok("a 2 MiB output comes back whole")
        cap = self.args.tool_output
        r = self.py(sid, "import sys; sys.stdout.write('z' * %d)" % (cap + 4096))
        assert r["metadata"]["stdout_truncated"], r["metadata"]
        head, marker = r["output"][:cap], r["output"][cap:]
        assert head == "z" * cap, len(r["output"])
        assert marker == ("\n[output truncated: the program wrote more than %s to stdout, the "
                          "cap per stream of this server's tool calls]\n" % self.args.cap_text), \
            marker
        assert r["status"] == "error", r["status"]
        ok("past the cap: the head and a marker line")

    # -- lifecycle and statuses --

    def delete_then_404(self, sid):
        assert self.m.delete_sandbox(sid)
        assert self.m.get_sandbox_info(sid) is None
        raises(ValueError, self.m.execute_tool, sid, "shell_executor", {"command": "true"},
               match=f"Sandbox {sid} not found")
        raises(ValueError, self.m.get_sandbox_tools, sid, match=f"Sandbox {sid} not found")
        raises(ValueError, self.m.put_archive, sid, "/tmp", tar_file("a", b"x"),
               match=f"Sandbox {sid} not found")
        assert not self.m.delete_sandbox(sid) and not self.m.stop_sandbox(sid)
        assert self.m.request("GET", f"/sandbox/{sid}") == (404, {"detail": "Sandbox not found"})
        ok("delete, then 404 everywhere")

    def statuses(self):
        m = self.m
        assert m.request("POST", "/sandbox/create", {"sandbox_type": "bogus"}, {})[0] == 422
        raises(RuntimeError, m.create_sandbox, {}, "volcengine",
               match="HTTP 400: Failed to create sandbox: ")
        limited = m.create_sandbox(dict(self.config, tools_config=["python_executor"]))
        raises(ValueError, m.execute_tool, limited, "shell_executor", {"command": "true"},
               match="Tool shell_executor is not available")
        raises(RuntimeError, m.execute_tool, limited, "python_executor", {},
               match="python_executor: missing required parameter 'code'")
        ar = f"/sandbox/{limited}/archive"
        tar = tar_file("a", b"x")
        assert m.request("POST", ar, None, tar, "application/x-tar") == (
            422, {"detail": "target_dir: field required"})
        raises(ValueError, m.put_archive, limited, "", tar, match="target_dir must not be empty")
        raises(ValueError, m.put_archive, limited, "/tmp", b"",
               match="Archive body must not be empty")
        assert m.stop_sandbox(limited)
        raises(ValueError, m.execute_tool, limited, "python_executor", {"code": "1"},
               match=f"Sandbox {limited} is not active (status: stopped)")
        raises(ValueError, m.put_archive, limited, "/tmp", tar,
               match=f"Sandbox {limited} is not active (status: stopped)")
        assert m.delete_sandbox(limited)
        ok("statuses and details: create, tool/execute, archive")
        raises(ValueError, m.execute_tool_in_pool, "python_executor", {"code": "1"},
               match="Sandbox pool is empty, call initialize_pool first")
        assert m.request("POST", "/pool/initialize", {"pool_size": 0}, {}) == (200, {
            "message": "Pool initialized successfully", "pool_size": 0, "sandbox_ids": []})
        ok("statuses and details: empty pool, pool_size 0")

    def pools(self):
        m = self.m
        config = dict(self.config, tools_config={"python_executor": {}, "shell_executor": {}})
        ids = m.initialize_pool(2, config)
        assert len(ids) == 2 and all(ID_RE.match(i) for i in ids), ids
        st = m.request("GET", "/stats")[1]
        assert st["pool_size"] == 2 and st["pool_initialized"] and st["pool_enabled"], st
        r = m.execute_tool_in_pool("python_executor",
                                   {"code": 'print("hello from http pool")', "timeout": 10})
        assert r["status"] == "success" and "hello from http pool" in r["output"], r
        results = [None] * 3
        threads = [threading.Thread(target=lambda i=i: results.__setitem__(
            i, m.execute_tool_in_pool("python_executor",
                                      {"code": f'print("task {i}")', "timeout": 10})))
                   for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [r["output"] for r in results] == [f"task {i}\n" for i in range(3)], results
        r = m.execute_tool_in_pool("python_executor",
                                   {"code": 'raise ValueError("test error")', "timeout": 10})
        assert r["status"] == "error" and "test error" in r["error"], r
        # Every writable directory, the policy's own too, is empty again for the next job.
        dirs = ["/tmp"] + self.args.writable
        r = m.execute_tool_in_pool("shell_executor", {
            "command": "; ".join(f"echo x > {d}/leak" for d in dirs) + "; echo y > leak"})
        assert r["status"] == "success", r
        for _ in range(4):
            r = m.execute_tool_in_pool("shell_executor", {
                "command": "cat " + " ".join(f"{d}/leak" for d in dirs) + " leak"})
            assert r["status"] == "error" and r["output"] == "", f"pool state leaked: {r}"
        raises(ValueError, m.execute_tool_in_pool, "file_operation",
               {"operation": "exists", "file_path": "x"}, match="Tool file_operation is not "
                                                               "available")
        ok("pool: initialize, execute, 3 at once on 2, errors, nothing leaks between calls")
        ids = m.initialize_pool(1, config)
        hold = threading.Thread(target=m.execute_tool_in_pool, args=(
            "python_executor", {"code": "import time; time.sleep(4)", "timeout": 10}))
        hold.start()
        time.sleep(1)
        raises(TimeoutError, m.execute_tool_in_pool, "python_executor", {"code": "1"}, 0.5,
               match="Timeout waiting for available sandbox from pool after 0.5s")
        hold.join()
        r = m.execute_tool_in_pool("python_executor", {"code": "print(7)", "timeout": 10})
        assert r["output"] == "7\n", r
        for sid in ids:
            assert m.delete_sandbox(sid)
        ok("pool: 408 when no member frees up in time")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--short-url")
    ap.add_argument("--image")
    ap.add_argument("--tool-output", type=int, default=16 << 20)
    ap.add_argument("--cap-text", default="16m")
    ap.add_argument("--writable", default="", type=lambda v: [p for p in v.split(",") if p])
    args = ap.parse_args()
    global WRITABLE
    WRITABLE = f"(writable: {', '.join(['/sandbox', '/tmp', '/home/sandbox'] + args.writable)})"
    c = Checks(args)
    c.statuses()
    sid = c.create_and_tools()
    c.tool_semantics(sid)
    c.uploads(sid)
    c.persistence(sid)
    c.not_writable(sid)
    if args.writable:
        c.policy_writable(sid)
    c.escapes(sid)
    c.timeouts(sid)
    c.outputs(sid)
    c.delete_then_404(sid)
    c.pools()


if __name__ == "__main__":
    sys.exit(main())
