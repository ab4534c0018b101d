"""A stand-in OpenAI-compatible server for the evaluator's tests, on 127.0.0.1 only.

Answers POST /v1/chat/completions with the HumanEval canonical solution of the problem whose
prompt is in the user message, fenced as a chat model would. Requires the bearer key given on the
command line (401 otherwise). Writes its port to PORT_FILE and every Authorization header it saw to
AUTH_LOG.

    fixture_openai.py HUMANEVAL_GZ API_KEY PORT_FILE AUTH_LOG
"""
import gzip
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

problems = [json.loads(line) for line in gzip.open(sys.argv[1], "rt")]
key, port_file, auth_log = sys.argv[2], sys.argv[3], sys.argv[4]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        auth = self.headers.get("Authorization", "")
        with open(auth_log, "a") as f:
            f.write(auth + "\n")
        if self.path != "/v1/chat/completions":
            return self.send(404, {"detail": "Not Found"})
        if auth != "Bearer " + key:
            return self.send(401, {"error": {"message": "Incorrect API key provided"}})
        user = req["messages"][-1]["content"]
        for p in problems:
            if p["prompt"] in user:
                text = "Sure:\n```python\n" + p["prompt"] + p["canonical_solution"] + "```\n"
                return self.send(200, {"choices": [{"index": 0, "message": {
                    "role": "assistant", "content": text}, "finish_reason": "stop"}]})
        return self.send(400, {"error": {"message": "unknown problem"}})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
