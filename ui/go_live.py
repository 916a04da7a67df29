"""开播, and the picture with it.

Starting the session on the platform does not put a picture on it: OBS has to stream. After 开播
succeeds, the host's console asks (ui/confirm.py: 「开始推流」 / 「稍后」, the safe answer the
default) when OBS is connected and not streaming, and on yes makes sure OBS has this session's
push URL and key (the stream target sync, ``app/obs/stream_target.py``) before it starts the
stream — never to an older session's target. Whatever the answer, the banner's orange row
(ui/link_banner.py) says "live but not sending" until OBS sends.

The question runs from Qt's dispatch (a zero timer), never inside the asyncio task that started
the session: a modal loop cannot run inside a qasync task.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QTimer

from app.aio import wait_event
from app.platform.errors import PlatformError
from ui.confirm import confirm
from ui.i18n import localize, tr

if TYPE_CHECKING:
    from app.obs.stack import ObsStack
    from app.platform.models import Session
    from ui.context import ConsoleContext

SESSION_WAIT_S = 10.0  # for the started session to arrive as an event


def _is_live(session: Session | None, session_id: str) -> bool:
    return session is not None and session.id == session_id and session.status == "live"


async def go_live(ctx: ConsoleContext) -> None:
    """Start the session; then (from Qt's dispatch) offer to start OBS's stream."""
    session = await ctx.room.start_session()
    if shiboken6.isValid(ctx.window):
        QTimer.singleShot(0, ctx.window, lambda: offer_obs_stream(ctx, session.id))


def wants_stream(ctx: ConsoleContext) -> bool:
    """The host's OBS is connected and not streaming."""
    obs = ctx.obs
    return (
        obs is not None
        and ctx.room.role == "host"
        and obs.conn.connected
        and not obs.outputs.state.streaming
    )


def offer_obs_stream(ctx: ConsoleContext, session_id: str) -> None:
    if not wants_stream(ctx):
        return
    asked = confirm(
        ctx.window,
        tr("开始推流"),
        tr("已开播，但 OBS 还没有推流：观众现在看不到画面。\n\n现在让 OBS 开始推流吗？"),
        action=tr("开始推流"),
        cancel=tr("稍后"),
    )
    if asked and ctx.obs is not None and wants_stream(ctx):
        ctx.notifier.run(
            tr("开始推流"), start_stream_for(ctx.obs, session_id), done=tr("OBS 开始推流")
        )


async def start_stream_for(obs: ObsStack, session_id: str) -> None:
    """Start OBS's stream once it has ``session_id``'s push URL and key."""
    target = obs.target
    room = target.room
    arrived = asyncio.Event()  # the session reaches the room as an event, not as a reply
    unsub = room.subscribe(
        lambda _ch: arrived.set() if _is_live(room.session, session_id) else None
    )
    try:
        if not _is_live(room.session, session_id):
            await wait_event(arrived, SESSION_WAIT_S)
    finally:
        unsub()
    if target.applied is None or target.applied[1] != session_id:
        await target.apply()  # idempotent: fetch the key from the platform, write it into OBS
    if target.applied is None or target.applied[1] != session_id:
        why = localize(target.error) if target.error else tr("推流地址尚未写入 OBS")
        raise PlatformError("stream_target_missing", why)
    await obs.outputs.start_stream()
