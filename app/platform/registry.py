"""Platform adapters available to the console: factories named by ``livedesk.platforms`` entry points.

A plugin registers ``name = "package.module:Factory"`` in that group; the factory (a class or an
instance) has ``name``, ``title`` and ``async open(settings) -> PlatformAdapter``. A plugin that
fails to load is logged and left out, so one broken plugin never stops the console.
"""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint, entry_points

from app.platform.adapter import AdapterFactory

log = logging.getLogger(__name__)

GROUP = "livedesk.platforms"


def _instantiate(ep: EntryPoint) -> AdapterFactory:
    obj = ep.load()
    factory = obj() if isinstance(obj, type) else obj
    for attr in ("name", "title", "open"):
        if not hasattr(factory, attr):
            raise TypeError(f"{ep.value} has no {attr!r}: not a platform adapter factory")
    if getattr(factory, "name", None) != ep.name:
        log.warning("platform entry point %r names a factory called %r", ep.name, factory.name)
    return factory  # type: ignore[no-any-return]


def platform_factories() -> dict[str, AdapterFactory]:
    """Every loadable platform adapter factory, by entry-point name, sorted by name."""
    found: dict[str, AdapterFactory] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        if ep.name in found:
            log.warning("platform %r registered twice; keeping the first (%s)", ep.name, ep.value)
            continue
        try:
            found[ep.name] = _instantiate(ep)
        except Exception:
            log.exception("platform adapter %r (%s) failed to load; skipped", ep.name, ep.value)
    return found


def platform_factory(name: str) -> AdapterFactory:
    """The factory registered as ``name``; ``KeyError`` with the known names if there is none."""
    factories = platform_factories()
    try:
        return factories[name]
    except KeyError:
        known = ", ".join(sorted(factories)) or "none"
        raise KeyError(f"no platform adapter named {name!r} (known: {known})") from None
