"""The replay window (复盘): one recorded session — timeline, the moment under the cursor,
per-product results, comments analysis, coupons, lotteries (verified), every operator's actions
with before → after (ui/replay/action_log.py), this console's requests, exports.

The file is opened through :class:`app.session.replay.SessionFile` (checked, read-only, every
query time-limited); the sessions list checks it on a worker thread before it makes this window.
The comment analysis runs on a worker thread and its result is handed to the loop, which fills
the tables only if the window still exists. An export that meets a damaged part of the file
(a block too large, a bad value) says so in a message."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn
from app.format import hms, money, time_of_day
from app.names import action_name, role_name, value_name
from app.session.actions import action_log
from app.session.attribution import per_product
from app.session.columns import MONEY_HEADERS, RAIN_HEADERS, rain_cells
from app.session.keywords import keywords
from app.session.money import per_minute, totals
from app.session.quizzes import quiz_results
from app.session.replay import SessionFile, Summary
from app.session.safe_open import SessionFileError
from app.session.schema import stem as schema_stem
from app.session.score import Score, basis_note, score_file, score_line
from app.threads import Inbox
from ui import theme
from ui.i18n import language, tr
from ui.replay.action_log import ActionLogTab
from ui.replay.charts import TimelineCharts, marker_text
from ui.replay.drill_tab import DrillTab
from ui.replay.lottery_tab import LotteryTab
from ui.replay.quiz_tab import QuizTab
from ui.replay.tables import ExplainTable, ProductTable, Table
from ui.replay.video import VideoPane

log = logging.getLogger(__name__)

MOMENT_WINDOW_S = 30.0
MOMENT_ROWS = 500  # per table: the comments/orders nearest to the moment


def summary_text(s: Summary) -> str:
    import time

    date = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started_ts))
    state = "" if s.ended_ts else tr("（未正常结束，记录到最后一秒）")
    return tr(
        "{date} · 直播间 {room} · 场次 {sid} · 时长 {dur} · 成交额 {gmv} · 订单 {orders}"
        " · 评论 {comments} · 峰值在线 {peak}"
    ).format(
        date=date,
        room=s.room,
        sid=s.session_id,
        dur=hms(s.duration_s),
        gmv=money(s.gmv_cents, s.currency),
        orders=s.orders,
        comments=s.comments,
        peak=s.peak_online,
    ) + (" " + state if state else "")


def _analyse(path: Path, inbox: Inbox[ReplayWindow]) -> None:
    """The replay score (it reads the folder's other sessions), then top questions and keywords,
    on a worker thread (jieba and a full GROUP BY). The thread holds the path and the window's
    inbox, never the window: closed meanwhile, nothing is shown."""
    try:
        with SessionFile(path) as f:
            inbox.post(ReplayWindow._score_done, score_file(f))
    except Exception:
        log.exception("replay score failed")
        inbox.post(ReplayWindow._score_done, None)
    try:
        with SessionFile(path) as f:
            questions = f.top_questions(30)
            texts = f.comment_texts()
        words = keywords(texts, 40)
    except Exception:
        log.exception("comment analysis failed")
        questions, words = [], []
    inbox.post(ReplayWindow._analysis_done, questions, words)


class ReplayWindow(QMainWindow):
    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.file = SessionFile(path)
        self.summary = self.file.summary()
        self.setWindowTitle(tr("复盘 — {name}").format(name=path.name))
        self.resize(1500, 950)

        self.header = QLabel(summary_text(self.summary), self)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.header.setObjectName("replayHeader")
        self.header.setStyleSheet("font-weight: 600; padding: 4px;")
        #: 复盘评分 (app/session/score.py), filled when the worker has read the folder's history
        self.score: Score | None = None
        self.score_label = QLabel(tr("复盘评分 计算中…"), self)
        self.score_label.setTextFormat(Qt.TextFormat.PlainText)
        self.score_label.setObjectName("replayScore")
        self.score_label.setWordWrap(True)
        self.score_label.setStyleSheet("font-weight: 600; padding: 0 4px 4px 4px;")
        self.charts = TimelineCharts(self)
        self.series = self.file.series()
        self.markers = self.file.markers()
        self.charts.set_data(self.series, self.markers, self.file.currency)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._moment_tab(), tr("此刻"))
        self.tabs.addTab(self._products_tab(), tr("商品"))
        self.tabs.addTab(self._analysis_tab(), tr("评论分析"))
        self.tabs.addTab(self._coupons_tab(), tr("优惠券"))
        self.tabs.addTab(self._gifts_tab(), tr("礼物"))
        self._add_lottery_tab()
        self._add_quiz_tab()
        self._add_rain_tab()
        self._add_drill_tab()
        self._add_action_tabs()
        self.video = VideoPane(self.summary.obs_recording, self.file.meta, self)
        self.tabs.addTab(self.video, tr("视频"))
        self.video.position.connect(self._video_moved)
        self._lay_out()

        self._pending_ts: float | None = None
        self._seek_ts: float | None = None  # a moment the operator picked: the video goes there
        self._following = False  # the cursor is being moved by the playing video
        self._closed = False
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(40)
        self._debounce.timeout.connect(self._show_moment)
        self.charts.moment.connect(self._moment)
        self._moment(self.charts.cursor_ts())
        self._show_moment()

        self._inbox = Inbox.for_qobject(self, name="replay window")
        threading.Thread(
            target=_analyse, args=(path, self._inbox), daemon=True, name="replay-keywords"
        ).start()

    # --- the tabs ----------------------------------------------------------------------------------
    def _moment_tab(self) -> QWidget:
        """此刻: the comments, orders and operator markers around the chart's cursor."""
        self.moment_label = QLabel(self)
        self.moment_label.setTextFormat(Qt.TextFormat.PlainText)
        self.comments = Table(["时间", "昵称", "评论"])
        self.orders = Table(["时间", "昵称", "商品", "数量", "金额", "状态"])
        self.marker_table = Table(["时间", "操作"])
        # narrow number columns, so the status (the last column) stays in view
        for table, widths in (
            (self.comments, (66, 120)),
            (self.orders, (66, 104, 136, 40, 80)),
            (self.marker_table, (66,)),
        ):
            for col, width in enumerate(widths):
                table.setColumnWidth(col, width)
        moment = QWidget(self)
        ml = QVBoxLayout(moment)
        ml.addWidget(self.moment_label)
        row = QHBoxLayout()
        row.addWidget(self.comments, 3)
        row.addWidget(self.orders, 3)
        row.addWidget(self.marker_table, 2)
        ml.addLayout(row)
        return moment

    def _products_tab(self) -> QWidget:
        """商品: each product's results, and every explain with what it sold."""
        self.products = ProductTable(self)
        self.product_rows = per_product(self.file)
        self.products.set_rows(self.product_rows, self.file.currency)
        self.explains = ExplainTable(self)
        self.explain_rows = [w for r in self.product_rows for w in r.explains]
        self.explain_rows.sort(key=lambda w: (w.start_ts, w.product_id))
        self.explains.set_rows(self.explain_rows, self.file.currency)
        products_tab = QSplitter(Qt.Orientation.Vertical, self)
        products_tab.setChildrenCollapsible(False)
        products_tab.addWidget(self.products)
        below = QWidget(self)
        bl = QVBoxLayout(below)
        bl.setContentsMargins(0, 4, 0, 0)
        title = QLabel(tr("讲解记录"), below)
        title.setStyleSheet("font-weight: 600;")
        bl.addWidget(title)
        bl.addWidget(self.explains, 1)
        note = QLabel(
            tr(
                "讲解后 = 讲解结束后 5 分钟内（同一商品再次讲解时截止）；"
                "转化率 = 讲解期间下单人数 ÷ 讲解期间平均在线人数；平台不提供点击数。"
            ),
            below,
        )
        note.setWordWrap(True)
        note.setStyleSheet(theme.text_style(theme.SECONDARY))
        bl.addWidget(note)
        products_tab.addWidget(below)
        products_tab.setSizes([200, 200])
        return products_tab

    def _analysis_tab(self) -> QWidget:
        """评论分析: the top questions and keywords (filled by a thread: :func:`_analyse`)."""
        analysis = QWidget(self)
        al = QHBoxLayout(analysis)
        self.questions = Table(["高频问题", "次数"])
        self.keywords = Table(["关键词", "次数"])
        self.questions.setColumnWidth(0, 360)
        al.addWidget(self.questions, 3)
        al.addWidget(self.keywords, 2)
        return analysis

    def _coupons_tab(self) -> QWidget:
        self.coupons = Table(["优惠券", "类型", "发放", "领取", "使用", "状态"])
        self.coupon_results = self.file.coupons()
        self.coupons.fill(
            [
                [
                    c.name,
                    value_name(c.kind),
                    c.issued,
                    c.claimed,
                    c.used,
                    value_name(c.status),
                ]
                for c in self.coupon_results
            ]
        )
        return self.coupons

    def _gifts_tab(self) -> QWidget:
        # viewers' money besides orders: gift value, paid messages (醒目留言), per minute
        self.money = totals(self.file)
        self.money_rows = per_minute(self.file)
        gifts_tab = QWidget(self)
        gl = QVBoxLayout(gifts_tab)
        self.money_label = QLabel(gifts_tab)
        self.money_label.setObjectName("replayMoney")
        self.money_label.setTextFormat(Qt.TextFormat.PlainText)
        self.money_label.setStyleSheet("font-weight: 600; padding: 4px;")
        self.money_table = Table(list(MONEY_HEADERS))
        self.money_table.setObjectName("replayMoneyTable")
        self.money_table.fill(
            [
                [
                    hms(r.minute * 60),
                    money(r.money.gift_value_cents, self.file.gift_currency),
                    r.money.paid_messages,
                    money(r.money.paid_message_cents, self.file.gift_currency),
                    r.money.memberships,
                    r.money.shares,
                ]
                for r in self.money_rows
            ]
        )
        gl.addWidget(self.money_label)
        gl.addWidget(self.money_table, 1)
        self._show_money()
        return gifts_tab

    def _add_rain_tab(self) -> None:
        """红包雨: per rain its totals and the chat during it against as long before (only when
        the session had one)."""
        self.rain_results = self.file.red_envelopes()
        if not self.rain_results:
            return
        self.rains = Table(RAIN_HEADERS)
        rows = [rain_cells(r, self.file.gift_currency, tr) for r in self.rain_results]
        self.rains.fill(rows)
        self.tabs.addTab(self.rains, tr("红包雨"))

    def _add_lottery_tab(self) -> None:
        self.lottery_results = self.file.lotteries()
        self.lottery_tab = LotteryTab(self.lottery_results, self)
        self.lotteries = self.lottery_tab.table
        if self.lottery_tab.failed:  # loud from any tab: the tab's own title says it, in red
            i = self.tabs.addTab(self.lottery_tab, tr("抽奖 ✗ 验证未通过"))
            self.tabs.tabBar().setTabTextColor(i, QColor(theme.DANGER))
        else:
            self.tabs.addTab(self.lottery_tab, tr("抽奖"))

    def _add_quiz_tab(self) -> None:
        """答题: only for a file with quizzes (the console's own game, app/session/quizzes.py)."""
        self.quiz_results = quiz_results(
            self.file.conn, self.lottery_results, bool(self.file.meta.get("gaps"))
        )
        self.quiz_tab: QuizTab | None = None
        if not self.quiz_results:
            return
        self.quiz_tab = QuizTab(self.quiz_results, self)
        if self.quiz_tab.failed:
            i = self.tabs.addTab(self.quiz_tab, tr("答题 ✗ 复算不一致"))
            self.tabs.tabBar().setTabTextColor(i, QColor(theme.DANGER))
        else:
            self.tabs.addTab(self.quiz_tab, tr("答题"))

    def _add_drill_tab(self) -> None:
        """演练报告: only for a file with a drill in it (app/drill); red when a fault was missed."""
        self.drill_tab: DrillTab | None = None
        results = self.file.drill_results()
        if not results:
            return
        self.drill_tab = DrillTab(results, self)
        if self.drill_tab.missed:
            i = self.tabs.addTab(self.drill_tab, tr("演练报告 ✗ 有未发现的故障"))
            self.tabs.tabBar().setTabTextColor(i, QColor(theme.DANGER))
        else:
            self.tabs.addTab(self.drill_tab, tr("演练报告"))

    def _add_action_tabs(self) -> None:
        self.actions_table = Table(["时间", "操作", "角色", "结果", "耗时(ms)", "错误"])
        self.actions_table.fill(
            [
                [
                    time_of_day(a["ts"]),
                    action_name(a["name"]),
                    role_name(a["role"]),
                    tr("成功") if a["ok"] else tr("失败"),
                    round(a["duration_ms"], 1),
                    a["error"] or "",
                ]
                for a in self.file.actions()
            ]
        )
        self.action_log = ActionLogTab(action_log(self.file.conn), self)
        self.tabs.addTab(self.action_log, tr("操作记录"))  # every operator, before → after
        self.tabs.addTab(self.actions_table, tr("本机请求"))  # this console's, ok or refused

    def _lay_out(self) -> None:
        """The header and charts above, the tabs below, the toolbar."""
        top = QWidget(self)
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.header)
        tl.addWidget(self.score_label)
        tl.addWidget(self.charts, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(top)
        split.addWidget(self.tabs)
        split.setSizes([560, 390])
        self.setCentralWidget(split)
        self._build_toolbar()

    # --- pieces ------------------------------------------------------------------------------------
    def _show_money(self) -> None:
        m = self.money
        if not m.any:
            self.money_label.setText(tr("本场没有礼物价值或醒目留言"))
            return
        self.money_label.setText(
            tr("礼物价值 {gifts} · 醒目留言 {n} 条（{amount}） · 开通会员 {members} · 分享 {shares}")
            .format(
                gifts=money(m.gift_value_cents, self.file.gift_currency),
                n=m.paid_messages,
                amount=money(m.paid_message_cents, self.file.gift_currency),
                members=m.memberships,
                shares=m.shares,
            )
        )  # fmt: skip

    def _score_done(self, sc: Score | None) -> None:
        self.score = sc
        self._show_score()

    def _show_score(self) -> None:
        if self.score is None:
            self.score_label.setText(tr("复盘评分：无法计算"))
            return
        self.score_label.setText(score_line(self.score, tr))
        self.score_label.setToolTip(basis_note(self.score, tr))

    def retranslate(self) -> None:
        """After a language switch (ui/i18n.py): the texts made from data."""
        self._show_money()
        if self.score is not None:
            self._show_score()

    def _build_toolbar(self) -> None:
        bar = self.addToolBar(tr("导出"))
        bar.setObjectName("replayToolbar")
        for text, fn in (
            (tr("导出 HTML 报告"), self.export_html),
            (tr("导出 CSV"), self.export_csv),
            (tr("导出 PDF"), self.export_pdf),
        ):
            act = QAction(text, self)
            act.triggered.connect(fn)
            bar.addAction(act)

    # --- the moment under the cursor ---------------------------------------------------------------
    def _moment(self, ts: float) -> None:
        self._pending_ts = ts
        if not self._following:
            self._seek_ts = ts
        if not self._debounce.isActive():
            self._debounce.start()

    def _show_moment(self) -> None:
        ts = self._pending_ts
        if ts is None or self._closed:
            return
        w = MOMENT_WINDOW_S
        n_comments, n_orders = self.file.count_around(ts, w, w)
        text = tr("{t}（开播后 {rel}）前后 {w} 秒：评论 {c} 条，订单 {o} 笔").format(
            t=time_of_day(ts),
            rel=hms(max(0.0, ts - self.summary.started_ts)),
            w=int(w),
            c=n_comments,
            o=n_orders,
        )
        if max(n_comments, n_orders) > MOMENT_ROWS:
            text += tr("（只列出离此刻最近的 {n} 条）").format(n=MOMENT_ROWS)
        self.moment_label.setText(text)
        self.comments.fill(
            [
                [time_of_day(c.ts), c.nickname, c.text]
                for c in self.file.comments_around(ts, w, w, MOMENT_ROWS)
            ]
        )
        self.orders.fill(
            [
                [
                    time_of_day(o.created_ts),
                    o.nickname,
                    o.product_title or o.product_id,
                    o.quantity,
                    money(o.amount_cents, self.file.currency),
                    value_name(o.status),
                ]
                for o in self.file.orders_around(ts, w, w, MOMENT_ROWS)
            ]
        )
        near = [mk for mk in self.markers if abs(mk.ts - ts) <= 5 * 60]
        self.marker_table.fill([[time_of_day(mk.ts), marker_text(mk)] for mk in near])
        seek, self._seek_ts = self._seek_ts, None
        if seek is not None:
            self.video.seek_to(seek)

    def _video_moved(self, ts: float) -> None:
        """The playing video moved on: the cursor follows (without seeking the video back)."""
        if any(line.moving for line in self.charts.cursors):
            return  # the reviewer is dragging the cursor: the video follows the hand instead
        self._following = True
        try:
            self.charts.set_cursor(ts)
        finally:
            self._following = False

    def _analysis_done(
        self, questions: list[tuple[str, int]], words: list[tuple[str, int]]
    ) -> None:
        self.questions.fill([[t, n] for t, n in questions])
        self.keywords.fill([[t, n] for t, n in words])

    # --- exports -----------------------------------------------------------------------------------
    def _ask_path(self, title: str, suffix: str, filt: str) -> Path | None:
        path = self.file.path  # beside the file, its session suffix (new or old) replaced
        default = str(path.with_name(schema_stem(path) + suffix))
        name, _ = QFileDialog.getSaveFileName(self, title, default, filt)
        return Path(name) if name else None

    def export_html(self) -> None:
        from app.session.report import write_html

        path = self._ask_path(tr("导出 HTML 报告"), ".html", "HTML (*.html)")
        if path and self._exported(
            lambda: write_html(self.file, path, lang=language(), score=self.score)
        ):
            self._done(path)

    def export_csv(self) -> None:
        from app.session.report_csv import write_csv

        folder = QFileDialog.getExistingDirectory(self, tr("导出 CSV 到文件夹"))
        if folder and self._exported(lambda: write_csv(self.file, Path(folder), lang=language())):
            self._done(Path(folder))

    def export_pdf(self) -> None:
        path = self._ask_path(tr("导出 PDF"), ".pdf", "PDF (*.pdf)")
        if path:
            spawn(self.write_pdf(path), name="replay-pdf")

    async def write_pdf(self, path: Path) -> bool:
        """The report as a PDF (Chromium lays it out on the loop; see :mod:`ui.replay.pdf`)."""
        from ui.replay.pdf import write_pdf

        self.statusBar().showMessage(tr("正在导出 PDF…"))
        try:
            await write_pdf(self.file, path, lang=language(), score=self.score)
        except (SessionFileError, sqlite3.Error, OSError, ValueError) as exc:
            log.warning("export of %s failed: %s", self.file.path, exc)
            reason = exc.message() if isinstance(exc, SessionFileError) else str(exc)
            if not self._closed:  # said in the status bar: no modal question inside a task
                self.statusBar().showMessage(tr("导出失败：{e}").format(e=reason))
            return False
        if not self._closed:
            self.statusBar().showMessage(tr("已导出到 {path}").format(path=str(path)))
        return True

    def _exported(self, write: Callable[[], object]) -> bool:
        """Run an export; a file that turns out damaged (a block too large, a value out of
        range) or a disk error is said in a message, never an exception in the UI."""
        try:
            write()
        except (SessionFileError, sqlite3.Error, OSError, ValueError) as exc:
            log.warning("export of %s failed: %s", self.file.path, exc)
            reason = exc.message() if isinstance(exc, SessionFileError) else str(exc)
            QMessageBox.warning(self, tr("导出失败"), tr("导出失败：{e}").format(e=reason))
            return False
        return True

    def _done(self, path: Path) -> None:
        QMessageBox.information(self, tr("已导出"), tr("已导出到 {path}").format(path=str(path)))

    def closeEvent(self, event: object) -> None:
        self._closed = True
        self._inbox.close()
        self._debounce.stop()
        self.video.stop()
        self.file.close()
        super().closeEvent(event)  # type: ignore[arg-type]
