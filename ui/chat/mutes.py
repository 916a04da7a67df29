"""Muting with a safety net (issue 20): the durations offered (5 分钟 / 1 小时 / 本场 / 永久, the
default a short one), how a mute is described to the operator, and what the undo bar
(:class:`ui.undo_bar.UndoBar`) says after each mute (「已禁言 张三 5 分钟 · 撤销」 for
:data:`UNDO_SECONDS`; 撤销 lifts the mute on the platform).

Guarantees: a mute never happens without saying for how long; the bar says when the user
bought in this session (「该用户本场已下单」); names are shown as plain text, never HTML; the
bar's undo holds plain data only (user id, nickname), never a chat line or a model index.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from app.format import countdown, time_of_day
from app.names import role_name
from app.platform import models as m
from ui.i18n import tr


@dataclass(frozen=True, slots=True)
class MuteDuration:
    key: str  # the menu action's object name is "comment.mute.<key>"
    label: str  # Chinese source text (menu entry and toast)
    seconds: int | None  # None: no fixed time
    until_session_end: bool = False


DURATIONS: tuple[MuteDuration, ...] = (
    MuteDuration("5m", "5 分钟", 5 * 60),
    MuteDuration("1h", "1 小时", 3600),
    MuteDuration("session", "本场", None, until_session_end=True),
    MuteDuration("forever", "永久", None),
)
#: what the mute key (and a plain 禁言) does: a short mute, never a permanent one
DEFAULT = DURATIONS[0]
UNDO_SECONDS = 8.0


def until_text(mu: m.MutedUser, now: float | None = None) -> str:
    """「永久」, 「本场结束」 or 「至 20:35:12（还剩 4:32）」 for a timed mute."""
    if mu.until_ts is None:
        return tr("本场结束") if mu.session_id else tr("永久")
    left = max(0, round(mu.until_ts - (time.time() if now is None else now)))
    clock = time_of_day(mu.until_ts)
    return tr("至 {clock}（还剩 {left}）").format(clock=clock, left=countdown(left))


def who_text(actor: m.Actor | None) -> str:
    return role_name(actor.role.value) if actor is not None else "—"


def muted_text(nickname: str, duration: MuteDuration) -> str:
    """What the undo bar says after a mute: 「已禁言 张三 5 分钟」 or 「已永久禁言 张三」."""
    if duration.seconds is not None or duration.until_session_end:
        return tr("已禁言 {n} {d}").format(n=nickname, d=tr(duration.label))
    return tr("已永久禁言 {n}").format(n=nickname)
