"""What both fake brokers share: the book-keeping (cash, positions, fills of orders), a JSON
request handler that logs each answer, and a quiet threaded server, over TLS when given a
certificate."""
import http.server
import json
import os
import ssl
import sys
import threading
import urllib.parse

GONE = (BrokenPipeError, ConnectionResetError, ssl.SSLError)  # a client that went away


class Ledger:
    def __init__(self, cash=100000.0, price=100.0):
        self.lock = threading.Lock()
        self.cash = cash
        self.positions = {}  # symbol -> {"qty": signed, "cost": of the open quantity}
        self.config = {"fill": "immediate", "price": price}

    def fill(self, order, qty, price, qty_field, filled_field, price_field, symbol_field="symbol"):
        """Books `qty` of `order` at `price`: position, cash, the order's filled quantity and average."""
        sign = 1 if order["side"].lower() == "buy" else -1
        pos = self.positions.setdefault(order[symbol_field], {"qty": 0, "cost": 0.0})
        if pos["qty"] == 0 or (pos["qty"] > 0) == (sign > 0):
            pos["cost"] += qty * price
        else:
            pos["cost"] -= pos["cost"] / abs(pos["qty"]) * qty
        pos["qty"] += sign * qty
        if pos["qty"] == 0:
            pos["cost"] = 0.0
        self.cash -= sign * qty * price
        total = order[price_field] * order[filled_field] + price * qty
        order[filled_field] += qty
        order[price_field] = total / order[filled_field]
        return order[filled_field] == order[qty_field]

    def set_position(self, symbol, qty):
        pos = self.positions.setdefault(symbol, {"qty": 0, "cost": 0.0})
        pos["qty"] = int(qty)
        pos["cost"] = abs(pos["qty"]) * self.config["price"]

    def open_positions(self):
        return [(s, p["qty"], p["cost"] / abs(p["qty"])) for s, p in sorted(self.positions.items()) if p["qty"] != 0]

    def equity(self):
        return self.cash + sum(p["qty"] * self.config["price"] for p in self.positions.values())


class JsonHandler(http.server.BaseHTTPRequestHandler):
    """Answers JSON; each answer is logged to `log_file` as a line: method, path, status, headers."""
    protocol_version = "HTTP/1.1"
    log_file = None

    def log_message(self, *args):
        pass

    def reply_raw(self, status, data, headers=None, content_type="application/json"):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        try:
            self.end_headers()
            self.wfile.write(data)
        except GONE:
            return
        with open(self.log_file, "a") as f:
            f.write(json.dumps({"method": self.command, "path": urllib.parse.urlparse(self.path).path,
                                "status": status, "headers": sorted(self.headers.keys())}) + "\n")

    def reply(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.reply_raw(status, data, headers, "application/json" if body is not None else None)

    def body(self):
        """The request's JSON body ({} when empty), or None when it is not JSON."""
        n = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(n) or b"{}") if n else {}
        except ValueError:
            return None


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], GONE):
            return  # a client that went away (a test killed it, or it refused a huge answer)
        super().handle_error(request, client_address)


def serve(handler, port_file, cert=None, key=None):
    """Serves `handler` on a free loopback port (HTTPS with `cert`), written to `port_file` once listening."""
    server = QuietServer(("127.0.0.1", 0), handler)
    if cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()
