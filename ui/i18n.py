"""UI language: the catalog lives in :mod:`app.i18n` (the core translates its own messages too)."""

from __future__ import annotations

from app.i18n import LANGUAGES, language, load_catalog, localize, set_language, tr

__all__ = ["LANGUAGES", "language", "load_catalog", "localize", "set_language", "tr"]
