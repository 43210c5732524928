"""The book-keeping both fake brokers share: cash, positions, and fills of orders."""
import threading


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
