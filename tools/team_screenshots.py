"""Screenshots of the team features for docs/screenshots/: the host's window with the 团队 dock
(在线成员, a teammate's price edit in 队友动态, the 沙盒 · 模拟观众 badge) as ``team-<lang>.png``,
the invite dialog as ``invite-<lang>.png`` and a checked join dialog as ``join-<lang>.png``.
Real start-up (built-in sandbox with ``--lan``), a real assistant and reviewer connected.

    DISPLAY=:57 QT_QPA_PLATFORM=xcb .venv/bin/python tools/team_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from shots import run_all, until

SHOTS = {"team-zh": "zh_CN", "team-en": "en"}


def _prepare(out: Path, lang: str) -> Any:
    async def prepare(window: Any) -> None:
        from app.live.room import LiveRoom
        from app.platform.client import PlatformClient
        from app.team.invite import make_invite
        from ui.team.join_dialog import JoinDialog

        room = window.room
        await until(lambda: room.online and room.product_ids)
        await room.start_session()
        child = room.adapter.child
        url = child.url
        mates = [
            PlatformClient(url, room.room_id, child.tokens["assistant"], role="assistant",
                           client_name="场控-笔记本"),
            PlatformClient(url, room.room_id, child.tokens["reviewer"], role="reviewer",
                           client_name="运营-复盘"),
        ]  # fmt: skip
        rooms = [LiveRoom(c) for c in mates]
        for r in rooms:
            r.start()
            await r.wait_loaded()
        window._keep_mates = rooms  # the teammates stay connected for the window's grab
        pid = room.product_ids[0]
        p = room.products[pid]
        await rooms[0].update_product(pid, price_cents=p.price_cents - 2000)
        await rooms[0].update_product(room.product_ids[2], stock=80)
        panel = window.panels["team"]
        await until(lambda: panel.activity.count() >= 2)
        window.docks["team"].raise_()
        panel.refresh_members()
        await until(lambda: panel.members is not None and panel.members.count == 3)
        window.team.open_invite()
        dialog = window.team.invite_dialog
        await until(lambda: dialog.invite_text() != "")
        await asyncio.sleep(0.5)
        dialog.grab().save(str(out.with_name(f"invite-{lang}.png")))
        dialog.close()
        join = JoinDialog(window.settings, window)
        join.paste.setPlainText(
            make_invite(url, room.room_id, "assistant", child.tokens["assistant"])
        )
        join.show()
        join.check()
        await until(lambda: join.join_button.isEnabled())
        await asyncio.sleep(0.3)
        join.grab().save(str(out.with_name(f"join-{lang}.png")))
        join.close()

    return prepare


def one(name: str, out: Path) -> int:
    language = SHOTS[name]
    from ui.launch import run

    lang = "zh" if language == "zh_CN" else "en"
    argv = ["--lang", language, "--screenshot", str(out), "--wait", "4", "--lan",
            "--sandbox-arg=--rate=20", "--sandbox-arg=--viewers=200"]  # fmt: skip
    return run(argv, prepare=_prepare(out, lang))


def main(argv: list[str]) -> int:
    return run_all(__file__, SHOTS, argv, one)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
