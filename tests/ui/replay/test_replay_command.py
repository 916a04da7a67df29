"""``livedesk replay [FILE]`` (ui/replay/replay_command.py): a recording opened from the desktop
shows its replay beside its folder's sessions; a file that cannot be read is said in the window;
the command is registered and the desktop hands files to it."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from app.session.schema import SUFFIX, SUFFIXES
from tests.support.polling import patience
from tests.support.processes import spawn, stop
from tests.support.session_files import not_sqlite, valid
from ui.replay.replay_command import open_windows
from ui.replay.sessions import SessionsWindow
from ui.replay.window import ReplayWindow

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints")]

REPO = Path(__file__).resolve().parents[3]


def _replays(window: SessionsWindow) -> list[ReplayWindow]:
    return [w for w in window.opened if isinstance(w, ReplayWindow) and w.isVisible()]


async def test_a_recording_opens_in_its_replay_beside_its_folders_sessions(
    tmp_path: Path, qtbot: Any, until: Callable[..., Awaitable[None]]
) -> None:
    folder = tmp_path / "Downloads"
    folder.mkdir()
    path = valid(folder / "带货 第一场.livedesk-session.sqlite", session_id="first")
    valid(folder / "second.livedesk-session.sqlite", session_id="second")
    window = open_windows(path)
    assert isinstance(window, SessionsWindow)
    qtbot.addWidget(window)
    await until(lambda: len(_replays(window)) == 1, 30, "the file's replay window")
    replay = _replays(window)[0]
    try:
        assert replay.file.path == path.resolve()
        assert path.name in replay.windowTitle()
        # the list is the file's folder: the score has its neighbours to compare with
        await until(lambda: window.table.rowCount() == 2, 30, "both sessions listed")
        assert window.directory == folder.resolve()
    finally:
        replay.close()


async def test_a_file_that_is_not_a_session_is_said_not_opened(
    tmp_path: Path, qtbot: Any, until: Callable[..., Awaitable[None]]
) -> None:
    path = not_sqlite(tmp_path / "photo.livedesk-session.sqlite")
    window = open_windows(path)
    assert isinstance(window, SessionsWindow)
    qtbot.addWidget(window)
    await until(lambda: "无法打开 photo" in window.where.text(), 30, "the reason in the window")
    assert "不是场次文件" in window.where.text()
    assert _replays(window) == []

    missing = open_windows(tmp_path / "gone.livedesk-session.sqlite")
    assert isinstance(missing, SessionsWindow)
    qtbot.addWidget(missing)
    await until(lambda: "无法打开 gone" in missing.where.text(), 30, "the missing file said")


def test_the_command_is_registered_and_the_desktop_hands_recordings_to_it() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app.main", "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and "  replay\n" in out.stdout
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(REPO / "packaging" / "linux" / "livedesk-replay.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Exec"] == "livedesk replay -- %f"  # a file named "--x" is not an option
    assert "application/x-livedesk-session;" in desktop["MimeType"]
    mime = (REPO / "packaging" / "linux" / "livedesk-mime.xml").read_text(encoding="utf-8")
    assert 'type="application/x-livedesk-session"' in mime
    for suffix in SUFFIXES:  # new and old names both open from a Linux file manager
        assert f'<glob pattern="*{suffix}"' in mime


def test_windows_and_macos_associate_the_extension_after_the_last_dot() -> None:
    """Explorer and Launch Services match only what follows the last dot: the installer and the
    bundle's document type name ``livedesk`` (schema.SUFFIX), never ``sqlite``."""
    assert SUFFIX == ".livedesk" and SUFFIX.count(".") == 1
    iss = (REPO / "packaging" / "windows" / "livedesk.iss").read_text(encoding="utf-8")
    assert (
        'Subkey: "Software\\Classes\\.livedesk"; ValueType: string; ValueData: "LiveDesk.Session"'
        in iss
    )
    assert '"""{app}\\LiveDesk.exe"" replay -- ""%1"""' in iss
    assert "Classes\\.sqlite" not in iss and "Classes\\.livedesk-session" not in iss
    spec = (REPO / "packaging" / "livedesk.spec").read_text(encoding="utf-8")
    assert '"public.filename-extension": ["livedesk"]' in spec


@pytest.mark.parametrize("name", ["good", "missing"])
def test_the_command_stays_up_with_its_window_until_closed(tmp_path: Path, name: str) -> None:
    """The real process: a good file or a missing one, the window stays open (no traceback,
    no exit) until the user closes it; here it is ended from outside after a few seconds."""
    path = tmp_path / f"{name}.livedesk-session.sqlite"
    if name == "good":
        valid(path)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LIVEDESK_DATA_DIR=str(tmp_path / "data"))
    err = tmp_path / "stderr.txt"
    with err.open("wb") as sink:
        proc = spawn([sys.executable, "-m", "app.main", "replay", "--", str(path)], cwd=REPO,
                     stdout=subprocess.DEVNULL, stderr=sink, env=env)  # fmt: skip
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=patience(4))  # the window is up: the command waits for it
    finally:
        stop(proc)
    assert "Traceback" not in err.read_text(encoding="utf-8", errors="replace")


async def test_a_file_the_desktop_sends_as_an_event_opens_its_replay(
    tmp_path: Path, qtbot: Any, until: Callable[..., Awaitable[None]]
) -> None:
    """macOS: Finder hands a double-clicked recording to the app as a QFileOpenEvent (not in
    argv). One sent at launch, before the window exists, and one sent later both open."""
    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from ui.replay.file_opens import FileOpens

    first = valid(tmp_path / "first.livedesk", session_id="first")
    second = valid(tmp_path / "second.livedesk-session.sqlite", session_id="second")
    app = QApplication.instance()
    assert app is not None
    opens = FileOpens(app)
    try:
        QApplication.sendEvent(app, QFileOpenEvent(str(first)))  # at launch: no window yet
        window = open_windows(None)
        qtbot.addWidget(window)
        opens.attach(window)
        await until(lambda: len(_replays(window)) == 1, 30, "the first file's replay")
        QApplication.sendEvent(app, QFileOpenEvent(str(second)))
        await until(lambda: len(_replays(window)) == 2, 30, "the second file's replay")
        assert sorted(w.file.path.name for w in _replays(window)) == [first.name, second.name]
    finally:
        app.removeEventFilter(opens)
        for w in _replays(window):
            w.close()


@pytest.mark.usefixtures("keep_signal_handlers")
async def test_the_console_opens_a_recording_the_desktop_hands_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """macOS starts the console itself (LiveDesk.app, no argument) for a double-clicked recording
    and sends the file as an event, before the window exists: once the console is up, the file's
    replay opens from its 复盘 panel; a file sent later opens too."""
    import asyncio

    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from app.settings import Settings
    from tests.support.polling import until
    from ui.launch import _main, parse_args
    from ui.replay.file_opens import FileOpens

    monkeypatch.setenv("LIVEDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("LIVEDESK_DATA_DIR", str(tmp_path / "data"))
    first = valid(tmp_path / "first.livedesk", session_id="first")
    second = valid(tmp_path / "second.livedesk", session_id="second")
    app = QApplication.instance()
    assert app is not None
    opens = FileOpens(app)
    QApplication.sendEvent(app, QFileOpenEvent(str(first)))  # at launch: no window yet
    settings = Settings()
    settings.obs.enabled = False
    windows: list[Any] = []
    main = asyncio.ensure_future(
        _main(app, parse_args([]), settings, shown=windows.append, opens=opens)
    )
    try:
        await until(lambda: bool(windows), 90, "the console")
        panel = windows[0].panels["replay"]
        assert isinstance(panel, SessionsWindow)
        await until(lambda: bool(_replays(panel)), 30, "the first recording's replay")
        QApplication.sendEvent(app, QFileOpenEvent(str(second)))
        await until(lambda: len(_replays(panel)) == 2, 30, "the second one's")
        assert sorted(w.file.path.name for w in _replays(panel)) == [first.name, second.name]
        for w in _replays(panel):
            w.close()
        windows[0].close_without_asking()
        assert await asyncio.wait_for(main, patience(60)) == 0
    finally:
        app.removeEventFilter(opens)
        for w in windows:
            w.close_without_asking()
        if not main.done():
            await asyncio.wait_for(main, patience(60))
