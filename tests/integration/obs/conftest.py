"""A real OBS Studio under Xvfb for the OBS tests (skipped when obs/Xvfb are absent, unless CI=true).

The shared OBS (``obs_instance``, ``clean_obs``) lives in tests/support/obs_fixtures.py; ``obs`` here is a
connection to it at its baseline; ``fresh_obs`` an OBS of the test's own. Every process started
here goes through tests/support/processes.py ``spawn()``."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # as `make test` runs it
from app.obs.connection import ObsConnection
from tests.integration.obs.helpers import RtmpServer
from tests.support.ports import free_port, port_open
from tests.support.processes import spawn, stop
from tests.support.real_obs import RealObs

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
async def obs(clean_obs: RealObs) -> AsyncIterator[ObsConnection]:
    """A connection to the shared OBS (``obs_instance``), which ``clean_obs`` (tests/support/obs_fixtures.py)
    has brought back to its baseline: tests start from a known OBS whatever ran before them."""
    conn = ObsConnection("127.0.0.1", clean_obs.port, clean_obs.password)
    await conn.connect_once()
    try:
        yield conn
    finally:
        await conn.stop()


RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")  # Debian's libnginx-mod-rtmp


@pytest.fixture
def rtmp_server(tmp_path: Path) -> Iterator[RtmpServer]:
    """nginx with the RTMP module on 127.0.0.1 and a free port: somewhere real for OBS to stream to
    (skipped without nginx/libnginx-mod-rtmp, unless CI=true)."""
    sbin = Path("/usr/sbin/nginx")  # not on a normal user's PATH on Debian
    nginx = str(sbin) if sbin.exists() else require_tool("nginx")
    if not RTMP_MODULE.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{RTMP_MODULE} is required in CI (libnginx-mod-rtmp)")
        pytest.skip("libnginx-mod-rtmp is not installed")
    port = free_port()
    root = tmp_path / "nginx"
    root.mkdir()
    conf = root / "nginx.conf"
    conf.write_text(
        f"daemon off;\nmaster_process off;\npid {root}/nginx.pid;\n"
        f"error_log {root}/error.log info;\nload_module {RTMP_MODULE};\n"
        "events { worker_connections 64; }\n"
        f"rtmp {{ server {{ listen 127.0.0.1:{port}; "
        "application live { live on; record off; } } }\n",
        encoding="utf-8",
    )
    proc = spawn(
        [nginx, "-p", str(root), "-e", str(root / "error.log"), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not port_open(port):
            if proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {(root / 'error.log').read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError("nginx-rtmp did not listen in 60 s")
            time.sleep(0.05)
        yield RtmpServer(port, f"rtmp://127.0.0.1:{port}/live", proc.pid)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)  # a test may have paused it
        stop(proc)


@pytest.fixture(scope="session")
def camera_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_camera_video(tmp_path_factory.mktemp("camera") / "camera.mp4")
