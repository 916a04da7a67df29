"""WBI signing (known answer) and open-live x-bili headers (frozen vectors)."""

from __future__ import annotations

import hashlib

from plugins.bilibili.signing import (
    mixin_key,
    open_live_headers,
    verify_open_live,
    wbi_key_from_url,
    wbi_sign,
)

IMG = "7cd084941338484aae1ad9425b84077c"
SUB = "4932caff0ff746eab6f01bf08b70ac45"


def test_wbi_known_answer() -> None:
    # vector from the research notes §2.3 (BililiveRecorder's unit test), reproduced independently
    signed = wbi_sign({"platform": "web", "web_location": "444.7"}, IMG, SUB, wts=1743671757)
    assert signed == {
        "platform": "web",
        "web_location": "444.7",
        "wts": "1743671757",
        "w_rid": "38f74af0c2908b42d19c87710d71e0b2",
    }


def test_wbi_key_from_nav_urls_and_stripped_characters() -> None:
    assert wbi_key_from_url(f"https://i0.hdslb.com/bfs/wbi/{IMG}.png") == IMG
    assert len(mixin_key(IMG, SUB)) == 32
    # !'()* are removed from values before signing, so these two sign the same
    a = wbi_sign({"q": "a(b)!*'"}, IMG, SUB, wts=1)["w_rid"]
    b = wbi_sign({"q": "ab"}, IMG, SUB, wts=1)["w_rid"]
    assert a == b
    assert (
        wbi_sign({"id": 21452505}, IMG, SUB, wts=1)["w_rid"]
        != wbi_sign({"id": 21452506}, IMG, SUB, wts=1)["w_rid"]
    )


BODY = b'{"code":"BXZ","app_id":1}'


def test_open_live_headers_frozen_vector() -> None:
    # Frozen once: computed from blivedm clients/open_live.py's recipe and the research notes
    # §2.5 by a separate hand-built string_to_sign (the six x-bili headers, sorted, "k:v" joined
    # by \n, HMAC-SHA256 hex with the secret) — both gave the same value.
    h = open_live_headers(
        BODY, "AKID", "SECRET", timestamp=1700000000, nonce="0123456789abcdef0123456789abcdef"
    )
    assert h == {
        "x-bili-accesskeyid": "AKID",
        "x-bili-content-md5": "9430959647d1da6d6d111841be3f3970",
        "x-bili-signature-method": "HMAC-SHA256",
        "x-bili-signature-nonce": "0123456789abcdef0123456789abcdef",
        "x-bili-signature-version": "1.0",
        "x-bili-timestamp": "1700000000",
        "Authorization": "9db5def33907d2101bf4d3413d8fe22446b638d5a1e24b0808c2758ddfa91626",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    assert h["x-bili-content-md5"] == hashlib.md5(BODY).hexdigest()


def test_signature_covers_the_exact_body_and_the_secret() -> None:
    h = open_live_headers(BODY, "AKID", "SECRET")
    assert verify_open_live(h, BODY, "SECRET")
    assert not verify_open_live(h, BODY.replace(b":1", b": 1"), "SECRET")  # re-serialised body
    assert not verify_open_live(h, BODY, "OTHER")
    tampered = dict(h, **{"x-bili-timestamp": "1"})
    assert not verify_open_live(tampered, BODY, "SECRET")
    assert (
        h["x-bili-signature-nonce"]
        != open_live_headers(BODY, "AKID", "SECRET")["x-bili-signature-nonce"]
    )
