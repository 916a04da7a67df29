"""What a platform asks the operator for to connect: each adapter factory declares its fields.

A ``livedesk.platforms`` factory may have ``fields: tuple[ConnectionField, ...]`` (next to its
``open``); the connection dialog (ui/platform/connect_dialog.py) shows one input per field, and
:mod:`app.platform.credentials` stores what was entered: a ``secret`` field in the OS keyring
(app/secrets.py), every other field in the settings. ``open(settings)`` then finds each value
under the field's ``name``. A factory without ``fields`` needs nothing entered.

A factory may also offer signing in on the platform's own page instead of pasting a token (the
OAuth device code grant: Twitch): ``async sign_in(values, show) -> dict[str, str]`` gets what the
dialog holds, calls ``show(SignInCode)`` once with the code the streamer enters at the address,
and returns the field values to fill in (the token…) once they agreed; a ``PlatformError`` in the
UI language when they refused or the code expired. :func:`can_sign_in` says whether it does.

Guarantees: ``label`` and ``help`` are Chinese source text (shown through ``tr``; an English entry
in app/resources/i18n/en.json), plain text; :func:`display_name` and :func:`factory_note` give what
to show for a factory in the UI language.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.i18n import tr


@dataclass(frozen=True)
class ConnectionField:
    name: str  # the key of ``open(settings)``, e.g. "access_key_secret"
    label: str  # Chinese source text, e.g. "身份码"
    secret: bool = False  # kept in the OS keyring, shown masked, never in settings or logs
    help: str = ""  # one or two sentences: where the operator finds the value
    optional: bool = False  # may stay empty


@dataclass(frozen=True, slots=True)
class SignInCode:
    """What the streamer is shown while signing in: enter ``user_code`` at ``verification_uri``
    within ``expires_in`` seconds."""

    user_code: str
    verification_uri: str
    expires_in: int


def can_sign_in(factory: Any) -> bool:
    """Whether ``factory`` offers ``sign_in`` (the platform's own sign-in page)."""
    return callable(getattr(factory, "sign_in", None))


def setting(settings: Mapping[str, Any], key: str, env_prefix: str, default: str = "") -> str:
    """``settings[key]``, else the environment variable ``env_prefix + KEY`` (the headless
    ``livedesk events``), stripped; ``default`` when both are empty."""
    value = settings.get(key)
    if value in (None, ""):
        value = os.environ.get(env_prefix + key.upper(), "")
    return str(value).strip() or default


def fields_of(factory: Any) -> tuple[ConnectionField, ...]:
    """The fields ``factory`` declares (none when it declares nothing)."""
    return tuple(getattr(factory, "fields", ()) or ())


def display_name(factory: Any) -> str:
    """The factory's name for the operator, in the UI language."""
    name = getattr(factory, "display_name", None)
    if isinstance(name, str) and name:
        return name
    return str(getattr(factory, "title", "") or getattr(factory, "name", "?"))


def factory_note(factory: Any) -> str:
    """What the operator must know when choosing this platform ("" when nothing)."""
    note = getattr(factory, "note", "")
    return note if isinstance(note, str) else ""


def missing_fields(
    fields: tuple[ConnectionField, ...], values: Mapping[str, str | None]
) -> list[ConnectionField]:
    """The required fields left empty in ``values``."""
    return [f for f in fields if not f.optional and not (values.get(f.name) or "").strip()]


def missing_message(missing: list[ConnectionField]) -> str:
    """ "请填写：身份码、app_id" in the UI language."""
    sep = tr("、")
    return tr("请填写：{names}").format(names=sep.join(tr(f.label) for f in missing))
