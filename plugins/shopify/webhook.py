"""Shopify webhook verification, for a later relay (a desktop console receives no webhooks).

Shopify signs each delivery: ``X-Shopify-Hmac-Sha256`` is the base64 of HMAC-SHA256 over the
**raw** request body, keyed with the app's client secret. :func:`verify` recomputes it and
compares in constant time; any change of the body, the secret or the header fails. The body must
be the bytes as received (a parsed and re-serialised JSON differs).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

HEADER = "X-Shopify-Hmac-Sha256"


def signature(secret: str | bytes, body: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode("ascii")


def verify(secret: str | bytes, body: bytes, header: str | None) -> bool:
    """True when ``header`` (the ``X-Shopify-Hmac-Sha256`` value) signs ``body`` with ``secret``."""
    if not header or not secret:
        return False
    expected = signature(secret, body).encode("ascii")
    try:
        given = header.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(expected, given)
