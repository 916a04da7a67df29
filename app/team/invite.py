"""Invites: how a host hands a teammate (场控 or 复盘) the way into a room, as one string.

Format (version 1)::

    livedesk://join?v=1&u=<platform url>&r=<room>&role=<assistant|reviewer>&t=<token>&c=<check>

``c`` is the first 8 hex digits of sha256 over the other fields: it is not a signature (the
token is the secret), it catches an invite that was cut short or edited when it was pasted.

Guarantees: :func:`parse_invite` accepts only this shape — bounded length, one value per key,
no unknown keys, an http(s) URL with a host and no credentials, a room id and a token of the
platform's id characters, a role of ``assistant`` or ``reviewer`` (an invite never carries the
host's token: :func:`make_invite` refuses the host role too). Everything else is an
:class:`InviteError` whose message says what is wrong in the operator's language. The token
never appears in an error message or a ``repr``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

from app.i18n import tr

SCHEME = "livedesk"
VERSION = "1"
MAX_INVITE = 2000  # characters; a real one is ~150
ROLES = ("assistant", "reviewer")
_ID = re.compile(r"[A-Za-z0-9_.:~-]{1,200}")
_KEYS = {"v", "u", "r", "role", "t", "c"}


class InviteError(ValueError):
    """An invite that cannot be used; ``str()`` is a sentence for the operator."""


@dataclass(frozen=True)
class Invite:
    url: str
    room: str
    role: str
    token: str = field(repr=False)


def _check(url: str, room: str, role: str, token: str) -> str:
    text = "\n".join((VERSION, url, room, role, token))
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _valid_url(url: str) -> str:
    if len(url) > 500:
        raise InviteError(tr("邀请码中的平台地址过长"))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InviteError(tr("邀请码中的平台地址无效（需要 http:// 或 https:// 地址）"))
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InviteError(tr("邀请码中的平台地址无效（需要 http:// 或 https:// 地址）"))
    try:
        parts.port  # noqa: B018  # raises on a port that is not a number in range
    except ValueError:
        raise InviteError(tr("邀请码中的平台地址无效（需要 http:// 或 https:// 地址）")) from None
    return url.rstrip("/")


def make_invite(url: str, room: str, role: str, token: str) -> str:
    """The invite string for ``role`` (assistant or reviewer) with that role's token."""
    if role not in ROLES:
        raise InviteError(tr("只能邀请场控或复盘，主播令牌从不放进邀请码"))
    url = _valid_url(url)
    if not _ID.fullmatch(room) or not _ID.fullmatch(token):
        raise InviteError(tr("房间号或令牌含有不支持的字符"))
    q = "&".join(
        f"{k}={quote(v, safe='')}"
        for k, v in (
            ("v", VERSION),
            ("u", url),
            ("r", room),
            ("role", role),
            ("t", token),
            ("c", _check(url, room, role, token)),
        )
    )
    return f"{SCHEME}://join?{q}"


def parse_invite(text: str) -> Invite:
    """The invite in ``text`` (surrounding whitespace ignored), or :class:`InviteError`."""
    text = (text or "").strip()
    if not text:
        raise InviteError(tr("请粘贴邀请码"))
    if len(text) > MAX_INVITE:
        raise InviteError(tr("这不是 LiveDesk 邀请码（太长）"))
    if not text.startswith(f"{SCHEME}://join?"):
        raise InviteError(tr("这不是 LiveDesk 邀请码（应以 livedesk://join? 开头）"))
    try:
        fields = parse_qs(
            text.split("?", 1)[1], keep_blank_values=True, strict_parsing=True, max_num_fields=10
        )
    except ValueError:
        raise InviteError(tr("邀请码格式损坏，请重新复制完整的邀请码")) from None
    if set(fields) - _KEYS or any(len(v) != 1 for v in fields.values()):
        raise InviteError(tr("邀请码格式损坏，请重新复制完整的邀请码"))
    one = {k: v[0] for k, v in fields.items()}
    if one.get("v") != VERSION:
        raise InviteError(
            tr("邀请码版本不受支持（{v}），请升级 LiveDesk").format(v=one.get("v", "?")[:10])
        )
    missing = [k for k in ("u", "r", "role", "t", "c") if not one.get(k)]
    if missing:
        raise InviteError(tr("邀请码不完整，请重新复制完整的邀请码"))
    url, room, role, token = one["u"], one["r"], one["role"], one["t"]
    if one["c"] != _check(url, room, role, token):
        raise InviteError(tr("邀请码已损坏或被修改，请向主播重新获取"))
    if role not in ROLES:
        raise InviteError(tr("邀请码的身份无效：只能加入为场控或复盘"))
    if not _ID.fullmatch(room) or not _ID.fullmatch(token):
        raise InviteError(tr("房间号或令牌含有不支持的字符"))
    return Invite(_valid_url(url), room, role, token)
