"""Screenshots of the camera dialog with camera roles (主机位 / 商品特写 / 备用) and the 画中画
preset, in Chinese and English: the host camera chosen, the close-up role selected and previewed
(a generated clip each, app.camera.testcard), through the real capture path.

    DISPLAY=:101 QT_QPA_PLATFORM=xcb .venv/bin/python tools/camera_roles_screenshots.py [OUT_DIR]

Run it under Xvfb (or a desktop); each shot runs in its own process with throw-away settings.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from shots import run_all

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHOTS: dict[str, str] = {"camera-roles": "zh_CN", "camera-roles-en": "en"}  # name: language
SIZE = (1280, 720)
DIALOG_SIZE = (1280, 840)


def one(name: str, out: Path, work: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from app.camera.devices import source_from_setting
    from app.camera.testcard import write_clip
    from ui.i18n import set_language
    from ui.theme import apply_look

    set_language(SHOTS[name])
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_look(app)
    from ui.camera.dialog import CameraSetupDialog, find_data

    host = write_clip(work / "host.avi", "normal", size=SIZE, seconds=10)
    closeup = write_clip(work / "closeup.avi", "cast", size=SIZE, seconds=10)
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

    dialog.select_source(source_from_setting(str(host)))
    wait(lambda: dialog.preview.image is not None)
    dialog.select_role("closeup")
    dialog.select_source(source_from_setting(str(closeup)))
    dialog.pip_corner_combo.setCurrentIndex(find_data(dialog.pip_corner_combo, "bottom_right"))
    wait(lambda: dialog._pipeline is not None and len(dialog._pipeline.verdicts) == 6)
    settle(3.0)  # fps measured over 2 s, verdicts settled
    ok = dialog.grab().save(str(out))
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
