#!/usr/bin/env python3
"""A local stand-in for Alpha Vantage's query endpoint, faithful to the documented subset aiots
uses: TIME_SERIES_DAILY, TIME_SERIES_DAILY_ADJUSTED, TIME_SERIES_INTRADAY (month=YYYY-MM, or without it the latest 100 bars) and
HISTORICAL_OPTIONS (date=YYYY-MM-DD) as CSV, NEWS_SENTIMENT as JSON, newest row first, intraday times naive US/Eastern; JSON bodies with HTTP 200 for a bad key
("Information"), an invalid call ("Error Message") and rate limiting ("Note").

usage: fake_alphavantage.py PORT_FILE LOG_FILE DAILY_CSV KEY [SCRIPT]
SCRIPT: comma-separated answers given before the normal ones, one per request: note,
information (a rate-limit Information body), 429:SECONDS (with Retry-After), 500.
Every request is logged as a JSON line: time, function, symbol, month, interval, status, kind.
"""
import datetime
import hashlib
import http.server
import json
import sys
import time
import urllib.parse

port_file, log_file, daily_csv, key = sys.argv[1:5]
script = sys.argv[5].split(",") if len(sys.argv) > 5 and sys.argv[5] else []
daily_rows = [line.strip().split(",") for line in open(daily_csv).read().split("\n")[1:] if line.strip()]
served = 0


def bar_row(symbol, t):
    h = int(hashlib.sha256(f"{symbol}{t}".encode()).hexdigest()[:8], 16)
    o = 100 + (h % 1000) / 100
    c = o + ((h >> 10) % 200 - 100) / 100
    return f"{t:%Y-%m-%d %H:%M:%S},{o:.2f},{max(o, c) + 0.05:.2f},{min(o, c) - 0.05:.2f},{c:.2f},{1000 + h % 5000}"


def latest(symbol, interval):
    """No month (outputsize=compact): the latest 100 bars of the regular sessions up to now (US/Eastern, as a
    fixed UTC-5 offset is close enough for a fake)."""
    step = int(interval.replace("min", ""))
    now = datetime.datetime.utcnow() - datetime.timedelta(hours=5)
    rows = []
    day = now.date()
    while len(rows) < 100 and day > now.date() - datetime.timedelta(days=30):
        if day.weekday() < 5:
            t = datetime.datetime(day.year, day.month, day.day, 15, 60 - step) if step < 60 else datetime.datetime(day.year, day.month, day.day, 15, 0)
            while t.hour * 60 + t.minute >= 9 * 60 + 30 and len(rows) < 100:
                if t + datetime.timedelta(minutes=step) <= now:
                    rows.append(bar_row(symbol, t))
                t -= datetime.timedelta(minutes=step)
        day -= datetime.timedelta(days=1)
    return "timestamp,open,high,low,close,volume\n" + "\n".join(rows) + "\n"


def intraday(symbol, interval, month):
    step = int(interval.replace("min", ""))
    year, mon = map(int, month.split("-"))
    day = datetime.date(year, mon, 1)
    rows = []
    while day.month == mon:
        if day.weekday() < 5:
            t = datetime.datetime(day.year, day.month, day.day, 9, 30)
            while t.hour < 16:
                h = int(hashlib.sha256(f"{symbol}{t}".encode()).hexdigest()[:8], 16)
                o = 100 + (h % 1000) / 100
                c = o + ((h >> 10) % 200 - 100) / 100
                rows.append(f"{t:%Y-%m-%d %H:%M:%S},{o:.2f},{max(o, c) + 0.05:.2f},{min(o, c) - 0.05:.2f},{c:.2f},{1000 + h % 5000}")
                t += datetime.timedelta(minutes=step)
        day += datetime.timedelta(days=1)
    return "timestamp,open,high,low,close,volume\n" + "\n".join(reversed(rows)) + "\n"


def options_chain(symbol, date):
    """HISTORICAL_OPTIONS as CSV: the next three Fridays after `date`, strikes 90..110."""
    day = datetime.date.fromisoformat(date) if date else datetime.date(2024, 1, 5)
    fridays = []
    d = day + datetime.timedelta(days=1)
    while len(fridays) < 3:
        if d.weekday() == 4:
            fridays.append(d)
        d += datetime.timedelta(days=1)
    head = ("contractID,symbol,expiration,strike,type,last,mark,bid,bid_size,ask,ask_size,volume,open_interest,date,"
            "implied_volatility,delta,gamma,theta,vega,rho\n")
    rows = []
    for e in fridays:
        for strike in range(90, 115, 5):
            for kind in ("call", "put"):
                intrinsic = max(0, 100 - strike) if kind == "call" else max(0, strike - 100)
                mid = intrinsic + 1.5 + (e - day).days * 0.1
                cid = f"{symbol}{e:%y%m%d}{kind[0].upper()}{strike * 1000:08d}"
                delta = (0.5 - (strike - 100) / 40) * (1 if kind == "call" else -1)
                rows.append(f"{cid},{symbol},{e},{strike:.2f},{kind},{mid:.2f},{mid:.2f},{mid - 0.05:.2f},10,{mid + 0.05:.2f},12,"
                            f"{100 + strike},{1000 + strike * 3},{day},0.25,{delta:.4f},0.03,-0.02,0.1,0.01")
    return head + "\n".join(rows) + "\n"


def news(symbol, time_from, time_to, limit):
    """NEWS_SENTIMENT as JSON: an article at 14:00 each weekday of the span, earliest first."""
    start = datetime.datetime.strptime(time_from, "%Y%m%dT%H%M")
    end = datetime.datetime.strptime(time_to, "%Y%m%dT%H%M")
    feed = []
    day = start.date()
    while day <= end.date() and len(feed) < int(limit):
        t = datetime.datetime(day.year, day.month, day.day, 14, 0)
        if day.weekday() < 5 and start <= t <= end:
            h = int(hashlib.sha256(f"{symbol}{day}".encode()).hexdigest()[:8], 16)
            score = (h % 1001) / 1000 - 0.5
            tickers = [{"ticker": symbol, "relevance_score": "0.800000", "ticker_sentiment_score": f"{score:.6f}",
                        "ticker_sentiment_label": "Bullish" if score > 0.15 else "Bearish" if score < -0.15 else "Neutral"}]
            if h % 5 == 0:
                tickers.append({"ticker": "AAPL", "relevance_score": "0.2", "ticker_sentiment_score": "0.1",
                                "ticker_sentiment_label": "Neutral"})
            feed.append({"title": f"{symbol} on {day}", "url": f"https://news.test/{symbol}/{day}",
                         "time_published": f"{t:%Y%m%dT%H%M%S}", "authors": [], "summary": "", "source": "Fake Wire",
                         "overall_sentiment_score": round(score, 6), "overall_sentiment_label": "Neutral",
                         "ticker_sentiment": tickers})
        day += datetime.timedelta(days=1)
    return json.dumps({"items": str(len(feed)), "sentiment_score_definition": "x <= -0.35: Bearish", "feed": feed})


def daily(adjusted):
    if adjusted:
        head = "timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient\n"
        body = [f"{d},{o},{h},{l},{c},{float(c) / 2},{v},0.0000,1.0" for d, o, h, l, c, v in daily_rows]
    else:
        head = "timestamp,open,high,low,close,volume\n"
        body = [",".join(r) for r in daily_rows]
    return head + "\r\n".join(reversed(body)) + "\r\n"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, kind, q, headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if body.startswith("{") else "application/x-download")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        with open(log_file, "a") as log:
            log.write(json.dumps({"time": time.time(), "function": q.get("function"), "symbol": q.get("symbol"),
                                  "month": q.get("month"), "interval": q.get("interval"), "status": status,
                                  "kind": kind}) + "\n")

    def do_GET(self):
        global served
        q = {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).items()}
        step = script[served] if served < len(script) else ""
        served += 1
        if step == "note":
            return self.answer(200, json.dumps({"Note": "Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute."}), "note", q)
        if step == "information":
            return self.answer(200, json.dumps({"Information": "We have detected your API key and our standard API rate limit is 25 requests per day."}), "information", q)
        if step.startswith("429"):
            return self.answer(429, "{}", "429", q, [("Retry-After", step.split(":")[1])])
        if step == "500":
            return self.answer(500, "{}", "500", q)
        if q.get("apikey") != key:
            return self.answer(200, json.dumps({"Information": "the parameter apikey is invalid or missing. Please claim your free API key on (https://www.alphavantage.co/support/#api-key)."}), "badkey", q)
        fn, symbol = q.get("function"), q.get("symbol", q.get("tickers", ""))
        if symbol.startswith("BAD") or fn not in ("TIME_SERIES_DAILY", "TIME_SERIES_DAILY_ADJUSTED", "TIME_SERIES_INTRADAY",
                                                  "HISTORICAL_OPTIONS", "NEWS_SENTIMENT"):
            return self.answer(200, json.dumps({"Error Message": "Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for TIME_SERIES_INTRADAY."}), "error", q)
        if fn == "NEWS_SENTIMENT":
            return self.answer(200, news(symbol, q["time_from"], q["time_to"], q.get("limit", "50")), "data", q)
        if fn == "HISTORICAL_OPTIONS":
            return self.answer(200, options_chain(symbol, q.get("date")), "data", q)
        if fn == "TIME_SERIES_INTRADAY":
            if "month" not in q:
                return self.answer(200, latest(symbol, q["interval"]), "data", q)
            return self.answer(200, intraday(symbol, q["interval"], q["month"]), "data", q)
        return self.answer(200, daily(fn.endswith("ADJUSTED")), "data", q)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
