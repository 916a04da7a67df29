"""``livedesk`` / ``livedesk console``: the Qt application on one qasync loop.

Start-up: settings → platform adapter (on a fresh machine: the built-in sandbox, started as a
child process, off-air, on 127.0.0.1 unless ``--lan`` or the ``platform.lan`` setting) → LiveRoom
→ MainWindow. Shut-down: layout saved, room stopped, adapter closed (the sandbox child with it),
background tasks cancelled.

``livedesk join <invite>`` (or ``livedesk --join <invite>``): the invite is checked (its format,
then one request to the platform with its token), its token stored in the OS keyring and
url/room/role in the settings, and the console opens connected to that room. ``--check`` stops
after the check and prints the room and role (exit 0) or the reason (exit 1). ``-`` reads the
invite from stdin (an invite on the command line shows in ``ps``: it holds a token).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from app.gc_tuning import GcPacer, freeze_startup_objects, tune_gc
from app.logs import setup_logging

log = logging.getLogger(__name__)
TOKEN_ENV = "LIVEDESK_TOKEN"  # the platform token, kept out of the command line (ps shows argv)
INVITE_ENV = "LIVEDESK_INVITE"  # an invite, likewise


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="livedesk", description="LiveDesk 直播中控台")
    p.add_argument("--lang", choices=["zh_CN", "en"], help="UI language (default: settings, zh_CN)")
    p.add_argument("--url", help="platform base URL (default: start the built-in sandbox)")
    p.add_argument("--room", help="room id on the platform")
    p.add_argument("--role", choices=["host", "assistant", "reviewer"], help="operator role")
    p.add_argument(
        "--token",
        help="access token (stored in the OS keyring, never in settings); visible to other users "
        f"in the process list: prefer the {TOKEN_ENV} environment variable",
    )
    p.add_argument(
        "--sandbox-arg", action="append", default=[], help="extra argument for the sandbox"
    )
    p.add_argument(
        "--capabilities",
        metavar="LIST",
        help="built-in sandbox: offer only these capabilities, like a platform that lacks the "
        "rest (comma-separated, e.g. interaction,live_state,viewers; see app/platform/"
        "capabilities.py)",
    )
    p.add_argument(
        "--screenshot", type=Path, help="save a screenshot of the window after --wait s, then quit"
    )
    p.add_argument("--wait", type=float, default=8.0, help="seconds before --screenshot")
    p.add_argument(
        "--lan",
        action="store_true",
        help="let the built-in sandbox listen on the LAN (0.0.0.0) so teammates can join "
        "(default: the platform.lan setting; off: this machine only)",
    )
    p.add_argument(
        "--join",
        metavar="INVITE",
        help=f"join a room with an invite (livedesk://join?…; '-': read it from stdin; or set "
        f"{INVITE_ENV})",
    )
    p.add_argument(
        "--check", action="store_true", help="with --join: check the invite and exit, no window"
    )
    p.add_argument("--verbose", action="store_true")
    return p.parse_args(argv)


def adapter_settings(args: argparse.Namespace, settings: Any) -> dict[str, Any]:
    from app.secrets import get_secret, set_secret
    from app.settings import data_dir

    plat = settings.platform
    url = args.url or plat.url
    room = args.room or plat.room
    from app.team.join import machine_name

    out: dict[str, Any] = {
        "role": args.role or plat.role,
        "args": list(args.sandbox_arg),
        "capabilities": getattr(args, "capabilities", None),
        "db": str(data_dir() / "sandbox.db"),
        "client": machine_name(),  # how the host's 在线成员 list names this console
        "listen": "0.0.0.0"
        if getattr(args, "lan", False) or getattr(plat, "lan", False)
        else "127.0.0.1",
    }
    if url:
        key = f"platform.token.{room}.{out['role']}"
        token = os.environ.pop(TOKEN_ENV, None) or args.token  # not passed on to children
        if args.token:
            log.warning("--token is visible to other users in the process list: use %s", TOKEN_ENV)
        if token:
            set_secret(key, token)
        out.update(url=url, room=room, token=token or get_secret(key))
    return out


Prepare = Callable[[Any], Awaitable[None]]  # given the shown MainWindow, before --screenshot


def join(argv: list[str]) -> int:
    """``livedesk join <invite> [console options]``."""
    if not argv or argv[0] in ("-h", "--help"):
        print(
            "usage: livedesk join INVITE|- [--check] [console options]\n"
            f"  INVITE: livedesk://join?… from the host (or '-' for stdin, or {INVITE_ENV})"
        )
        return 0 if argv else 2
    return run(["--join", argv[0], *argv[1:]])


def _join_invite(args: argparse.Namespace, settings: Any) -> int | None:
    """Check and remember ``--join``'s invite; sets args.url/room/role. An exit code to stop
    with, or None to go on and open the console."""
    from app.platform.errors import PlatformError
    from app.team.invite import InviteError, parse_invite
    from app.team.join import check_invite, remember

    text = os.environ.pop(INVITE_ENV, None) if args.join in (None, "") else args.join
    if text == "-":
        text = sys.stdin.readline(4096)
    elif args.join and args.join != "-":
        log.warning("an invite on the command line is visible in the process list: use '-'")
    try:
        invite = parse_invite(text or "")
        info = asyncio.run(check_invite(invite))
    except (InviteError, PlatformError) as exc:
        reason = str(exc) if isinstance(exc, InviteError) else exc.message
        print(f"livedesk join: {reason}", file=sys.stderr)
        return 1
    remember(invite, settings)
    args.url, args.room, args.role = invite.url, invite.room, invite.role
    print(
        json.dumps(
            {
                "room": info.id,
                "title": info.title,
                "role": invite.role,
                "url": invite.url,
                "simulated": info.simulated,
            },
            ensure_ascii=False,
        ),
        flush=True,
    )
    return 0 if args.check else None


def run(argv: list[str], prepare: Prepare | None = None) -> int:
    args = parse_args(argv)
    setup_logging(args.verbose)
    if args.join is not None or (args.check and os.environ.get(INVITE_ENV)):
        from app.settings import load_settings

        stop = _join_invite(args, load_settings())
        if stop is not None:
            return stop
    tune_gc()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise

    from PySide6.QtWidgets import QApplication

    from app.settings import load_settings
    from ui.event_loop import QEventLoop
    from ui.i18n import set_language, use_qt_translations
    from ui.qt_log import log_qt_messages
    from ui.single_console import claim_for
    from ui.theme import apply_look
    from ui.wheel_guard import install_wheel_guard

    log_qt_messages()  # into the log file too: a windowed build has no stderr
    settings = load_settings()
    set_language(args.lang or settings.ui.language)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("LiveDesk")
    app.setOrganizationName("LiveDesk")
    app.setQuitOnLastWindowClosed(False)  # closing is handled in _main, so cleanup can run
    apply_look(app)
    install_wheel_guard(app)  # the wheel never changes a value that does not have focus
    use_qt_translations(app)
    claim = claim_for(args, settings)  # held until we return: one console per room
    if isinstance(claim, int):
        return claim  # another console has this room (brought forward), or it hangs
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(_main(app, args, settings, prepare))


async def _main(
    app: Any, args: argparse.Namespace, settings: Any, prepare: Prepare | None = None
) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel, QMessageBox

    from app.aio import cancel_all
    from app.live.room import LiveRoom
    from app.obs.stack import ObsStack
    from app.platform.errors import PlatformError
    from app.platform.registry import platform_factory
    from app.session.obs_link import follow_obs
    from app.session.recorder import start_recording
    from ui.i18n import tr
    from ui.main_window import MainWindow

    splash = QLabel(tr("正在连接平台…"))
    splash.setAlignment(Qt.AlignmentFlag.AlignCenter)
    splash.setWindowTitle(tr("LiveDesk 直播中控台"))
    splash.resize(420, 160)
    splash.show()
    try:
        factory = platform_factory(settings.platform.adapter)
        connection = adapter_settings(args, settings)
        adapter = await factory.open(connection)
    except (PlatformError, KeyError, OSError) as exc:
        splash.close()
        QMessageBox.critical(None, tr("无法连接平台"), tr("无法连接平台：{e}").format(e=str(exc)))
        return 1
    room = LiveRoom(adapter, chat_capacity=settings.ui.comment_buffer)
    room.start()
    recorder = start_recording(room)  # every live session → data_dir()/sessions/
    obs = ObsStack.build(room, settings) if settings.obs.enabled else None
    if obs is not None:
        await obs.start()  # keeps retrying until OBS answers; the health bar says so
        follow_obs(
            recorder, obs.conn, obs.stats, scenes=obs.scenes, outputs=obs.outputs, role=room.role
        )
    window = MainWindow(room, settings, obs=obs, confirm_close_while_live=True)
    window.platform_stops_with_console = not connection.get("url")  # the built-in sandbox
    if not connection.get("url"):
        window.ctx.platform_listen = connection.get("listen", "127.0.0.1")
        window.team.set_sandbox(True)  # a rehearsal room: 「沙盒 · 模拟观众」 stays visible
    splash.close()
    window.show()
    freeze_startup_objects()
    pacer = GcPacer()  # the collector on a clock, not on allocation counts (app/gc_tuning.py)
    pacer.start()

    closed = asyncio.Event()
    window.closed.connect(closed.set)

    def close_on_request(_signum: int, _frame: object) -> None:
        window.close_without_asking()  # logout, `kill`, Ctrl+C: the same clean exit as closing

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, close_on_request)
    if args.screenshot:
        if prepare is not None:
            await prepare(window)
        await asyncio.sleep(args.wait)
        args.screenshot.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(args.screenshot))
        window.close_without_asking()
    else:
        await closed.wait()
    if obs is not None:
        await obs.stop()
    await room.stop()  # first: every event the console showed is in the recording
    await recorder.stop()
    await adapter.close()
    pacer.stop()
    await cancel_all()
    return 0
