"""The sessions list (场次): every recorded session in the local sessions folder — date, room,
duration, GMV, orders, peak online, the replay score (评分: app/session/score.py, each session
against the ones before it in the folder, with the saved weights; the list sorts by any column,
a click on its header) — to open in the replay window or compare two side by side;
for teams, sessions shared through the platform (upload: host and assistant; list and download:
every role, the reviewer included).

Session files are untrusted input (a shared file may be crafted): the list reads them in a
worker thread, each file under its own time limit (:func:`app.session.replay.scan_sessions`),
and hands the result to the loop; a file that cannot be read is a row saying why ("已损坏/不支持：
…"), never an error dialog or a frozen console. Opening a replay checks the file in a worker
first. Downloads are stored beside the local recordings under their own name and shown as
shared (column 来源).

The list refreshes by itself (every ``REFRESH_S`` while shown): a worker thread compares each
file's size and modification time (the file and its WAL) with what it read last, reads only the
files that changed (a new recording, a live one growing, one that ended) and hands the rows to the
loop; the selection is kept. 总结 opens the session's 下播总结 (:mod:`ui.replay.summary`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn, wait_within
from app.format import hms, human_size, money
from app.names import role_name
from app.platform.errors import PlatformError
from app.session.recorder import sessions_dir
from app.session.replay import Summary, Unreadable, read_summary
from app.session.safe_open import MAX_TS, MIN_TS, SessionFileError
from app.session.schema import SUFFIXES, is_session_file, session_files
from app.session.score import Raw, Score, basis_note, read_raw, score_all
from app.session.share import SessionShare, download_name, shared_by
from app.settings import ReviewSettings
from app.threads import Inbox
from ui.i18n import tr
from ui.replay.tables import Table

if TYPE_CHECKING:
    from ui.context import ConsoleContext

log = logging.getLogger(__name__)

HEADERS = [
    "开播时间",
    "直播间",
    "场次",
    "时长",
    "成交额",
    "订单",
    "峰值在线",
    "状态",
    "录像",
    "来源",
    "评分",
]
SCORE_COLUMN = HEADERS.index("评分")
PATH_ROLE = Qt.ItemDataRole.UserRole  # column 0 holds the row's file (rows move when sorted)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # the 评分 cell's number
#: each file is read under this time limit; the whole list under LIST_DEADLINE_S
FILE_DEADLINE_S = 5.0
LIST_DEADLINE_S = 60.0
REFRESH_S = 3.0  # the list checks the folder this often while shown

Signature = tuple[int, int, int, int]  # size and mtime (ns) of the file and of its WAL


def _alive(w: QWidget) -> bool:
    import shiboken6

    return shiboken6.isValid(w)


def signature(path: Path) -> Signature | None:
    """What changes when a session file is written: its own and its WAL's size and mtime."""
    try:
        st = path.stat()
    except OSError:
        return None
    try:
        wal = os.stat(str(path) + "-wal")
        w = (wal.st_size, wal.st_mtime_ns)
    except OSError:
        w = (0, 0)
    return (st.st_size, st.st_mtime_ns, *w)


Cache = dict[Path, tuple[Signature, Summary | Unreadable, Raw | None]]


def rescan(directory: Path, cache: Cache) -> tuple[list[Summary], list[Unreadable], Cache, bool]:
    """The folder's sessions, reading only files whose signature changed since ``cache``
    (a worker thread: plain data in and out). The flag says whether anything changed."""
    if not directory.exists():
        return [], [], {}, bool(cache)
    out: Cache = {}
    changed = False
    for p in session_files(directory):
        sig = signature(p)
        if sig is None:
            continue
        old = cache.get(p)
        if old is not None and old[0] == sig:
            out[p] = old
            continue
        changed = True
        try:
            summary = read_summary(p, FILE_DEADLINE_S)
        except SessionFileError as exc:
            out[p] = (sig, Unreadable(p, exc.message()), None)
            continue
        try:
            raw: Raw | None = read_raw(p, FILE_DEADLINE_S)
        except SessionFileError:
            raw = None  # listed, not scored
        out[p] = (sig, summary, raw)
    changed = changed or out.keys() != cache.keys()
    good = sorted(
        (v for _, v, _r in out.values() if isinstance(v, Summary)), key=lambda s: -s.started_ts
    )
    bad = [v for _, v, _r in out.values() if isinstance(v, Unreadable)]
    return good, bad, out, changed


def raws(cache: Cache) -> list[Raw]:
    return [r for _, _, r in cache.values() if r is not None]


Scanned = tuple[list[Summary], list[Unreadable], Cache, bool]


def _scan_worker(
    directory: Path, cache: Cache, full: bool, scan_id: int, inbox: Inbox[SessionsWindow]
) -> None:
    """On a worker thread: read the folder, post the answer (never touches the window)."""
    try:
        found = rescan(directory, cache)
    except OSError as exc:
        inbox.post(SessionsWindow._scan_failed, full, str(exc))
        return
    inbox.post(SessionsWindow._scanned, scan_id, full, directory, found)


def source_text(path: Path) -> str:
    who = shared_by(path)
    if who is None:
        return tr("本机录制")
    return tr("平台共享（{who}）").format(who=role_name(who) or who)


class ScoreItem(QTableWidgetItem):
    """A 评分 cell: one decimal shown, sorted by the number ("—", unscored, below every score)."""

    def __init__(self, score: float | None) -> None:
        super().__init__("—" if score is None else f"{score:.1f}")
        self.setData(SORT_ROLE, -1.0 if score is None else score)
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if isinstance(mine, float) and isinstance(theirs, float):
            return mine < theirs
        return super().__lt__(other)


class SessionsWindow(QWidget):
    def __init__(
        self,
        directory: Path | None = None,
        parent: QWidget | None = None,
        *,
        window: bool = True,
        share: SessionShare | None = None,
        refresh_s: float = REFRESH_S,
        review: Callable[[], ReviewSettings] = ReviewSettings,
    ) -> None:
        super().__init__(parent)
        self.share = share
        #: the score's weights and targets (the console passes its settings' ``review``, read
        #: at each refresh so an edit applies without a restart)
        self.review = review
        self.scores: dict[Path, Score] = {}
        self._cache: Cache = {}
        self._polling = False
        self._scan_id = 0  # the scan whose answer is awaited (older answers are dropped)
        self._inbox: Inbox[SessionsWindow] = Inbox.for_qobject(self, name="sessions list")
        self.summary_dialog: QWidget | None = None
        if window:
            self.setWindowFlag(Qt.WindowType.Window)
        self.setWindowTitle(tr("直播场次"))
        self.resize(1100, 520)
        self.directory = directory or sessions_dir()
        self.summaries: list[Summary] = []
        self.unreadable: list[Unreadable] = []
        self.loading = False
        self.opened: list[QWidget] = []
        self.table = Table(HEADERS, self)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.where = QLabel(self)
        self.where.setTextFormat(Qt.TextFormat.PlainText)
        self.shared_dialog: SharedSessionsDialog | None = None
        self.upload_button: QPushButton | None = None
        self.shared_button: QPushButton | None = None
        buttons = QHBoxLayout()
        self.summary_button = QPushButton(tr("总结"), self)
        self.summary_button.setToolTip(tr("查看选中场次的下播总结"))
        self.summary_button.clicked.connect(self.summary_selected)
        for text, fn in (
            (tr("打开复盘"), self.open_selected),
            (tr("对比两场"), self.compare_selected),
            (tr("打开文件…"), self.open_file),
            (tr("刷新"), self.refresh),
        ):
            b = QPushButton(text, self)
            b.clicked.connect(fn)
            buttons.addWidget(b)
            if fn == self.open_selected:
                buttons.addWidget(self.summary_button)
        if share is not None:
            self.upload_button = QPushButton(tr("上传到平台"), self)
            self.upload_button.clicked.connect(self.upload_selected)
            if share.can_upload:
                self.upload_button.setToolTip(tr("把选中的场次上传到平台，团队成员可以下载复盘"))
            else:
                self.upload_button.setEnabled(False)
                self.upload_button.setToolTip(
                    tr("复盘员只能查看和下载平台共享的场次，上传需要主播或场控身份")
                )
            self.shared_button = QPushButton(tr("平台共享场次…"), self)
            self.shared_button.setToolTip(tr("列出平台上共享的场次，下载到本机复盘"))
            self.shared_button.clicked.connect(self.fetch_shared)
            buttons.addWidget(self.upload_button)
            buttons.addWidget(self.shared_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.where)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(int(refresh_s * 1000))
        self._timer.timeout.connect(self._poll)
        self._timer.start()
        self.refresh()

    def _poll(self) -> None:
        """Look for new, grown or ended recordings (a worker thread), while the list is shown."""
        if self._polling or self.loading or not self.isVisible():
            return
        self._polling = True
        self._scan_folder(self.directory, dict(self._cache), full=False)

    def _scan_folder(self, directory: Path, cache: Cache, *, full: bool) -> None:
        """Read ``directory`` on a worker thread; the result comes back through the inbox
        (:meth:`_scanned`). No asyncio task waits on it: a window closed meanwhile (or a test
        ending) leaves nothing pending, and a thread that never answers is given up on after
        ``LIST_DEADLINE_S`` (each file has its own, shorter limit)."""
        self._scan_id += 1
        scan_id = self._scan_id
        threading.Thread(
            target=_scan_worker,
            args=(directory, cache, full, scan_id, self._inbox),
            daemon=True,
            name="sessions-list",
        ).start()
        QTimer.singleShot(int(LIST_DEADLINE_S * 1000), self, lambda: self._late(scan_id, full))

    def _late(self, scan_id: int, full: bool) -> None:
        if scan_id != self._scan_id or not (self.loading or self._polling):
            return
        self._scan_id += 1  # the late answer, if it ever comes, is dropped
        self._scan_failed(full, tr("超时"))

    def _scanned(self, scan_id: int, full: bool, directory: Path, found: Scanned) -> None:
        if scan_id != self._scan_id:
            return
        good, bad, cache, changed = found
        self._polling = False
        if directory != self.directory:
            return
        if full or changed:
            self._cache = cache
            self.scores = score_all(raws(cache), self.review())
            self._show(good, bad)

    def _scan_failed(self, full: bool, error: str) -> None:
        self._polling = False
        if full:
            self.loading = False
            self.where.setText(tr("无法读取场次列表：{e}").format(e=error))
        else:
            log.warning("sessions list: %s", error)

    def summary_selected(self) -> None:
        """The 下播总结 of the selected session (read on a worker thread)."""
        sel = self.selected()
        if sel:
            spawn(self._summary(sel[0].path), name="session-summary")

    async def _summary(self, path: Path) -> None:
        from ui.replay.summary import show_summary

        d = await show_summary(path, self)
        if d is None:
            if _alive(self):
                self._cannot_open(path, tr("无法读取"))
            return
        self.summary_dialog = d

    def retranslate(self) -> None:
        """After a live language switch (ui/i18n.py): the folder line and the rows (read again in
        the worker thread, so their status words are in the new language)."""
        self.refresh()

    def refresh(self) -> None:
        """Read the folder again, in a worker thread (the list fills when it is read)."""
        self.where.setText(tr("本机场次：{path}").format(path=str(self.directory)))
        self.loading = True
        self._scan_folder(self.directory, {}, full=True)

    def _show(self, summaries: list[Summary], unreadable: list[Unreadable]) -> None:
        self.loading = False
        keep = {s.path for s in self.selected()}
        self.summaries, self.unreadable = summaries, unreadable
        rows: list[list[object]] = [
            [
                time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started_ts)),
                s.room,
                s.session_id,
                hms(s.duration_s),
                money(s.gmv_cents, s.currency),
                s.orders,
                s.peak_online,
                tr("已结束") if s.ended_ts else tr("未结束"),
                Path(s.obs_recording).name if s.obs_recording else "—",
                source_text(s.path),
                "",  # the 评分 cell is a ScoreItem (below)
            ]
            for s in summaries
        ]
        rows.extend(
            [
                "—",
                "—",
                u.path.name,
                "—",
                "—",
                "—",
                "—",
                tr("已损坏/不支持：{reason}").format(reason=u.reason),
                "—",
                source_text(u.path),
                "—",
            ]
            for u in unreadable
        )
        self.table.clearSelection()  # rows move (a new session comes in on top)
        self.table.fill(rows)
        paths = [s.path for s in summaries] + [u.path for u in unreadable]
        for i, path in enumerate(paths):
            item = self.table.item(i, 0)
            if item is not None:
                item.setData(PATH_ROLE, str(path))
            sc = self.scores.get(path)
            cell = ScoreItem(sc.total if sc is not None else None)
            if sc is not None:
                cell.setToolTip(basis_note(sc, tr))
            self.table.setItem(i, SCORE_COLUMN, cell)
        self._sort()
        sel = self.table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for r in range(self.table.rowCount()):  # the selection stays on the same sessions
            if self._row_path(r) in keep:
                sel.select(self.table.model().index(r, 0), flags)

    def _sort(self) -> None:
        """Rows sorted as the operator chose by a header click (newest first until then: the
        order they were filled in)."""
        header = self.table.horizontalHeader()
        if not 0 <= header.sortIndicatorSection() < len(HEADERS):
            header.setSortIndicator(-1, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)  # sorts by the indicator (none: as filled)

    def sort_by_score(self, order: Qt.SortOrder = Qt.SortOrder.DescendingOrder) -> None:
        """Best sessions first (what a click on the 评分 header does)."""
        self.table.sortItems(SCORE_COLUMN, order)

    def _row_path(self, row: int) -> Path | None:
        item = self.table.item(row, 0)
        value = item.data(PATH_ROLE) if item is not None else None
        return Path(value) if isinstance(value, str) else None

    def selected(self) -> list[Summary]:
        by_path = {s.path: s for s in self.summaries}
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [by_path[p] for r in rows if (p := self._row_path(r)) in by_path]

    def open_selected(self) -> None:
        for s in self.selected()[:3]:
            self.open_path(s.path)

    def open_path(self, path: Path) -> None:
        """Check the file in a worker thread, then open its replay window (or say why not)."""
        spawn(self._open(path), name="session-open")

    async def _open(self, path: Path) -> QWidget | None:
        try:
            await wait_within(
                asyncio.to_thread(read_summary, path, FILE_DEADLINE_S), FILE_DEADLINE_S * 4
            )
        except (SessionFileError, TimeoutError) as exc:
            reason = exc.message() if isinstance(exc, SessionFileError) else tr("读取超时")
            if _alive(self):
                self._cannot_open(path, reason)
            return None
        if not _alive(self):
            return None
        return self.show_replay(path)

    def show_replay(self, path: Path) -> QWidget | None:
        """The replay window of a file already checked (its queries are time-limited)."""
        from ui.replay.window import ReplayWindow

        try:
            w = ReplayWindow(path)
        except Exception as exc:  # a value in the file the replay cannot show: say so
            log.warning("cannot open %s: %s", path, exc)
            reason = exc.message() if isinstance(exc, SessionFileError) else str(exc)
            self._cannot_open(path, reason)
            return None
        w.show()
        self.opened = [x for x in self.opened if x.isVisible()] + [w]
        return w

    def _cannot_open(self, path: Path, reason: str) -> None:
        self.where.setText(tr("无法打开 {name}：{reason}").format(name=path.name, reason=reason))

    def compare_selected(self) -> None:
        sel = self.selected()
        if len(sel) != 2:
            QMessageBox.information(self, tr("对比两场"), tr("请选择两场直播进行对比。"))
            return
        from ui.replay.compare import CompareWindow

        w = CompareWindow(sel[0].path, sel[1].path)
        w.show()
        self.opened = [x for x in self.opened if x.isVisible()] + [w]

    def upload_selected(self) -> None:
        if self.share is None or not self.share.can_upload:
            return
        for s in self.selected():
            spawn(self._upload(s.path), name="session-upload")

    async def _upload(self, path: Path) -> None:
        assert self.share is not None
        self.where.setText(tr("正在上传 {name}…").format(name=path.name))
        try:
            await self.share.upload(path)
        except (PlatformError, OSError, httpx.HTTPError) as exc:
            self.where.setText(tr("上传失败：{e}").format(e=str(exc)))
            return
        self.where.setText(tr("已上传 {name}").format(name=path.name))
        if self.shared_dialog is not None and self.shared_dialog.isVisible():
            self.shared_dialog.reload()

    def fetch_shared(self) -> SharedSessionsDialog | None:
        """Open (or bring forward) the list of sessions shared on the platform."""
        if self.share is None:
            return None
        if self.shared_dialog is None:
            self.shared_dialog = SharedSessionsDialog(self.share, self)
        self.shared_dialog.show()
        self.shared_dialog.raise_()
        self.shared_dialog.reload()
        return self.shared_dialog

    def open_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, tr("打开场次文件"), str(self.directory), FILE_FILTER
        )
        if name:
            self.open_path(Path(name))


#: the open dialog's filter: session files of both names
FILE_FILTER = "LiveDesk (" + " ".join("*" + s for s in SUFFIXES) + ")"
NAME = re.compile(
    r"^(?P<room>[^_]+)_(?P<sid>.+)_(?P<start>\d{8}-\d{6})(?:"
    + "|".join(re.escape(s) for s in SUFFIXES)
    + ")$"
)
SHARED_HEADERS = [
    "开播时间",
    "直播间",
    "场次",
    "时长",
    "成交额",
    "订单",
    "峰值在线",
    "大小",
    "上传时间",
    "上传者",
    "本机",
]


def _local_summary(path: Path) -> Summary | None:
    """Read in a worker thread (a file on disk is untrusted); None if absent or unreadable."""
    if not path.exists():
        return None
    try:
        return read_summary(path, FILE_DEADLINE_S)
    except SessionFileError:
        return None


class SharedSessionsDialog(QDialog):
    """平台共享场次: what the platform lists (name, size, when and by whom uploaded), with the
    date, room and session from the file name; duration, GMV, orders and peak online come from
    the file itself, so they show once it is downloaded (the platform does not report them)."""

    def __init__(self, share: SessionShare, panel: SessionsWindow) -> None:
        super().__init__(panel)
        self.share = share
        self.panel = panel
        self.items: list[dict[str, object]] = []
        self.setWindowTitle(tr("平台共享场次"))
        self.resize(1150, 420)
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.table = Table(SHARED_HEADERS, self)
        self.table.setColumnWidth(0, 140)
        self.table.doubleClicked.connect(lambda _i: self.download_selected(open_after=True))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.download_button = QPushButton(tr("下载到本机"), self)
        self.download_button.clicked.connect(lambda: self.download_selected(open_after=False))
        self.open_button = QPushButton(tr("下载并打开复盘"), self)
        self.open_button.clicked.connect(lambda: self.download_selected(open_after=True))
        reload_button = QPushButton(tr("刷新"), self)
        reload_button.clicked.connect(self.reload)
        close_button = QPushButton(tr("关闭"), self)
        close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        for b in (self.download_button, self.open_button, reload_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        self._selection_changed()

    def _selection_changed(self) -> None:
        some = bool(self.selected_names())
        self.download_button.setEnabled(some)
        self.open_button.setEnabled(some)

    def selected_names(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [str(self.items[r]["name"]) for r in rows if r < len(self.items)]

    def reload(self) -> None:
        self.status.setText(tr("正在获取平台共享场次…"))
        spawn(self._reload(), name="session-shared-list")

    async def _reload(self) -> None:
        try:
            items = await self.share.list()
        except (PlatformError, httpx.HTTPError) as exc:
            self.status.setText(tr("无法获取共享场次：{e}").format(e=str(exc)))
            return
        self.items = [i for i in items if isinstance(i, dict) and isinstance(i.get("name"), str)][
            :10_000
        ]
        await self._fill()
        if not self.items:
            self.status.setText(tr("平台上还没有共享的场次。"))
        else:
            self.status.setText(
                tr("平台上共享了 {n} 场；时长、成交额等在下载后从场次文件读出").format(
                    n=len(self.items)
                )
            )

    def local_path(self, item: dict[str, object]) -> Path:
        """Where ``item`` is (or will be) once downloaded: beside, never over, a recording."""
        name, who = str(item["name"]), item.get("uploaded_by")
        return self.panel.directory / download_name(name, who if isinstance(who, str) else None)

    async def _fill(self) -> None:
        paths = [self.local_path(i) for i in self.items if is_session_file(str(i["name"]))]
        locals_ = await asyncio.to_thread(lambda: {p: _local_summary(p) for p in paths})
        if _alive(self):
            self.fill(locals_)

    def fill(self, locals_: dict[Path, Summary | None] | None = None) -> None:
        rows = []
        for item in self.items:
            name = str(item["name"])
            local = (locals_ or {}).get(self.local_path(item)) if is_session_file(name) else None
            m = NAME.match(name)
            if local is not None:
                date = time.strftime("%Y-%m-%d %H:%M", time.localtime(local.started_ts))
                room, sid = local.room, local.session_id
            elif m:
                try:
                    date = time.strftime(
                        "%Y-%m-%d %H:%M", time.strptime(m["start"], "%Y%m%d-%H%M%S")
                    )
                except ValueError:
                    date = "—"
                room, sid = m["room"], m["sid"]
            else:
                date, room, sid = "—", "—", name
            size = item.get("size")
            uploaded = item.get("uploaded_ts")
            who = str(item.get("uploaded_by") or "")
            rows.append(
                [
                    date,
                    room,
                    sid,
                    hms(local.duration_s) if local else "—",
                    money(local.gmv_cents, local.currency) if local else "—",
                    local.orders if local else "—",
                    local.peak_online if local else "—",
                    human_size(int(size))
                    if isinstance(size, int | float) and _sane(size, 0, 2**53)
                    else "—",
                    time.strftime("%m-%d %H:%M", time.localtime(float(uploaded)))
                    if isinstance(uploaded, int | float) and _sane(uploaded, MIN_TS, MAX_TS)
                    else "—",
                    role_name(who) or "—",
                    tr("已下载") if local else tr("未下载"),
                ]
            )
        self.table.fill(rows)
        self._selection_changed()

    def download_selected(self, *, open_after: bool = False) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        items = [self.items[r] for r in rows if r < len(self.items)]
        if items:
            spawn(self._download(items, open_after), name="session-download")

    async def _download(self, items: list[dict[str, object]], open_after: bool) -> None:
        paths = []
        for item in items:
            name, who = str(item["name"]), item.get("uploaded_by")
            self.status.setText(tr("正在下载 {name}…").format(name=name))
            try:
                paths.append(
                    await self.share.download(
                        name, self.panel.directory, who if isinstance(who, str) else None
                    )
                )
            except SessionFileError as exc:
                if _alive(self):
                    self.status.setText(tr("下载的文件无法使用：{e}").format(e=exc.message()))
                return
            except (PlatformError, OSError, httpx.HTTPError) as exc:
                if _alive(self):
                    self.status.setText(tr("下载失败：{e}").format(e=str(exc)))
                return
        if not _alive(self):
            return
        await self._fill()  # the table shows 已下载 and the file's totals before the status says so
        if not _alive(self):
            return
        self.status.setText(tr("已下载到 {path}").format(path=str(self.panel.directory)))
        self.panel.refresh()
        if open_after:
            for path in paths[:3]:
                self.panel.open_path(path)


def _sane(v: object, lo: float, hi: float) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and lo <= v <= hi


def make(ctx: ConsoleContext) -> SessionsWindow:
    """The 复盘 dock (ui/panels.py): the sessions list, opening replay windows on demand."""
    return SessionsWindow(
        window=False,
        share=SessionShare.for_adapter(ctx.room.adapter),
        review=lambda: ctx.settings.review,
    )
