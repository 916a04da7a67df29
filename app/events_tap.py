"""``livedesk events``: a room's events on stdout, one JSON object per line, no window.

    livedesk events --platform NAME [--room ROOM] [--seconds S] [--limit N]
                    [--invite INVITE | --url URL] [--role ROLE]
                    [--commerce NAME [--commerce-invite INVITE]]

Teams use it to check an account (does the platform answer, with this room and these
credentials?), to pipe a room into other tools, and to record fixtures; tests use it too.

Guarantees:

- Each event received after the tap connected is printed once, as ``{"seq", "ts", "type",
  "data"}``: ``seq`` counts 1, 2, 3… in this run (not the platform's seq), ``ts`` is the event's
  time (Unix seconds), ``type`` the LiveDesk event type and ``data`` its payload in LiveDesk's
  schema (app/platform/models.py; ``actor`` only on events an operator caused). The stream's own
  ``resync_required`` is handled (the tap re-reads the room and goes on), not printed.
- No event is printed twice, also across reconnects: the tap remembers the last
  :data:`REMEMBERED` keys the adapter gives (``PlatformAdapter.event_key``: the platform's seq, or
  its message id on a platform without a log) and drops a repeat.
- It stops after ``--seconds`` S or once ``--limit`` N events were printed and exits 0. Lines are
  flushed as they are printed. A reader that goes away (``| head``) ends it quietly with 0;
  Ctrl+C with 130; neither prints a traceback.
- Anything that keeps it from connecting — an unknown platform (exit 2), a platform it cannot
  reach, credentials or a room the platform refuses (exit 1) — is one sentence on stderr, in the
  configured UI language. A line on stderr also says when it is connected (``--quiet``: not).

Where the credentials come from: ``--invite`` (a LiveDesk invite: URL, room, role and token;
``-`` reads it from stdin, or set ``LIVEDESK_INVITE``: an invite on the command line is visible
in the process list), else ``--url``/``--room`` with the token in ``LIVEDESK_TOKEN`` or the OS
keyring (where the console keeps it), else the console's settings for that platform. A real
platform (Bilibili, Twitch…) gets what the console's connection dialog saved for it — plain
fields from the settings, secrets from the OS keyring — with ``--room`` overriding the stored
room; what is not stored falls back to the platform's own environment variables.
The built-in sandbox needs a running room (``--invite`` or ``--url``): the tap never starts one.

A room made of two sources (app/platform/composite.py): ``--commerce NAME`` adds that platform's
shop (catalogue, orders, coupons, flash sales) to the chat of ``--platform``; both kinds are
printed in one run, numbered together (the schema is the same). The shop's credentials: a sandbox
shop's from ``--commerce-invite`` (or ``LIVEDESK_COMMERCE_INVITE``); any other platform's from the
console's stored values for it (平台 → 连接平台…), else its own environment variables.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from typing import Any, BinaryIO

import orjson

from app.aio import wait_within
from app.i18n import localize, set_language, tr
from app.platform.adapter import PlatformAdapter
from app.platform.composite import open_room
from app.platform.errors import OfflineError, PlatformError
from app.platform.models import Event, EventType
from app.platform.recent import RecentKeys

#: how many event keys are remembered to drop repeats (far more than a reconnect replays)
REMEMBERED = 100_000
#: seconds to connect and read the room before giving up
CONNECT_TIMEOUT = 15.0
INVITE_ENV = "LIVEDESK_INVITE"
COMMERCE_INVITE_ENV = "LIVEDESK_COMMERCE_INVITE"
TOKEN_ENV = "LIVEDESK_TOKEN"
EXIT_INTERRUPTED = 130


class TapError(Exception):
    """Why the tap cannot start or go on: a sentence for stderr, and the exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="livedesk events",
        description="Print a room's events as JSON lines "
        '({"seq","ts","type","data"}, seq counting 1, 2, 3… in this run).',
    )
    p.add_argument("--platform", required=True, help="platform adapter name (e.g. sandbox)")
    p.add_argument("--room", help="room id on the platform")
    p.add_argument("--seconds", type=float, help="stop after this many seconds")
    p.add_argument("--limit", type=int, help="stop after printing this many events")
    p.add_argument(
        "--invite",
        help=f"a LiveDesk invite (livedesk://join?…; '-': read it from stdin; or set {INVITE_ENV})",
    )
    p.add_argument("--url", help=f"the platform's base URL (token in {TOKEN_ENV} or the keyring)")
    p.add_argument("--role", choices=("host", "assistant", "reviewer"), help="the token's role")
    p.add_argument("--quiet", action="store_true", help="no 'connected' line on stderr")
    p.add_argument(
        "--commerce",
        help="also the shop (catalogue, orders, coupons) of this platform adapter: a room made "
        "of two sources",
    )
    p.add_argument(
        "--commerce-invite",
        help=f"a LiveDesk invite of a sandbox room used as the shop ('-': stdin; or set "
        f"{COMMERCE_INVITE_ENV})",
    )
    return p


def invite_settings(text: str) -> dict[str, Any]:
    """url, room, role and token of a LiveDesk invite (``-``: read from stdin); exit 2 when it
    is not one."""
    from app.team.invite import InviteError, parse_invite

    if text == "-":
        text = sys.stdin.readline()
    try:
        invite = parse_invite(text)
    except InviteError as exc:
        raise TapError(str(exc), 2) from None
    return {"url": invite.url, "room": invite.room, "role": invite.role, "token": invite.token}


def adapter_settings(args: argparse.Namespace) -> dict[str, Any]:
    """What the platform's factory is opened with (url/room/token/role when known)."""
    from app.settings import load_settings

    settings = load_settings()
    with contextlib.suppress(Exception):
        set_language(settings.ui.language)
    out: dict[str, Any] = {"client": "livedesk events"}
    text = args.invite or os.environ.pop(INVITE_ENV, None)
    if text:
        out.update(invite_settings(text))
        if args.room and args.room != out["room"]:
            raise TapError(tr("邀请码属于房间 {room}").format(room=out["room"]), 2)
        return out
    plat = settings.platform
    # the settings' url and room are the sandbox room's (a real platform's are among its fields)
    from_settings = plat.adapter == args.platform == "sandbox"
    url = args.url or (plat.url if from_settings else None)
    room = args.room or (plat.room if from_settings else None)
    role = args.role or (plat.role if from_settings else "host")
    out["role"] = role
    if room:
        out["room"] = room
    if url:
        from app.secrets import get_secret
        from app.team.join import token_key

        token = os.environ.pop(TOKEN_ENV, None) or (
            get_secret(token_key(room, role)) if room else None
        )
        out.update(url=url, token=token)
    elif args.platform == "sandbox":
        raise TapError(
            tr("沙盒需要一个正在运行的房间：请用 --invite（或 --url 与 LIVEDESK_TOKEN）"), 2
        )
    else:
        out = {**stored_values(args.platform, settings), **out}
    return out


def stored_values(platform: str, settings: Any) -> dict[str, str]:
    """What the console saved for ``platform`` in its connection dialog (plain values from the
    settings, secrets from the OS keyring); empty for an unknown platform (``connect`` says so).
    The platform's own environment variables still apply to what is not stored."""
    from app.platform.credentials import connection_values
    from app.platform.fields import fields_of
    from app.platform.registry import platform_factory

    try:
        factory = platform_factory(platform)
    except KeyError:
        return {}
    return connection_values(platform, fields_of(factory), settings)


def commerce_settings(args: argparse.Namespace) -> dict[str, Any]:
    """What the shop's factory (``--commerce``) is opened with."""
    from app.platform.credentials import SANDBOX, connection_values
    from app.platform.fields import fields_of
    from app.platform.registry import platform_factory
    from app.settings import load_settings

    out: dict[str, Any] = {"client": "livedesk events"}
    text = args.commerce_invite or os.environ.pop(COMMERCE_INVITE_ENV, None)
    if text:
        out.update(invite_settings(text))
        return out
    if args.commerce == SANDBOX:
        raise TapError(
            tr("沙盒作为商品与订单来源时需要一个正在运行的房间：请用 --commerce-invite"), 2
        )
    try:
        fields = fields_of(platform_factory(args.commerce))
    except KeyError as exc:
        raise TapError(str(exc.args[0]), 2) from None
    out.update(connection_values(args.commerce, fields, load_settings(), commerce=True))
    return out


def line_of(n: int, event: Event) -> bytes:
    """The JSON line of ``event`` printed as the ``n``-th of this run."""
    data = event.data
    exclude = {"actor"} if getattr(data, "actor", None) is None else None
    payload = data.model_dump(mode="json", exclude=exclude) if data is not None else None
    obj = {"seq": n, "ts": event.ts, "type": event.type.value, "data": payload}
    return orjson.dumps(obj) + b"\n"


async def connect(
    name: str,
    settings: dict[str, Any],
    commerce: str | None = None,
    commerce_settings: dict[str, Any] | None = None,
) -> tuple[PlatformAdapter, int]:
    """The opened adapter (with the shop of ``commerce``, when given: one room of both) and the
    room's current seq (the tap prints what comes after it)."""
    try:
        adapter = await wait_within(
            open_room(name, commerce, settings, commerce_settings), CONNECT_TIMEOUT
        )
    except KeyError as exc:
        raise TapError(str(exc.args[0]), 2) from None
    except TimeoutError:
        raise TapError(tr("连接平台超时")) from None
    except PlatformError as exc:
        raise TapError(localize(exc.message)) from None
    try:
        snapshot = await wait_within(adapter.snapshot(), CONNECT_TIMEOUT)
    except BaseException as exc:
        await adapter.close()
        if isinstance(exc, OfflineError | TimeoutError):
            raise TapError(tr("连不上平台，请确认地址正确、平台在运行")) from None
        if isinstance(exc, PlatformError):
            raise TapError(localize(exc.message)) from None
        raise
    return adapter, snapshot.seq


async def tap(
    adapter: PlatformAdapter, after_seq: int, out: BinaryIO, limit: int | None = None
) -> int:
    """Print the events after ``after_seq`` until ``limit`` were printed (or forever); returns
    how many were printed. Raises BrokenPipeError when the reader went away."""
    seen = RecentKeys(REMEMBERED)
    printed = 0
    if limit is not None and limit <= 0:
        return 0
    while True:
        resync = False
        batches = adapter.event_batches(after_seq)
        try:
            async for batch in batches:
                chunk: list[bytes] = []
                for ev in batch:
                    if ev.type is EventType.RESYNC_REQUIRED:
                        resync = True
                        break
                    after_seq = max(after_seq, ev.seq)
                    if not seen.add(adapter.event_key(ev)):
                        continue
                    printed += 1
                    chunk.append(line_of(printed, ev))
                    if printed == limit:
                        break
                if chunk:
                    out.write(b"".join(chunk))
                    out.flush()
                if printed == limit:
                    return printed
                if resync:
                    break
        finally:
            aclose = getattr(batches, "aclose", None)
            if aclose is not None:
                await aclose()
        if resync:  # the platform lost our place: carry on from the room as it is now
            after_seq = (await adapter.snapshot()).seq


async def run_async(args: argparse.Namespace, out: BinaryIO, err: BinaryIO) -> int:
    interrupted = _on_ctrl_c()
    try:
        return await _run(args, out, err, interrupted)
    except asyncio.CancelledError:
        if interrupted and interrupted[0]:
            return EXIT_INTERRUPTED
        raise


def _on_ctrl_c() -> list[bool]:
    """Ctrl+C cancels the tap and is remembered, so the exit code is 130 however the
    cancellation ended inside. Python 3.11's ``wait_for`` can swallow a cancellation that
    meets a finishing wait (inside the stream's reconnects): the tap is cancelled again every
    half second until it stops, but never once it is closing the adapter (``seen[1:]``)."""
    main = asyncio.current_task()
    loop = asyncio.get_running_loop()
    seen: list[bool] = []

    def cancel() -> None:
        if main is not None and not main.done() and len(seen) == 1:
            main.cancel()
            loop.call_later(0.5, cancel)

    def interrupt() -> None:
        if not seen:
            seen.append(True)
            cancel()

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        return seen  # started ignoring Ctrl+C (a background job of a script): keep it so
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, interrupt)
    return seen


async def _run(
    args: argparse.Namespace, out: BinaryIO, err: BinaryIO, interrupted: list[bool]
) -> int:
    settings = adapter_settings(args)
    shop = commerce_settings(args) if args.commerce else None
    adapter, seq = await connect(args.platform, settings, args.commerce, shop)
    try:
        if not args.quiet:
            room = settings.get("room") or adapter.room
            platform = f"{args.platform} + {args.commerce}" if args.commerce else args.platform
            msg = tr("已连接 {platform} 房间 {room}，输出事件中…").format(
                platform=platform, room=room
            )
            err.write(msg.encode() + b"\n")
            err.flush()
        try:
            async with asyncio.timeout(args.seconds):
                await tap(adapter, seq, out, args.limit)
        except TimeoutError:
            pass
    finally:
        interrupted.append(False)  # closing: a Ctrl+C no longer cancels (the adapter says goodbye)
        await adapter.close()
    return EXIT_INTERRUPTED if interrupted[0] else 0


def _quiet_stdout() -> None:
    """After the reader went away: send what is left to /dev/null, so that the interpreter's
    final flush of stdout does not complain of the broken pipe."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def run(argv: list[str]) -> int:
    """``livedesk events ARGS``."""
    args = parser().parse_args(argv)
    if args.seconds is not None and args.seconds < 0:
        parser().error("--seconds must not be negative")
    err = sys.stderr.buffer
    try:
        return asyncio.run(run_async(args, sys.stdout.buffer, err))
    except TapError as exc:
        print(f"livedesk events: {exc}", file=sys.stderr)
        return exc.code
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
