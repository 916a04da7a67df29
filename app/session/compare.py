"""Two sessions compared: KPI deltas and the per-product rows aligned by product id.

``base`` is the earlier session, ``other`` the later one; a delta is ``other − base`` (and the
change relative to ``base`` where that is defined). Money of two sessions in different
currencies is never subtracted: its delta is marked not ``comparable``. Pure data: the compare window words and
colours it (▲ more, ▼ less).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.session.attribution import ProductRow
from app.session.score import Score
from app.session.summary import ShowSummary


@dataclass(frozen=True)
class Delta:
    key: str  # gmv, orders, conversion, peak, duration, score, interaction
    base: float
    other: float
    #: False: the two amounts are in different currencies (GMV of a USD and a CNY session):
    #: each is shown in its own, the difference is not computed into anything shown
    comparable: bool = True

    @property
    def diff(self) -> float:
        return self.other - self.base

    @property
    def ratio(self) -> float | None:
        """The change relative to the base (None when the base is zero)."""
        return self.diff / self.base if self.base else None

    @property
    def arrow(self) -> str:
        return "▲" if self.diff > 0 else "▼" if self.diff < 0 else "="


def kpi_deltas(base: ShowSummary, other: ShowSummary) -> list[Delta]:
    a, b = base.summary, other.summary
    return [
        Delta("gmv", a.gmv_cents, b.gmv_cents, comparable=a.currency == b.currency),
        Delta("orders", a.orders, b.orders),
        Delta("conversion", base.conversion or 0.0, other.conversion or 0.0),
        Delta("peak", a.peak_online, b.peak_online),
        Delta("duration", a.duration_s, b.duration_s),
    ]


def score_deltas(base: Score, other: Score) -> list[Delta]:
    """The replay score's total and the interaction rate (app/session/score.py), each session
    scored against its own history (the sessions before it)."""

    def raw(sc: Score, name: str) -> float:
        return next((c.raw for c in sc.components if c.name == name), 0.0)

    return [
        Delta("score", base.total, other.total),
        Delta("interaction", raw(base, "interaction"), raw(other, "interaction")),
    ]


@dataclass(frozen=True)
class ProductPair:
    product_id: str
    title: str
    base: ProductRow | None
    other: ProductRow | None

    @property
    def gmv(self) -> Delta:
        return Delta(
            "gmv",
            self.base.gmv_total_cents if self.base else 0,
            self.other.gmv_total_cents if self.other else 0,
        )

    @property
    def orders(self) -> Delta:
        return Delta(
            "orders",
            self.base.orders_total if self.base else 0,
            self.other.orders_total if self.other else 0,
        )


def align_products(base: list[ProductRow], other: list[ProductRow]) -> list[ProductPair]:
    """One pair per product id in either session, by the larger GMV of the two, then id."""
    a = {r.product_id: r for r in base}
    b = {r.product_id: r for r in other}
    pairs = [
        ProductPair(
            pid,
            (b[pid].title if pid in b else a[pid].title),
            a.get(pid),
            b.get(pid),
        )
        for pid in {*a, *b}
    ]
    pairs.sort(key=lambda p: (-max(p.gmv.base, p.gmv.other), p.product_id))
    return pairs
