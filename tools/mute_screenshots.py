"""Screenshots of 禁言 with its safety net, in the real console window on the built-in sandbox:
the comment menu's 禁言 durations on a buyer's comment (mute-menu-zh/en.png), and the 禁言列表
with the undo toast under it (mute-list-zh/en.png).

    DISPLAY=:57 QT_QPA_PLATFORM=xcb .venv/bin/python tools/mute_screenshots.py [OUT_DIR]

Run it under Xvfb (or a desktop): menus are popups, so the shots are grabs of the screen.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from shots import run_all, until

SHOTS = {"mute-zh": "zh_CN", "mute-en": "en"}


def _grab(widgets: list[Any], out: Path, margin: int = 12) -> None:
    """The screen under ``widgets`` (their union, with a margin), popups included."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QGuiApplication

    area = QRect()
    for w in widgets:
        area = area.united(QRect(w.mapToGlobal(w.rect().topLeft()), w.size()))
    area = area.adjusted(-margin, -margin, margin, margin)
    screen = QGuiApplication.primaryScreen()
    shot = screen.grabWindow(0, area.x(), area.y(), area.width(), area.height())
    shot.save(str(out))


def _prepare(out_dir: Path, lang: str) -> Any:
    async def prepare(window: Any) -> None:
        from PySide6.QtWidgets import QApplication, QMenu

        from ui.chat.mute_list import MuteListDialog

        room = window.room
        await until(lambda: room.online and room.product_ids and room.session is not None)
        say = room.adapter._call  # the sandbox's debug route (a tool, not the console)
        for uid, nick, text in (
            ("v101", "小李", "这件有M码吗"),
            ("v102", "阿花", "主播身高多少"),
            ("v103", "王小明", "已拍，什么时候发货？"),
            ("v104", "路人甲", "刷屏刷屏刷屏刷屏"),
        ):
            await say("POST", "/_debug/viewer-comment",
                      json={"user_id": uid, "nickname": nick, "text": text})  # fmt: skip
        pid = room.product_ids[0]
        await say("POST", "/orders", json={"user_id": "v103", "nickname": "王小明",
                                           "product_id": pid, "pay": True})  # fmt: skip
        window.docks["comments"].raise_()
        chat = window.panels["comments"]
        await until(lambda: room.has_ordered("v103"))
        model = chat.models["all"]
        await until(lambda: any(model.line(r).user_id == "v103" for r in range(model.rowCount())))
        model.flush()
        row = next(r for r in range(model.rowCount()) if model.line(r).user_id == "v103")
        chat.view.setCurrentIndex(model.index(row, 0))
        chat.view.scrollTo(model.index(row, 0))
        await asyncio.sleep(1.0)

        # the menu on the buyer's comment, its 禁言 submenu open
        menu = chat.context_menu()
        rect = chat.view.visualRect(model.index(row, 0))
        menu.popup(chat.view.viewport().mapToGlobal(rect.center()))
        mute = next(a for a in menu.actions() if a.objectName() == "comment.mute")
        await asyncio.sleep(0.5)
        menu.setActiveAction(mute)
        sub: QMenu = mute.menu()
        geo = menu.actionGeometry(mute)
        sub.popup(menu.mapToGlobal(geo.topRight()))
        sub.setActiveAction(sub.actions()[-4])  # 5 分钟, the key's
        await asyncio.sleep(1.0)
        QApplication.processEvents()
        _grab([chat, menu, sub], out_dir / f"mute-menu-{lang[:2]}.png")
        sub.close()
        menu.close()

        # three mutes of different lengths, the last one from the key: the toast, and the list
        await room.mute_user("v104", until_session_end=True, nickname="路人甲")
        await room.mute_user("v102", 3600, nickname="阿花")
        window.shortcuts.actions["comment.mute"].trigger()  # the buyer, 5 minutes
        await until(lambda: "v103" in room.muted_user_ids and chat.toast.isVisible())
        await room.mute_user("spam01", nickname="广告号")
        dialog = chat.show_mute_list()
        assert isinstance(dialog, MuteListDialog)
        dialog.move(chat.mapToGlobal(chat.rect().topLeft()) - dialog.rect().topRight())
        await until(lambda: len(dialog.user_ids()) == 4)
        await asyncio.sleep(1.0)
        _grab([dialog, chat], out_dir / f"mute-list-{lang[:2]}.png")

    return prepare


def one(name: str, out: Path) -> int:
    lang = SHOTS[name]
    from ui.launch import run

    argv = ["--lang", lang, "--screenshot", str(out.parent / f".{name}-window.png"), "--wait",
            "1", "--sandbox-arg=--live", "--sandbox-arg=--debug-routes",
            "--sandbox-arg=--viewers=20", "--sandbox-arg=--rate=2"]  # fmt: skip
    return run(argv, prepare=_prepare(out.parent, lang))


def main(argv: list[str]) -> int:
    return run_all(__file__, SHOTS, argv, one)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
