"""Screenshots of the picture presets (画面预设, issue 19) on a real OBS Studio under its own Xvfb
(tests/support/real_obs.py): a generated studio clip (app.camera.testcard) plays as
「LiveDesk 摄像头」 on the program; then

- ``presets-program-<preset>.png``: the PROGRAM output before (自然) and after the preset, side by
  side, as OBS renders it for viewers (暖色 80 %, 冷色 80 %, 提亮 80 %, 清晰 100 %);
- ``presets-dialog-zh.png`` / ``presets-dialog-en.png``: the dialog with 暖色 at 80 % and its
  before/after pictures.

    DISPLAY=:102 QT_QPA_PLATFORM=xcb .venv/bin/python tools/presets_screenshots.py [OUT_DIR]

One process, one OBS (starting OBS is the slow part); the dialog runs on the console's qasync loop
with throw-away settings.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PROGRAM_SHOTS = (("warm", 80), ("cool", 80), ("bright", 80), ("sharp", 100))


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="livedesk-presets-shots-"))
    os.environ.setdefault("LIVEDESK_CONFIG_DIR", str(work / "config"))
    os.environ.setdefault("LIVEDESK_DATA_DIR", str(work / "data"))
    from PySide6.QtWidgets import QApplication

    from tests.support.real_obs import RealObs
    from ui.event_loop import QEventLoop
    from ui.theme import apply_look

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    apply_look(app)
    obs = RealObs().start()
    try:
        loop = QEventLoop(app)
        asyncio.set_event_loop(loop)
        loop.run_until_complete(shoot(obs, out, work))
    finally:
        obs.stop()
    return 0


async def shoot(real: object, out: Path, work: Path) -> None:
    from app.camera.testcard import write_clip
    from app.obs.connection import ObsConnection
    from app.obs.inputs import place, scene_items, screenshot
    from app.obs.names import CAMERA
    from app.obs.presets import apply_preset

    conn = ObsConnection("127.0.0.1", real.port, real.password)  # type: ignore[attr-defined]
    await conn.connect_once()
    try:
        video = await conn.request("GetVideoSettings")
        w, h = int(video["baseWidth"]), int(video["baseHeight"])
        clip = write_clip(work / "studio.avi", "normal", size=(1280, 720), seconds=10)
        scene = "主播全景"
        await conn.request("CreateScene", sceneName=scene)
        await conn.request(
            "CreateInput",
            sceneName=scene,
            inputName=CAMERA,
            inputKind="ffmpeg_source",
            inputSettings={"local_file": str(clip), "looping": True, "is_local_file": True},
            sceneItemEnabled=True,
        )
        item = (await scene_items(conn, scene))[CAMERA]
        await place(conn, scene, item, x=0, y=0, width=w, height=h)
        await conn.request("SetCurrentProgramScene", sceneName=scene)
        await asyncio.sleep(3.0)  # the clip is playing

        async def program() -> bytes:
            return await screenshot(conn, scene, 960, 540)

        for preset, strength in PROGRAM_SHOTS:
            await apply_preset(conn, CAMERA, "natural", 0)
            await asyncio.sleep(0.5)
            before = await program()
            t0 = time.monotonic()
            await apply_preset(conn, CAMERA, preset, strength)
            answered = time.monotonic() - t0
            after = await program()
            while after_equals(before, after) and time.monotonic() - t0 < 10:
                await asyncio.sleep(0.02)
                after = await program()
            seen = time.monotonic() - t0
            print(
                f"{preset} {strength}%: requests answered in {answered * 1000:.0f} ms, "
                f"first program screenshot that differs after {seen * 1000:.0f} ms"
            )
            side_by_side(before, after, preset, strength, out / f"presets-program-{preset}.png")
        await apply_preset(conn, CAMERA, "natural", 0)
        for language in ("zh_CN", "en"):
            await dialog_shot(conn, language, out / f"presets-dialog-{language[:2]}.png")
    finally:
        await conn.stop()


def after_equals(before: bytes, after: bytes) -> bool:
    """The program looks the same (mean colour within 1 level): the preset has not shown yet."""
    import numpy as np
    from PySide6.QtGui import QImage

    def mean(data: bytes) -> np.ndarray:
        img = QImage.fromData(data).convertToFormat(QImage.Format.Format_RGB888)
        buf = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes())
        return (
            buf.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3]
            .reshape(img.height(), img.width(), 3)
            .mean(axis=(0, 1))
        )

    return bool(np.abs(mean(before) - mean(after)).max() < 1.0)


def side_by_side(before: bytes, after: bytes, preset: str, strength: int, path: Path) -> None:
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    from app.obs.presets import PRESETS

    a, b = QImage.fromData(before), QImage.fromData(after)
    bar = 56
    img = QImage(a.width() * 2 + 16, a.height() + bar, QImage.Format.Format_RGB32)
    img.fill(QColor("#202020"))
    p = QPainter(img)
    p.drawImage(0, bar, a)
    p.drawImage(a.width() + 16, bar, b)
    font = QFont()
    font.setPixelSize(26)
    p.setFont(font)
    p.setPen(QColor("#ffffff"))
    label = PRESETS[preset].label
    flags = Qt.AlignmentFlag.AlignCenter
    p.drawText(QRect(0, 0, a.width(), bar), flags, "节目画面 原画（自然） · Program before")
    p.drawText(
        QRect(a.width() + 16, 0, b.width(), bar),
        flags,
        f"节目画面 {label} {strength}% · Program after ({preset})",
    )
    p.end()
    img.save(str(path))
    print(f"saved {path}")


async def dialog_shot(conn: object, language: str, path: Path) -> None:
    from app.settings import Settings
    from tests.support.polling import until
    from ui.camera.presets_dialog import PicturePresetsDialog
    from ui.i18n import set_language

    set_language(language)
    dialog = PicturePresetsDialog(
        obs=conn, settings=Settings(), settings_file=path.with_suffix(".json")
    )
    dialog.resize(1280, 420)
    dialog.show()
    await until(lambda: dialog.input_combo.count() > 0, within=30)
    keys = [dialog.preset_list.item(i).data(0x0100) for i in range(dialog.preset_list.count())]
    dialog.preset_list.setCurrentRow(keys.index("warm"))
    dialog.slider.setValue(80)
    await until(lambda: "80%" in dialog.status.text(), within=30)
    dialog.before.clear()
    dialog.refresh_compare()

    def shown() -> bool:
        pix = dialog.before.pixmap()
        return pix is not None and not pix.isNull() and not dialog._busy

    await until(shown, within=30)
    await asyncio.sleep(0.5)
    dialog.grab().save(str(path))
    path.with_suffix(".json").unlink(missing_ok=True)
    print(f"saved {path}")
    dialog.close()
    dialog.deleteLater()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
