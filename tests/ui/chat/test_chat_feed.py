"""The chat feed a streamer reads: batched, bounded, plain text, pauses while read."""

from __future__ import annotations

import sys

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from app.live.comment_kinds import Kind
from app.live.room import ChatLine
from ui.chat.delegate import ChatDelegate, nickname_cell
from ui.chat.model import ChatModel
from ui.chat.view import ChatView


def _flush(model: ChatModel) -> None:
    """A timer flush, then let the view lay out as the event loop would."""
    model.flush()
    QApplication.processEvents()


def _lines(n: int, start: int = 0, text: str = "第{i}条") -> list[ChatLine]:
    return [
        ChatLine(f"c{i}", 0.0, f"u{i % 50}", f"用户{i % 50}", text.format(i=i), Kind.NONE, i)
        for i in range(start, start + n)
    ]


def test_arrivals_show_in_one_insert_per_flush_and_overflow_leaves_the_top(qtbot: QtBot) -> None:
    model = ChatModel(capacity=1000, flush_hz=10)
    inserts: list[tuple[int, int]] = []
    removes: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, a, b: inserts.append((a, b)))
    model.rowsRemoved.connect(lambda _p, a, b: removes.append((a, b)))
    for k in range(30):  # 30 platform batches of 100 before the timer fires
        model.add(_lines(100, start=k * 100))
    assert model.rowCount() == 0  # nothing shown before the flush
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=30_000)  # a busy machine
    assert (
        inserts == [(0, 999)] and removes == []
    )  # 3,000 arrivals → one insert of the newest 1,000
    assert model.line(0).text == "第2000条" and model.line(999).text == "第2999条"
    model.add(_lines(10, start=3000))
    model.flush()
    assert removes == [(0, 9)] and inserts[-1] == (990, 999)
    assert model.line(999).text == "第3009条"


def test_filtered_view_keeps_only_what_it_accepts(qtbot: QtBot) -> None:
    model = ChatModel(capacity=100, accept=lambda line: "尺码" in line.text)
    model.add(_lines(5, text="问下尺码{i}") + _lines(5, start=5, text="哈哈{i}"))
    model.flush()
    assert [model.line(r).text for r in range(model.rowCount())] == [
        f"问下尺码{i}" for i in range(5)
    ]


def _ink_width(img: QImage) -> int:
    """How wide the painted text is: the rightmost column with dark pixels."""
    right = 0
    for x in range(img.width()):
        for y in range(img.height()):
            if QColor(img.pixel(x, y)).lightness() < 160:
                right = x
                break
    return right


def test_html_in_a_comment_is_shown_literally(qtbot: QtBot) -> None:
    evil = "<b>x</b><img src=http://evil/a.png>"
    model = ChatModel(capacity=10)
    model.add([ChatLine("c1", 0.0, "u1", "n", evil, Kind.NONE, 1)])
    model.flush()
    view = ChatView()
    qtbot.addWidget(view)
    view.setModel(model)
    delegate = ChatDelegate(view)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = QRect(0, 0, 900, 30)
    img = QImage(900, 30, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    painter = QPainter(img)
    delegate.paint(painter, option, model.index(0, 0))
    painter.end()
    fm = QFontMetrics(option.font)
    literal = fm.horizontalAdvance("n：" + evil)
    # Rendered as HTML it would be a bold "x" (and an image): a few pixels of ink, not the tags.
    assert _ink_width(img) >= 0.8 * literal
    tooltip = model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;x&lt;/b&gt;&lt;img" in tooltip and "<b>" not in tooltip


def test_following_pauses_while_hovered_and_resumes_with_the_new_button(qtbot: QtBot) -> None:
    model = ChatModel(capacity=500)
    view = ChatView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    model.add(_lines(100))
    _flush(model)
    bar = view.verticalScrollBar()
    assert bar.value() == bar.maximum() > 0  # following the newest line
    view.enterEvent(None)  # type: ignore[arg-type]  # the operator's mouse is over the list
    top_line = view.indexAt(QPoint(5, 5)).data(Qt.ItemDataRole.DisplayRole)
    model.add(_lines(40, start=100))
    _flush(model)
    assert view.indexAt(QPoint(5, 5)).data(Qt.ItemDataRole.DisplayRole) == top_line  # did not jump
    assert view.new_button.isVisible() and "40" in view.new_button.text()
    view.new_button.click()
    assert bar.value() == bar.maximum()
    assert not view.new_button.isVisible()


def test_reading_position_holds_when_old_lines_overflow(qtbot: QtBot) -> None:
    model = ChatModel(capacity=200)
    view = ChatView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    model.add(_lines(200))
    _flush(model)
    view.verticalScrollBar().setValue(100)
    view.enterEvent(None)  # type: ignore[arg-type]
    reading = view.indexAt(QPoint(5, 5)).data(Qt.ItemDataRole.DisplayRole)
    model.add(_lines(30, start=200))  # 30 oldest lines leave the top
    _flush(model)
    assert view.indexAt(QPoint(5, 5)).data(Qt.ItemDataRole.DisplayRole) == reading


def test_model_data_does_not_leak_none_references(qtbot: QtBot) -> None:
    """PySide6 6.12.0 on Python 3.11 decrefs None returned from data() until the process dies."""
    model = ChatModel(capacity=1000)
    model.add(_lines(1000))
    _flush(model)
    before = sys.getrefcount(None)
    for _ in range(3):
        for row in range(1000):
            model.index(row, 0).data(Qt.ItemDataRole.DecorationRole)  # returns None
    after = sys.getrefcount(None)
    assert after >= before - 50, f"None refcount fell from {before} to {after}"


def _colours(img: QImage) -> set[str]:
    return {QColor(img.pixel(x, y)).name() for x in range(img.width()) for y in range(img.height())}


def test_paid_messages_and_memberships_wear_their_own_badge_not_the_gift_one(qtbot: QtBot) -> None:
    """A Super Chat (醒目) and a guard (舰长) stand out from plain gifts (礼) in the feed."""
    from ui.chat.delegate import BADGES

    colour = {kind: QColor(c).name() for kind, _, c in BADGES}
    lines = [
        ChatLine("g1", 0.0, "u1", "小鹿", "送出 玫瑰 ×1", Kind.GIFT, 1),
        ChatLine("p2", 0.0, "u2", "阿伟", "醒目留言 ¥30.00：加油", Kind.GIFT | Kind.PAID, 2),
        ChatLine("v3", 0.0, "u3", "桃子", "开通 舰长 ×1 个月", Kind.GIFT | Kind.MEMBER, 3),
    ]
    model = ChatModel(capacity=10)
    model.add(lines)
    model.flush()
    view = ChatView()
    qtbot.addWidget(view)
    view.setModel(model)
    delegate = ChatDelegate(view)
    painted: list[set[str]] = []
    for row in range(3):
        option = QStyleOptionViewItem()
        option.initFrom(view)
        option.rect = QRect(0, 0, 600, 30)
        img = QImage(600, 30, QImage.Format.Format_RGB32)
        img.fill(QColor("white"))
        painter = QPainter(img)
        delegate.paint(painter, option, model.index(row, 0))
        painter.end()
        painted.append(_colours(img))
    gift, paid, member = painted
    assert colour[Kind.GIFT] in gift
    assert colour[Kind.PAID] in paid and colour[Kind.GIFT] not in paid
    assert colour[Kind.MEMBER] in member and colour[Kind.GIFT] not in member


def test_a_short_nickname_is_never_cut_and_a_long_one_is(qtbot: QtBot) -> None:
    """「Lily：」 and a masked 「观****：」 showed as "Lil…" / "观***…" while they fitted."""

    fm = QFontMetrics(QApplication.font())
    for nick in ("Lily：", "观****：", "sneaker_sam：", "观众甲："):
        assert nickname_cell(fm, nick, 400)[0] == nick
    long = "今天也要开开心心的奶茶不加糖小姐姐：" * 2
    shown, width = nickname_cell(fm, long, 120)
    assert shown.endswith("…") and width == 120
