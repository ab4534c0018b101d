# No network: a TCP connect to a listener on the host's 127.0.0.1 never arrives. The loopback
# policy has its own lo, up, and nothing else.
. "$(dirname "$0")/lib.sh"
require_jail

"$PY" - "$SBX" <<'PY' || fail "network isolation"
import json, socket, subprocess, sys
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(8)
port = srv.getsockname()[1]
code = f"""
import socket
for host in ("127.0.0.1", "::1", "10.0.2.2"):
    try:
        socket.create_connection((host, {port}), timeout=1)
        print("CONNECTED", host)
    except OSError as e:
        print("blocked", host, e.errno)
"""
for policy in ("default", "loopback"):
    r = json.loads(subprocess.run([sys.argv[1], "run", "--json", "--policy", policy, "--",
                                   "/usr/bin/python3", "-c", code],
                                  capture_output=True, text=True).stdout)
    assert r["verdict"] == "OK", r
    assert "CONNECTED" not in r["stdout"], r["stdout"]
srv.settimeout(0.5)
try:
    srv.accept()
    sys.exit("a connection from the sandbox arrived on the host")
except socket.timeout:
    pass
PY

sbx --policy loopback -- /usr/bin/python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 5000)); s.listen(1)
c = socket.create_connection(("127.0.0.1", 5000)); a, _ = s.accept()
c.sendall(b"ping"); print(a.recv(4).decode())'
expect_verdict OK
expect stdout "ping
"
