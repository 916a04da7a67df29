"""The one locator of LiveDesk's own files: the language catalogs, the theme, the compliance word
list and the demo catalogue with its product images (the directories beside this module).

Guarantees:
- Every reader of these files asks :func:`resource` (``resource("i18n", "en.json")``); no module
  builds a path to them by hand, so the files are found wherever the package is: a source checkout,
  an editable or a normal (wheel) install, and the PyInstaller bundle (which collects them as data
  beside the frozen package).
- They are package data: pyproject's ``[tool.setuptools.package-data]`` carries every file type
  here, and tests/integration/test_wheel.py installs a real wheel and starts the sandbox and the
  console from it.
- The result is a real file-system path (the sandbox server hands the image directory to
  Starlette's StaticFiles); nothing is imported from a zip.
- Read-only: user overrides (``<config dir>/compliance/words.txt``) live in the config dir, never
  here, since an installed package may not be writable.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def resource(*parts: str) -> Path:
    """The path of one of LiveDesk's own files or directories, e.g. ``resource("theme",
    "light.qss")``; whether it exists is the caller's question."""
    return ROOT.joinpath(*parts)
