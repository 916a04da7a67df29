"""Shared by the screenshot tools: each shot runs in its own process with throw-away settings.

``python tools/X_screenshots.py [OUT_DIR]`` calls :func:`run_all`, which re-runs the same script
as ``--one NAME OUT`` per shot with fresh LIVEDESK_CONFIG_DIR / LIVEDESK_DATA_DIR, so no shot sees
another's saved layout, camera choice or sessions. Importing it puts this checkout first on
``sys.path``, so that the shots show the code beside the tools.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# the code beside this script, not whichever checkout the environment was installed from (a git
# worktree shares the venv of the main checkout)
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def run_all(
    script: str, names: Iterable[str], argv: list[str], one: Callable[[str, Path], int]
) -> int:
    """``--one NAME OUT``: make that shot here; otherwise every shot, each in a child process."""
    if len(argv) == 3 and argv[0] == "--one":
        return one(argv[1], Path(argv[2]))
    out_dir = Path(argv[0]) if argv else REPO / "docs" / "screenshots"
    out_dir.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(
                os.environ, LIVEDESK_CONFIG_DIR=f"{tmp}/config", LIVEDESK_DATA_DIR=f"{tmp}/data"
            )
            Path(f"{tmp}/data").mkdir(parents=True)
            out = out_dir / f"{name}.png"
            code = subprocess.call([sys.executable, script, "--one", name, str(out)], env=env)
            print(f"{name}: {'ok' if code == 0 else f'failed ({code})'} → {out}")
            failed += code != 0
    return 1 if failed else 0


async def until(check: Callable[[], object], within: float = 60.0) -> None:
    """Wait (on the console's loop) until ``check()`` is true; TimeoutError after ``within`` s."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise TimeoutError("console did not reach the expected state")
        await asyncio.sleep(0.1)
