"""The overlay cards speak the audience's language — the room's chat language (Twitch: English),
as the 聊天播报语言 choice sets it — on the PNG cards and on the overlay page alike; a Chinese room
still gets Chinese; long Latin titles wrap between words."""

from __future__ import annotations

import re
from types import SimpleNamespace

import httpx
import pytest
from PySide6.QtGui import QFontMetrics

from app.live.chat_announce import chat_language
from app.overlays.controller import OverlayController
from app.overlays.layout import Kind
from app.overlays.render import OverlayRenderer, _font, wrap
from app.overlays.server import OverlayServer
from app.overlays.state import (
    Card,
    CouponCard,
    FlashSaleCard,
    LotteryCard,
    OverlayState,
    ProductCard,
    QuizCard,
    RedEnvelopeCard,
    WinnersCard,
)
from app.platform import models as m
from tests.support.overlay_room import OverlayRoom

#: Chinese characters and CJK punctuation (。，“”：、（）…) a viewer reading English would notice
CJK = re.compile(r"[\u3001-\u303f\u4e00-\u9fff\uff01-\uff5e]")

#: every state of every card, with English user text (titles, prizes, nicknames, keyword)
EN_CARDS: list[tuple[Kind, Card]] = [
    (Kind.PRODUCT, ProductCard("p1", "Retro Runner sneaker", 8900, 12900, stock_left=40,
                               currency="USD")),
    (Kind.PRODUCT, ProductCard("p1", "Retro Runner sneaker", 8900, 12900, 6900, 3,
                               currency="USD")),
    (Kind.PRODUCT, ProductCard("p1", "Retro Runner sneaker", 8900, stock_left=0, currency="USD")),
    (Kind.COUPON, CouponCard("c1", "Welcome gift", 500, None, 5000, 12, 100, "USD")),
    (Kind.COUPON, CouponCard("c1", "", None, 20, 0, 0, 100, "USD")),
    (Kind.FLASH_SALE, FlashSaleCard("f1", "Water bottle", 1999, 3499, 7, 30, 59, True, "USD")),
    (Kind.FLASH_SALE, FlashSaleCard("f1", "Water bottle", 1999, 3499, 0, 30, 12, False, "USD")),
    (Kind.LOTTERY, LotteryCard("l1", "Signed hoodie", "hoodie", 42, 318, 3, "ab" * 32)),
    (Kind.LOTTERY, LotteryCard("l1", "Signed hoodie", "hoodie", 0, 5, 1, manual=True)),
    (Kind.WINNERS, WinnersCard("l1", "Signed hoodie", tuple(f"viewer{i}" for i in range(10)))),
    (Kind.WINNERS, WinnersCard("l1", "Signed hoodie")),
    (Kind.WINNERS, WinnersCard("l2", "Mystery box", ("alice",), ("Tote bag",), 3)),
    (Kind.WINNERS, WinnersCard("l2", "Mystery box", (), (), 0)),
    (Kind.QUIZ, QuizCard("q1", "Best shade?", ("Ruby", "Rose"), (3, 1), 4, 18, "open")),
    (Kind.QUIZ, QuizCard("q1", "Best shade?", ("Ruby", "Rose"), (3, 1), 4, 0, "open", True)),
    (Kind.QUIZ, QuizCard("q1", "Best shade?", ("Ruby", "Rose"), (3, 1), 4, 0, "closed")),
    (Kind.QUIZ, QuizCard("q1", "Best shade?", ("Ruby", "Rose"), (3, 1), 4, 0, "revealed",
                         correct=0, correct_count=3)),
    (Kind.RED_ENVELOPE, RedEnvelopeCard("r1", "", 88800, 200, 37, 70000, 45, True,
                                        currency="USD")),
    (Kind.RED_ENVELOPE, RedEnvelopeCard("r1", "Thanks all", 88800, 200, 37, 70000, 45, False,
                                        "nightowl", 1288, "USD")),
    (Kind.RED_ENVELOPE, RedEnvelopeCard("r1", "", 88800, 200, 200, 0, 5, currency="USD")),
]  # fmt: skip


@pytest.mark.parametrize("canvas", ["16:9", "9:16"])
def test_every_card_in_an_english_room_draws_no_chinese(qapp: object, canvas: str) -> None:
    r = OverlayRenderer(canvas)  # type: ignore[arg-type]
    for kind, card in EN_CARDS:
        r.render(kind, card, "en")
        assert r.drawn, f"{kind}: nothing drawn"
        chinese = [t for t in r.drawn if CJK.search(t)]
        assert not chinese, f"{kind} {card}: Chinese on an English stream: {chinese}"


def test_the_english_words_are_the_ones_a_viewer_expects(qapp: object) -> None:
    r = OverlayRenderer("16:9")

    def drawn(kind: Kind, card: Card, lang: str = "en") -> list[str]:
        r.render(kind, card, lang)
        return r.drawn

    product = EN_CARDS[1][1]
    assert {"Now showing", "Flash price", "$69", "$129", "Only 3 left"} <= set(
        drawn(Kind.PRODUCT, product)
    )
    assert "Sold out" in drawn(Kind.PRODUCT, EN_CARDS[2][1])
    assert "20% off" in drawn(Kind.COUPON, EN_CARDS[4][1])
    assert {"Giveaway", 'Comment "hoodie" to enter'} <= set(drawn(Kind.LOTTERY, EN_CARDS[7][1]))
    assert "Flash sale" in drawn(Kind.FLASH_SALE, EN_CARDS[6][1])
    # the same cards in a Chinese room: the Chinese words, money as before
    assert {"正在讲解", "秒杀价", "$69", "仅剩 3 件"} <= set(drawn(Kind.PRODUCT, product, "zh_CN"))
    assert "8折" in drawn(Kind.COUPON, EN_CARDS[4][1], "zh_CN")
    assert "评论“hoodie”参与" in drawn(Kind.LOTTERY, EN_CARDS[7][1], "zh_CN")


def test_a_long_english_title_wraps_between_words(qapp: object) -> None:
    title = "Retro Runner leather sneakers with memory foam insoles and a limited colourway"
    words = set(title.split())
    for canvas in ("16:9", "9:16"):
        r = OverlayRenderer(canvas)  # type: ignore[arg-type]
        r.render(Kind.PRODUCT, ProductCard("p1", title, 8900, currency="USD"), "en")
        lines = [t for t in r.drawn if t.split()[0] in words]  # the title's lines
        assert len(lines) == 2, r.drawn
        first, last = lines[0].split(), lines[1].rstrip("…").split()
        assert set(first) <= words, f"a word split at the end of line 1: {lines}"
        assert set(last[:-1]) <= words, lines  # the last word may be elided
        assert " ".join(first + last).startswith(" ".join(first)) and lines[1].endswith("…")


def test_chinese_still_wraps_anywhere_and_a_word_too_long_is_cut(qapp: object) -> None:
    fm = QFontMetrics(_font(32, True))
    zh = "云南高山古树普洱茶礼盒装送礼自用皆宜" * 3
    lines = wrap(zh, fm, 300, 2)
    assert len(lines) == 2 and zh.startswith(lines[0])  # the first line is filled to the width
    assert fm.horizontalAdvance(lines[0] + zh[len(lines[0])]) > 300
    long_word = "Supercalifragilisticexpialidocious" * 2
    cut = wrap(long_word, fm, 300, 2)
    assert cut[0] and long_word.startswith(cut[0]) and cut[1].endswith("…")
    # Latin with CJK: a line may end next to a Chinese character, not inside a Latin word
    mixed = wrap("礼盒装 Premium Edition gift box set for tea lovers", fm, 300, 3)
    assert all(not line.endswith(("Prem", "Editio")) for line in mixed)


def _room(adapter: object) -> OverlayRoom:
    return OverlayRoom(
        products={"p1": m.Product(id="p1", title="Retro Runner", price_cents=8900, stock=5)},
        explaining=m.Explaining(product_id="p1", since_ts=1_800_000_000.0),
        currency="USD",
        adapter=adapter,
    )


class _Sink:
    uses_images = False

    def __init__(self) -> None:
        self.applied: list[tuple[OverlayState, set[Kind]]] = []

    async def apply(self, state: OverlayState, changed: set[Kind]) -> None:
        self.applied.append((state, changed))


async def test_the_cards_follow_the_chat_language_and_the_operators_choice(qapp: object) -> None:
    twitch = _room(SimpleNamespace(chat_language="en"))  # Twitch: "en"
    choice = {"language": ""}  # settings ui.chat_announce_language: "" = the platform's
    sink = _Sink()
    renderer = OverlayRenderer("16:9")
    controller = OverlayController(
        twitch,  # type: ignore[arg-type]
        renderer,
        [sink],
        language=lambda: chat_language(twitch, choice["language"]),  # type: ignore[arg-type]
    )
    controller.start()
    try:
        await controller.settled()
        state = sink.applied[-1][0]
        assert state.language == "en"
        renderer.render(Kind.PRODUCT, state.product, state.language)
        assert "Now showing" in renderer.drawn
        # the operator sets the chat language to Chinese: the next update redraws the card in it
        choice["language"] = "zh_CN"
        controller.refresh()
        await controller.settled()
        state, changed = sink.applied[-1]
        assert state.language == "zh_CN" and Kind.PRODUCT in changed
        renderer.render(Kind.PRODUCT, state.product, state.language)
        assert "正在讲解" in renderer.drawn
    finally:
        await controller.stop()
    # a room whose platform says nothing (the sandbox, 抖店): the UI's language, Chinese here
    plain = OverlayController(_room(None), renderer, [])  # type: ignore[arg-type]
    plain.refresh()
    assert plain.state.language == "zh_CN"


async def test_the_page_gets_each_card_with_its_words_in_the_rooms_language() -> None:
    server = OverlayServer(port=0)
    await server.start()
    try:
        card = EN_CARDS[1][1]
        await server.apply(OverlayState(product=card, language="en"), {Kind.PRODUCT})  # type: ignore[arg-type]
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            state = (await http.get("/state")).json()
            page = (await http.get("/overlay/product")).text
        assert state["lang"] == "en"
        assert state["product"]["words"]["stock"] == "Only 3 left"
        assert state["product"]["words"]["badge"] == "Now showing"
        assert '<html lang="en">' in page and "<title>LiveDesk overlays</title>" in page
        assert not CJK.search(page), "the page carries Chinese of its own"
    finally:
        await server.stop()
