"""Screenshots of the camera set-up dialog for docs/screenshots/: a generated studio clip played
as the camera (app.camera.testcard), in Chinese and English, a good picture and a too-dark one.
The dialog is the real one with the console's theme and font; the clip goes through the real
capture path (reader thread, checks, guides).

    DISPLAY=:55 QT_QPA_PLATFORM=xcb .venv/bin/python tools/camera_screenshots.py [OUT_DIR]

Run it under Xvfb (or a desktop); each shot runs in its own process with throw-away settings.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from shots import run_all

if TYPE_CHECKING:
    from app.camera.testcard import Variant

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHOTS: dict[str, tuple[str, Variant]] = {  # name: (language, test-card variant)
    "camera-setup": ("zh_CN", "normal"),
    "camera-setup-problems": ("zh_CN", "dark"),
    "camera-setup-en": ("en", "normal"),
    "camera-setup-problems-en": ("en", "dark"),
}
SIZE = (1280, 720)
DIALOG_SIZE = (1280, 840)


def one(name: str, out: Path, work: Path) -> int:
    language, variant = SHOTS[name]
    from PySide6.QtWidgets import QApplication

    from app.camera.devices import source_from_setting
    from app.camera.testcard import write_clip
    from ui.i18n import set_language
    from ui.theme import apply_look

    set_language(language)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_look(app)
    from ui.camera.dialog import CameraSetupDialog

    clip = write_clip(work / f"{variant}.avi", variant, size=SIZE, seconds=10)
    dialog = CameraSetupDialog(find_devices=False)
    dialog.resize(*DIALOG_SIZE)
    dialog.show()

    def wait(cond: Callable[[], bool], within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        while not cond():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name}: the dialog did not reach the expected state")
            app.processEvents()
            time.sleep(0.01)

    def settle(seconds: float) -> None:
        until = time.monotonic() + seconds
        wait(lambda: time.monotonic() > until, seconds + 5)

    dialog.select_source(source_from_setting(str(clip)))
    wait(lambda: dialog._pipeline is not None and len(dialog._pipeline.verdicts) == 6)
    if variant == "normal":  # the operator has aimed at a sharp picture and set the baseline
        settle(1.0)
        dialog.set_focus_baseline()
    settle(3.0)  # fps measured over 2 s, verdicts settled
    ok = dialog.grab().save(str(out))
    # a loaded machine shows in these figures: retake if the preview is far below 30 fps
    print(f"{name}: {dialog.preview.badge} | {dialog.report_label.text()}")
    dialog.close()
    return 0 if ok else 3


def main(argv: list[str]) -> int:
    return run_all(
        __file__,
        SHOTS,
        argv,
        lambda name, out: one(name, out, Path(os.environ["LIVEDESK_DATA_DIR"])),
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
