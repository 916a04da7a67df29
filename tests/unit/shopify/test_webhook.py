"""Webhook HMAC: Shopify's signature (base64 HMAC-SHA256 of the raw body) is accepted; a changed
body, another secret, a missing or garbled header are not."""

from __future__ import annotations

import base64
import hashlib
import hmac

from plugins.shopify.webhook import signature, verify

SECRET = "hush-client-secret"
BODY = b'{"id":820982911946154508,"email":"jon@example.com","total_price":"199.00"}'


def known_vector() -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode()


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    assert signature(SECRET, BODY) == known_vector()
    assert verify(SECRET, BODY, known_vector())
    assert verify(SECRET.encode(), BODY, known_vector() + "\n")  # a header's trailing space


def test_a_tampered_body_or_another_secret_fails() -> None:
    header = known_vector()
    assert not verify(SECRET, BODY.replace(b"199.00", b"1.00"), header)
    assert not verify(SECRET, BODY + b" ", header)  # re-serialised JSON is another body
    assert not verify("another-secret", BODY, header)


def test_a_missing_or_garbled_header_fails() -> None:
    assert not verify(SECRET, BODY, None)
    assert not verify(SECRET, BODY, "")
    assert not verify(SECRET, BODY, "not base64 ✓")
    assert not verify("", BODY, signature("", BODY))
