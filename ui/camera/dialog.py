"""摄像头设置: pick a camera (or a file / phone URL) per role — 主机位 host (required), 商品特写
close-up and 备用 standby (optional) — preview the selected role's camera live, check the picture,
set the 画中画 preset (inset corner, size, swap) and save them all. One role is previewed at a time:
switching roles keeps each role's unsaved choice in the dialog until Save. Where each role's
camera goes in OBS: app/obs/camera_plan.py.

The dialog renders and forwards: opening and reading the camera happen on the reader thread of
:class:`app.camera.capture.FrameGrabber`, listing the cameras on a lister thread; the newest frame
arrives through the dialog's :class:`app.threads.Inbox` (at most one pending), so the UI never
blocks on the camera and never falls behind it.

Threads never touch the dialog: they hold only plain data and the inbox, which delivers on the
UI thread and only while the dialog is open and alive. Closing the dialog (or Qt destroying it
with its parent) closes the inbox and stops the reader; a lister still running then finishes into
a closed inbox, and a reader that takes longer to stop than the close waits for has nothing left
to touch either.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.camera.capture import CaptureState, CaptureStatus, FrameGrabber
from app.camera.checks import Level, PictureChecker, Verdict
from app.camera.devices import CameraSource, list_cameras, source_from_setting
from app.camera.modes import Mode
from app.camera.preview import PreviewPipeline
from app.camera.snapshot import save_snapshot
from app.obs.camera_input import ObsInputSpec, obs_input_for
from app.obs.camera_plan import ROLE_INPUTS
from app.obs.names import SCENE_CLOSEUP, SCENE_STANDBY
from app.settings import (
    CAMERA_ROLES,
    CameraRole,
    CameraSettings,
    Settings,
    load_settings,
    save_settings,
)
from app.threads import Inbox
from ui import theme
from ui.camera.preview_widget import CropPreview, PreviewWidget
from ui.i18n import tr

log = logging.getLogger(__name__)

RESOLUTIONS = [(3840, 2160), (1920, 1080), (1280, 720), (960, 540), (640, 480)]
FRAME_RATES = [60, 30, 25, 15]
LEVEL_COLOURS = {Level.OK: theme.OK, Level.INFO: theme.MUTED, Level.WARN: theme.WARNING,
                 Level.BAD: theme.DANGER}  # fmt: skip
STATE_COLOURS = {CaptureState.LIVE: theme.OK, CaptureState.OPENING: theme.MUTED,
                 CaptureState.LOST: theme.WARNING, CaptureState.FAILED: theme.DANGER,
                 CaptureState.STOPPED: theme.MUTED}  # fmt: skip
CHECK_KEYS = ("exposure", "focus", "colour", "black", "frozen", "fps")
ROLE_SCENES: dict[CameraRole, str | None] = {
    "host": None, "closeup": SCENE_CLOSEUP, "standby": SCENE_STANDBY}  # fmt: skip


def role_title(role: CameraRole) -> str:
    return {"host": tr("主机位"), "closeup": tr("商品特写"), "standby": tr("备用")}[role]


def find_data(combo: QComboBox, value: object) -> int:
    """Index of the item whose data equals ``value``, or -1 (``QComboBox.findData`` compares
    Python objects such as tuples by identity, so it misses equal ones)."""
    for i in range(combo.count()):
        if combo.itemData(i) == value:
            return i
    return -1


DeviceLister = Callable[[], list[CameraSource]]


def _list_devices(lister: DeviceLister, inbox: Inbox[CameraSetupDialog]) -> None:
    """The lister thread: never holds the dialog, only the inbox."""
    try:
        found = lister()
    except Exception:
        log.exception("listing cameras failed")
        found = []
    inbox.post(CameraSetupDialog._on_devices, found)


class _Workers:
    """What the dialog's threads depend on, held apart from the dialog so that Qt destroying the
    dialog (with its parent, without a close) still stops them: the slot holds this, not the
    dialog."""

    def __init__(self, inbox: Inbox[CameraSetupDialog]) -> None:
        self.inbox = inbox
        self.grabber: FrameGrabber | None = None

    def retire_grabber(self, wait: float) -> None:
        g, self.grabber = self.grabber, None
        if g is not None:
            g.stop(timeout=wait)  # the reader thread ends by itself; never block the UI on it

    def shut(self, *_: object) -> None:
        self.inbox.close()
        self.retire_grabber(wait=0.0)


class CameraSetupDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        settings: Settings | None = None,
        settings_file: Path | None = None,
        obs: Any = None,  # app.obs.connection.ObsConnection, when the console has one
        snapshot_dir: Path | None = None,
        find_devices: bool = True,
        list_devices: DeviceLister = list_cameras,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("摄像头设置"))
        self.resize(1280, 780)
        self._settings_file = settings_file
        self.settings = settings if settings is not None else load_settings(settings_file)
        self._obs = obs
        self._obs_busy = False
        self._snapshot_dir = snapshot_dir
        self._list_devices = list_devices
        self._workers = _Workers(Inbox.for_qobject(self, name="camera dialog"))
        self.destroyed.connect(self._workers.shut)
        self._pipeline: PreviewPipeline | None = None
        self._pending = threading.Event()  # a frame signal is queued: don't queue another
        self.role: CameraRole = "host"
        # each role's choice while the dialog is open (saved together by Save)
        self.drafts: dict[CameraRole, CameraSettings] = {
            r: self.settings.camera_for(r).model_copy() for r in CAMERA_ROLES
        }
        self._focus_baseline = self.settings.camera.focus_baseline
        self._shown_verdicts: list[Verdict] | None = None
        self._stall_shown = False  # the "no new picture" message is up
        self.source: CameraSource | None = None
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        saved = self.settings.camera.source
        if saved:
            self.select_source(source_from_setting(saved))
        else:
            self.preview.message = tr("正在查找摄像头…")
        if find_devices:
            self._start_listing()

    # --- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.addLayout(self._build_role_bar())
        root.addLayout(self._build_source_bar())
        middle = QHBoxLayout()
        middle.addLayout(self._build_preview(), 1)
        middle.addWidget(self._build_side())
        root.addLayout(middle, 1)
        root.addLayout(self._build_buttons())
        self._update_obs_button()

    def _build_role_bar(self) -> QHBoxLayout:
        """Which camera role is shown and edited below, and what the roles are for."""
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("机位")))
        self.role_combo = QComboBox()
        for role in CAMERA_ROLES:
            self.role_combo.addItem(role_title(role), role)
        self._show_role_titles()
        self.role_combo.activated.connect(lambda i: self.select_role(self.role_combo.itemData(i)))
        top.addWidget(self.role_combo)
        self.clear_role_button = QPushButton(tr("不使用此机位"))
        self.clear_role_button.setEnabled(False)
        self.clear_role_button.clicked.connect(self.clear_role)
        top.addWidget(self.clear_role_button)
        self.role_combo.setToolTip(
            tr("主机位必填；商品特写和备用可不设。备用摄像头在主摄像头出问题时自动切上")
        )
        top.addSpacing(24)
        self._build_pip(top)
        top.addStretch(1)
        return top

    def _build_pip(self, row: QHBoxLayout) -> None:
        """The 画中画 preset: where the inset sits, how big, and which camera it shows."""
        roles = self.settings.cameras
        self.pip_corner_combo = QComboBox()
        corners = (("top_left", tr("左上")), ("top_right", tr("右上")),
                   ("bottom_left", tr("左下")), ("bottom_right", tr("右下")))  # fmt: skip
        for value, text in corners:
            self.pip_corner_combo.addItem(text, value)
        self.pip_corner_combo.setCurrentIndex(find_data(self.pip_corner_combo, roles.pip_corner))
        self.pip_size_combo = QComboBox()
        for value, text in (("small", tr("小")), ("medium", tr("中")), ("large", tr("大"))):
            self.pip_size_combo.addItem(text, value)
        self.pip_size_combo.setCurrentIndex(find_data(self.pip_size_combo, roles.pip_size))
        self.pip_swap_box = QCheckBox(tr("互换：特写全屏，主机位在小窗"))
        self.pip_swap_box.setChecked(roles.pip_swap)
        label = QLabel(tr("画中画小窗"))
        hint = tr("保存后在 OBS 面板点「一键配置 OBS 直播带货场景」生效")
        for widget in (label, self.pip_corner_combo, self.pip_size_combo, self.pip_swap_box):
            widget.setToolTip(hint)
            row.addWidget(widget)

    def _build_source_bar(self) -> QHBoxLayout:
        """Where the picture comes from (device, file, URL) and at which resolution and rate."""
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("画面来源")))
        self.source_combo = QComboBox()
        self.source_combo.setMinimumWidth(320)
        self.source_combo.activated.connect(self._source_chosen)
        top.addWidget(self.source_combo, 1)
        self.refresh_button = QPushButton(tr("刷新"))
        self.refresh_button.clicked.connect(self.refresh_devices)
        top.addWidget(self.refresh_button)
        file_button = QPushButton(tr("打开视频文件…"))
        file_button.clicked.connect(self._choose_file)
        top.addWidget(file_button)
        url_button = QPushButton(tr("手机/网络摄像头…"))
        url_button.setToolTip(tr("输入 RTSP 或 HTTP 地址，例如手机摄像头 App 显示的地址"))
        url_button.clicked.connect(self._choose_url)
        top.addWidget(url_button)
        top.addSpacing(16)
        top.addWidget(QLabel(tr("分辨率")))
        self.resolution_combo = QComboBox()
        for w, h in RESOLUTIONS:
            self.resolution_combo.addItem(f"{w}×{h}", (w, h))
        top.addWidget(self.resolution_combo)
        top.addWidget(QLabel(tr("帧率")))
        self.fps_combo = QComboBox()
        for f in FRAME_RATES:
            self.fps_combo.addItem(f"{f} fps", f)
        top.addWidget(self.fps_combo)
        cam = self.settings.camera
        self._show_mode(cam.width, cam.height, cam.fps)
        self.resolution_combo.activated.connect(lambda _i: self.restart_preview())
        self.fps_combo.activated.connect(lambda _i: self.restart_preview())
        return top

    def _show_mode(self, width: int, height: int, fps: int) -> None:
        """Select this resolution and frame rate in their boxes, adding them when not listed."""
        i = find_data(self.resolution_combo, (width, height))
        if i < 0:
            self.resolution_combo.addItem(f"{width}×{height}", (width, height))
            i = self.resolution_combo.count() - 1
        self.resolution_combo.setCurrentIndex(i)
        j = find_data(self.fps_combo, fps)
        if j < 0:
            self.fps_combo.addItem(f"{fps} fps", fps)
            j = self.fps_combo.count() - 1
        self.fps_combo.setCurrentIndex(j)

    def _build_preview(self) -> QVBoxLayout:
        """The live picture with its status and report lines."""
        left = QVBoxLayout()
        self.preview = PreviewWidget()
        left.addWidget(self.preview, 1)
        self.status_label = QLabel(tr("未开始"))
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setWordWrap(True)
        left.addWidget(self.status_label)
        self.report_label = QLabel("")
        self.report_label.setTextFormat(Qt.TextFormat.PlainText)
        left.addWidget(self.report_label)
        return left

    def _build_side(self) -> QWidget:
        """The 9:16 crop preview, the framing guides and the picture checks."""
        side = QVBoxLayout()
        crop_box = QGroupBox(tr("9:16 竖屏预览"))
        crop_layout = QVBoxLayout(crop_box)
        self.crop_preview = CropPreview()
        crop_layout.addWidget(self.crop_preview, 0, Qt.AlignmentFlag.AlignHCenter)
        side.addWidget(crop_box)
        guides = QGroupBox(tr("构图辅助线"))
        g = QVBoxLayout(guides)
        self.thirds_box = QCheckBox(tr("三分线"))
        self.safe_box = QCheckBox(tr("9:16 安全区（平台按钮遮挡处）"))
        self.crop_box = QCheckBox(tr("显示 9:16 竖屏预览"))
        for box in (self.thirds_box, self.safe_box, self.crop_box):
            box.setChecked(True)
            box.toggled.connect(self._guides_changed)
            g.addWidget(box)
        self._crop_group = crop_box
        side.addWidget(guides)
        checks = QGroupBox(tr("画面检查"))
        grid = QGridLayout(checks)
        grid.setColumnStretch(2, 1)
        self.verdict_dots: dict[str, QLabel] = {}
        self.verdict_labels: dict[str, QLabel] = {}
        titles = {"exposure": tr("亮度"), "focus": tr("对焦"), "colour": tr("色偏"),
                  "black": tr("黑屏"), "frozen": tr("冻结"), "fps": tr("帧率")}  # fmt: skip
        for row, key in enumerate(CHECK_KEYS):
            dot = QLabel("●")
            dot.setStyleSheet(f"color: {LEVEL_COLOURS[Level.INFO]};")
            name = QLabel(titles[key])
            text = QLabel("—")
            text.setTextFormat(Qt.TextFormat.PlainText)
            text.setWordWrap(True)
            text.setMinimumWidth(250)
            grid.addWidget(dot, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(name, row, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(text, row, 2)
            self.verdict_dots[key] = dot
            self.verdict_labels[key] = text
        self.baseline_button = QPushButton(tr("设为清晰基准"))
        self.baseline_button.setToolTip(
            tr("对准清晰的画面（对好焦）时点一下：之后的对焦检查以它为标准")
        )
        self.baseline_button.clicked.connect(self.set_focus_baseline)
        grid.addWidget(self.baseline_button, len(CHECK_KEYS), 0, 1, 3)
        side.addWidget(checks, 1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(400)
        return side_widget

    def _build_buttons(self) -> QHBoxLayout:
        """Snapshot, use in OBS, the message line, save and close."""
        bottom = QHBoxLayout()
        self.snapshot_button = QPushButton(tr("拍照"))
        self.snapshot_button.clicked.connect(self.take_snapshot)
        bottom.addWidget(self.snapshot_button)
        self.obs_button = QPushButton(tr("在 OBS 中使用此摄像头"))
        self.obs_button.clicked.connect(self.use_in_obs)
        bottom.addWidget(self.obs_button)
        self.presets_button = QPushButton(
            tr("画面预设（美颜/调色）…")
        )  # ui/camera/presets_dialog.py
        self.presets_button.setToolTip(tr("在 OBS 中为摄像头选择美颜/调色预设（OBS 滤镜）"))
        self.presets_button.setEnabled(self._obs is not None)
        self.presets_button.clicked.connect(self.open_presets)
        bottom.addWidget(self.presets_button)
        self.message_label = QLabel("")
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        bottom.addWidget(self.message_label, 1)
        save = QPushButton(tr("保存"))
        save.setDefault(True)
        save.clicked.connect(self.save)
        bottom.addWidget(save)
        close = QPushButton(tr("关闭"))
        close.clicked.connect(self.close)
        bottom.addWidget(close)
        return bottom

    # --- sources ------------------------------------------------------------------------------
    @property
    def _grabber(self) -> FrameGrabber | None:
        return self._workers.grabber

    def _start_listing(self) -> None:
        threading.Thread(
            target=_list_devices,
            args=(self._list_devices, self._workers.inbox),
            name="camera-list",
            daemon=True,
        ).start()

    def refresh_devices(self) -> None:
        self.refresh_button.setEnabled(False)
        self._start_listing()

    def _on_devices(self, found: list[CameraSource]) -> None:
        self.refresh_button.setEnabled(True)
        keep = [
            self.source_combo.itemData(i)
            for i in range(self.source_combo.count())
            if self.source_combo.itemData(i).kind != "device"
        ]
        self.source_combo.clear()
        for src in [*found, *keep]:
            self.source_combo.addItem(self._item_text(src), src)
        if self.source is not None:
            self._ensure_in_combo(self.source)
        elif found and self.role == "host":  # the optional roles stay unset until chosen
            self.select_source(found[0])
        elif self.role != "host":
            self.source_combo.setCurrentIndex(-1)
        else:
            self.preview.message = tr(
                "没有找到摄像头：请插上摄像头后点「刷新」，或打开一个视频文件、输入手机摄像头的网络地址。"
            )
            self.preview.update()

    @staticmethod
    def _item_text(src: CameraSource) -> str:
        prefix = {"device": "", "file": tr("视频文件："), "url": tr("网络：")}[src.kind]
        return prefix + src.label

    def _ensure_in_combo(self, src: CameraSource) -> None:
        for i in range(self.source_combo.count()):
            if self.source_combo.itemData(i).ref == src.ref:
                self.source_combo.setCurrentIndex(i)
                return
        self.source_combo.addItem(self._item_text(src), src)
        self.source_combo.setCurrentIndex(self.source_combo.count() - 1)

    def _source_chosen(self, index: int) -> None:
        src = self.source_combo.itemData(index)
        if isinstance(src, CameraSource) and (self.source is None or src.ref != self.source.ref):
            self.select_source(src)

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            tr("选择视频文件"),
            "",
            tr("视频文件 (*.mp4 *.mov *.avi *.mkv *.flv *.webm);;所有文件 (*)"),
        )
        if path:
            self.select_source(source_from_setting(path))

    def _choose_url(self) -> None:
        url, ok = QInputDialog.getText(
            self, tr("网络摄像头"), tr("视频流地址（rtsp:// 或 http://）："), text="rtsp://"
        )
        if ok and url.strip() and url.strip() not in ("rtsp://", "http://"):
            self.select_source(source_from_setting(url.strip()))

    def select_source(self, src: CameraSource) -> None:
        self.source = src
        self._ensure_in_combo(src)
        is_device = src.kind == "device"
        self.resolution_combo.setEnabled(is_device)
        self.fps_combo.setEnabled(is_device)
        tip = "" if is_device else tr("视频文件和网络流按其本身的格式播放")
        self.resolution_combo.setToolTip(tip)
        self.fps_combo.setToolTip(tip)
        self._update_obs_button()
        self._show_role_titles()
        self.restart_preview()

    # --- roles ------------------------------------------------------------------------------
    def _show_role_titles(self) -> None:
        """Each role in the selector, marked when it has no camera."""
        for i, role in enumerate(CAMERA_ROLES):
            has = self.source is not None if role == self.role else bool(self.drafts[role].source)
            text = role_title(role) + ("" if has else tr("（未设置）"))
            self.role_combo.setItemText(i, text)

    def _stash(self) -> None:
        """Keep the current role's choice in its draft."""
        d = self.drafts[self.role]
        m = self.mode()
        d.source = self.source.setting() if self.source is not None else None
        if self.source is not None:
            d.width, d.height, d.fps = m.width, m.height, int(m.fps)
        d.focus_baseline = self._focus_baseline

    def select_role(self, role: CameraRole) -> None:
        """Preview and edit ``role``'s camera (the one shown before keeps its choice)."""
        if role == self.role:
            return
        self._stash()
        self.role = role
        self.role_combo.setCurrentIndex(find_data(self.role_combo, role))
        self.clear_role_button.setEnabled(role != "host")
        d = self.drafts[role]
        self._focus_baseline = d.focus_baseline
        self._show_mode(d.width, d.height, d.fps)
        self.message_label.setText("")
        if d.source:
            self.select_source(source_from_setting(d.source))
        else:
            self._unset()

    def clear_role(self) -> None:
        """The selected optional role is not used (its OBS input goes at the next set-up)."""
        if self.role == "host":
            return
        self.drafts[self.role].source = None
        self._unset()
        self.message_label.setText(
            tr("「{role}」不使用：保存并重新一键配置 OBS 后生效").format(role=role_title(self.role))
        )

    def _unset(self) -> None:
        self.source = None
        self._retire_grabber(wait=0.0)
        self.source_combo.setCurrentIndex(-1)
        self.preview.clear_frame()
        self.crop_preview.clear_frame()
        self.report_label.setText("")
        self.status_label.setStyleSheet(f"color: {theme.MUTED};")
        self.status_label.setText(tr("未设置"))
        self.preview.message = tr(
            "「{role}」机位未设置：在上方选择一个画面来源，或留空不用"
        ).format(role=role_title(self.role))
        self.preview.update()
        self._update_obs_button()
        self._show_role_titles()

    def mode(self) -> Mode:
        w, h = self.resolution_combo.currentData()
        return Mode(int(w), int(h), float(self.fps_combo.currentData()))

    # --- preview ------------------------------------------------------------------------------
    def restart_preview(self) -> None:
        self._retire_grabber(wait=0.0)
        if self.source is None or self._workers.inbox.closed:
            return
        inbox, pending = self._workers.inbox, self._pending

        def on_frame() -> None:  # reader thread: at most one frame hand-off pending
            if not pending.is_set():
                pending.set()
                inbox.post(CameraSetupDialog._on_frame, grabber)

        def on_status(status: CaptureStatus) -> None:  # reader thread
            inbox.post(CameraSetupDialog._on_status, grabber, status)

        grabber = FrameGrabber(self.source, self.mode(), on_frame=on_frame, on_status=on_status)
        self._workers.grabber = grabber
        self._pipeline = PreviewPipeline(grabber, PictureChecker(self._focus_baseline))
        self._shown_verdicts = None
        self._stall_shown = False
        self.preview.clear_frame()
        self.crop_preview.clear_frame()
        self.report_label.setText("")
        grabber.start()

    def _retire_grabber(self, wait: float) -> None:
        self._pipeline = None
        self._workers.retire_grabber(wait)

    def _on_frame(self, grabber: FrameGrabber) -> None:
        self._pending.clear()
        pipe = self._pipeline
        if pipe is None or grabber is not self._grabber:
            return
        dpr = self.preview.devicePixelRatioF()
        shown = pipe.pull(int(self.preview.width() * dpr), int(self.preview.height() * dpr))
        if shown is None:
            return
        if self._stall_shown:  # pictures again: take the "no new picture" message down
            self._stall_shown = False
            self._show_live_status()
        h, w = shown.frame.image.shape[:2]
        self.preview.set_frame(shown.display, (w, h))
        if self._crop_group.isVisible():
            self.crop_preview.set_frame(shown.display, (w, h))
        if pipe.verdicts is not self._shown_verdicts:
            self._show_verdicts(pipe.verdicts)

    def _show_verdicts(self, verdicts: list[Verdict]) -> None:
        self._shown_verdicts = verdicts
        for v in verdicts:
            if v.key in self.verdict_labels:
                self.verdict_labels[v.key].setText(v.text)
                self.verdict_dots[v.key].setStyleSheet(f"color: {LEVEL_COLOURS[v.level]};")

    def _on_status(self, grabber: FrameGrabber, status: CaptureStatus) -> None:
        if grabber is not self._grabber:
            return
        colour = STATE_COLOURS[status.state]
        self.status_label.setStyleSheet(f"color: {colour};")
        live = status.state is CaptureState.LIVE
        self._stall_shown = False
        self.status_label.setText("● " + (tr("正在预览") if live else status.message))
        if live and status.report is not None:
            r = status.report
            self._show_report(r.summary(), r.kind == "device" and not r.matches)
            if self._pipeline is not None:
                self._pipeline.checker.reset()
        msg = "" if live else status.message
        self.preview.message = msg
        self.crop_preview.message = "" if live else " "
        self.preview.update()
        self.crop_preview.update()

    def _show_report(self, text: str, warn: bool) -> None:
        self.report_label.setText(text)
        self.report_label.setStyleSheet(f"color: {LEVEL_COLOURS[Level.WARN]};" if warn else "")

    def _show_live_status(self) -> None:
        self.status_label.setStyleSheet(f"color: {STATE_COLOURS[CaptureState.LIVE]};")
        self.status_label.setText("● " + tr("正在预览"))
        self.preview.message = ""
        self.preview.update()

    def _show_stall(self, verdicts: list[Verdict]) -> None:
        """The source went quiet without an error: say so over the picture and in the status."""
        text = next((v.text for v in verdicts if v.key == "frozen"), "")
        self._stall_shown = True
        self.status_label.setStyleSheet(f"color: {STATE_COLOURS[CaptureState.LOST]};")
        self.status_label.setText("● " + text)
        self.preview.message = text

    def _tick(self) -> None:
        if self._obs is not None:
            self._update_obs_button()
        g, pipe = self._grabber, self._pipeline
        if g is None or pipe is None:
            self.preview.badge = ""
            return
        live = g.status.state is CaptureState.LIVE
        if pipe.check_stall():
            self._show_verdicts(pipe.verdicts)
            if live:  # not live: the status already says what happened
                self._show_stall(pipe.verdicts)
        report = pipe.report_text()
        if report is not None and report != self.report_label.text():
            self._show_report(report, pipe.report_warns)
        if live:
            self.preview.badge = tr("预览 {shown:.1f} fps · 采集 {got:.1f} fps").format(
                shown=pipe.shown_fps(), got=g.measured_fps()
            )
        else:
            self.preview.badge = ""
        self.preview.update()

    def _guides_changed(self) -> None:
        self.preview.set_guides(self.thirds_box.isChecked(), self.safe_box.isChecked())
        self._crop_group.setVisible(self.crop_box.isChecked())

    # --- actions ------------------------------------------------------------------------------
    def set_focus_baseline(self) -> None:
        pipe = self._pipeline
        value = pipe.checker.last_sharpness if pipe is not None else None
        if not value:
            self.message_label.setText(tr("还没有画面，无法设定清晰基准"))
            return
        self._focus_baseline = value
        pipe.checker.focus_baseline = value  # type: ignore[union-attr]
        self.message_label.setText(tr("已设清晰基准：清晰度 {v:.0f}").format(v=value))

    def take_snapshot(self) -> Path | None:
        pipe = self._pipeline
        shown = pipe.last if pipe is not None else None
        if shown is None:
            self.message_label.setText(tr("还没有画面，无法拍照"))
            return None
        try:
            path = save_snapshot(shown.frame.image, self._snapshot_dir)
        except OSError as exc:
            self.message_label.setText(str(exc))
            return None
        self.message_label.setText(tr("已保存照片：{path}").format(path=path))
        return path

    def save(self) -> None:
        self._stash()
        if not self.drafts["host"].source:
            self.message_label.setText(tr("请先为主机位选择一个画面来源"))
            return
        for role in CAMERA_ROLES:
            cam, d = self.settings.camera_for(role), self.drafts[role]
            cam.source, cam.focus_baseline = d.source, d.focus_baseline
            cam.width, cam.height, cam.fps = d.width, d.height, d.fps
        roles = self.settings.cameras
        roles.pip_corner = self.pip_corner_combo.currentData()
        roles.pip_size = self.pip_size_combo.currentData()
        roles.pip_swap = self.pip_swap_box.isChecked()
        save_settings(self.settings, self._settings_file)
        used = tr("、").join(role_title(r) for r in CAMERA_ROLES if self.drafts[r].source)
        if self.source is not None:
            self.message_label.setText(
                tr("已保存（{roles}）：{source}，{mode}").format(
                    roles=used, source=self.source.label, mode=self.mode().label()
                )
            )
        else:
            self.message_label.setText(tr("已保存（{roles}）").format(roles=used))

    def _update_obs_button(self) -> None:
        obs = self._obs
        if obs is None:
            self.obs_button.setEnabled(False)
            self.obs_button.setToolTip(tr("未连接 OBS：在主窗口连接 OBS 后可用"))
            return
        connected = bool(getattr(obs, "connected", True))
        self.obs_button.setEnabled(self.source is not None and connected and not self._obs_busy)
        if not connected:
            self.obs_button.setToolTip(tr("OBS 未连接（正在重连？）"))
            return
        self.obs_button.setToolTip(
            tr("在 OBS 中创建或更新「{name}」来源，使用同一设备和模式").format(
                name=ROLE_INPUTS[self.role]
            )
        )

    def use_in_obs(self) -> None:
        if self._obs is None or self.source is None:
            return
        from app.aio import spawn
        from app.obs.camera_apply import use_in_obs

        found = obs_input_for(self.source, self.mode())
        spec = ObsInputSpec(found.kind, found.settings, ROLE_INPUTS[self.role], found.note)
        scene = ROLE_SCENES[self.role]
        self._obs_busy = True
        self.obs_button.setEnabled(False)
        self.message_label.setText(tr("正在设置 OBS…"))

        async def run() -> None:
            # OBS answers on its worker thread and the answer comes back to the loop: by then
            # the dialog may be closed and deleted, so say nothing to a dialog that is gone
            try:
                text = await use_in_obs(self._obs, spec, scene)
                message = text + (f" {spec.note}" if spec.note else "")
            except Exception as exc:
                message = tr("OBS 设置失败：{error}").format(error=exc)
            self._obs_busy = False
            if shiboken6.isValid(self):
                self.message_label.setText(message)
                self._update_obs_button()
            else:
                log.info("camera set-up closed before OBS answered: %s", message)

        spawn(run(), name="camera:use-in-obs")

    def open_presets(self) -> QDialog:
        from ui.camera.presets_dialog import PicturePresetsDialog

        dialog = PicturePresetsDialog(
            self, obs=self._obs, settings=self.settings, settings_file=self._settings_file
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _shut(self) -> None:
        """Closed: nothing a thread still delivers reaches the dialog, and the reader stops."""
        self._timer.stop()
        self._workers.inbox.close()
        self._retire_grabber(wait=1.0)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._shut()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self._shut()
        super().done(result)
