"""A client written from docs/spec/ms-enclave-http.md, with the standard library only: it does what
ms-enclave's HttpSandboxManager does (create, info, tools, execute, archive, pool, delete), plus
raw requests for the tests that look at statuses and bodies."""

import http.client
import json
import socket
import urllib.error
import urllib.parse
import urllib.request


class HttpError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body!r}")
        self.status = status
        self.body = body

    @property
    def detail(self):
        try:
            return json.loads(self.body)["detail"]
        except (ValueError, KeyError, TypeError):
            return None


class Client:
    def __init__(self, base_url, api_key=None, timeout=120):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    # ---- raw requests ------------------------------------------------------------------

    def request(self, method, path, query=None, body=None, headers=None, raw=False):
        """(status, parsed JSON or bytes). body: dict/list -> JSON, bytes -> as is."""
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        hdrs = dict(headers or {})
        if self.api_key is not None and "X-API-Key" not in hdrs:
            hdrs["X-API-Key"] = self.api_key
        data = None
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif body is not None:
            data = body
        req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                status, payload = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
        if raw:
            return status, payload
        try:
            return status, json.loads(payload)
        except ValueError:
            return status, payload

    def call(self, method, path, query=None, body=None):
        status, data = self.request(method, path, query, body, raw=True)
        if status != 200:
            raise HttpError(status, data)
        return json.loads(data)

    # ---- what HttpSandboxManager does --------------------------------------------------

    def health(self):
        return self.call("GET", "/health")

    def stats(self):
        return self.call("GET", "/stats")

    def create_sandbox(self, config=None, sandbox_type="docker"):
        data = self.call("POST", "/sandbox/create", {"sandbox_type": sandbox_type}, config or {})
        return data["sandbox_id"]

    def get_sandbox_info(self, sandbox_id):
        status, data = self.request("GET", f"/sandbox/{sandbox_id}")
        return data if status == 200 else None

    def list_sandboxes(self, status=None):
        return self.call("GET", "/sandboxes", {"status": status} if status else None)

    def stop_sandbox(self, sandbox_id):
        return self.request("POST", f"/sandbox/{sandbox_id}/stop")[0] == 200

    def delete_sandbox(self, sandbox_id):
        return self.request("DELETE", f"/sandbox/{sandbox_id}")[0] == 200

    def get_sandbox_tools(self, sandbox_id):
        return self.call("GET", f"/sandbox/{sandbox_id}/tools")

    def execute_tool(self, sandbox_id, tool_name, parameters):
        body = {"sandbox_id": sandbox_id, "tool_name": tool_name, "parameters": parameters}
        return self.call("POST", "/sandbox/tool/execute", body=body)

    def upload_archive(self, sandbox_id, tar_bytes, target_dir):
        status, data = self.request("POST", f"/sandbox/{sandbox_id}/archive",
                                    {"target_dir": target_dir}, tar_bytes,
                                    {"Content-Type": "application/x-tar"}, raw=True)
        if status != 200:
            raise HttpError(status, data)
        return json.loads(data)

    def initialize_pool(self, pool_size, config=None, sandbox_type="docker"):
        data = self.call("POST", "/pool/initialize",
                         {"pool_size": pool_size, "sandbox_type": sandbox_type}, config or {})
        # ms-enclave's client looks every pool member up right away.
        for sid in data["sandbox_ids"]:
            assert self.get_sandbox_info(sid) is not None, sid
        return data

    def execute_tool_in_pool(self, tool_name, parameters, timeout=None):
        query = {"tool_name": tool_name}
        if timeout is not None:
            query["timeout"] = timeout
        return self.call("POST", "/pool/execute", query, parameters)


def raw_exchange(host, port, data, read=True, timeout=10):
    """Send bytes on a fresh connection; return what came back (b"" if closed at once)."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(data)
        if not read:
            return b""
        chunks = []
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    break
                chunks.append(c)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def status_of(response_bytes):
    line = response_bytes.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 else None


__all__ = ["Client", "HttpError", "raw_exchange", "status_of", "http"]
http = http.client
