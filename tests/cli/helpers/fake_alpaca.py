#!/usr/bin/env python3
"""A local stand-in for Alpaca's trading API v2, faithful to the documented subset aiots uses:
GET /v2/account, GET /v2/positions, POST /v2/orders (client_order_id unique, 403 insufficient
buying power, 422 invalid), GET /v2/orders?status=open, GET /v2/orders:by_client_order_id,
GET /v2/orders/{id}, DELETE /v2/orders/{id} (204; 422 once not cancelable); and the market
data API's GET /v2/stocks/{symbol}/bars (timeframe, start, limit, page_token). Quantities and
prices are decimal strings, as Alpaca sends them. Requests without the right APCA-API-KEY-ID
and APCA-API-SECRET-KEY headers get 401.

usage: fake_alpaca.py PORT_FILE LOG_FILE KEY_ID SECRET [CERT KEY]   (with CERT and KEY: HTTPS)

Test controls (no auth), all POST with a JSON body unless noted:
  /_control/config  {"fill": "immediate"|"manual", "price": P, "cash": C,
                     "hang_next_post": SECONDS (take the order, answer late),
                     "fail_next_post": true (answer 500 without taking it),
                     "fill_on_cancel": true (a cancel loses the race: the order fills first),
                     "rate_limit_next": N (the next N requests get 429, Retry-After: 0),
                     "hostile": "deep" | "huge" | "absurd" | null (until set to null, requests get
                     a megabyte of '[', a 20 MiB body, or a cash of 1e300)}
  /_control/fill    {"client_order_id": C, "qty": N, "price": P}   a (partial) fill
  /_control/outside_order {"symbol": S, "qty": N, "side": "buy"}   an order placed elsewhere
  /_control/position {"symbol": S, "qty": N}                       a position changed elsewhere
  GET /_control/state   orders, positions, cash, posts (POST /v2/orders received)
Every request is logged as a JSON line: method, path (no query), status, and the headers' names.
"""
import datetime
import hashlib
import json
import sys
import time
import urllib.parse
import os
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_broker import GONE, JsonHandler, Ledger, serve  # noqa: E402

port_file, log_file, key_id, secret = sys.argv[1:5]
cert, keyfile = (sys.argv[5], sys.argv[6]) if len(sys.argv) > 6 else (None, None)
ledger = Ledger()
lock = ledger.lock
state = {"orders": {}, "by_client": {}, "posts": 0, "config": ledger.config}


def order_json(o):
    out = dict(o)
    out["qty"] = str(o["qty"])
    out["filled_qty"] = str(o["filled_qty"])
    out["filled_avg_price"] = None if o["filled_qty"] == 0 else f'{o["filled_avg_price"]:.4f}'
    return out


def book_fill(o, qty, price):
    """Fills `qty` of order `o` at `price`."""
    done = ledger.fill(o, qty, price, "qty", "filled_qty", "filled_avg_price")
    o["status"] = "filled" if done else "partially_filled"
    o["updated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Handler(JsonHandler):
    log_file = log_file

    def authorized(self):
        return self.headers.get("APCA-API-KEY-ID") == key_id and self.headers.get("APCA-API-SECRET-KEY") == secret

    def route(self):
        try:
            return self.answer()
        except GONE:
            return None  # the client is gone

    def answer(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        path = url.path
        if path.startswith("/_control/"):
            return self.control(path, query)
        with lock:
            hostile = state["config"].get("hostile")
        if hostile == "deep":
            return self.reply_raw(200, b"[" * 1_000_000)
        if hostile == "huge":
            return self.reply_raw(200, b'{"cash": "' + b"9" * (20 << 20) + b'"}')
        if hostile == "absurd":
            return self.reply(200, {"id": "x", "status": "ACTIVE", "cash": "1e300", "equity": "1e300"})
        with lock:
            limited = state["config"].get("rate_limit_next", 0)
            if limited > 0:
                state["config"]["rate_limit_next"] = limited - 1
                if self.command == "POST":
                    self.body()
                return self.reply(429, {"message": "too many requests"}, {"Retry-After": "0"})
        if not self.authorized():
            if self.command == "POST":
                self.body()
            return self.reply(401, {"code": 40110000, "message": "request is not authorized"})
        if self.command == "GET" and path == "/v2/account":
            with lock:
                return self.reply(200, {"id": "fake-account", "status": "ACTIVE", "currency": "USD",
                                        "cash": f"{ledger.cash:.2f}", "equity": f"{ledger.equity():.2f}",
                                        "buying_power": f"{max(0.0, ledger.cash) * 2:.2f}",
                                        "trading_blocked": False, "account_blocked": False})
        if self.command == "GET" and path == "/v2/positions":
            with lock:
                out = [{"symbol": sym, "qty": str(qty), "side": "long" if qty > 0 else "short",
                        "avg_entry_price": f"{avg:.4f}"} for sym, qty, avg in ledger.open_positions()]
                return self.reply(200, out)
        if self.command == "GET" and path.startswith("/v2/stocks/") and path.endswith("/bars"):
            return self.bars(path.split("/")[3], query)
        if self.command == "POST" and path == "/v2/orders":
            return self.place(self.body())
        if self.command == "GET" and path == "/v2/orders":
            with lock:
                wanted = query.get("status", ["open"])[0]
                rows = [order_json(o) for o in state["orders"].values()
                        if wanted == "all" or (o["status"] in ("new", "accepted", "partially_filled")) == (wanted == "open")]
                return self.reply(200, rows)
        if self.command == "GET" and path == "/v2/orders:by_client_order_id":
            with lock:
                oid = state["by_client"].get(query.get("client_order_id", [""])[0])
                if oid is None:
                    return self.reply(404, {"code": 40410000, "message": "order not found"})
                return self.reply(200, order_json(state["orders"][oid]))
        if path.startswith("/v2/orders/"):
            oid = path[len("/v2/orders/"):]
            with lock:
                o = state["orders"].get(oid)
                if o is None:
                    return self.reply(404, {"code": 40410000, "message": "order not found"})
                if self.command == "GET":
                    return self.reply(200, order_json(o))
                if self.command == "DELETE":
                    if o["status"] in ("new", "accepted", "partially_filled") and state["config"].get("fill_on_cancel"):
                        book_fill(o, o["qty"] - o["filled_qty"], state["config"]["price"])
                    if o["status"] not in ("new", "accepted", "partially_filled"):
                        return self.reply(422, {"code": 42210000, "message": "order is not cancelable"})
                    o["status"] = "canceled"
                    return self.reply(204)
        return self.reply(404, {"message": "not found"})

    def bars(self, symbol, query):
        """Market data API: one bar per period from `start` to now (the last still forming),
        prices from a hash of symbol and time, `page_size` bars a page (default 1000)."""
        step = {"1Min": 60, "5Min": 300, "15Min": 900, "30Min": 1800, "1Hour": 3600}.get(query.get("timeframe", [""])[0])
        start = query.get("start", [""])[0]
        if step is None or not start:
            return self.reply(422, {"message": "invalid timeframe or start"})
        t0 = int(datetime.datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp())
        t = -(-t0 // step) * step
        if "page_token" in query:
            t = int(query["page_token"][0])
        now = int(time.time())
        size = min(int(query.get("limit", ["1000"])[0]), int(state["config"].get("page_size", 1000)))
        out = []
        while t <= now and len(out) < size:
            h = int(hashlib.sha256(f"{symbol}{t}".encode()).hexdigest()[:8], 16)
            o = 100 + (h % 1000) / 100
            c = o + ((h >> 10) % 200 - 100) / 100
            out.append({"t": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)), "o": o, "h": round(max(o, c) + 0.05, 2),
                        "l": round(min(o, c) - 0.05, 2), "c": round(c, 2), "v": 1000 + h % 5000, "n": 10, "vw": o})
            t += step
        with lock:
            state["bar_requests"] = state.get("bar_requests", 0) + 1
        return self.reply(200, {"bars": out or None, "symbol": symbol,
                                "next_page_token": str(t) if t <= now and len(out) == size else None})

    def place(self, b):
        if b is None:
            return self.reply(400, {"message": "invalid JSON"})
        with lock:
            state["posts"] += 1
            cfg = state["config"]
            if cfg.pop("fail_next_post", False):
                return self.reply(500, {"message": "internal server error"})
            for field in ("symbol", "qty", "side", "type", "time_in_force"):
                if field not in b:
                    return self.reply(422, {"code": 40010001, "message": f"{field} is required"})
            client = b.get("client_order_id") or str(uuid.uuid4())
            if client in state["by_client"]:
                return self.reply(422, {"code": 40010001, "message": "client_order_id must be unique"})
            try:
                qty = int(b["qty"])
            except ValueError:
                return self.reply(422, {"code": 40010001, "message": "qty must be a whole number"})
            price = float(b.get("limit_price") or cfg["price"])
            if b["side"] == "buy" and qty * price > ledger.cash * 2:
                return self.reply(403, {"code": 40310000, "message": "insufficient buying power"})
            oid = str(uuid.uuid4())
            o = {"id": oid, "client_order_id": client, "symbol": b["symbol"], "qty": qty, "filled_qty": 0,
                 "filled_avg_price": 0.0, "side": b["side"], "type": b["type"], "time_in_force": b["time_in_force"],
                 "limit_price": b.get("limit_price"), "stop_price": b.get("stop_price"), "status": "new",
                 "order_class": "simple", "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            state["orders"][oid] = o
            state["by_client"][client] = oid
            if cfg["fill"] == "immediate" and b["type"] == "market":
                book_fill(o, qty, cfg["price"])
            hang = cfg.pop("hang_next_post", 0)
            reply = order_json(o)
        if hang:
            time.sleep(hang)
        return self.reply(200, reply)

    def control(self, path, query):
        b = self.body() if self.command == "POST" else {}
        with lock:
            if path == "/_control/config":
                if "cash" in b:
                    ledger.cash = float(b.pop("cash"))
                state["config"].update(b)
                return self.reply(200, state["config"])
            if path == "/_control/fill":
                o = state["orders"][state["by_client"][b["client_order_id"]]]
                book_fill(o, int(b["qty"]), float(b.get("price", state["config"]["price"])))
                return self.reply(200, order_json(o))
            if path == "/_control/outside_order":
                oid = str(uuid.uuid4())
                state["orders"][oid] = {"id": oid, "client_order_id": "web-" + oid[:8], "symbol": b["symbol"],
                                        "qty": int(b["qty"]), "filled_qty": 0, "filled_avg_price": 0.0,
                                        "side": b.get("side", "buy"), "type": "limit", "time_in_force": "gtc",
                                        "limit_price": "1.00", "status": "new", "order_class": "simple"}
                state["by_client"]["web-" + oid[:8]] = oid
                return self.reply(200, {"id": oid})
            if path == "/_control/position":
                ledger.set_position(b["symbol"], b["qty"])
                return self.reply(200, {"symbol": b["symbol"], "qty": int(b["qty"])})
            if path == "/_control/state":
                return self.reply(200, {"cash": ledger.cash, "posts": state["posts"], "bar_requests": state.get("bar_requests", 0),
                                        "orders": [order_json(o) for o in state["orders"].values()],
                                        "positions": {s: p["qty"] for s, p in ledger.positions.items()}})
        return self.reply(404, {"message": "no such control"})

    do_GET = do_POST = do_DELETE = route


serve(Handler, port_file, cert, keyfile)
