"""Benchmark: how many events the simulated audience generates per second of CPU.

``Audience.step()`` runs against a minimal in-process host that only counts the calls it gets
(the figure), and against the same host whose methods are no-ops calling nothing (the baseline,
measured in the same run). Target: >= 100,000 generated events per CPU second, so that in a load
test the engine, not the audience, is the limit. Prints ONE JSON line.

    .venv/bin/python tests/bench/sandbox_audience.py [--seconds 2.0] [--rate 50000] [--viewers 2000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from plugins.sandbox.audience import Audience
from plugins.sandbox.audience_host import (
    CouponView,
    LotteryView,
    ProductView,
    SimUser,
)

TARGET = 100_000.0

PRODUCTS = [
    ProductView(
        f"p{i}",
        title,
        2990 + 1000 * i,
        10**9,
        ("s1", "s2", "s3"),
        None,
        ("黑色M", "黑色L", "米白M"),
    )
    for i, title in enumerate(
        ["加厚羊羔毛外套女", "补水保湿精华液", "每日坚果750g", "蓝牙降噪耳机", "不粘锅炒锅"] * 4
    )
]
COUPONS = [CouponView("c1", "no_threshold", 0, 500, None, 10**9, None)]
LOTTERIES = [LotteryView("l1", "扣1抽奖", "all")]


class NoopHost:
    """The room as a constant: every write does nothing."""

    def now(self) -> float:
        return 0.0

    def session_live(self) -> bool:
        return True

    def listed_products(self) -> list[ProductView]:
        return PRODUCTS

    def explaining_product_id(self) -> str | None:
        return "p0"

    def active_coupons(self) -> list[CouponView]:
        return COUPONS

    def open_lotteries(self) -> list[LotteryView]:
        return LOTTERIES

    def is_muted(self, user_id: str) -> bool:
        return False

    def viewer_enter(self, user: SimUser) -> None:
        pass

    def viewer_leave(self, user_id: str) -> None:
        pass

    def comment(self, user: SimUser, text: str) -> None:
        pass

    def like(self, user: SimUser, count: int) -> None:
        pass

    def gift(self, user: SimUser, gift: str, count: int, value_cents: int) -> None:
        pass

    def follow(self, user: SimUser) -> None:
        pass

    def paid_message(self, user: SimUser, amount_cents: int, text: str) -> None:
        pass

    def membership(self, user: SimUser, tier: str, months: int, amount_cents: int) -> None:
        pass

    def share(self, user: SimUser) -> None:
        pass

    def claim_coupon(self, user: SimUser, coupon_id: str) -> None:
        pass

    def place_order(
        self,
        user: SimUser,
        product_id: str,
        sku_id: str | None,
        quantity: int,
        coupon_id: str | None = None,
    ) -> str:
        return "o"

    def pay_order(self, order_id: str) -> None:
        pass

    def refund_order(self, order_id: str, reason: str) -> None:
        pass


class CountingHost(NoopHost):
    """Counts every write (and hands out distinct order ids)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.orders = 0

    def viewer_enter(self, user: SimUser) -> None:
        self.calls["viewer_enter"] += 1

    def viewer_leave(self, user_id: str) -> None:
        self.calls["viewer_leave"] += 1

    def comment(self, user: SimUser, text: str) -> None:
        self.calls["comment"] += 1

    def like(self, user: SimUser, count: int) -> None:
        self.calls["like"] += 1

    def gift(self, user: SimUser, gift: str, count: int, value_cents: int) -> None:
        self.calls["gift"] += 1

    def follow(self, user: SimUser) -> None:
        self.calls["follow"] += 1

    def claim_coupon(self, user: SimUser, coupon_id: str) -> None:
        self.calls["claim_coupon"] += 1

    def place_order(
        self,
        user: SimUser,
        product_id: str,
        sku_id: str | None,
        quantity: int,
        coupon_id: str | None = None,
    ) -> str:
        self.calls["place_order"] += 1
        self.orders += 1
        return f"o{self.orders}"

    def pay_order(self, order_id: str) -> None:
        self.calls["pay_order"] += 1

    def refund_order(self, order_id: str, reason: str) -> None:
        self.calls["refund_order"] += 1


def measure(host: NoopHost, *, cpu_seconds: float, rate: float, viewers: int) -> float:
    """Generated events per CPU second of ``step(0.05)`` ticks (after a short warm-up)."""
    aud = Audience(host, seed=1, viewers=viewers, rate=rate)  # type: ignore[arg-type]
    for _ in range(20):  # the room fills (the opening burst of arrivals is not timed)
        aud.step(0.05)
    events = 0
    start = time.process_time()
    elapsed = 0.0
    while elapsed < cpu_seconds:
        for _ in range(10):
            events += aud.step(0.05)
        elapsed = time.process_time() - start
    return events / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per measurement")
    ap.add_argument("--rate", type=float, default=50_000.0, help="events/s asked of the audience")
    ap.add_argument("--viewers", type=int, default=2000)
    args = ap.parse_args()
    kw = {"cpu_seconds": args.seconds, "rate": args.rate, "viewers": args.viewers}
    # interleave the two so that machine load affects both alike; keep the best of each
    counting: list[float] = []
    baseline: list[float] = []
    counting_host = CountingHost()
    for _ in range(2):
        baseline.append(measure(NoopHost(), **kw))
        counting_host = CountingHost()
        counting.append(measure(counting_host, **kw))
    figure, base = max(counting), max(baseline)
    total = sum(counting_host.calls.values())
    mix = {k: round(v / total, 4) for k, v in counting_host.calls.most_common()}
    print(
        json.dumps(
            {
                "bench": "sandbox_audience",
                "what": "events generated by Audience.step() per CPU second",
                "rate_asked": args.rate,
                "viewers": args.viewers,
                "events_per_cpu_s": round(figure),
                "baseline_noop_host_events_per_cpu_s": round(base),
                "ratio": round(figure / base, 3),
                "target_events_per_cpu_s": TARGET,
                "meets_target": figure >= TARGET,
                "call_mix": mix,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
