"""``python -m plugins.bilibili.standin``: the web stand-in as a process, for ``livedesk events``
runs by hand and for tools (``LIVEDESK_BILIBILI_WEB_BASE=<base> livedesk events --platform
bilibili-web --room 6``).

    python -m plugins.bilibili.standin [--script FILE] [--port N] [--risk-control N]
                                       [--reject-auth N] [--require-login]

``--script`` is a JSON list of steps (see :mod:`plugins.bilibili.standin.danmaku`); without it a
short built-in script plays. One line on stdout says where it listens: ``{"base", "room",
"real_room", "sessdata"}``. It serves on 127.0.0.1 until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from plugins.bilibili import samples
from plugins.bilibili.standin import danmaku as dm
from plugins.bilibili.standin.danmaku import DanmakuOptions, Script
from plugins.bilibili.standin.runner import Served, serve_until_signalled
from plugins.bilibili.standin.web import WebOptions, WebStandIn


def demo_script() -> list[dm.Step]:
    return [
        dm.frame(samples.danmu_msg(101, "观众甲", "主播好", id_str="demo-1")),
        dm.frame(samples.send_gift(102, "观众乙", "辣条", 5, 100, tid="demo-g1")),
        dm.frame(samples.super_chat(1, 103, "观众丙", 30, "加油！")),
        dm.frame(samples.guard_buy(104, "观众丁", 3, 1, 198000, 1764800000)),
    ]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m plugins.bilibili.standin")
    p.add_argument("--script", type=Path, help="JSON list of steps")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--risk-control", type=int, default=0, help="answer -352 this many times")
    p.add_argument("--reject-auth", type=int, default=0, help="reject this many danmaku auths")
    p.add_argument("--require-login", action="store_true", help="getDanmuInfo needs SESSDATA")
    return p


async def serve(args: argparse.Namespace) -> None:
    script = Script.from_json(args.script.read_bytes()) if args.script else Script(demo_script())
    options = WebOptions(risk_control=args.risk_control, require_login=args.require_login)
    standin = WebStandIn.scripted(script, options, DanmakuOptions(reject_auth=args.reject_auth))
    served = Served(standin.app(), port=args.port)
    await served.start()
    line = {"base": served.base, "room": options.short_id, "real_room": options.room_id,
            "sessdata": options.sessdata}  # fmt: skip
    await serve_until_signalled(served, line)


def main(argv: list[str]) -> int:
    asyncio.run(serve(parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
