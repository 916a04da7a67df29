"""The sessions list (场次): every recorded session in the local sessions folder — date, room,
duration, GMV, orders, peak online — to open in the replay window or compare two side by side."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn
from app.platform.errors import PlatformError
from app.session.recorder import sessions_dir
from app.session.replay import Summary, list_sessions
from app.session.report import hms, yuan
from app.session.schema import SUFFIX
from app.session.share import SessionShare
from ui.i18n import tr
from ui.replay.tables import Table

HEADERS = ["开播时间", "直播间", "场次", "时长", "成交额", "订单", "峰值在线", "状态", "录像"]


class SessionsWindow(QWidget):
    def __init__(
        self,
        directory: Path | None = None,
        parent: QWidget | None = None,
        *,
        window: bool = True,
        share: SessionShare | None = None,
    ) -> None:
        super().__init__(parent)
        self.share = share
        if window:
            self.setWindowFlag(Qt.WindowType.Window)
        self.setWindowTitle(tr("直播场次"))
        self.resize(1100, 520)
        self.directory = directory or sessions_dir()
        self.summaries: list[Summary] = []
        self.opened: list[QWidget] = []
        self.table = Table(HEADERS, self)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.where = QLabel(self)
        self.where.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        for text, fn in (
            (tr("打开复盘"), self.open_selected),
            (tr("对比两场"), self.compare_selected),
            (tr("打开文件…"), self.open_file),
            (tr("刷新"), self.refresh),
        ) + (
            ((tr("上传到平台"), self.upload_selected), (tr("平台共享场次…"), self.fetch_shared))
            if share is not None
            else ()
        ):
            b = QPushButton(text, self)
            b.clicked.connect(fn)
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.where)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.where.setText(tr("本机场次：{path}").format(path=str(self.directory)))
        self.summaries = list_sessions(self.directory) if self.directory.exists() else []
        self.table.fill(
            [
                [
                    time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started_ts)),
                    s.room,
                    s.session_id,
                    hms(s.duration_s),
                    yuan(s.gmv_cents),
                    s.orders,
                    s.peak_online,
                    tr("已结束") if s.ended_ts else tr("未结束"),
                    Path(s.obs_recording).name if s.obs_recording else "—",
                ]
                for s in self.summaries
            ]
        )

    def selected(self) -> list[Summary]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.summaries[r] for r in rows if r < len(self.summaries)]

    def open_selected(self) -> None:
        for s in self.selected()[:3]:
            self.open_path(s.path)

    def open_path(self, path: Path) -> QWidget:
        from ui.replay.window import ReplayWindow

        w = ReplayWindow(path)
        w.show()
        self.opened = [x for x in self.opened if x.isVisible()] + [w]
        return w

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
        if self.share is None:
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

    def fetch_shared(self) -> None:
        spawn(self._fetch(), name="session-fetch")

    async def _fetch(self) -> None:
        assert self.share is not None
        try:
            items = await self.share.list()
        except (PlatformError, httpx.HTTPError) as exc:
            self.where.setText(tr("无法获取共享场次：{e}").format(e=str(exc)))
            return
        names = [str(i["name"]) for i in items]
        if not names:
            self.where.setText(tr("平台上还没有共享的场次。"))
            return
        name, ok = QInputDialog.getItem(self, tr("平台共享场次"), tr("下载场次："), names, 0, False)
        if not ok:
            return
        try:
            await self.share.download(name, self.directory)
        except (PlatformError, OSError, httpx.HTTPError) as exc:
            self.where.setText(tr("下载失败：{e}").format(e=str(exc)))
            return
        self.refresh()

    def open_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, tr("打开场次文件"), str(self.directory), f"LiveDesk (*{SUFFIX})"
        )
        if name:
            self.open_path(Path(name))


def sessions_panel(w: object) -> QWidget:
    """The main window's 复盘 panel: the sessions list, opening replay windows on demand."""
    room = getattr(w, "room", None)
    share = SessionShare.for_adapter(room.adapter) if room is not None else None
    return SessionsWindow(window=False, share=share)
