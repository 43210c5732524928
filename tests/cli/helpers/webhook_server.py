#!/usr/bin/env python3
"""A local webhook endpoint for tests: answers POSTs with the statuses given (one per request,
the last repeated), records each request (time, path, status, body) as a JSON line, and writes
the port it listens on to a file. Usage: webhook_server.py PORT_FILE LOG_FILE STATUS[,STATUS...]"""
import http.server
import json
import sys
import time

port_file, log_file, statuses = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3].split(",")]
served = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global served
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        status = statuses[min(served, len(statuses) - 1)]
        served += 1
        with open(log_file, "a") as log:
            log.write(json.dumps({"time": time.time(), "path": self.path, "status": status,
                                  "content_type": self.headers.get("Content-Type"), "body": json.loads(body)}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
