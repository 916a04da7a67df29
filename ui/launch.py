"""``livedesk`` / ``livedesk console``: the Qt application on one qasync loop.

Start-up: settings → platform adapter (``--platform NAME``, else the one chosen last in
平台 → 连接平台…; on a fresh machine: the built-in sandbox, started as a child process, off-air,
on 127.0.0.1 unless ``--lan`` or the ``platform.lan`` setting) → LiveRoom → MainWindow.
The first-run guide (ui/first_run.py) opens over the first window of a fresh config dir, or with
``--first-run``; never on a screen nobody sees (offscreen) or with ``--screenshot``.
While the platform opens (the built-in sandbox is a child process that takes most of a second to
answer), the modules the window needs are loaded, one per turn of the loop: the two overlap
instead of following each other (:func:`_while_importing`).
Shut-down: layout saved, room stopped, recorder closed, OBS follow stopped, adapter closed (the
sandbox child with it), background tasks cancelled.

Changing platform needs no restart: ``_main`` loops over "open the platform → run its window →
was another platform chosen?". 连接 in the window's dialog closes the window, the same shut-down
runs (every shown event recorded), and the chosen platform opens in a new window; its values are
saved (app/platform/credentials.py: secrets in the keyring) only once it opened. A platform that
does not open says why and offers the connection dialog again or, after a switch, the platform
before (opened again with exactly its connection: nothing lost). Missing values (a stored
credential absent) open the dialog with what is missing instead of failing.

``livedesk join <invite>`` (or ``livedesk --join <invite>``): the invite is checked (its format,
then one request to the platform with its token), its token stored in the OS keyring and
url/room/role in the settings, and the console opens connected to that room. ``--check`` stops
after the check and prints the room and role (exit 0) or the reason (exit 1). ``-`` reads the
invite from stdin (an invite on the command line shows in ``ps``: it holds a token).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from app.gc_tuning import GcPacer, freeze_startup_objects, tune_gc
from app.logs import setup_logging

if TYPE_CHECKING:
    from ui.platform.connect_dialog import Choice
    from ui.replay.file_opens import FileOpens

log = logging.getLogger(__name__)
T = TypeVar("T")
#: what :func:`_run_window` imports, loaded while the platform opens (:func:`_while_importing`)
WINDOW_MODULES = (
    "app.live.room",
    "app.obs.stack",
    "app.session.obs_link",
    "app.session.recorder",
    "ui.main_window",
    "ui.replay.sessions",
    "ui.first_run",
)
TOKEN_ENV = "LIVEDESK_TOKEN"  # the platform token, kept out of the command line (ps shows argv)
INVITE_ENV = "LIVEDESK_INVITE"  # an invite, likewise


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="livedesk", description="LiveDesk 直播中控台")
    p.add_argument("--lang", choices=["zh_CN", "en"], help="UI language (default: settings, zh_CN)")
    p.add_argument(
        "--platform",
        metavar="NAME",
        help="open the console on this platform adapter (e.g. bilibili, bilibili-web, sandbox) "
        "with its stored connection; missing values open the connection dialog. Default: the "
        "one chosen last in 平台 → 连接平台…",
    )
    p.add_argument(
        "--commerce",
        metavar="NAME",
        help="take the catalogue, orders, coupons and flash sales from this platform adapter's "
        "shop (a room made of two sources: the chat of --platform, the shop of NAME); 'none': "
        "the platform's own. Default: the one chosen last in 平台 → 连接平台…",
    )
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
    p.add_argument(
        "--first-run",
        action="store_true",
        help="open the first-run guide (帮助 → 新手引导) even if it was finished or skipped",
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
Shown = Callable[[Any], None]  # every MainWindow once shown (tests follow a switch)


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

    from app.settings import load_settings
    from ui.event_loop import QEventLoop
    from ui.qt_app import qt_application
    from ui.single_console import claim_for

    settings = load_settings()
    app = qt_application(args.lang or settings.ui.language)  # closing is handled in _main
    claim = claim_for(args, settings)  # held until we return: one console per room
    if isinstance(claim, int):
        return claim  # another console has this room (brought forward), or it hangs
    from ui.replay.file_opens import FileOpens

    # macOS: Finder's double-clicked recording starts the app with no argument and arrives as an
    # event (before the window exists): it opens in the 复盘 panel's sessions list once shown
    opens = FileOpens(app)
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(_main(app, args, settings, prepare, opens=opens))


@dataclass
class _Target:
    """A platform to open: by name from the stored values, or a dialog's (unsaved) choice; or,
    going back, exactly the connection a window had (``connection``)."""

    platform: str
    choice: Choice | None = None
    connection: dict[str, Any] | None = None
    #: the shop of a room made of two sources (None: the platform's own)
    commerce: str | None = None
    shop_connection: dict[str, Any] | None = None


def _wanted_commerce(args: argparse.Namespace, settings: Any) -> str | None:
    """The shop to open with the first window: ``--commerce`` (``none``: no shop), else the one
    chosen last — but never with a teammate's room joined by invite (``--join``)."""
    name = getattr(args, "commerce", None)
    if name is None:
        if getattr(args, "join", None) is not None:
            return None
        return settings.platform.commerce or None
    return None if name.strip().lower() in ("", "none") else name.strip()


def shop_connection_for(target: _Target, settings: Any) -> dict[str, Any] | None:
    """What the shop's factory ``open`` gets (None: no shop). A sandbox shop without an address
    is a built-in one of its own (its own database, open for orders: started live)."""
    from app.platform.credentials import SANDBOX, connection_values
    from app.platform.errors import PlatformError
    from app.platform.fields import fields_of, missing_fields, missing_message
    from app.platform.registry import platform_factory
    from app.settings import data_dir
    from app.team.join import machine_name

    if target.commerce is None:
        return None
    if target.shop_connection is not None:
        return dict(target.shop_connection)
    fields = fields_of(platform_factory(target.commerce))
    if target.choice is not None and target.choice.commerce == target.commerce:
        values = dict(target.choice.commerce_values)
    else:
        values = connection_values(target.commerce, fields, settings, commerce=True)
    out: dict[str, Any] = {k: v for k, v in values.items() if v}
    out.update(role="host", client=machine_name())
    if target.commerce == SANDBOX:
        if not out.get("url"):
            out.update(db=str(data_dir() / "sandbox-shop.db"), args=["--live"])
        return out
    missing = missing_fields(fields, values)
    if missing:
        raise PlatformError("missing_settings", missing_message(missing))
    return out


def connection_for(target: _Target, args: argparse.Namespace, settings: Any) -> dict[str, Any]:
    """What the factory's ``open`` gets for ``target``. Raises ``PlatformError`` for missing
    values (a field the platform declares as required and nothing stored or entered)."""
    from app.platform.credentials import SANDBOX, connection_values
    from app.platform.errors import PlatformError
    from app.platform.fields import fields_of, missing_fields, missing_message
    from app.platform.registry import platform_factory

    if target.connection is not None:
        return dict(target.connection)
    base = adapter_settings(args, settings)
    fields = fields_of(platform_factory(target.platform))
    if target.platform == SANDBOX:
        if target.choice is not None:
            values = target.choice.values
            for key in ("url", "room", "token"):
                base.pop(key, None)
            if values.get("url"):
                base.update(url=values["url"], room=values.get("room"), token=values.get("token"))
        return base
    values = dict(
        target.choice.values
        if target.choice is not None
        else connection_values(target.platform, fields, settings)
    )
    if args.room and target.choice is None:
        values["room"] = args.room
    missing = missing_fields(fields, values)
    if missing:
        raise PlatformError("missing_settings", missing_message(missing))
    out: dict[str, Any] = {k: v for k, v in values.items() if v}
    out.update(role=base["role"], client=base["client"])
    return out


async def _main(
    app: Any,
    args: argparse.Namespace,
    settings: Any,
    prepare: Prepare | None = None,
    shown: Shown | None = None,
    *,
    opens: FileOpens | None = None,
) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    from app.aio import cancel_all
    from app.platform.composite import open_room
    from app.platform.credentials import save as save_values
    from app.platform.errors import PlatformError
    from app.platform.fields import fields_of
    from app.platform.registry import platform_factory
    from app.settings import save_settings
    from ui.i18n import tr

    splash = QLabel(tr("正在连接平台…"))
    splash.setAlignment(Qt.AlignmentFlag.AlignCenter)
    splash.setWindowTitle(tr("LiveDesk 直播中控台"))
    splash.resize(420, 160)
    pacer: GcPacer | None = None
    target: _Target | None = _Target(
        args.platform or settings.platform.adapter, commerce=_wanted_commerce(args, settings)
    )
    previous: _Target | None = None  # the platform of the window before (a switch)
    code = 0

    while target is not None:
        splash.show()
        try:
            connection = connection_for(target, args, settings)
            shop = shop_connection_for(target, settings)
            adapter = await _while_importing(
                open_room(target.platform, target.commerce, connection, shop), WINDOW_MODULES
            )
        except (PlatformError, KeyError, OSError) as exc:
            splash.close()
            reason = exc.message if isinstance(exc, PlatformError) else str(exc).strip("'\"")
            kind = exc.code if isinstance(exc, PlatformError) else ""
            log.warning("platform %s did not open: %s", target.platform, kind or type(exc).__name__)
            target = await _after_failure(target, previous, reason, kind, settings)
            if target is None:
                code = 0 if previous is not None else 1
            continue
        if target.choice is not None:  # it opened: now the choice and its values are kept
            fields = fields_of(platform_factory(target.platform))
            save_values(target.platform, fields, target.choice.values, settings)
            if target.commerce is not None:
                shop_fields = fields_of(platform_factory(target.commerce))
                values = target.choice.commerce_values
                save_values(target.commerce, shop_fields, values, settings, commerce=True)
            else:
                settings.platform.commerce = None
            save_settings(settings)
        opened = _Target(
            target.platform, connection=connection, commerce=target.commerce, shop_connection=shop
        )
        args.url = args.room = args.token = args.role = None  # the command line: the first only
        window = await _run_window(
            target.platform,
            args,
            settings,
            adapter,
            connection,
            splash,
            prepare,
            shown,
            commerce=target.commerce,
            opens=opens,
        )
        if pacer is None:
            freeze_startup_objects()
            pacer = GcPacer()  # the collector on a clock, not on allocation counts
            pacer.start()
        requested = await window.finished
        target = (
            _Target(requested.platform, requested, commerce=requested.commerce)
            if requested is not None
            else None
        )
        previous = opened
        if args.screenshot:
            break
    if pacer is not None:
        pacer.stop()
    await cancel_all()
    return code


async def _while_importing(opening: Coroutine[Any, Any, T], modules: tuple[str, ...]) -> T:
    """``await opening``, importing ``modules`` meanwhile: one per turn of the loop, so that the
    opening (a child process starting, a connection) goes on between them. An opening that failed
    stops the imports (its error is not kept waiting); cancelled, the opening is cancelled too."""
    task = asyncio.get_running_loop().create_task(opening, name="platform-open")  # awaited here
    try:
        for name in modules:
            await asyncio.sleep(0)  # the opening runs up to its next wait
            if task.done():
                break
            importlib.import_module(name)
        return await task
    finally:
        if not task.done():
            task.cancel()


def _named(platform: str) -> str:
    """A platform's name for the operator (its entry-point name when it cannot be loaded)."""
    from app.platform.fields import display_name
    from app.platform.registry import platform_factories

    factory = platform_factories().get(platform)
    return display_name(factory) if factory is not None else platform


async def _after_failure(
    target: _Target, previous: _Target | None, reason: str, kind: str, settings: Any
) -> _Target | None:
    """What to open after ``target`` failed: asked of the operator. Missing values: the dialog
    at once, saying which. Otherwise the reason, and 重试 (at start-up) or 回到 the platform
    before (after a switch), 连接平台…, 退出. None: quit."""
    from ui.i18n import tr
    from ui.platform.switch import ask, choose

    if kind != "missing_settings":
        text = tr("无法连接{platform}：{e}").format(platform=_named(target.platform), e=reason)
        if previous is not None:
            first = ("back", tr("回到{platform}").format(platform=_named(previous.platform)))
        else:
            first = ("retry", tr("重试"))
        buttons = [first, ("dialog", tr("连接平台…"))]
        buttons.append(("quit", tr("退出") if previous is None else tr("退出中控台")))
        answer = await ask(None, tr("无法连接平台"), text, buttons)
        if answer == "back":
            return previous
        if answer == "retry":
            return target
        if answer != "dialog":
            return None
    choice = await choose(
        settings,
        current=target.platform,
        message=reason,
        entered=target.choice,
        commerce=target.commerce,
    )
    if choice is not None:
        return _Target(choice.platform, choice, commerce=choice.commerce)
    return previous  # cancelled: back to where the console was, if anywhere


class _Window:
    """A shown MainWindow and its room; ``finished`` resolves once it closed and everything it
    ran was stopped: the platform to switch to, or None."""

    def __init__(self, window: Any, finished: Awaitable[Any]) -> None:
        self.window = window
        self.finished = finished


async def _run_window(
    platform: str,
    args: argparse.Namespace,
    settings: Any,
    adapter: Any,
    connection: dict[str, Any],
    splash: Any,
    prepare: Prepare | None,
    shown: Shown | None,
    commerce: str | None = None,
    opens: FileOpens | None = None,
) -> _Window:
    from app.live.room import LiveRoom
    from app.obs.stack import ObsStack
    from app.session.obs_link import follow_obs
    from app.session.recorder import start_recording
    from ui.main_window import MainWindow
    from ui.replay.sessions import SessionsWindow

    room = LiveRoom(adapter, chat_capacity=settings.ui.comment_buffer)
    obs = ObsStack.build(room, settings) if settings.obs.enabled else None
    if obs is not None:
        await obs.start()  # keeps retrying until OBS answers; the health bar says so
    window = MainWindow(room, settings, obs=obs, confirm_close_while_live=True)
    # the room follows its platform only now that every panel listens: nothing awaited between
    # here and the window, so no event arrives before the chat feed and the recorder subscribed
    room.start()
    recorder = start_recording(room)  # every live session → data_dir()/sessions/
    if obs is not None:
        follow_obs(
            recorder, obs.conn, obs.stats, scenes=obs.scenes, outputs=obs.outputs, role=room.role
        )
        # the failover's switches, alerts and the emergency key: markers on the timeline
        obs.failover.subscribe(lambda ev: recorder.record_obs("failover", ev.record()))
    window.drill_record = lambda data: recorder.record_obs("drill", data)  # 应急演练 (ui/drill.py)
    builtin = platform == "sandbox" and not connection.get("url")  # started by this console
    window.platform_stops_with_console = builtin
    window.connect_controls.current = platform  # 连接平台… opens on it
    window.connect_controls.current_commerce = commerce
    if builtin:
        window.ctx.platform_listen = connection.get("listen", "127.0.0.1")
        window.team.set_sandbox(True)  # a rehearsal room: 「沙盒 · 模拟观众」 stays visible
    splash.close()
    window.show()
    sessions = window.panels.get("replay")
    if opens is not None and isinstance(sessions, SessionsWindow):
        opens.attach(sessions)  # recordings the desktop asks to open: their replay windows
    from ui.first_run import guide_wanted

    if guide_wanted(
        settings, forced=getattr(args, "first_run", False), screenshot=bool(args.screenshot)
    ):
        window.guide.open(settings.ui.first_run_page)  # non-modal: the console works behind it
    args.first_run = False  # --first-run: the first window only
    if shown is not None:
        shown(window)

    closed = asyncio.Event()
    window.closed.connect(closed.set)

    def close_on_request(_signum: int, _frame: object) -> None:
        window.close_without_asking()  # logout, `kill`, Ctrl+C: the same clean exit as closing

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, close_on_request)

    async def run() -> Any:
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
        return window.connect_controls.requested

    return _Window(window, run())
