"""The 下播总结 window: shown by itself when a session this console watched ends (the host who
pressed 下播, and every other console that sees ``session_ended``), and again from the sessions
list (总结).

The figures come from the session's recording (:mod:`app.session.summary`), read on a worker
thread (``asyncio.to_thread``) once the recorder has written the end; the continuation checks
that its window still exists. Nothing here blocks the loop, and the window is never modal (a
show can go on; a new session is a click away). User text (titles, prizes) is plain text.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn
from app.format import hms, money, time_of_day
from app.live.room import SESSION, LiveRoom
from app.session import summary as summary_mod
from app.session.recorder import sessions_dir
from app.session.safe_open import SessionFileError
from app.session.summary import ShowSummary, SummaryAlert
from ui import theme
from ui.i18n import tr
from ui.lifetime import unsubscribe_on_destroy
from ui.replay.tables import Table

log = logging.getLogger(__name__)


def alert_text(a: SummaryAlert) -> str:
    if a.kind == "sold_out":
        return tr("已售罄：{title}").format(title=a.subject)
    if a.kind == "low_stock":
        return tr("库存告急：{title}（剩 {n} 件）").format(title=a.subject, n=a.value)
    if a.kind == "frames_dropped":
        return tr("推流丢帧：共 {n} 帧").format(n=a.value)
    if a.kind == "lottery_failed":
        return tr("抽奖「{prize}」验证未通过").format(prize=a.subject)
    if a.kind == "gap":
        return tr("录制缺少事件 {range}（平台已不保留）").format(range=a.subject)
    return a.kind


def conversion_text(c: float | None) -> str:
    return "—" if c is None else f"{c:.1%}"


class SummaryDialog(QDialog):
    """One session's 下播总结; ``open_replay`` opens the full replay of the same file."""

    def __init__(self, data: ShowSummary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setModal(False)
        self.data = data
        s = data.summary
        self.setObjectName("sessionSummary")
        self.setWindowTitle(tr("下播总结 — {room} / {sid}").format(room=s.room, sid=s.session_id))
        self.resize(960, 460)
        lay = QVBoxLayout(self)
        head = QLabel(
            tr("{date} 开播 · 直播间 {room} · 场次 {sid}").format(
                date=time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started_ts)),
                room=s.room,
                sid=s.session_id,
            ),
            self,
        )
        head.setTextFormat(Qt.TextFormat.PlainText)
        head.setStyleSheet(theme.text_style(theme.SECONDARY))
        lay.addWidget(head)
        if not data.complete:
            warn = QLabel(tr("录制尚未写完：数字可能不全，打开复盘查看最新结果"), self)
            warn.setStyleSheet(theme.text_style(theme.WARNING, bold=True))
            lay.addWidget(warn)
        refunded = tr("已支付 {paid} · 已退款 {refunded}").format(
            paid=data.paid_orders, refunded=data.refunded_orders
        )
        conv_note = tr("下单 {buyers} 人 ÷ 累计观看 {uv} 人").format(buyers=data.buyers, uv=data.uv)
        self.kpis: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setSpacing(8)
        tiles = [
            (
                "gmv",
                tr("成交额"),
                money(s.gmv_cents, s.currency),
                tr("已支付 {v}").format(v=money(s.paid_gmv_cents, s.currency)),
            ),
            ("orders", tr("订单"), f"{s.orders:,}", refunded),
            ("peak", tr("峰值在线"), f"{s.peak_online:,}", ""),
            ("conversion", tr("转化率"), conversion_text(data.conversion), conv_note),
            ("duration", tr("时长"), hms(s.duration_s), ""),
        ]
        for i, (key, name, value, note) in enumerate(tiles):
            grid.addWidget(self._tile(key, name, value, note), 0, i)
        lay.addLayout(grid)

        lists = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self._title(tr("最佳商品（按成交额）")))
        self.products = Table(["商品", "订单", "成交额"], self)
        self.products.setObjectName("summaryProducts")
        self.products.fill(
            [
                [r.title, r.orders_total, money(r.gmv_total_cents, s.currency)]
                for r in data.top_products
            ]
        )
        left.addWidget(self.products)
        right = QVBoxLayout()
        right.addWidget(self._title(tr("最佳讲解（讲解中订单）")))
        self.explains = Table(["商品", "订单", "成交额", "开始", "时长"], self)
        self.explains.setObjectName("summaryExplains")
        self.explains.fill(
            [
                [
                    w.title,
                    w.orders_during,
                    money(w.gmv_during_cents, s.currency),
                    time_of_day(w.start_ts),
                    hms(w.duration_s),
                ]
                for w in data.top_explains
            ]
        )
        right.addWidget(self.explains)
        for table in (self.products, self.explains):
            _fit(table)
        lists.addLayout(left, 1)
        lists.addLayout(right, 1)
        lay.addLayout(lists)

        lay.addWidget(self._title(tr("本场提醒")))
        self.alerts = QLabel(self)
        self.alerts.setObjectName("summaryAlerts")
        self.alerts.setTextFormat(Qt.TextFormat.PlainText)
        self.alerts.setWordWrap(True)
        texts = [alert_text(a) for a in data.alerts]
        self.alerts.setText("\n".join("⚠ " + t for t in texts) if texts else tr("无"))
        self.alerts.setStyleSheet(theme.text_style(theme.DANGER if texts else theme.OK))
        lay.addWidget(self.alerts)
        lay.addStretch(1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.replay_button = QPushButton(tr("打开完整复盘"), self)
        self.replay_button.setObjectName("summaryOpenReplay")
        self.replay_button.clicked.connect(self.open_replay)
        close = QPushButton(tr("关闭"), self)
        close.clicked.connect(self.close)
        buttons.addWidget(self.replay_button)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        self.replay: QWidget | None = None

    def _title(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setStyleSheet("font-weight:600; font-size:14px; margin-top:6px;")
        return label

    def _tile(self, key: str, name: str, value: str, note: str) -> QFrame:
        box = QFrame(self)
        box.setObjectName(f"kpi:{key}")
        box.setStyleSheet("QFrame{background:#f5f7fa; border-radius:6px;}")
        v = QVBoxLayout(box)
        big = QLabel(value, box)
        big.setTextFormat(Qt.TextFormat.PlainText)
        big.setStyleSheet("font-size:22px; font-weight:700; color:#1a237e;")
        v.addWidget(big)
        v.addWidget(QLabel(name, box))
        if note:
            small = QLabel(note, box)
            small.setStyleSheet(f"color:{theme.SECONDARY}; font-size:11px;")
            v.addWidget(small)
        self.kpis[key] = big
        return box

    def open_replay(self) -> QWidget | None:
        from ui.replay.window import ReplayWindow

        try:
            w = ReplayWindow(self.data.summary.path)
        except (SessionFileError, OSError) as exc:
            self.alerts.setText(str(exc))
            return None
        w.show()
        self.replay = w
        return w


def _fit(table: Table) -> None:
    """Show the rows (at most TOP_N) without scrolling and without an empty area below."""
    from PySide6.QtWidgets import QAbstractItemView

    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.resizeColumnsToContents()
    rows = max(1, table.rowCount())
    height = table.horizontalHeader().height() + rows * table.verticalHeader().defaultSectionSize()
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setFixedHeight(height + 2 * table.frameWidth() + 4)


def _alive(w: QWidget | None) -> bool:
    return w is None or shiboken6.isValid(w)


async def show_summary(path: Path, parent: QWidget | None = None) -> SummaryDialog | None:
    """Read ``path``'s summary on a worker thread and show it (None if the file cannot be read
    or ``parent`` is gone meanwhile)."""
    try:
        data = await asyncio.to_thread(summary_mod.read_path, path)
    except SessionFileError as exc:
        log.warning("no summary of %s: %s", path, exc)
        return None
    if not _alive(parent):
        return None
    d = SummaryDialog(data, parent)
    d.show()
    return d


class EndSummary:
    """Shows the 下播总结 when the room's live session ends while this console watches it.

    ``directory``: where this console's recorder writes (the default sessions folder)."""

    def __init__(
        self, window: QWidget, room: LiveRoom, directory: Path | None = None, *, wait_s: float = 0
    ) -> None:
        self.window = window
        self.room = room
        self.directory = directory or sessions_dir()
        self.wait_s = wait_s or summary_mod.WAIT_S
        self.enabled = True
        self.dialog: SummaryDialog | None = None
        self.shown: Callable[[SummaryDialog], None] | None = None  # tests, screenshots
        s = room.session
        self._live: str | None = s.id if s is not None and s.status == "live" else None
        self._stop = threading.Event()  # set when the window goes: a waiting worker gives up
        unsubscribe_on_destroy(window, room.subscribe(self._changed), self._stop.set)
        closed = getattr(window, "closed", None)  # the main window's: the console is closing
        if closed is not None:
            closed.connect(self._stop.set)

    def _changed(self, changes: frozenset[str]) -> None:
        if SESSION not in changes:
            return
        s = self.room.session
        live = s.id if s is not None and s.status == "live" else None
        was, self._live = self._live, live
        if was is not None and was != live and self.enabled:
            try:
                spawn(self._show(was), name="session-summary")
            except RuntimeError:  # no loop (a script): no summary
                pass

    async def _show(self, session_id: str) -> None:
        try:
            data = await asyncio.to_thread(
                summary_mod.wait_and_read,
                self.directory,
                self.room.room_id,
                session_id,
                within=self.wait_s,
                stop=self._stop,
            )
        except SessionFileError as exc:
            log.warning("no summary of session %s: %s", session_id, exc)
            return
        if data is None or not shiboken6.isValid(self.window):
            return
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.close()
        self.dialog = SummaryDialog(data, self.window)
        self.dialog.show()
        self.dialog.raise_()
        if self.shown is not None:
            self.shown(self.dialog)
