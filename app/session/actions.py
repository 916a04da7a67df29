"""The session's action log: every operator's actions, with before → after for edits.

Recorded: :class:`~app.session.recorder.SessionRecorder` listens to
``LiveRoom.subscribe_activity`` — the room describes each event with an ``actor`` against its
state *before* the event applies (:func:`app.live.activity.describe`) — and hands the entries to
the writer as :func:`change_rows`: one row of the ``changes`` table each (seq, time, the
operator's role and token id, the action's stable id, what it acted on, before, after, and the
line as the recording console said it). The values are language-neutral (``¥399.00``, ``50``,
a queue position ``3``), so the log reads in any language later.

Read: :func:`action_log` lists a file's log in time order. An operator event the ``changes``
table lacks — a file recorded before the table existed, or events the recorder took from the
platform's log to fill a gap (never ingested by the room, so never described) — comes from the
``markers`` table instead: who and what, without before → after. The table is an addition to
schema version 1 (:data:`app.session.schema.ADDED_DDL`): an older file simply lacks it, an
older console ignores it.

Shown: :func:`cells` (time, who, what, before, after) for the replay window's 操作记录 tab
(``ui/replay/action_log.py``, filterable by operator: :func:`operator_names`) and
:func:`action_log_html` for the HTML report. Texts are plain text, said by the given translating function (``tr``, or
:func:`app.i18n.translator` for a report in a chosen language).
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.format import time_of_day
from app.i18n import Translate, tr_noop
from app.live.activity import TeamChange
from app.names import role_name

#: one row of ``changes`` per operator change, in the writer's transaction
INSERT_SQL = (
    "INSERT INTO changes(seq, ts, role, token_id, action, subject, before, after, text)"
    " VALUES (?,?,?,?,?,?,?,?,?)"
)

#: every action's name (a ``TeamChange.action``, or a marker kind of an older file), in Chinese;
#: the ``tr`` catalog says it in other languages
ACTION_NAMES: dict[str, str] = {
    "product_added": tr_noop("添加商品"),
    "product_updated": tr_noop("修改商品"),
    "price": tr_noop("改价"),
    "original_price": tr_noop("改划线价"),
    "stock": tr_noop("改库存"),
    "listed": tr_noop("上架"),
    "unlisted": tr_noop("下架"),
    "reorder": tr_noop("调整排品"),
    "explain_start": tr_noop("开始讲解"),
    "explain": tr_noop("开始讲解"),  # a marker's kind
    "explain_stop": tr_noop("停止讲解"),
    "coupon_issued": tr_noop("发券"),
    "coupon_ended": tr_noop("结束优惠券"),
    "flash_sale": tr_noop("秒杀"),
    "red_envelope_started": tr_noop("红包雨开始"),
    "red_envelope_ended": tr_noop("红包雨结束"),
    "stock_reserved": tr_noop("冻结库存"),
    "stock_released": tr_noop("释放冻结库存"),
    "team_review": tr_noop("修改团队评分设置"),
    "flash_sale_scheduled": tr_noop("秒杀预告"),
    "flash_sale_started": tr_noop("秒杀开始"),
    "flash_sale_ended": tr_noop("结束秒杀"),
    "lottery_started": tr_noop("发起福袋"),
    "lottery_drawn": tr_noop("开奖"),
    "pin": tr_noop("置顶评论"),
    "unpin": tr_noop("取消置顶"),
    "hide": tr_noop("隐藏评论"),
    "mute": tr_noop("禁言"),
    "unmute": tr_noop("解除禁言"),
    "comment": tr_noop("发言"),
    "session_started": tr_noop("开播"),
    "session_ended": tr_noop("下播"),
}
#: actions whose before/after are queue positions (stored as numbers, shown as 第 n 位); a
#: mute's "after" is its length (:func:`mute_span`)
POSITIONS = frozenset({"reorder"})
HEADERS = (tr_noop("时间"), tr_noop("操作者"), tr_noop("操作"), tr_noop("之前"), tr_noop("之后"))


@dataclass(frozen=True, slots=True)
class LoggedAction:
    ts: float
    seq: int | None
    role: str
    token_id: str
    action: str  # ACTION_NAMES' keys (an unknown one from a newer console is shown as ``text``)
    subject: str  # what it acted on: product title, coupon name, nickname …
    before: str | None
    after: str | None
    text: str = ""  # the line as the recording console said it ("" from markers)

    @property
    def operator(self) -> tuple[str, str]:
        """Who did it: (role, token id) — two assistants with their own tokens are two."""
        return (self.role, self.token_id)


def change_rows(changes: Sequence[TeamChange]) -> list[tuple[Any, ...]]:
    """The ``changes`` rows of the room's activity entries (for :data:`INSERT_SQL`)."""
    return [
        (c.seq, c.ts, c.role, c.token_id, c.action or c.kind, c.subject, c.before, c.after, c.text)
        for c in changes
    ]


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)
    ).fetchone()
    return row is not None


def action_log(conn: sqlite3.Connection) -> list[LoggedAction]:
    """Every operator action in the file (a :class:`~app.session.replay.SessionFile`'s
    ``conn``), in time order: from ``changes``, and from ``markers`` for operator events
    ``changes`` lacks (older files, gap-filled events)."""
    out: list[LoggedAction] = []
    covered: set[int] = set()
    if _has_table(conn, "changes"):
        for seq, ts, role, token, action, subject, before, after, text in conn.execute(
            "SELECT seq, ts, role, token_id, action, subject, before, after, text FROM changes"
            " ORDER BY ts, id"
        ):
            covered.add(int(seq))
            out.append(
                LoggedAction(
                    float(ts),
                    int(seq),
                    str(role),
                    str(token),
                    str(action),
                    str(subject),
                    None if before is None else str(before),
                    None if after is None else str(after),
                    str(text),
                )
            )
    for seq, ts, kind, role, token, label in conn.execute(
        "SELECT seq, ts, kind, role, token_id, label FROM markers"
        " WHERE role IS NOT NULL AND role != 'obs' ORDER BY ts, id"
    ):
        if seq is not None and int(seq) in covered:
            continue
        out.append(
            LoggedAction(
                float(ts),
                None if seq is None else int(seq),
                str(role),
                str(token or ""),
                str(kind),
                str(label),
                None,
                None,
            )
        )
    out.sort(key=lambda e: (e.ts, e.seq or 0))
    return out


# --- saying it ---------------------------------------------------------------------------------
def operator_names(entries: Sequence[LoggedAction], t: Translate) -> dict[tuple[str, str], str]:
    """Each operator's name: the role (场控), with the token's tail when one role had several
    tokens in the session (场控 ·a1b2)."""
    tokens: dict[str, set[str]] = {}
    for e in entries:
        tokens.setdefault(e.role, set()).add(e.token_id)
    out: dict[tuple[str, str], str] = {}
    for e in entries:
        if e.operator in out:
            continue
        name = role_name(e.role, t) or e.role
        if len(tokens[e.role]) > 1 and e.token_id:
            name += f" ·{e.token_id[-4:]}"
        out[e.operator] = name
    return out


def what(e: LoggedAction, t: Translate) -> str:
    """The action and what it acted on: 「改价 · 连衣裙」."""
    zh = ACTION_NAMES.get(e.action)
    if zh is None:  # an action a newer console recorded: its own line
        return e.text or e.action
    name = t(zh)
    return f"{name} · {e.subject}" if e.subject else name


def value(e: LoggedAction, v: str | None, t: Translate) -> str:
    """A before/after value as shown: money and counts as stored, queue positions as 第 n 位."""
    if v is None:
        return ""
    if e.action in POSITIONS:
        return t("第 {n} 位").format(n=v)
    if e.action == "mute":
        return mute_span(v, t)
    return v


def mute_span(v: str, t: Translate) -> str:
    """A mute's length as recorded (seconds, ``session`` or ``forever``): 5 分钟, 本场, 永久."""
    if v == "session":
        return t("本场")
    if v == "forever":
        return t("永久")
    if not v.isdigit():
        return v
    n = int(v)
    if n >= 3600 and n % 3600 == 0:
        return t("{n} 小时").format(n=n // 3600)
    if n >= 60 and n % 60 == 0:
        return t("{n} 分钟").format(n=n // 60)
    return t("{n} 秒").format(n=n)


def cells(e: LoggedAction, names: dict[tuple[str, str], str], t: Translate) -> list[str]:
    """One row: time, who, what, before, after."""
    return [
        time_of_day(e.ts),
        names.get(e.operator, e.role),
        what(e, t),
        value(e, e.before, t),
        value(e, e.after, t),
    ]


def headers(t: Translate) -> list[str]:
    return [t(h) for h in HEADERS]


def action_log_html(entries: Sequence[LoggedAction], t: Translate) -> str:
    """The report's 操作记录 section: a heading and one table row per action (escaped)."""
    names = operator_names(entries, t)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers(t))
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells(e, names, t)) + "</tr>"
        for e in entries
    )
    if not entries:
        body = f'<tr><td colspan="{len(HEADERS)}">{html.escape(t("无操作"))}</td></tr>'
    title = html.escape(t("操作记录"))
    return (
        f'<h2 id="action-log">{title}</h2>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
