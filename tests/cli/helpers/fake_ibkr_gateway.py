#!/usr/bin/env python3
"""A local stand-in for Interactive Brokers' Client Portal Web API gateway, faithful to the
documented subset aiots uses, over HTTPS with a self-signed certificate as the real gateway
serves: POST /tickle, GET /iserver/auth/status, GET /iserver/accounts, GET /trsrv/stocks,
POST /iserver/account/{acct}/orders answered with a question to confirm through
POST /iserver/reply/{id} before the order exists, GET /iserver/account/orders (live orders,
order_ref = the cOID; the first call may come back with snapshot false and no orders),
DELETE /iserver/account/{acct}/order/{id}, GET /portfolio/{acct}/positions/{page},
GET /portfolio/{acct}/summary. While not logged in, /iserver calls get 401.

usage: fake_ibkr_gateway.py PORT_FILE LOG_FILE CERT KEY

Test controls (POST, JSON): /_control/config {"fill", "price", "cash", "authenticated",
"questions": N (per order), "snapshot_false_once": true, "fail_next_post": true,
"hang_next_post": SECONDS, "fill_on_cancel": true}; /_control/fill {"client_order_id", "qty",
"price"}; /_control/outside_order {"symbol", "qty"}; /_control/position {"symbol", "qty"};
GET /_control/state.
"""
import json
import os
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_broker import JsonHandler, Ledger, serve  # noqa: E402

port_file, log_file, cert, keyfile = sys.argv[1:5]
ACCOUNT = "DU1234567"
CONIDS = {"MSFT": 272093, "AAPL": 265598, "SPY": 756733}
ledger = Ledger()
lock = ledger.lock
ledger.config.update({"authenticated": True, "questions": 1})
state = {"orders": {}, "by_ref": {}, "questions": {}, "posts": 0, "replies": 0, "tickles": 0, "next_id": 1000}
OPEN = ("PreSubmitted", "Submitted")


def live(o):
    out = dict(o)
    out["remainingQuantity"] = float(o["totalSize"] - o["filledQuantity"])
    out["filledQuantity"] = float(o["filledQuantity"])
    out["totalSize"] = float(o["totalSize"])
    out["avgPrice"] = f'{o["avgPrice"]:.4f}' if o["filledQuantity"] else None
    return out


def book_fill(o, qty, price):
    done = ledger.fill(o, qty, price, "totalSize", "filledQuantity", "avgPrice", "ticker")
    o["status"] = "Filled" if done else "Submitted"


class Handler(JsonHandler):
    log_file = log_file

    def route(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        path = url.path
        b = self.body() if self.command in ("POST", "DELETE") else {}
        if path.startswith("/_control/"):
            return self.control(path, b)
        if not path.startswith("/v1/api/"):
            return self.reply(404, {"error": "not found"})
        path = path[len("/v1/api"):]
        with lock:
            cfg = ledger.config
            if path == "/tickle" and self.command == "POST":
                state["tickles"] += 1
                return self.reply(200, {"session": "fake", "iserver": {"authStatus": {"authenticated": cfg["authenticated"]}}})
            if path == "/iserver/auth/status":
                return self.reply(200, {"authenticated": cfg["authenticated"], "connected": True, "competing": False})
            if not cfg["authenticated"] and (path.startswith("/iserver") or path.startswith("/portfolio")):
                return self.reply(401, {"error": "not authenticated"})
            if path == "/iserver/accounts":
                return self.reply(200, {"accounts": [ACCOUNT], "selectedAccount": ACCOUNT})
            if path == "/trsrv/stocks":
                out = {}
                for sym in query.get("symbols", [""])[0].split(","):
                    out[sym] = [{"name": sym + " INC", "assetClass": "STK",
                                 "contracts": [{"conid": CONIDS[sym], "exchange": "NASDAQ", "isUS": True}]}] if sym in CONIDS else []
                return self.reply(200, out)
            if path == f"/iserver/account/{ACCOUNT}/orders" and self.command == "POST":
                state["posts"] += 1
                if cfg.pop("fail_next_post", False):
                    return self.reply(500, {"error": "internal error"})
                if b is None or not b.get("orders"):
                    return self.reply(400, {"error": "Bad Request: orders missing"})
                if cfg["questions"] > 0:
                    qid = str(uuid.uuid4())
                    state["questions"][qid] = {"order": b["orders"][0], "left": cfg["questions"] - 1}
                    return self.reply(200, [{"id": qid, "message": ["You are submitting an order without market data. Are you sure?"],
                                             "isSuppressed": False, "messageIds": ["o354"]}])
                return self.create(b["orders"][0])
            if path.startswith("/iserver/reply/") and self.command == "POST":
                state["replies"] += 1
                q = state["questions"].pop(path[len("/iserver/reply/"):], None)
                if q is None:
                    return self.reply(400, {"error": "no such question"})
                if not (b or {}).get("confirmed"):
                    return self.reply(200, {"error": "Order not confirmed"})
                if q["left"] > 0:
                    qid = str(uuid.uuid4())
                    state["questions"][qid] = {"order": q["order"], "left": q["left"] - 1}
                    return self.reply(200, [{"id": qid, "message": ["The order size exceeds the size limit. Are you sure?"],
                                             "isSuppressed": False, "messageIds": ["o383"]}])
                return self.create(q["order"])
            if path == "/iserver/account/orders":
                if cfg.pop("snapshot_false_once", False):
                    return self.reply(200, {"orders": [], "snapshot": False})
                return self.reply(200, {"orders": [live(o) for o in state["orders"].values()], "snapshot": True})
            if path.startswith(f"/iserver/account/{ACCOUNT}/order/") and self.command == "DELETE":
                o = state["orders"].get(path.rsplit("/", 1)[1])
                if o is None:
                    return self.reply(404, {"error": "order not found"})
                if o["status"] in OPEN and cfg.get("fill_on_cancel"):
                    book_fill(o, o["totalSize"] - o["filledQuantity"], cfg["price"])
                if o["status"] in OPEN:
                    o["status"] = "Cancelled"
                return self.reply(200, {"msg": "Request was submitted", "order_id": o["orderId"], "conid": o["conid"]})
            if path == f"/portfolio/{ACCOUNT}/positions/0":
                return self.reply(200, [{"acctId": ACCOUNT, "conid": CONIDS.get(s, 0), "contractDesc": s, "ticker": s,
                                         "position": float(q), "avgPrice": avg, "currency": "USD"}
                                        for s, q, avg in ledger.open_positions()])
            if path.startswith(f"/portfolio/{ACCOUNT}/positions/"):
                return self.reply(200, [])
            if path == f"/portfolio/{ACCOUNT}/summary":
                return self.reply(200, {"totalcashvalue": {"amount": ledger.cash, "currency": "USD"},
                                        "netliquidation": {"amount": ledger.equity(), "currency": "USD"},
                                        "buyingpower": {"amount": max(0.0, ledger.cash) * 2, "currency": "USD"}})
        return self.reply(404, {"error": "not found"})

    def create(self, spec):
        cfg = ledger.config
        ref = spec.get("cOID", "")
        if ref and ref in state["by_ref"]:
            return self.reply(200, {"error": "Local order ID=" + ref + " is already registered."})
        ticker = next((s for s, c in CONIDS.items() if c == spec.get("conid")), None)
        if ticker is None:
            return self.reply(200, {"error": "Invalid contract id"})
        price = float(spec.get("price") or cfg["price"])
        if spec["side"] == "BUY" and spec["quantity"] * price > ledger.cash * 2:
            return self.reply(200, {"error": "Order rejected: insufficient buying power"})
        oid = str(state["next_id"])
        state["next_id"] += 1
        o = {"acct": ACCOUNT, "conid": spec["conid"], "orderId": oid, "ticker": ticker, "side": spec["side"],
             "totalSize": int(spec["quantity"]), "filledQuantity": 0, "avgPrice": 0.0, "status": "PreSubmitted",
             "orderType": spec.get("orderType"), "order_ref": ref, "timeInForce": spec.get("tif")}
        state["orders"][oid] = o
        if ref:
            state["by_ref"][ref] = oid
        if cfg["fill"] == "immediate" and spec.get("orderType") == "MKT":
            book_fill(o, o["totalSize"], cfg["price"])
        hang = cfg.pop("hang_next_post", 0)
        if hang:
            lock.release()
            try:
                time.sleep(hang)
            finally:
                lock.acquire()
        return self.reply(200, [{"order_id": oid, "order_status": "PreSubmitted", "encrypt_message": "1"}])

    def control(self, path, b):
        with lock:
            if path == "/_control/config":
                if "cash" in b:
                    ledger.cash = float(b.pop("cash"))
                ledger.config.update(b)
                return self.reply(200, ledger.config)
            if path == "/_control/fill":
                o = state["orders"][state["by_ref"][b["client_order_id"]]]
                book_fill(o, int(b["qty"]), float(b.get("price", ledger.config["price"])))
                return self.reply(200, live(o))
            if path == "/_control/outside_order":
                oid = str(state["next_id"])
                state["next_id"] += 1
                state["orders"][oid] = {"acct": ACCOUNT, "conid": CONIDS[b["symbol"]], "orderId": oid, "ticker": b["symbol"],
                                        "side": "BUY", "totalSize": int(b["qty"]), "filledQuantity": 0, "avgPrice": 0.0,
                                        "status": "Submitted", "orderType": "LMT", "order_ref": "tws-" + oid}
                return self.reply(200, {"orderId": oid})
            if path == "/_control/position":
                ledger.set_position(b["symbol"], b["qty"])
                return self.reply(200, b)
            if path == "/_control/state":
                return self.reply(200, {"cash": ledger.cash, "posts": state["posts"], "replies": state["replies"],
                                        "tickles": state["tickles"], "orders": [live(o) for o in state["orders"].values()],
                                        "positions": {s: p["qty"] for s, p in ledger.positions.items()}})
        return self.reply(404, {"error": "no such control"})

    do_GET = do_POST = do_DELETE = route


serve(Handler, port_file, cert, keyfile)
