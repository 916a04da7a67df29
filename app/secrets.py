"""Secrets (platform tokens, the OBS password) in the OS keyring — never in settings files or logs.

Where no keyring backend exists (a headless CI box), secrets are kept for this process only and a
warning says so once, when the first secret is kept (reading finds nothing, silently: a headless
``livedesk events`` then uses its environment variables); they are never written to disk in clear.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

SERVICE = "livedesk"
_memory: dict[str, str] = {}
_warned = False


def _keyring_usable(*, warn: bool = True) -> bool:
    global _warned
    try:
        import keyring
        from keyring.backends import fail

        if isinstance(keyring.get_keyring(), fail.Keyring):
            raise RuntimeError("no keyring backend")
        return True
    except Exception as exc:  # any backend import/initialisation problem
        if warn and not _warned:
            log.warning(
                "OS keyring unavailable (%s): secrets kept in memory for this run only", exc
            )
            _warned = True
        return False


def get_secret(name: str) -> str | None:
    if name in _memory:
        return _memory[name]
    if _keyring_usable(warn=False):
        import keyring

        try:
            return keyring.get_password(SERVICE, name)
        except Exception as exc:
            log.warning("keyring read of %r failed: %s", name, type(exc).__name__)
    return None


def set_secret(name: str, value: str) -> None:
    if _keyring_usable():
        import keyring

        try:
            keyring.set_password(SERVICE, name, value)
            _memory.pop(name, None)
            return
        except Exception as exc:
            log.warning("keyring write of %r failed: %s; kept in memory", name, type(exc).__name__)
    _memory[name] = value
