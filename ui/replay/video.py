"""The broadcast's video next to the timeline, when OBS recorded it (QtMultimedia).

The recorder links OBS's recording to the session (meta ``obs_recording`` and
``obs_recording_started_ts``, the Unix time of the video's first frame). A click on the timeline
seeks the video to that moment; while the video plays, :attr:`VideoPane.position` carries the
Unix time on screen so the timeline's cursor follows it.

QtMultimedia ships in PySide6-Addons (a dependency). If an install lacks it, the pane says how to
enable video and everything else in the replay works. Sound: an audio output is attached only
once the recording turns out to have an audio track and there is a sound device; otherwise the
video plays muted (a silent file never touches the sound system at all).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from ui.i18n import tr

log = logging.getLogger(__name__)

try:  # PySide6-Addons
    from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
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
        self.player: QMediaPlayer | None = None
        self.video: QVideoWidget | None = None
        self.audio: QAudioOutput | None = None
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
        self.video = QVideoWidget(self)
        player = QMediaPlayer(self)
        player.setVideoOutput(self.video)
        player.hasAudioChanged.connect(self._has_audio)
        player.mediaStatusChanged.connect(self._status)
        player.errorOccurred.connect(self._error)
        player.positionChanged.connect(self._played)
        player.setSource(QUrl.fromLocalFile(str(self.recording)))
        self.play_button = QPushButton(tr("播放 / 暂停"), self)
        self.play_button.clicked.connect(self.toggle)
        lay.addWidget(self.video, 1)
        lay.addWidget(self.play_button)
        self.player = player

    # --- time mapping ------------------------------------------------------------------------------
    def offset_ms(self, ts: float) -> int:
        """Where Unix time ``ts`` is in the video (ms), clamped to the file."""
        ms = round((ts - self.start_ts) * 1000)
        dur = self.player.duration() if self.player is not None else 0
        if dur > 0:
            ms = min(ms, dur)
        return max(0, ms)

    def ts_at(self, ms: int) -> float:
        return self.start_ts + ms / 1000.0

    # --- control -----------------------------------------------------------------------------------
    def seek_to(self, ts: float) -> None:
        """Show the moment ``ts`` (a click on the timeline); keeps playing if it was."""
        p = self.player
        if p is None:
            return
        p.setPosition(self.offset_ms(ts))
        dur = p.duration()
        if ts < self.start_ts:
            self.note.setText(tr("此刻录像还没开始"))
        elif dur > 0 and (ts - self.start_ts) * 1000 > dur:
            self.note.setText(tr("此刻录像已经结束"))
        elif self.recording is not None:
            self.note.setText(str(self.recording))

    @property
    def playing(self) -> bool:
        return self.player is not None and self.player.isPlaying()

    def play(self) -> None:
        if self.player is not None:
            self.player.play()

    def pause(self) -> None:
        if self.player is not None:
            self.player.pause()

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def stop(self) -> None:
        if self.player is not None:
            self.player.stop()

    # --- player signals ----------------------------------------------------------------------------
    def _played(self, ms: int) -> None:
        if self.player is not None and self.player.isPlaying():
            self.position.emit(self.ts_at(ms))

    def _status(self, status: QMediaPlayer.MediaStatus) -> None:
        # show the first frame once the file is open (a stopped player shows nothing)
        p = self.player
        if (
            p is not None
            and status is QMediaPlayer.MediaStatus.LoadedMedia
            and p.playbackState() is QMediaPlayer.PlaybackState.StoppedState
        ):
            p.pause()

    def _has_audio(self, has: bool) -> None:
        if not has or self.audio is not None or self.player is None:
            return
        if QMediaDevices.defaultAudioOutput().isNull():
            # no sound device (a headless machine, a remote session): play the picture muted
            self.note.setText(
                tr("{path}（没有可用的音频设备，静音播放）").format(path=str(self.recording))
            )
            return
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)

    def _error(self, _error: QMediaPlayer.Error, message: str) -> None:
        log.warning("replay video %s: %s", self.recording, message)
        self.note.setText(tr("录像无法播放：{error}").format(error=message))
