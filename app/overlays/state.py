"""The overlay state: what is on stream right now, as plain immutable data (None: hidden).

One state feeds both outputs (PNG files for OBS image sources, the overlay server's pages). Times
are already resolved to whole seconds left, so equal states draw identical pixels and a countdown
tick is simply a new state. ``language`` is the language of the cards' words (the audience's:
app/overlays/words.py); a change of it redraws every shown card. Cards with money carry its
``currency`` (ISO 4217); :meth:`to_json` adds each amount as the overlay writes it (``money``:
``{"price_cents": "$89"}``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from app.format import money_short
from app.overlays.layout import Kind


@dataclass(frozen=True, slots=True)
class ProductCard:
    product_id: str
    title: str
    price_cents: int
    original_price_cents: int | None = None
    flash_price_cents: int | None = None  # set while a flash sale of this product is active
    stock_left: int = 0
    image_url: str | None = None  # absolute; the image itself comes from the image cache
    currency: str = "CNY"  # of the prices: the room's (ISO 4217)


@dataclass(frozen=True, slots=True)
class CouponCard:
    coupon_id: str
    name: str
    amount_cents: int | None  # 满减 / 无门槛: money off
    percent_off: int | None  # 折扣: percent off
    threshold_cents: int
    remaining: int
    quantity: int
    currency: str = "CNY"  # of the amounts: the room's


@dataclass(frozen=True, slots=True)
class FlashSaleCard:
    flash_sale_id: str
    product_title: str
    price_cents: int
    original_price_cents: int | None
    remaining: int
    quantity: int
    seconds_left: int  # to the start while scheduled, to the end while active
    scheduled: bool = False
    currency: str = "CNY"  # of the prices: the room's


@dataclass(frozen=True, slots=True)
class LotteryCard:
    lottery_id: str
    prize: str
    keyword: str
    seconds_left: int
    entrants: int
    winners: int
    #: sha256(seed) published at the start, in full (the card shows its first 16 hex digits)
    commitment: str = ""
    #: open until drawn by hand (a console lottery): no countdown
    manual: bool = False

    @property
    def commitment_short(self) -> str:
        """What fits on stream: the first 16 hex digits and "…" (the full value is in the
        recording, the replay and the report)."""
        c = self.commitment
        return c[:16] + "…" if len(c) > 16 else c


@dataclass(frozen=True, slots=True)
class WinnersCard:
    lottery_id: str
    prize: str
    nicknames: tuple[str, ...] = field(default_factory=tuple)
    #: a blind box: the prizes revealed so far, one by one (``prizes[i]`` is ``nicknames[i]``'s;
    #: the winners not revealed yet are not in ``nicknames`` either), and how many there are
    prizes: tuple[str, ...] | None = None
    total: int = 0


@dataclass(frozen=True, slots=True)
class QuizCard:
    """The quiz on stream (app/live/quiz.py): the question, the options with their live counts
    and, once revealed, the correct option and how many got it right."""

    quiz_id: str
    question: str
    options: tuple[str, ...]
    tally: tuple[int, ...]
    answerers: int
    seconds_left: int
    status: str  # open / closed / revealed
    manual: bool = False  # no duration: no countdown
    correct: int | None = None  # set once revealed
    correct_count: int = 0


@dataclass(frozen=True, slots=True)
class RedEnvelopeCard:
    """A red-envelope rain 红包雨: the countdown (to its start while scheduled, to its end while
    on) and the live 已抢 / 剩余."""

    red_envelope_id: str
    title: str
    total_cents: int
    count: int
    grabbed: int
    remaining_cents: int
    seconds_left: int
    scheduled: bool = False
    best_nickname: str = ""  # 手气最佳 so far
    best_cents: int = 0
    currency: str = "CNY"  # the chat platform's (a red envelope is its money)


Card = (
    ProductCard
    | CouponCard
    | FlashSaleCard
    | LotteryCard
    | WinnersCard
    | QuizCard
    | RedEnvelopeCard
)


@dataclass(frozen=True, slots=True)
class OverlayState:
    product: ProductCard | None = None
    coupon: CouponCard | None = None
    flash_sale: FlashSaleCard | None = None
    lottery: LotteryCard | None = None
    winners: WinnersCard | None = None
    quiz: QuizCard | None = None
    red_envelope: RedEnvelopeCard | None = None
    #: the language of the cards' words (app/overlays/words.py): the audience's, the room's chat
    #: language; "" = the UI's
    language: str = ""

    def get(self, kind: Kind) -> Card | None:
        card: Card | None = getattr(self, kind.value)
        return card

    def with_card(self, kind: Kind, card: Card | None) -> OverlayState:
        changes: dict[str, Any] = {kind.value: card}
        return replace(self, **changes)

    def changed_kinds(self, other: OverlayState) -> set[Kind]:
        """The overlays to draw again to go from ``other`` to this state: every shown card
        when the language changed."""
        if self.language != other.language:
            return {k for k in Kind if self.get(k) is not None or other.get(k) is not None}
        return {k for k in Kind if self.get(k) != other.get(k)}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for kind in Kind:
            card = self.get(kind)
            if card is None:
                out[kind.value] = None
                continue
            d = out[kind.value] = asdict(card)
            if "currency" in d:  # the page shows money as written here, never formats it
                d["money"] = {
                    k: money_short(v, d["currency"])
                    for k, v in d.items()
                    if k.endswith("_cents") and isinstance(v, int)
                }
        return out
