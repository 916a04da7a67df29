"""Invites: round trip, and every malformed or edited invite refused with a clear sentence."""

from __future__ import annotations

import pytest

from app.team.invite import InviteError, make_invite, parse_invite

URL, ROOM, TOKEN = "http://192.168.1.20:8765", "r1a2b3c4d", "as_0123456789abcdef"


def test_round_trip() -> None:
    code = make_invite(URL, ROOM, "assistant", TOKEN)
    assert code.startswith("livedesk://join?v=1&")
    inv = parse_invite(f"  {code}\n")
    assert (inv.url, inv.room, inv.role, inv.token) == (URL, ROOM, "assistant", TOKEN)
    assert TOKEN not in repr(inv)


def test_never_for_the_host() -> None:
    with pytest.raises(InviteError, match="主播"):
        make_invite(URL, ROOM, "host", "ho_secret")


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda c: c.replace("role=assistant", "role=reviewer"), "损坏或被修改"),
        (lambda c: c.replace("t=as_0", "t=as_1"), "损坏或被修改"),
        (lambda c: c[:-3], "损坏或被修改"),
        (lambda c: c.split("&c=")[0], "不完整"),
        (lambda c: c.replace("v=1", "v=2"), "版本"),
        (lambda c: "https://example.com/?" + c.split("?")[1], "不是 LiveDesk 邀请码"),
        (lambda c: c + "&x=1", "格式损坏"),
        (lambda c: c + "&t=other", "格式损坏"),
        (lambda c: c + "a" * 3000, "太长"),
        (lambda c: "", "请粘贴"),
    ],
)
def test_malformed_or_tampered(edit, says) -> None:  # type: ignore[no-untyped-def]
    code = make_invite(URL, ROOM, "assistant", TOKEN)
    with pytest.raises(InviteError, match=says) as err:
        parse_invite(edit(code))
    assert TOKEN not in str(err.value)


def test_host_role_refused_even_with_a_matching_check() -> None:
    import hashlib
    from urllib.parse import quote

    c = hashlib.sha256("\n".join(("1", URL, ROOM, "host", TOKEN)).encode()).hexdigest()[:8]
    forged = f"livedesk://join?v=1&u={quote(URL, safe='')}&r={ROOM}&role=host&t={TOKEN}&c={c}"
    with pytest.raises(InviteError, match="场控或复盘"):
        parse_invite(forged)


@pytest.mark.parametrize(
    "url",
    ["ftp://x:1", "http://", "http://user:pw@host:1", "javascript:alert(1)", "http://h:99999"],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(InviteError, match="平台地址"):
        make_invite(url, ROOM, "reviewer", TOKEN)
