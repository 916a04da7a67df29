"""Screenshots of the console's own lottery on a platform without lotteries (the built-in sandbox
restricted to interaction, as Bilibili would be): the panel labelled 中控台抽奖 with the lottery
open and the stream overlay showing the commitment; then the draw with its winners, verified.
The real `livedesk` start-up, real window; commenters type the keyword through the sandbox's
debug route, so they reach the console over the real event stream.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/lottery_screenshots.py [OUT_DIR]

Per shot NAME the window is saved as NAME.png after the draw, and beside it NAME-open.png (the
window while the lottery is open), NAME-panel-open.png / NAME-panel-drawn.png (the whole lottery
panel, beyond the dock's fold) and the overlay images NAME-overlay-open.png,
NAME-overlay-open-9x16.png and NAME-overlay-winners.png.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import httpx
from shots import run_all, until

SHOTS = {"lottery-console-zh": "zh_CN", "lottery-console-en": "en"}
CAPABILITIES = "interaction,live_state,viewers"
OUT: dict[str, Path] = {}
VIEWERS = ["小鹿", "阿杰", "Momo", "奶茶不加糖", "老王", "林林", "晴天", "大白", "Coco", "豆豆"]


def _comment(adapter: Any, user_id: str, nickname: str, text: str) -> None:
    url = f"{adapter.base_url}/api/v1/rooms/{adapter.room}/_debug/viewer-comment"
    token = adapter.child.tokens["host"]
    body = {"user_id": user_id, "nickname": nickname, "text": text}
    httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"}).raise_for_status()


def _overlays(room: Any, path: Path, kind_name: str) -> None:
    from app.overlays.controller import derive
    from app.overlays.images import ImageCache
    from app.overlays.layout import Kind
    from app.overlays.render import OverlayRenderer

    state = derive(room, __import__("time").time(), ImageCache(), {})
    kind = Kind.LOTTERY if kind_name == "open" else Kind.WINNERS
    card = state.get(kind)
    assert card is not None, kind
    OverlayRenderer("16:9").render(kind, card).save(str(path) + f"-overlay-{kind_name}.png")
    if kind_name == "open":
        OverlayRenderer("9:16").render(kind, card).save(str(path) + "-overlay-open-9x16.png")


async def _prepare(window: Any) -> None:
    room = window.room
    await until(lambda: room.online and room.session is not None)
    from PySide6.QtCore import Qt

    window.resize(1600, 1000)  # a streamer's console window, not the default's minimum
    dock = window.docks["lottery"]
    dock.raise_()
    window.resizeDocks([dock], [560], Qt.Orientation.Horizontal)
    panel = window.panels["lottery"]
    panel.prize.setText("主播签名照 + 口红一支")
    panel.keyword.setText("我要签名照")
    panel.winners.setValue(3)
    panel.duration.setValue(0)  # 不限时: drawn by hand
    panel.start()
    await until(lambda: len(room.lotteries) == 1)
    for i, nick in enumerate(VIEWERS):
        text = "我要签名照！" if i % 3 else "主播好美 我要签名照"
        await asyncio.to_thread(_comment, room.adapter, f"bili{1000 + i}", nick, text)
    await asyncio.to_thread(_comment, room.adapter, "bili2000", "路人甲", "今天几点下播")
    await until(lambda: next(iter(room.lotteries.values())).entrants == len(VIEWERS))
    await asyncio.sleep(1.0)
    base = OUT["path"].with_suffix("")
    window.grab().save(str(base) + "-open.png")
    panel.grab().save(str(base) + "-panel-open.png")  # the whole panel, beyond the dock's fold
    _overlays(room, base, "open")
    panel.draw()
    await until(lambda: panel.winners_list.count() == 3)
    await asyncio.sleep(0.5)
    panel.grab().save(str(base) + "-panel-drawn.png")
    _overlays(room, base, "winners")


def one(name: str, out: Path) -> int:
    from ui.launch import run

    OUT["path"] = out
    argv = ["--lang", SHOTS[name], "--screenshot", str(out), "--wait", "2",
            "--capabilities", CAPABILITIES, "--sandbox-arg=--live", "--sandbox-arg=--rate=20",
            "--sandbox-arg=--viewers=300", "--sandbox-arg=--debug-routes"]  # fmt: skip
    return run(argv, prepare=_prepare)


def main(argv: list[str]) -> int:
    return run_all(__file__, SHOTS, argv, one)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
