"""Where a platform's connection values are kept: secrets in the OS keyring, the rest in settings.

For every platform but the built-in one, a field ``f`` of platform ``name``
(:class:`app.platform.fields.ConnectionField`) is kept

- in the OS keyring as ``platform.<name>.<f>`` when ``f.secret`` (:mod:`app.secrets`; memory only
  for this run where no keyring exists), and
- otherwise in ``settings.platform.fields[name][f]``.

The sandbox keeps its values where ``livedesk join`` and the launcher always kept them:
``settings.platform.url`` / ``room``, and the token under ``platform.token.<room>.<role>``.

A commerce backend (the shop of a room made of two sources, app/platform/composite.py) keeps its
values like any platform but the built-in one, also when it is the sandbox (``commerce=True``:
its url/room in ``settings.platform.fields["sandbox"]``, its token as ``platform.sandbox.token``,
so the chat sandbox's values are left alone); ``settings.platform.commerce`` names it.

Guarantees: :func:`save` writes nothing of a field the platform does not declare, never puts a
secret in the settings, and a secret entered empty keeps the stored one (the dialog shows stored
secrets masked; untouched means kept). Nothing here writes the settings file: the caller saves
once the connection succeeded, so a failed or cancelled connection leaves no half-saved state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.platform.fields import ConnectionField
from app.secrets import get_secret, set_secret

SANDBOX = "sandbox"


def secret_key(platform: str, field: str) -> str:
    """The keyring entry of one secret field."""
    return f"platform.{platform}.{field}"


def _sandbox_token_key(settings: Any, room: str) -> str:
    from app.team.join import token_key

    return token_key(room, settings.platform.role)


def stored(
    platform: str, fields: tuple[ConnectionField, ...], settings: Any, *, commerce: bool = False
) -> dict[str, str]:
    """What is stored for ``platform``'s fields (secrets included; "" for nothing stored)."""
    plat = settings.platform
    if platform == SANDBOX and not commerce:
        room = plat.room or ""
        kept = {"url": plat.url or "", "room": room}
        token = get_secret(_sandbox_token_key(settings, room)) if plat.url and room else None
        kept["token"] = token or ""
        return {f.name: kept.get(f.name, "") for f in fields}
    plain = plat.fields.get(platform, {})
    out: dict[str, str] = {}
    for f in fields:
        if f.secret:
            out[f.name] = get_secret(secret_key(platform, f.name)) or ""
        else:
            out[f.name] = plain.get(f.name, "")
    return out


def merged(
    platform: str,
    fields: tuple[ConnectionField, ...],
    settings: Any,
    entered: Mapping[str, str],
    *,
    commerce: bool = False,
) -> dict[str, str]:
    """The values a connection uses: what was entered, a secret left empty → the stored one."""
    kept = stored(platform, fields, settings, commerce=commerce)
    out: dict[str, str] = {}
    for f in fields:
        value = (entered.get(f.name) or "").strip()
        out[f.name] = value if value or not f.secret else kept.get(f.name, "")
    return out


def save(
    platform: str,
    fields: tuple[ConnectionField, ...],
    values: Mapping[str, str],
    settings: Any,
    *,
    commerce: bool = False,
) -> None:
    """Remember ``platform`` as the chosen one (``commerce``: as the chosen shop) and its field
    values (the settings object is changed; the caller writes the file). Secrets go to the
    keyring only."""
    plat = settings.platform
    if platform == SANDBOX and not commerce:
        url = (values.get("url") or "").strip() or None
        room = (values.get("room") or "").strip() or None
        token = (values.get("token") or "").strip()
        if url and room and token:
            set_secret(_sandbox_token_key(settings, room), token)
        plat.url, plat.room = url, room
    else:
        plain: dict[str, str] = {}
        for f in fields:
            value = (values.get(f.name) or "").strip()
            if f.secret:
                if value:
                    set_secret(secret_key(platform, f.name), value)
            elif value:
                plain[f.name] = value
        plat.fields = {**plat.fields, platform: plain}
    if commerce:
        plat.commerce = platform
    else:
        plat.adapter = platform


def connection_values(
    platform: str, fields: tuple[ConnectionField, ...], settings: Any, *, commerce: bool = False
) -> dict[str, str]:
    """The stored values to hand to a non-sandbox factory's ``open`` (empty ones left out, so
    the adapter's own fallbacks — environment variables — still apply)."""
    kept = stored(platform, fields, settings, commerce=commerce)
    return {k: v for k, v in kept.items() if v}
