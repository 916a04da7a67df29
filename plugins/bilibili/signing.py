"""Request signing: WBI for the web API, ``x-bili-*`` HMAC-SHA256 headers for open-live.

Pure functions; the clock and the nonce are parameters so that tests use frozen vectors.

WBI (web ``getDanmuInfo`` since 2025-05-26): the 32-character mixin key is picked from
``img_key + sub_key`` (basenames of ``nav`` → ``data.wbi_img.img_url/sub_url``) through
:data:`MIXIN_TABLE`; the parameters plus ``wts`` are sorted by key, the characters ``!'()*`` are
removed from the values, the result is URL-encoded and ``w_rid = md5(query + mixin)``.
Known answer (research notes §2.3): img ``7cd084941338484aae1ad9425b84077c``, sub
``4932caff0ff746eab6f01bf08b70ac45``, ``{platform: web, web_location: 444.7}``,
``wts=1743671757`` → ``w_rid=38f74af0c2908b42d19c87710d71e0b2``.

Open-live (``POST https://live-open.biliapi.com/v2/app/*``): headers ``x-bili-accesskeyid``,
``x-bili-content-md5`` (md5 hex of the *exact* body bytes sent), ``x-bili-signature-method:
HMAC-SHA256``, ``x-bili-signature-nonce``, ``x-bili-signature-version: 1.0``,
``x-bili-timestamp`` (unix seconds); ``Authorization`` = hex HMAC-SHA256 with the access key
secret of ``"\\n".join(f"{k}:{v}")`` over those six headers sorted by name.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import urllib.parse
from collections.abc import Mapping

MIXIN_TABLE = (
    46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35,
    27, 43, 5, 49, 33, 9, 42, 19, 29, 28, 14, 39, 12, 38, 41, 13,
)  # fmt: skip
_STRIP = str.maketrans("", "", "!'()*")


def wbi_key_from_url(url: str) -> str:
    """``https://i0.hdslb.com/bfs/wbi/7cd08….png`` → ``7cd08…`` (the basename without suffix)."""
    return url.rpartition("/")[2].partition(".")[0]


def mixin_key(img_key: str, sub_key: str) -> str:
    raw = img_key + sub_key
    if len(raw) <= max(MIXIN_TABLE):
        raise ValueError("img_key + sub_key is too short for the WBI mixin table")
    return "".join(raw[i] for i in MIXIN_TABLE)


def wbi_sign(
    params: Mapping[str, object], img_key: str, sub_key: str, *, wts: int | None = None
) -> dict[str, str]:
    """The params with ``wts`` and ``w_rid`` added (values as text, the order of ``params`` kept)."""
    stamp = str(int(time.time()) if wts is None else wts)
    signed = {k: str(v) for k, v in params.items()}
    signed["wts"] = stamp
    clean = {k: signed[k].translate(_STRIP) for k in sorted(signed)}
    query = urllib.parse.urlencode(clean)
    signed["w_rid"] = hashlib.md5((query + mixin_key(img_key, sub_key)).encode()).hexdigest()
    return signed


def open_live_headers(
    body: bytes,
    access_key_id: str,
    access_key_secret: str,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Signed headers for one open-live request whose body is exactly ``body``."""
    x_bili = {
        "x-bili-accesskeyid": access_key_id,
        "x-bili-content-md5": hashlib.md5(body).hexdigest(),
        "x-bili-signature-method": "HMAC-SHA256",
        "x-bili-signature-nonce": secrets.token_hex(16) if nonce is None else nonce,
        "x-bili-signature-version": "1.0",
        "x-bili-timestamp": str(int(time.time()) if timestamp is None else timestamp),
    }
    to_sign = "\n".join(f"{k}:{x_bili[k]}" for k in sorted(x_bili))
    signature = hmac.new(access_key_secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        **x_bili,
        "Authorization": signature,
        "Content-Type": "application/json",
        "Accept": "application/json",
    }


def verify_open_live(headers: Mapping[str, str], body: bytes, access_key_secret: str) -> bool:
    """Server side (the stand-in): the signature and content-md5 match ``body``."""
    lower = {k.lower(): v for k, v in headers.items()}
    if lower.get("x-bili-content-md5") != hashlib.md5(body).hexdigest():
        return False
    x_bili = {k: v for k, v in lower.items() if k.startswith("x-bili-")}
    to_sign = "\n".join(f"{k}:{x_bili[k]}" for k in sorted(x_bili))
    want = hmac.new(access_key_secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, lower.get("authorization", ""))
