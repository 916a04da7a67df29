"""Screenshots of the console connected to the local Twitch stand-in: chat, cheers (US cents),
subs and gifted subs, follows in the feed; commerce docks say why they are off — in English and
Chinese. The real `livedesk` start-up (the ``twitch`` adapter from settings), real window.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python tools/twitch_screenshots.py [OUT_DIR]

Each shot runs in its own process with throw-away settings; until the environment is installed
again with the ``twitch`` entry point, the adapter is registered for the shot's process here.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from shots import run_all, until

SHOTS = {"twitch-console-en": "en", "twitch-console-zh": "zh_CN"}


def _script() -> list[Any]:
    from plugins.twitch import payloads as p
    from plugins.twitch.standin import server as s

    me = (s.BROADCASTER.user_id, s.BROADCASTER.display_name)
    viewers = [("1001", "PixelPanda"), ("1002", "sneaker_sam"), ("1003", "LunaLoops"),
               ("1004", "vintage_vic"), ("1005", "Mochi_Mia")]  # fmt: skip
    lines = ["is the blue one still in stock?", "how does it fit, true to size?",
             "just ordered 2!", "can you show the back?", "love this drop"]  # fmt: skip
    steps: list[Any] = [s.notify(p.FOLLOW, p.follow(me, ("1006", "NewFan_Nora")))]
    for i, (who, text) in enumerate(zip(viewers, lines, strict=True)):
        steps.append(s.notify(p.CHAT_MESSAGE, p.chat_message(me, who, text, chat_id=f"c{i}")))
    steps += [
        s.notify(p.CHAT_MESSAGE, p.chat_message(me, viewers[2], "take my bits", bits=500)),
        s.notify(p.CHEER, p.cheer(me, viewers[2], 500, "Cheer500 take my bits")),
        s.notify(p.SUBSCRIBE, p.subscribe(me, viewers[1], "2000")),
        s.notify(p.SUBSCRIPTION_GIFT, p.subscription_gift(me, viewers[3], 5, "1000", 20)),
        s.notify(p.CHEER, p.cheer(me, None, 100, "anonymous love")),
        s.notify(p.CHAT_MESSAGE, p.chat_message(me, viewers[4], "see you next stream")),
    ]
    return steps


def _register(where: Path) -> None:
    from importlib.metadata import entry_points

    if any(ep.name == "twitch" for ep in entry_points(group="livedesk.platforms")):
        return
    dist = where / "livedesk_shot_twitch-0.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: livedesk-shot-twitch\nVersion: 0\n"
    )
    (dist / "entry_points.txt").write_text(
        "[livedesk.platforms]\ntwitch = plugins.twitch.adapter:TwitchFactory\n"
    )
    sys.path.insert(0, str(where))


async def _prepare(window: Any) -> None:
    room = window.room
    await until(lambda: room.online and room.metrics.paid_messages >= 2)
    await until(lambda: room.metrics.memberships >= 2)


def one(name: str, out: Path) -> int:
    from plugins.bilibili.standin.runner import serve_in_thread
    from plugins.twitch.standin import server as s
    from ui.launch import run

    config = Path(os.environ["LIVEDESK_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text('{"platform": {"adapter": "twitch"}}')
    standin = s.TwitchStandIn(_script())
    standin.go_live(s.BROADCASTER, "Spring sneaker drop")
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        _register(Path(tmp))
        served = stack.enter_context(serve_in_thread(standin.app()))
        os.environ.update(
            LIVEDESK_TWITCH_TOKEN=s.BROADCASTER.token,
            LIVEDESK_TWITCH_EVENTSUB_URL=served.base.replace("http://", "ws://") + "/ws",
            LIVEDESK_TWITCH_HELIX_BASE=served.base,
            LIVEDESK_TWITCH_AUTH_BASE=served.base,
        )
        return run(["--lang", SHOTS[name], "--screenshot", str(out), "--wait", "4"],
                   prepare=_prepare)  # fmt: skip


def main(argv: list[str]) -> int:
    return run_all(__file__, SHOTS, argv, one)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
