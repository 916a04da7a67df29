"""Platform adapters registered for the tests' processes, also before the environment is
reinstalled.

pyproject.toml registers each adapter under ``livedesk.platforms``; an environment installed
before an entry was added (``pip install -e .`` not run again) does not list it.
:func:`ensure_platform` then puts a one-entry stand-in distribution on ``sys.path`` and
``PYTHONPATH`` (through ``monkeypatch``, undone after the test) so that this process and the
``livedesk`` processes it starts find the adapter; once installed, it does nothing.
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from pathlib import Path

import pytest

GROUP = "livedesk.platforms"


def ensure_platform(name: str, value: str, where: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if any(ep.name == name for ep in entry_points(group=GROUP)):
        return
    dist = where / f"livedesk_test_{name.replace('-', '_')}-0.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: livedesk-test-{name}\nVersion: 0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(f"[{GROUP}]\n{name} = {value}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(where))
    old = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (old, str(where)) if p))
