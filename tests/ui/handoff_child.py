"""Child process for tests/ui/test_thread_handoffs.py: widgets whose worker threads outlive them.

``python -m tests.ui.handoff_child SCENARIO WORKDIR`` (from the repository) runs one scenario on a qasync loop, as the console
does, and exits 0 only if nothing crashed, nothing was logged as an error, no exception escaped a
thread or a callback, and no worker thread the scenario started is left running. A segfault (the
defect: a thread emitting on a deleted QObject) shows as a negative exit code in the parent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
import shiboken6
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget

from app.camera.devices import CameraSource
from app.settings import Settings
from tests.support.polling import until

problems: list[str] = []


class _Errors(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        problems.append(f"logged {record.levelname}: {record.getMessage()}")


def _thread_failed(args: threading.ExceptHookArgs) -> None:
    problems.append(
        f"exception in thread {args.thread}: {args.exc_type.__name__}: {args.exc_value}"
    )


def _unraisable(args: object) -> None:
    problems.append(f"unraisable: {getattr(args, 'exc_value', args)}")


def _threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == name and t.is_alive()]


def delete_now(widget: QWidget) -> None:
    """What Qt does to a closed WA_DeleteOnClose dialog or a deleted window: deleteLater, and the
    deferred delete carried out at once (without re-entering the event loop from this task)."""
    widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert not shiboken6.isValid(widget), "the widget is deleted"


class SlowLister:
    """A real device lister that blocks until released (as enumerating cameras can)."""

    def __init__(self, found: list[CameraSource]) -> None:
        self.found = found
        self.release = threading.Event()
        self.returned = threading.Event()

    def __call__(self) -> list[CameraSource]:
        self.release.wait(60)
        self.returned.set()
        return list(self.found)


FAKE = CameraSource("device", "/dev/livedesk-no-such-camera", "假摄像头")


# --- scenarios -----------------------------------------------------------------------------------
async def camera_lister_outlives_the_dialog(work: Path) -> None:
    """The user closes the camera dialog while cameras are still being listed; the list arrives
    after the dialog is deleted — at once, and in the middle of the deletion."""
    from ui.camera.dialog import CameraSetupDialog

    for round_ in range(20):
        lister = SlowLister([FAKE])
        dialog = CameraSetupDialog(settings=Settings(), list_devices=lister)
        dialog.show()
        await asyncio.sleep(0)
        dialog.close()
        if round_ % 2:  # the list arrives while the dialog is being deleted
            lister.release.set()
        delete_now(dialog)
        lister.release.set()
        await until(lister.returned.is_set, 30, "the lister to return")
        await until(lambda: not _threads("camera-list"), 30, "the lister thread to end")
        await asyncio.sleep(0.1)  # whatever it handed over is delivered (or dropped) by now
    assert not _threads("camera-reader"), "no camera was opened for a deleted dialog"


async def camera_list_after_close_opens_nothing(work: Path) -> None:
    """Closed (not deleted) before the cameras are listed: the list must not start a preview in
    the closed dialog (that would hold the camera with nobody looking)."""
    from ui.camera.dialog import CameraSetupDialog

    lister = SlowLister([FAKE])
    dialog = CameraSetupDialog(settings=Settings(), list_devices=lister)
    dialog.show()
    await asyncio.sleep(0)
    dialog.close()
    lister.release.set()
    await until(lambda: not _threads("camera-list"), 30, "the lister thread to end")
    await asyncio.sleep(0.3)
    assert dialog.source is None, f"the closed dialog picked {dialog.source}"
    assert not _threads("camera-reader"), "a camera reader started for a closed dialog"
    delete_now(dialog)


async def camera_preview_stops_with_its_window(work: Path) -> None:
    """The window holding an open camera dialog is deleted (no close event reaches the dialog):
    the camera reader stops, and nothing it reports afterwards touches the deleted dialog."""
    from app.camera.testcard import write_clip
    from ui.camera.dialog import CameraSetupDialog

    clip = write_clip(work / "camera.avi", "normal", size=(320, 180), seconds=3)
    settings = Settings()
    settings.camera.source = str(clip)
    window = QWidget()
    dialog = CameraSetupDialog(window, settings=settings, find_devices=False)
    dialog.show()
    await until(lambda: "正在预览" in dialog.status_label.text(), 60, "the preview to go live")
    await until(lambda: dialog.preview.image is not None, 60, "a frame on screen")
    delete_now(window)
    assert not shiboken6.isValid(dialog)
    await until(lambda: not _threads("camera-reader"), 30, "the camera reader to stop")
    await asyncio.sleep(0.3)


async def replay_analysis_outlives_its_window(work: Path) -> None:
    """A replay window closed (and so deleted) while its comments are still being analysed."""
    from app.session.writer import SessionWriter
    from tests.support.synth import products, session_events
    from ui.replay.window import ReplayWindow

    t0 = 1_700_000_000.0
    path = work / "r1_s1.livedesk-session.sqlite"
    writer = SessionWriter(path, {"room": "r1", "session_id": "s1", "started_ts": repr(t0)})
    writer.put_products(products(), t0)
    for batch in session_events(total=6_000, hours=0.3, t0=t0):
        writer.put_events(batch)
    writer.close()
    for _ in range(3):
        window = ReplayWindow(path)
        window.show()
        running = bool(_threads("replay-keywords"))
        window.close()  # WA_DeleteOnClose
        delete_now(window)
        await until(lambda: not _threads("replay-keywords"), 60, "the analysis to end")
        await asyncio.sleep(0.1)
        print("analysis outlived the window:", running)


SCENARIOS = {
    "replay-analysis": replay_analysis_outlives_its_window,
    "camera-lister": camera_lister_outlives_the_dialog,
    "camera-closed": camera_list_after_close_opens_nothing,
    "camera-window-deleted": camera_preview_stops_with_its_window,
}


def main() -> int:
    name, work = sys.argv[1], Path(sys.argv[2])
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().addHandler(_Errors(logging.ERROR))
    threading.excepthook = _thread_failed
    sys.unraisablehook = _unraisable
    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(lambda _l, ctx: problems.append(f"loop: {ctx.get('message')}"))
    try:
        with loop:
            loop.run_until_complete(SCENARIOS[name](work))
    except AssertionError as exc:
        problems.append(f"failed: {exc}")
    for p in problems:
        print(p, file=sys.stderr)
    print("ok" if not problems else "PROBLEMS", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
