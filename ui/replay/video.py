"""The broadcast's video next to the timeline, when OBS recorded it (QtMultimedia).

QtMultimedia ships in PySide6-Addons (~150 MB more than the PySide6-Essentials the console
uses), so it is optional: without it, the pane says how to enable video and everything else in
the replay works. With it, a click on the timeline seeks the video, and while the video plays
the timeline's cursor follows it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from ui.i18n import tr

log = logging.getLogger(__name__)

try:  # optional: PySide6-Addons
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
    from PySide6.QtMultimediaWidgets import QVideoWidget

    HAVE_MULTIMEDIA = True
except ImportError:  # pragma: no cover - depends on the install
    HAVE_MULTIMEDIA = False


class VideoPane(QWidget):
    """``position`` emits the Unix time shown by the video while it plays."""

    position = Signal(float)

    def __init__(self, recording: str | None, meta: dict[str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.recording = Path(recording) if recording else None
        self.start_ts = float(meta.get("obs_recording_started_ts") or meta.get("started_ts") or 0)
        self.player: object | None = None
        self._seeking = False
        lay = QVBoxLayout(self)
        self.note = QLabel(self)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        if self.recording is None:
            self.note.setText(tr("这场直播没有关联的 OBS 录像。"))
            return
        if not HAVE_MULTIMEDIA:
            self.note.setText(
                tr(
                    "录像：{path}\n视频同步播放需要 QtMultimedia（pip install 'PySide6-Addons>=6.9,<6.12'）。"
                ).format(path=str(self.recording))
            )
            return
        if not self.recording.exists():
            self.note.setText(tr("找不到录像文件：{path}").format(path=str(self.recording)))
            return
        self.note.setText(str(self.recording))
        video = QVideoWidget(self)
        player = QMediaPlayer(self)
        audio = QAudioOutput(self)
        player.setAudioOutput(audio)
        player.setVideoOutput(video)
        player.setSource(QUrl.fromLocalFile(str(self.recording)))
        player.positionChanged.connect(self._played)
        play = QPushButton(tr("播放 / 暂停"), self)
        play.clicked.connect(self._toggle)
        lay.addWidget(video, 1)
        lay.addWidget(play)
        self.player = player

    def seek_to(self, ts: float) -> None:
        if self.player is None or self._seeking:
            return
        p = self.player
        now = self.start_ts + p.position() / 1000.0  # type: ignore[attr-defined]
        if p.isPlaying() and abs(now - ts) < 2.0:  # type: ignore[attr-defined]
            return  # the cursor is following the video: do not seek back
        self.player.setPosition(max(0, int((ts - self.start_ts) * 1000)))  # type: ignore[attr-defined]

    def _played(self, ms: int) -> None:
        if self.player is not None and self.player.isPlaying():  # type: ignore[attr-defined]
            self._seeking = True
            try:
                self.position.emit(self.start_ts + ms / 1000.0)
            finally:
                self._seeking = False

    def _toggle(self) -> None:
        p = self.player
        if p is None:
            return
        if p.isPlaying():  # type: ignore[attr-defined]
            p.pause()  # type: ignore[attr-defined]
        else:
            p.play()  # type: ignore[attr-defined]

    def stop(self) -> None:
        if self.player is not None:
            self.player.stop()  # type: ignore[attr-defined]
