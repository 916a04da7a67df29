"""A real OBS Studio under Xvfb for the OBS tests (skipped when obs/Xvfb are absent, unless CI=true)."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # as `make test` runs it
sys.path.insert(0, str(Path(__file__).parent))
from real_obs import RealObs

from app.obs.connection import ObsConnection

try:
    from tests.conftest import require_tool
except ImportError:  # pragma: no cover
    import shutil

    def require_tool(name: str) -> str:
        path = shutil.which(name)
        if path is None:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"{name} is required in CI but was not found on PATH")
            pytest.skip(f"{name} is not installed")
        return path


def _require_obs() -> None:
    require_tool("obs")
    require_tool("Xvfb")


def make_camera_video(path: Path, w: int = 640, h: int = 360, frames: int = 30) -> Path:
    """A stand-in camera: a short, still video file (a gradient with a mark), played by ffmpeg_source."""
    import cv2

    frame = np.zeros((h, w, 3), np.uint8)
    frame[:, :, 0] = np.linspace(60, 200, w, dtype=np.uint8)[None, :]
    frame[:, :, 1] = np.linspace(40, 120, h, dtype=np.uint8)[:, None]
    frame[:, :, 2] = 90
    cv2.circle(frame, (w // 2, h // 2), h // 4, (230, 230, 230), -1)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (w, h))
    for _ in range(frames):
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="session")
def obs_instance() -> Iterator[RealObs]:
    _require_obs()
    obs = RealObs().start()
    try:
        yield obs
    finally:
        obs.stop()


@pytest.fixture
def fresh_obs() -> Iterator[RealObs]:
    """An OBS of the test's own (for tests that kill and restart it)."""
    _require_obs()
    obs = RealObs().start()
    try:
        yield obs
    finally:
        obs.stop()


@pytest.fixture
async def obs(obs_instance: RealObs) -> AsyncIterator[ObsConnection]:
    conn = ObsConnection("127.0.0.1", obs_instance.port, obs_instance.password)
    await conn.connect_once()
    try:
        yield conn
    finally:
        await conn.stop()


@pytest.fixture(scope="session")
def camera_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_camera_video(tmp_path_factory.mktemp("camera") / "camera.mp4")


from helpers import poll  # noqa: E402, F401  (kept importable from here)
