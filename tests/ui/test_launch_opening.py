"""The console loads its window's modules while the platform opens (ui/launch.py
``_while_importing``): the built-in sandbox is a child process that takes most of a second to
answer, and the window's imports take about as long; one after the other they were most of the
console's start (tests/bench/startup.py). What the operator notices besides the speed: a platform
that fails is reported at once, and closing during the opening stops it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.platform.errors import PlatformError
from ui.launch import _while_importing

ORDER: list[str] = []


@pytest.fixture
def probe_modules(tmp_path: Path) -> Iterator[tuple[str, ...]]:
    """Two importable modules that note when they are imported."""
    pkg = tmp_path / "launch_probe"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name in ("first", "second"):
        (pkg / f"{name}.py").write_text(
            f"from tests.ui.test_launch_opening import ORDER\nORDER.append('import {name}')\n"
        )
    sys.path.insert(0, str(tmp_path))
    ORDER.clear()
    yield ("launch_probe.first", "launch_probe.second")
    sys.path.remove(str(tmp_path))
    for mod in [m for m in sys.modules if m.startswith("launch_probe")]:
        del sys.modules[mod]


async def test_the_window_modules_load_while_the_platform_starts(
    probe_modules: tuple[str, ...],
) -> None:
    async def opening() -> str:
        ORDER.append("child starting")  # its fork follows in the same step, as the sandbox's does
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "print('ready')", stdout=asyncio.subprocess.PIPE
        )
        assert proc.stdout is not None
        line = await proc.stdout.readline()
        await proc.wait()
        ORDER.append("child answered")
        return line.decode().strip()

    assert await _while_importing(opening(), probe_modules) == "ready"
    # the child was started before the imports, and answered after they began
    assert ORDER[0] == "child starting"
    assert ORDER.index("import first") < ORDER.index("child answered")
    assert {"import first", "import second"} <= set(ORDER)


async def test_a_platform_that_fails_is_reported_without_waiting_for_the_imports() -> None:
    async def opening() -> None:
        raise PlatformError("sandbox_start_failed", "沙盒平台未能启动")

    never = ("launch_probe_never.imported",)  # importing it would raise ModuleNotFoundError
    with pytest.raises(PlatformError) as failed:
        await _while_importing(opening(), never)
    assert failed.value.code == "sandbox_start_failed"


async def test_closing_while_the_platform_opens_stops_the_opening(
    probe_modules: tuple[str, ...],
) -> None:
    stopped = asyncio.Event()

    async def opening() -> None:
        try:
            await asyncio.Event().wait()  # a platform that never answers
        finally:
            stopped.set()

    waiting = asyncio.get_running_loop().create_task(_while_importing(opening(), probe_modules))
    await asyncio.sleep(0.1)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.wait_for(stopped.wait(), 10)  # the opening was cancelled, not left running
