"""Which orders an explain brought: explain windows, the orders during and after each, per product.

A query over a :class:`~app.session.replay.SessionFile` (its narrow tables and per-second
counters), nothing written. An explain window runs from a product's explain start to its stop or
the next product's start (the same product again continues its window; an explain still running
at the end lasts to the session's end). Orders of that product created in [start, end) count
"during"; those in the :data:`AFTER_WINDOW_S` after it, cut short by the product's next window,
count "after". A viewer buying in two windows of a product is one buyer.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from app.session.replay import Series, SessionFile

AFTER_WINDOW_S = 300.0  # "after an explain": orders in the 5 minutes after the window closes


@dataclass(frozen=True)
class ExplainWindow:
    """One explain of one product: from its start to its end (the next explain or a stop)."""

    product_id: str
    title: str
    start_ts: float
    end_ts: float
    orders_during: int = 0
    gmv_during_cents: int = 0
    buyers_during: int = 0  # distinct buyers of this product during the window
    orders_after: int = 0  # in the AFTER_WINDOW_S after it (until the product's next window)
    gmv_after_cents: int = 0
    online_sum: float = 0.0  # viewers online summed over the window's seconds
    online_n: int = 0  # seconds of the window on the timeline

    @property
    def duration_s(self) -> float:
        return self.end_ts - self.start_ts

    @property
    def avg_online(self) -> float:
        return self.online_sum / self.online_n if self.online_n else 0.0

    @property
    def conversion(self) -> float | None:
        """Buyers during the window ÷ average viewers online then."""
        avg = self.avg_online
        return self.buyers_during / avg if avg > 0 else None


@dataclass
class ProductRow:
    product_id: str
    title: str
    windows: list[tuple[float, float]] = field(default_factory=list)
    explains: list[ExplainWindow] = field(default_factory=list)
    on_screen_s: float = 0.0
    orders_during: int = 0
    gmv_during_cents: int = 0
    buyers_during: int = 0
    orders_after: int = 0
    gmv_after_cents: int = 0
    orders_total: int = 0
    gmv_total_cents: int = 0
    avg_online_during: float = 0.0
    stock_start: int | None = None
    stock_end: int | None = None
    clicks: int | None = None  # the platform API does not report clicks

    @property
    def conversion(self) -> float | None:
        """Buyers during its explain windows ÷ average viewers online then."""
        if not self.windows or self.avg_online_during <= 0:
            return None
        return self.buyers_during / self.avg_online_during


def explain_windows(f: SessionFile) -> dict[str, list[tuple[float, float]]]:
    """Product id → [(start, end)] from the recorded explain start/stop events."""
    end_of_session = f.summary_end()
    changes: list[tuple[float, bool, str]] = []  # (ts, started?, product id)
    at_start = f.meta.get("explaining_at_start")
    if at_start:
        pid, since = at_start.split(" ", 1)
        changes.append((max(float(since), f.started_ts), True, pid))
    for ts, kind, pid in f.conn.execute(
        "SELECT ts, kind, product_id FROM markers WHERE kind IN ('explain', 'explain_stop')"
        " ORDER BY ts, id"
    ):
        changes.append((ts, kind == "explain", str(pid)))
    changes.sort(key=lambda c: c[0])
    out: dict[str, list[tuple[float, float]]] = {}
    current: tuple[str, float] | None = None
    for ts, started, pid in changes:
        if not started:
            if current is not None and current[0] == pid:
                out.setdefault(pid, []).append((current[1], ts))
                current = None
            continue
        if current is not None:
            if current[0] == pid:
                continue  # the same product again: one window
            out.setdefault(current[0], []).append((current[1], ts))
        current = (pid, ts)
    if current is not None:
        out.setdefault(current[0], []).append((current[1], end_of_session))
    return out


def explain_log(
    f: SessionFile, windows: dict[str, list[tuple[float, float]]] | None = None
) -> list[ExplainWindow]:
    """Every explain window in time order, with its own orders, GMV, buyers and viewers.

    During = orders of that product created in [start, end); after = in [end, end + 5 min),
    cut short where the same product's next window starts (those orders count there).
    Viewers online: the per-second timeline over the seconds s with floor(start) <= s < end."""
    if windows is None:
        windows = explain_windows(f)
    titles = {pid: str(last.get("title", pid)) for pid, (_, last) in f.products().items()}
    ser: Series | None = None
    q_orders = (
        "SELECT count(*), coalesce(sum(amount_cents),0), count(DISTINCT user_id) FROM orders"
        " WHERE product_id=? AND created_ts >= ? AND created_ts < ?"
    )
    out: list[ExplainWindow] = []
    for pid, wins in windows.items():
        for i, (a, b) in enumerate(wins):
            n, g, buyers = f.one(q_orders, pid, a, b)
            nxt = wins[i + 1][0] if i + 1 < len(wins) else float("inf")
            n2, g2, _ = f.one(q_orders, pid, b, min(b + AFTER_WINDOW_S, nxt))
            if ser is None:
                ser = f.series()
            online_sum, online_n = 0.0, 0
            if len(ser.sec):
                # the seconds s with floor(a) <= s < b (at least the one the window starts in)
                lo = bisect.bisect_left(ser.sec, math.floor(a) - ser.t0)  # type: ignore[arg-type]
                hi = bisect.bisect_left(ser.sec, b - ser.t0)  # type: ignore[arg-type]
                hi = min(max(hi, lo + 1), len(ser.sec))
                if hi > lo:
                    online_sum = float(ser.online[lo:hi].sum())
                    online_n = hi - lo
            out.append(
                ExplainWindow(
                    pid,
                    titles.get(pid, pid),
                    a,
                    b,
                    orders_during=int(n),
                    gmv_during_cents=int(g),
                    buyers_during=int(buyers),
                    orders_after=int(n2),
                    gmv_after_cents=int(g2),
                    online_sum=online_sum,
                    online_n=online_n,
                )
            )
    out.sort(key=lambda w: (w.start_ts, w.product_id))
    return out


def per_product(f: SessionFile) -> list[ProductRow]:
    windows = explain_windows(f)
    products = f.products()
    titles = {pid: str(last.get("title", pid)) for pid, (_, last) in products.items()}
    rows: dict[str, ProductRow] = {}
    for pid, title, n, gmv in f.conn.execute(
        "SELECT product_id, max(product_title), count(*), sum(amount_cents) FROM orders"
        " GROUP BY product_id"
    ):
        rows[pid] = ProductRow(pid, titles.get(pid) or title, orders_total=n, gmv_total_cents=gmv)
    for pid in list(windows) + list(products):
        if pid not in rows:
            rows[pid] = ProductRow(pid, titles.get(pid, pid))
    online: dict[str, tuple[float, int]] = {}
    for w in explain_log(f, windows):
        r = rows[w.product_id]
        r.explains.append(w)
        r.windows.append((w.start_ts, w.end_ts))
        r.on_screen_s += w.duration_s
        r.orders_during += w.orders_during
        r.gmv_during_cents += w.gmv_during_cents
        r.orders_after += w.orders_after
        r.gmv_after_cents += w.gmv_after_cents
        s, n = online.get(w.product_id, (0.0, 0))
        online[w.product_id] = (s + w.online_sum, n + w.online_n)
    q_buyers = (
        "SELECT DISTINCT user_id FROM orders"
        " WHERE product_id=? AND created_ts >= ? AND created_ts < ?"
    )
    for pid, wins in windows.items():
        r = rows[pid]
        buyers: set[str] = set()  # a viewer buying in two windows is one buyer
        for a, b in wins:
            buyers.update(u for (u,) in f.conn.execute(q_buyers, (pid, a, b)))
        r.buyers_during = len(buyers)
        s, n = online.get(pid, (0.0, 0))
        r.avg_online_during = s / n if n else 0.0
    for pid, (first, last) in products.items():
        rows[pid].stock_start = int(first.get("stock", 0))
        rows[pid].stock_end = int(last.get("stock", 0))
    return sorted(rows.values(), key=lambda r: (-r.gmv_total_cents, r.product_id))
