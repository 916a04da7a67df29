"""画面预设 (美颜/调色): pick an OBS input, a preset and its strength; see before and after.

What it does and guarantees:
- The presets are app/obs/presets.py's: OBS's own filters (colour correction, sharpen, LiveDesk's
  LUTs) named ``LiveDesk 调色 …`` on the chosen input; the user's own filters are never touched.
- Choosing a preset or moving the strength slider applies it live, debounced (the last position
  wins; one OBS request chain at a time), and saves it per input in ``settings.picture`` — the
  console puts it back after every OBS (re)connection. Choosing an input shows its saved preset
  and brings OBS to it (自然 when none is saved: LiveDesk's filters left over on that input, e.g.
  from lost settings, are removed; the user's own never are).
- After = OBS's screenshot of the input as it renders now (its filters, ours included). Before =
  the same screenshot with LiveDesk's preset filters switched off for that one screenshot and
  switched back on at once (the user's filters stay on): the truthful "without the preset"
  picture, at the cost that the program shows the input without the preset for about one
  screenshot's round trip (tens of milliseconds). It is taken only when an input is chosen and
  when 刷新对比 is pressed, never while the slider moves; the tooltip says so.
- Skin smoothing is not offered and the dialog says so in plain text: OBS ships no filter that
  smooths skin (see app/obs/presets.py).
- OBS answers arrive on the loop after the dialog may have closed: nothing is said to a dialog
  that is gone (``shiboken6.isValid``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn
from app.obs.inputs import screenshot
from app.obs.names import CAMERA
from app.obs.presets import (
    CATALOGUE,
    NATURAL,
    NO_SKIN_SMOOTHING,
    apply_preset,
    set_enabled,
    video_inputs,
)
from app.settings import PicturePreset, Settings, load_settings, save_settings
from ui import theme
from ui.i18n import tr

log = logging.getLogger(__name__)

SHOT_W, SHOT_H = 480, 270
DEBOUNCE_MS = 200


class PicturePresetsDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        obs: Any,  # app.obs.connection.ObsConnection
        settings: Settings | None = None,
        settings_file: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("画面预设（美颜/调色）"))
        self._obs = obs
        self._settings_file = settings_file
        self.settings = settings if settings is not None else load_settings(settings_file)
        self._busy = False
        self._dirty = False  # the wanted preset changed while a request chain was running
        self._want_before = False
        self._loading = False  # filling the controls from settings: no apply
        self._build()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._kick)
        self.refresh_inputs()

    # --- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("OBS 来源：")))
        self.input_combo = QComboBox()
        self.input_combo.setMinimumWidth(260)
        self.input_combo.currentIndexChanged.connect(self._input_chosen)
        top.addWidget(self.input_combo, 1)
        refresh = QPushButton(tr("刷新来源"))
        refresh.clicked.connect(self.refresh_inputs)
        top.addWidget(refresh)
        root.addLayout(top)

        middle = QHBoxLayout()
        side = QVBoxLayout()
        side.addWidget(QLabel(tr("预设")))
        self.preset_list = QListWidget()
        self.preset_list.setFixedWidth(240)
        self.preset_list.setStyleSheet("QListWidget { font-size: 16px; } "
                                       "QListWidget::item { padding: 6px 4px; }")  # fmt: skip
        for p in CATALOGUE:
            item = QListWidgetItem(tr(p.label))
            item.setData(Qt.ItemDataRole.UserRole, p.key)
            item.setToolTip(tr(p.hint))
            self.preset_list.addItem(item)
        rows = self.preset_list.sizeHintForRow(0) * self.preset_list.count()
        self.preset_list.setMinimumHeight(rows + 2 * self.preset_list.frameWidth() + 4)  # no scroll
        self.preset_list.currentRowChanged.connect(self._changed)
        side.addWidget(self.preset_list, 1)
        self.hint = QLabel("")
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)
        self.hint.setFixedWidth(240)
        self.hint.setStyleSheet(f"color: {theme.SECONDARY};")
        side.addWidget(self.hint)
        strength_row = QHBoxLayout()
        strength_row.addWidget(QLabel(tr("强度")))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setValue(60)
        self.slider.valueChanged.connect(self._changed)
        strength_row.addWidget(self.slider, 1)
        self.strength_label = QLabel("60%")
        self.strength_label.setMinimumWidth(44)
        strength_row.addWidget(self.strength_label)
        side.addLayout(strength_row)
        middle.addLayout(side)

        shots = QGridLayout()
        self.before_caption = QLabel(tr("原画（不含预设）"))
        self.after_caption = QLabel(tr("效果（当前预设）"))
        self.before = self._shot_label()
        self.after = self._shot_label()
        shots.addWidget(self.before_caption, 0, 0)
        shots.addWidget(self.after_caption, 0, 1)
        shots.addWidget(self.before, 1, 0)
        shots.addWidget(self.after, 1, 1)
        shots.setRowStretch(2, 1)  # pictures at the top, right under their captions
        middle.addLayout(shots, 1)
        root.addLayout(middle, 1)

        self.note = QLabel(tr(NO_SKIN_SMOOTHING))
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {theme.WARNING_DARK};")
        root.addWidget(self.note)

        bottom = QHBoxLayout()
        self.compare_button = QPushButton(tr("刷新对比"))
        self.compare_button.setToolTip(
            tr("原画：暂时关闭 LiveDesk 的预设滤镜截一张图再立即打开，节目画面约有零点几秒不含预设")
        )
        self.compare_button.clicked.connect(self.refresh_compare)
        bottom.addWidget(self.compare_button)
        self.status = QLabel("")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        bottom.addWidget(self.status, 1)
        close = QPushButton(tr("关闭"))
        close.clicked.connect(self.close)
        bottom.addWidget(close)
        root.addLayout(bottom)

    def _shot_label(self) -> QLabel:
        label = QLabel()
        label.setFixedSize(SHOT_W, SHOT_H)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("background: #202020; color: #bbbbbb;")
        return label

    # --- state --------------------------------------------------------------------------------
    @property
    def input_name(self) -> str:
        return self.input_combo.currentText()

    def preset(self) -> str:
        item = self.preset_list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else NATURAL

    def refresh_inputs(self) -> None:
        async def run() -> None:
            try:
                names = await video_inputs(self._obs)
            except Exception as exc:
                if shiboken6.isValid(self):
                    self.status.setText(tr("无法读取 OBS 来源：{error}").format(error=exc))
                return
            if not shiboken6.isValid(self):
                return
            current = self.input_name or CAMERA
            self.input_combo.blockSignals(True)
            self.input_combo.clear()
            self.input_combo.addItems(names)
            self.input_combo.blockSignals(False)
            if not names:
                self.status.setText(tr("OBS 中还没有摄像头或视频来源"))
                return
            index = self.input_combo.findText(current)
            self.input_combo.setCurrentIndex(max(0, index))
            self._input_chosen()

        spawn(run(), name="presets:inputs")

    def _input_chosen(self, *_: object) -> None:
        """Show the input's saved preset (nothing applied) and take a fresh before/after."""
        saved = self.settings.picture.get(self.input_name) or PicturePreset()
        self._loading = True
        keys = [p.key for p in CATALOGUE]
        self.preset_list.setCurrentRow(keys.index(saved.preset) if saved.preset in keys else 0)
        self.slider.setValue(saved.strength)
        self._changed()  # labels only: shown, not applied
        self._loading = False
        self.refresh_compare()

    def _changed(self, *_: object) -> None:
        self.strength_label.setText(f"{self.slider.value()}%")
        self.hint.setText(next(tr(p.hint) for p in CATALOGUE if p.key == self.preset()))
        if not self._loading and self.input_name:
            self._debounce.start()

    def refresh_compare(self) -> None:
        self._want_before = True
        self._kick()

    def _kick(self) -> None:
        """Bring OBS to the wanted state: one request chain at a time, the latest wish wins."""
        if self._busy:
            self._dirty = True
            return
        self._busy = True
        spawn(self._run(), name="presets:apply")

    async def _run(self) -> None:
        try:
            while shiboken6.isValid(self):
                self._dirty = False
                name, preset, strength = self.input_name, self.preset(), self.slider.value()
                before = self._want_before
                self._want_before = False
                if not name:
                    return
                message = await self._apply(name, preset, strength, before)
                if not shiboken6.isValid(self):
                    return
                self.status.setText(message)
                if not self._dirty and not self._want_before:
                    return
        finally:
            self._busy = False

    async def _apply(self, name: str, preset: str, strength: int, before: bool) -> str:
        try:
            await apply_preset(self._obs, name, preset, strength)
            choice = PicturePreset(preset=preset, strength=strength)
            if (self.settings.picture.get(name) or PicturePreset()) != choice:
                self.settings.picture[name] = choice
                save_settings(self.settings, self._settings_file)
            if before:
                off = await set_enabled(self._obs, name, False)
                try:
                    raw = await screenshot(self._obs, name, SHOT_W, SHOT_H)
                finally:
                    if off:
                        await set_enabled(self._obs, name, True)
                self._show(self.before, raw)
            self._show(self.after, await screenshot(self._obs, name, SHOT_W, SHOT_H))
        except Exception as exc:
            return tr("OBS 未能应用预设：{error}").format(error=exc)
        label = next(tr(p.label) for p in CATALOGUE if p.key == preset)
        return tr("「{input}」：{preset} {strength}%（已保存）").format(
            input=name, preset=label, strength=strength
        )

    def _show(self, label: QLabel, data: bytes) -> None:
        if not shiboken6.isValid(label):
            return
        pix = QPixmap()
        pix.loadFromData(data)
        label.setPixmap(
            pix.scaled(
                SHOT_W,
                SHOT_H,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
