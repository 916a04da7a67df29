"""The slice of LiveRoom the overlay controller (app/overlays/controller.py) reads, driven by hand:
the unit tests of the controller and the real-OBS overlay tests share this one, so a field the
controller starts reading is added once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.platform import models as m


@dataclass
class OverlayRoom:
    products: dict[str, m.Product] = field(default_factory=dict)
    explaining: m.Explaining | None = None
    coupons: dict[str, m.Coupon] = field(default_factory=dict)
    flash_sales: dict[str, m.FlashSale] = field(default_factory=dict)
    lotteries: dict[str, m.Lottery] = field(default_factory=dict)
    quizzes: dict[str, m.Quiz] = field(default_factory=dict)
    red_envelopes: dict[str, m.RedEnvelopeRain] = field(default_factory=dict)
    currency: str = "CNY"  # the catalogue's (the snapshot's): prices on the cards
    gift_currency: str = "CNY"  # the chat platform's: red envelopes
    #: the platform: its ``chat_language`` (Twitch: "en") is the language of the cards' words
    adapter: Any = None
    listeners: list[Callable[[frozenset[str]], None]] = field(default_factory=list)

    def product(self, pid: str) -> m.Product | None:
        return self.products.get(pid)

    def subscribe(self, fn: Callable[[frozenset[str]], None]) -> Callable[[], None]:
        self.listeners.append(fn)
        return lambda: self.listeners.remove(fn)

    def changed(self, *what: str) -> None:
        for fn in list(self.listeners):
            fn(frozenset(what))
