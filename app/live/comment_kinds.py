"""Classify a comment once, at ingest, so every derived view (questions, purchase intent, fans…)
is a flag test instead of a re-scan of the whole history."""

from __future__ import annotations

import re
from enum import IntFlag

from app.platform.models import Comment


class Kind(IntFlag):
    NONE = 0
    QUESTION = 1
    INTENT = 2  # purchase intent: 已拍, 扣1, 想要 …
    FAN = 4  # from a follower (fan club member)
    STAFF = 8  # host / assistant message
    COMPLAINT = 16
    GIFT = 32  # a gift line in the chat feed (also paid messages and memberships)
    PAID = 64  # a paid message (Super Chat / 醒目留言)
    MEMBER = 128  # a membership bought (Bilibili guard 舰长/提督/总督)
    NOTE = 256  # the platform's own notice about the room (room_note): no viewer wrote it


#: lines that are not a viewer's comment: nothing to pin, hide, mute or reply to
NOT_A_COMMENT = Kind.GIFT | Kind.NOTE


# bare topic words (发货, 包邮 …) count as questions: chat drops the question mark (「今天发货」);
# not after an urging word: 「已拍，快点发货」 is a buyer pushing, not asking
_QUESTION = re.compile(
    r"[?？]|吗|呢|多少|几[号码天]|什么|怎么|咋|能不能|可以.{0,6}[吗么]|有没有|哪|多大|多高|多重|尺码"
    r"|(?<!快)(?<!快点)(?<!赶紧)(?<!尽快)发货|包邮|运费|退换|链接"
)
_INTENT = re.compile(
    r"已拍|拍了|已下单|下单了|扣\s*1|^\s*1+\s*$|想要|要了|买了|已买|抢到|冲|拍下|\+1|加购"
)
_COMPLAINT = re.compile(
    r"没货|没了|卖完|补货|太贵|差评|退货|骗|怎么又|投诉|假货|不发货|质量(?:太)?差"
)


_STAFF, _FAN, _INTENT_BIT, _QUESTION_BIT, _COMPLAINT_BIT = (
    int(Kind.STAFF),
    int(Kind.FAN),
    int(Kind.INTENT),
    int(Kind.QUESTION),
    int(Kind.COMPLAINT),
)
#: every combination, made once: classify() runs per comment at the full stream rate, and each
#: ``Kind | Kind`` would build a new flag through the enum machinery (~1 µs a time)
_KINDS = tuple(Kind(i) for i in range(64))


def classify_bits(comment: Comment) -> int:
    """:func:`classify` as a plain int (what the session file stores)."""
    text = comment.text
    bits = 0 if comment.role == "viewer" else _STAFF
    if comment.is_follower:
        bits |= _FAN
    if _INTENT.search(text):
        bits |= _INTENT_BIT
    if _QUESTION.search(text):
        bits |= _QUESTION_BIT
    if _COMPLAINT.search(text):
        bits |= _COMPLAINT_BIT
    return bits


def classify(comment: Comment) -> Kind:
    return _KINDS[classify_bits(comment)]
