"""Through HAProxy (deploy/haproxy/haproxy.cfg) in front of three nodes: every route of a
stateful sandbox reaches the node that holds it (the id in the path, and in tool/execute's JSON
body), stateless routes are spread over the nodes, and a sandbox whose node is gone gets 404
with a detail that says so. Nodes are named sbx-0..sbx-2; argv: the HAProxy URL, then each
node's URL in order.

    routes.py check HAPROXY NODE0 NODE1 NODE2     everything with all nodes up; prints the
                                                  sandbox ids it left, one per line
    routes.py gone HAPROXY NODE0 NODE1 NODE2 ID.. after sbx-1 was killed: its ids are 404
"""

import io
import json
import os
import re
import sys
import tarfile

sys.path.insert(0, os.environ["SERVE_DIR"])
from enclave import Client, HttpError  # noqa: E402

TOOLS = {"tools_config": ["shell_executor", "file_operation", "python_executor"]}


def node_of(sid):
    assert re.fullmatch(r"sbx-[0-9]\.[2-9a-km-z]{8}", sid), f"id {sid!r} names no node"
    return int(sid[4])


def tar_of(name, data):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def expect_404_gone(status, body, sid, what):
    assert status == 404, f"{what} {sid}: {status} {body!r}"
    detail = body.get("detail", "") if isinstance(body, dict) else ""
    node = sid.split(".")[0]
    assert f"node '{node}'" in detail and "gone" in detail, f"{what} {sid}: detail {detail!r}"


def check_stateful(lb, nodes):
    # Created through HAProxy, balanced: with one at a time, every node gets some.
    ids = [lb.create_sandbox(TOOLS) for _ in range(9)]
    assert {node_of(i) for i in ids} == {0, 1, 2}, f"creates were not spread: {ids}"
    for sid in ids:
        # Only its own node knows it; the others answer 404 naming the node.
        for n, direct in enumerate(nodes):
            status, body = direct.request("GET", f"/sandbox/{sid}")
            if n == node_of(sid):
                assert status == 200 and body["id"] == sid, (sid, n, status, body)
            else:
                expect_404_gone(status, body, sid, f"GET on node {n}")
        # tool/execute: the id is in the body. A file written by one call is read by the next,
        # so both reached the same sandbox.
        lb.execute_tool(sid, "file_operation",
                        {"operation": "write", "file_path": "/sandbox/who", "content": sid})
        r = lb.execute_tool(sid, "file_operation", {"operation": "read", "file_path": "/sandbox/who"})
        assert r["status"] == "success" and r["output"] == sid, r
        r = lb.execute_tool(sid, "shell_executor", {"command": "cat /sandbox/who"})
        assert r["output"] == sid, r
        r = lb.execute_tool(sid, "python_executor", {"code": "print(open('/sandbox/who').read())"})
        assert r["output"].strip() == sid, r
        assert lb.get_sandbox_info(sid)["id"] == sid
        assert set(lb.get_sandbox_tools(sid)) == set(TOOLS["tools_config"])
        assert lb.upload_archive(sid, tar_of("up.txt", sid.encode()), "/sandbox") == {"ok": True}
        r = lb.execute_tool(sid, "shell_executor", {"command": "cat /sandbox/up.txt"})
        assert r["output"] == sid, r
    # stop and delete, through HAProxy, reach the right node too.
    stopped, deleted, kept = ids[0], ids[1], ids[2:]
    assert lb.stop_sandbox(stopped)
    try:
        lb.execute_tool(stopped, "shell_executor", {"command": "true"})
        raise AssertionError("a stopped sandbox ran a command")
    except HttpError as e:
        assert e.status == 404 and "not running" in (e.detail or ""), e
    assert lb.delete_sandbox(stopped) and lb.delete_sandbox(deleted)
    for sid in (stopped, deleted):
        status, body = lb.request("GET", f"/sandbox/{sid}")
        assert status == 404 and body == {"detail": "Sandbox not found"}, (sid, status, body)
    return kept


def check_stateless(lb):
    for i in range(12):
        status, body = lb.request("POST", "/v1/run",
                                  body={"argv": ["/usr/bin/python3", "-c", f"print({i})"]})
        assert status == 200 and body["verdict"] == "OK" and body["stdout"] == f"{i}\n", body
    # Every node keeps its own pool (--pool-size): /pool/initialize through HAProxy reaches
    # one node, which answers with its pool instead of replacing it.
    data = lb.initialize_pool(2, TOOLS)
    assert data["pool_size"] == 2 and "note" in data, data
    for i in range(12):
        r = lb.execute_tool_in_pool("python_executor", {"code": f"print({i} * 2)"})
        assert r["status"] == "success" and r["output"] == f"{i * 2}\n", r


def gone(lb, ids):
    for sid in ids:
        expect_404_gone(*lb.request("GET", f"/sandbox/{sid}"), sid, "GET")
        expect_404_gone(*lb.request("GET", f"/sandbox/{sid}/tools"), sid, "tools")
        expect_404_gone(*lb.request("DELETE", f"/sandbox/{sid}"), sid, "DELETE")
        expect_404_gone(*lb.request("POST", f"/sandbox/{sid}/stop"), sid, "stop")
        expect_404_gone(*lb.request("POST", f"/sandbox/{sid}/archive", {"target_dir": "/sandbox"},
                                    tar_of("x", b"x"), {"Content-Type": "application/x-tar"}),
                        sid, "archive")
        body = {"sandbox_id": sid, "tool_name": "shell_executor", "parameters": {"command": "id"}}
        expect_404_gone(*lb.request("POST", "/sandbox/tool/execute", body=body), sid, "execute")
    # A node HAProxy never heard of: balanced, and still a 404 naming it.
    expect_404_gone(*lb.request("GET", "/sandbox/sbx-7.abcdefgh"), "sbx-7.abcdefgh", "GET")


def main():
    mode, lb_url, node_urls = sys.argv[1], sys.argv[2], sys.argv[3:6]
    lb = Client(lb_url)
    nodes = [Client(u) for u in node_urls]
    if mode == "check":
        assert lb.health()["healthy"] is True
        kept = check_stateful(lb, nodes)
        check_stateless(lb)
        print("\n".join(kept))
    else:
        gone(lb, sys.argv[6:])


if __name__ == "__main__":
    main()
