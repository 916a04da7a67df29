"""``python -m plugins.twitch.standin``: the Twitch stand-in as a process, for ``livedesk events``
runs by hand and for tools::

    python -m plugins.twitch.standin [--script FILE] [--port N] [--keepalive S]

``--script`` is a JSON list of steps (see :mod:`plugins.twitch.standin.server`); without it a
short demo plays (a chat line, a cheer with its chat message, a sub, a gifted sub, a follow, a
session_reconnect and a duplicate delivery). One line on stdout says where it listens and how
to point the adapter at it: ``{"base", "env": {LIVEDESK_TWITCH_…}, "room"}``. It serves on
127.0.0.1 until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import orjson

from plugins.bilibili.standin.runner import Served, serve_until_signalled
from plugins.twitch import payloads as p
from plugins.twitch.standin import server as s

ME = (s.BROADCASTER.user_id, s.BROADCASTER.display_name)


def demo_script() -> list[s.Step]:
    fan, alice, bob = ("1337", "awesome_user"), ("2001", "Alice"), ("2002", "Bob")
    return [
        s.notify(p.CHAT_MESSAGE, p.chat_message(ME, fan, "hello chat", chat_id="c-1")),
        s.notify(
            p.CHAT_MESSAGE, p.chat_message(ME, alice, "take my bits", bits=100, chat_id="c-2")
        ),
        s.notify(p.CHEER, p.cheer(ME, alice, 100, "Cheer100 take my bits"), "cheer-1"),
        s.reconnect(),
        s.notify(p.CHEER, p.cheer(ME, alice, 100, "Cheer100 take my bits"), "cheer-1"),
        s.notify(p.SUBSCRIBE, p.subscribe(ME, bob, "2000")),
        s.notify(p.SUBSCRIPTION_GIFT, p.subscription_gift(ME, fan, 5, "1000", 12)),
        s.notify(p.FOLLOW, p.follow(ME, ("2003", "Carol"))),
    ]


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m plugins.twitch.standin")
    ap.add_argument("--script", type=Path, help="JSON list of steps")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--keepalive", type=float, default=10.0, help="keepalive_timeout_seconds")
    ap.add_argument("--grace", type=float, default=30.0, help="reconnect grace before 4004")
    return ap


async def serve(args: argparse.Namespace) -> None:
    script = orjson.loads(args.script.read_bytes()) if args.script else demo_script()
    options = s.Options(keepalive=args.keepalive, reconnect_grace=args.grace)
    standin = s.TwitchStandIn(script, options)
    served = Served(standin.app(), port=args.port)
    await served.start()
    env = {
        "LIVEDESK_TWITCH_EVENTSUB_URL": served.base.replace("http://", "ws://") + "/ws",
        "LIVEDESK_TWITCH_HELIX_BASE": served.base,
        "LIVEDESK_TWITCH_AUTH_BASE": served.base,
        "LIVEDESK_TWITCH_TOKEN": s.BROADCASTER.token,
    }
    line = {"base": served.base, "env": env, "room": s.BROADCASTER.login}
    await serve_until_signalled(served, line)


def main(argv: list[str]) -> int:
    asyncio.run(serve(parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
