"""Worker threads that outlive their widget (docs/architecture.md, "Threads"): each scenario runs in
a child process on a qasync loop (tests/ui/handoff_child.py), because the defect — a thread
emitting on a deleted QObject — is a segfault that would take pytest down with it. The child
exits 0 only when nothing crashed, nothing was logged as an error and no worker was left
running."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from app.threads import Inbox

ROOT = Path(__file__).resolve().parents[2]
# run as a module from the repository, never as a script: a script's folder comes first on
# sys.path, and tests/ui/platform/ (the tests of ui/platform/) would shadow the standard library's
# ``platform`` (pydantic imports it)
CHILD = "tests.ui.handoff_child"


def run_child(scenario: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "LIVEDESK_CONFIG_DIR": str(tmp_path / "config"),
        "LIVEDESK_DATA_DIR": str(tmp_path / "data"),
    }
    proc = subprocess.run(
        [sys.executable, "-m", CHILD, scenario, str(tmp_path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{scenario}: exit code {proc.returncode}\n{out[-4000:]}"
    assert "already deleted" not in out, out[-4000:]
    assert "Traceback" not in out, out[-4000:]


def test_cameras_listed_after_the_dialog_is_deleted_touch_nothing(tmp_path: Path) -> None:
    run_child("camera-lister", tmp_path)


def test_cameras_listed_after_the_dialog_is_closed_open_no_camera(tmp_path: Path) -> None:
    run_child("camera-closed", tmp_path)


def test_the_camera_reader_stops_when_the_window_holding_the_dialog_is_deleted(
    tmp_path: Path,
) -> None:
    run_child("camera-window-deleted", tmp_path)


def test_comment_analysis_finished_after_the_replay_window_is_deleted_touches_nothing(
    tmp_path: Path,
) -> None:
    run_child("replay-analysis", tmp_path)


# --- the helper itself, with Qt owners (in process: the thread touches no Qt object) -----------
class _Label(QLabel):
    def show_value(self, value: str) -> None:
        self.setText(value)


def _post_from_thread(inbox: Inbox[Any], value: str) -> None:
    t = threading.Thread(target=inbox.post, args=(_Label.show_value, value))
    t.start()
    t.join(30)


async def test_a_result_for_a_deleted_widget_is_dropped_on_the_loop(qtbot: Any) -> None:
    label = _Label()
    inbox = Inbox.for_qobject(label)
    _post_from_thread(inbox, "shown")
    await asyncio.sleep(0.05)
    assert label.text() == "shown"
    label.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert not shiboken6.isValid(label)
    assert inbox.closed, "the inbox closes when Qt destroys its owner"
    _post_from_thread(inbox, "too late")
    await asyncio.sleep(0.05)  # nothing to deliver: no "already deleted" error anywhere


def test_without_an_asyncio_loop_results_come_through_the_qt_relay(qtbot: Any) -> None:
    label = _Label()
    qtbot.addWidget(label)
    inbox = Inbox.for_qobject(label)
    _post_from_thread(inbox, "via Qt")
    qtbot.waitUntil(lambda: label.text() == "via Qt", timeout=10_000)


# --- product images arriving after their widget is gone ------------------------------------------
def _png() -> bytes:
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(0x3366CC)
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(data.data())


class HeldImages:
    """A real HTTP server whose image answers wait until ``release`` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.requests: list[str] = []
        self.body = _png()
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self.requests.append(head.split(b" ", 2)[1].decode())
            await self.release.wait()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nConnection: close\r\n"
                + f"Content-Length: {len(self.body)}\r\n\r\n".encode()
                + self.body
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def test_images_on_their_way_when_the_queue_is_deleted_start_no_new_downloads(
    qtbot: Any, caplog: Any
) -> None:
    from ui.products.images import ImageCache

    server = HeldImages()
    base = await server.start()
    try:
        holder = QWidget()
        cache = ImageCache(base, parent=holder)
        urls = [f"/img/{i}.png" for i in range(8)]
        cache.prefetch(urls)
        for _ in range(200):  # four at a time: the other four wait for a free slot
            if len(server.requests) >= 4:
                break
            await asyncio.sleep(0.05)
        assert len(server.requests) == 4
        caplog.set_level(logging.WARNING)
        holder.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        assert not shiboken6.isValid(cache)
        server.release.set()
        await asyncio.sleep(1.0)  # the four answers arrive, for a cache that is gone
        assert len(server.requests) == 4, (
            f"downloads started after the window went: {server.requests}"
        )
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert not errors, errors
    finally:
        await server.stop()
