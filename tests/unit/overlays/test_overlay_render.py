"""The overlay renderer and state: sizes, hidden = transparent, visible text changes, money text."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from app.format import clock, money_short
from app.overlays.layout import Kind, box, canvas_size
from app.overlays.render import OverlayRenderer
from app.overlays.state import (
    CouponCard,
    FlashSaleCard,
    LotteryCard,
    OverlayState,
    ProductCard,
    QuizCard,
    RedEnvelopeCard,
    WinnersCard,
)

CARDS = {
    Kind.PRODUCT: ProductCard(
        "p1", "云南高山古树普洱茶 357g 礼盒装 送礼自用皆宜", 12900, 19900, None, 12
    ),
    Kind.COUPON: CouponCard("c1", "直播间专享", 2000, None, 19900, 480, 500),
    Kind.FLASH_SALE: FlashSaleCard("f1", "保温杯", 4900, 9900, 7, 30, 59),
    Kind.LOTTERY: LotteryCard("l1", "iPhone 一台", "想要", 42, 318, 3),
    Kind.WINNERS: WinnersCard("l1", "iPhone 一台", ("小明", "<b>阿花</b>", "Tom")),
    Kind.QUIZ: QuizCard(
        "q1",
        "今天直播间哪款色号卖得最好？",
        ("01 正红", "02 豆沙", "03 橘棕"),
        (12, 30, 5),
        47,
        18,
        "open",
    ),
    Kind.RED_ENVELOPE: RedEnvelopeCard(
        "re1", "感谢家人们", 88800, 200, 37, 70000, 45, False, "小明", 1288
    ),
}


def arr(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGBA8888)
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes())
    rows = buf.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4]
    return rows.reshape(img.height(), img.width(), 4).copy()  # own the pixels: img is freed


@pytest.mark.parametrize("canvas", ["16:9", "9:16"])
@pytest.mark.parametrize("kind", list(Kind))
def test_card_fills_its_box_and_hidden_is_transparent(
    qapp: object, canvas: str, kind: Kind
) -> None:
    r = OverlayRenderer(canvas)  # type: ignore[arg-type]
    b = box(canvas, kind)  # type: ignore[arg-type]
    w, h = canvas_size(canvas)  # type: ignore[arg-type]
    assert b.x + b.width <= w and b.y + b.height <= h  # on the canvas
    shown = arr(r.render(kind, CARDS[kind]))
    assert shown.shape[:2] == (b.height, b.width)
    # an opaque-ish card from the top of its box: the whole box, or (a game's card, as tall as
    # what it holds) a block from the top with only transparency below it
    rows = (shown[..., 3] > 0).mean(axis=1) > 0.5
    drawn = int(rows.sum())
    assert rows[:drawn].all() and drawn >= 0.6 * b.height
    assert (shown[:drawn, ..., 3] > 0).mean() > 0.9
    assert shown[drawn:, ..., 3].max(initial=0) == 0
    hidden = arr(r.render(kind, None))
    assert hidden.shape[:2] == (b.height, b.width)
    assert hidden[..., 3].max() == 0


@pytest.mark.parametrize("canvas", ["16:9", "9:16"])
def test_no_two_cards_cover_each_other(canvas: str) -> None:
    # a quiz, a red-envelope rain, a lottery and a product can all be on stream at once: each
    # card keeps its own place, so none hides another's numbers
    kinds = list(Kind)
    for i, a in enumerate(kinds):
        for k in kinds[i + 1 :]:
            p, q = box(canvas, a), box(canvas, k)  # type: ignore[arg-type]
            apart = (
                p.x + p.width <= q.x
                or q.x + q.width <= p.x
                or p.y + p.height <= q.y
                or q.y + q.height <= p.y
            )
            assert apart, f"{a} and {k} overlap on {canvas}: {p} {q}"


def test_countdown_tick_changes_pixels_and_equal_state_is_identical(qapp: object) -> None:
    r = OverlayRenderer("16:9")
    a = arr(r.render(Kind.FLASH_SALE, CARDS[Kind.FLASH_SALE])).copy()
    again = arr(r.render(Kind.FLASH_SALE, CARDS[Kind.FLASH_SALE]))
    assert np.array_equal(a, again)
    tick = FlashSaleCard("f1", "保温杯", 4900, 9900, 7, 30, 58)
    assert not np.array_equal(a, arr(r.render(Kind.FLASH_SALE, tick)))


def test_product_image_is_drawn(qapp: object) -> None:
    red = QImage(100, 100, QImage.Format.Format_RGB32)
    red.fill(QColor(255, 0, 0))
    card = ProductCard("p1", "标题", 100, image_url="img://red")
    with_img = arr(OverlayRenderer("16:9", {"img://red": red}.get).render(Kind.PRODUCT, card))
    b = box("16:9", Kind.PRODUCT)
    centre = with_img[b.height // 2, 20 + (b.height - 40) // 2]
    assert centre[0] > 240 and centre[1] < 10  # the image's red, not the placeholder


def test_state_diff_and_json() -> None:
    s = OverlayState(coupon=CARDS[Kind.COUPON])  # type: ignore[arg-type]
    assert s.changed_kinds(OverlayState()) == {Kind.COUPON}
    assert s.with_card(Kind.COUPON, None) == OverlayState()
    j = s.to_json()
    assert j["coupon"]["amount_cents"] == 2000 and j["product"] is None
    # the page shows each amount as written here (the card's currency: CNY by default)
    assert j["coupon"]["money"] == {"amount_cents": "¥20", "threshold_cents": "¥199"}


def test_money_and_clock_text() -> None:
    assert money_short(12900) == "¥129"
    assert money_short(12950) == "¥129.5"
    assert money_short(12999) == "¥129.99"
    assert money_short(5) == "¥0.05"
    assert money_short(8900, "USD") == "$89"
    assert money_short(123456, "USD") == "$1234.56"
    assert money_short(1500, "JPY") == "JP¥1500"
    assert clock(59) == "00:59"
    assert clock(3661) == "1:01:01"
    assert clock(-3) == "00:00"


def test_frame_drop_alerts_name_the_cause() -> None:
    from app.obs.stats import ObsStats, alerts_between

    calm = ObsStats(stream_dropped=3, stream_total=1000, output_skipped=0, render_missed=1)
    assert alerts_between(None, calm) == []
    assert alerts_between(calm, calm) == []
    worse = ObsStats(stream_dropped=13, stream_total=1030, output_skipped=2, render_missed=5)
    alerts = alerts_between(calm, worse)
    assert any("推流丢帧：10 帧" in a for a in alerts)
    assert any("编码跳帧：2 帧" in a for a in alerts)
    assert any("渲染延迟" in a for a in alerts)


def test_a_very_long_title_renders_at_once_and_wraps_the_same(qapp: object) -> None:
    """Titles are platform data of any length; the PNG overlays render on the console's loop.
    Wrapping tried one character less at a time (10,000 characters: ~16 s for one frame)."""
    import time

    r = OverlayRenderer("16:9")
    long = ProductCard("p1", "云南高山古树普洱茶 " * 1000, 12900, stock_left=3)
    t0 = time.perf_counter()
    img = r.render(Kind.PRODUCT, long)
    assert time.perf_counter() - t0 < 2.0
    short = ProductCard("p1", "云南高山古树普洱茶 " * 12, 12900, stock_left=3)
    # the lines shown are the same: both titles overflow the three lines the card has
    assert np.array_equal(arr(img), arr(r.render(Kind.PRODUCT, short)))


def test_the_quiz_card_shows_the_live_tally_and_the_reveal_changes_it() -> None:
    r = OverlayRenderer("16:9")
    card = CARDS[Kind.QUIZ]
    assert isinstance(card, QuizCard)
    live = arr(r.render(Kind.QUIZ, card))
    more = arr(r.render(Kind.QUIZ, QuizCard(**{**_fields(card), "tally": (12, 60, 5)})))
    assert (live != more).any()  # a longer bar for B
    revealed = QuizCard(**{**_fields(card), "status": "revealed", "correct": 1,
                           "correct_count": 30})  # fmt: skip
    assert (arr(r.render(Kind.QUIZ, revealed)) != live).any()


def test_a_blind_box_reveals_one_prize_at_a_time() -> None:
    r = OverlayRenderer("16:9")
    one = WinnersCard("l2", "盲盒", ("小明",), ("隐藏款",), 3)
    two = WinnersCard("l2", "盲盒", ("小明", "阿花"), ("隐藏款", "普通款"), 3)
    assert (arr(r.render(Kind.WINNERS, one)) != arr(r.render(Kind.WINNERS, two))).any()


def _fields(card: QuizCard) -> dict[str, object]:
    from dataclasses import asdict

    return asdict(card)


def test_a_usd_price_is_drawn_with_its_dollar_sign_where_the_yuan_was(qapp: object) -> None:
    # the same card in USD and in CNY: only the price lines differ (the symbol), the rest of the
    # card (image, badge, title, stock) is the same pixels
    r = OverlayRenderer("16:9")
    cny = ProductCard("p1", "Retro Runner sneaker", 8900, 12900, stock_left=40)
    usd = ProductCard("p1", "Retro Runner sneaker", 8900, 12900, stock_left=40, currency="USD")
    a, b = arr(r.render(Kind.PRODUCT, cny)).copy(), arr(r.render(Kind.PRODUCT, usd))
    rows = np.flatnonzero((a != b).any(axis=(1, 2)))
    assert rows.size, "the USD card reads the same as the CNY one"
    _, h = r.size(Kind.PRODUCT)
    pad = 20  # the product card's
    # what differs is in the price band (price_y - 14 … price_y + 88 in the renderer)
    assert rows.min() >= h - pad - 130 - 14 - 2 and rows.max() <= h - pad - 130 + 88 + 2
    assert OverlayState(product=usd).to_json()["product"]["money"] == {
        "price_cents": "$89",
        "original_price_cents": "$129",
    }


def _card_height(img: QImage) -> int:
    """How many rows from the top hold any of the card (the rest of the box is transparent)."""
    alpha = arr(img)[..., 3]
    return int(np.nonzero(alpha.max(axis=1))[0].max()) + 1


@pytest.mark.parametrize("canvas", ["16:9", "9:16"])
def test_a_games_card_is_as_tall_as_what_it_holds(qapp: object, canvas: str) -> None:
    """No empty band on stream: three winners are not drawn on a card with room for four, a
    one-line question leaves no empty row above its options; the card never outgrows its box."""
    r = OverlayRenderer(canvas)  # type: ignore[arg-type]
    names = ("小明", "阿花", "Tom", "晴天")
    heights = [
        _card_height(r.render(Kind.WINNERS, WinnersCard("l1", "iPhone", names[:n])))
        for n in (1, 3, 4)
    ]
    assert heights[0] < heights[1] < heights[2] <= box(canvas, Kind.WINNERS).height  # type: ignore[arg-type]
    # a blind box keeps one height while its prizes are revealed one by one
    revealing = [
        _card_height(r.render(Kind.WINNERS, WinnersCard("b1", "盲盒", names[:n], ("A",) * n, 3)))
        for n in (1, 2, 3)
    ]
    assert len(set(revealing)) == 1

    def quiz(question: str) -> QuizCard:
        return QuizCard("q1", question, ("01 正红", "02 豆沙", "03 橘棕"), (1, 5, 2), 8, 59, "open")

    short = _card_height(r.render(Kind.QUIZ, quiz("几号色？")))
    long_q = (
        "今天直播间里哪一款色号卖得最好，最适合秋冬的日常通勤妆容，还有黄皮的姐妹们更适合哪一款呢？"
    )
    tall = _card_height(r.render(Kind.QUIZ, quiz(long_q * 2)))
    assert tall <= box(canvas, Kind.QUIZ).height  # type: ignore[arg-type]
    if canvas == "16:9":  # the narrow card wraps a long question onto a second line
        assert short + 30 <= tall
    else:  # the wide card keeps it on one
        assert short == tall


@pytest.mark.parametrize("canvas", ["16:9", "9:16"])
def test_the_coupons_big_figure_keeps_clear_of_the_divider(qapp: object, canvas: str) -> None:
    """English "20% off" is wider than "¥20": shrunk to fit, it still leaves a gap before the
    dashed line (no white text in the 20 px left of it)."""
    r = OverlayRenderer(canvas)  # type: ignore[arg-type]
    card = CouponCard("c1", "Live exclusive", None, 20, 19900, 480, 500, "USD")
    px = arr(r.render(Kind.COUPON, card, "en"))
    split = int(box(canvas, Kind.COUPON).width * 0.42)  # type: ignore[arg-type]
    band = px[:, split - 22 : split - 3, :3].astype(int)
    white = (band.min(axis=2) > 200).sum()
    assert white == 0
    assert (px[:, : split - 22, :3].min(axis=2) > 200).sum() > 500  # the figure is drawn
