"""The shared real OBS (under Xvfb) for every test directory, registered by tests/conftest.py.

- ``obs_instance`` (session): one OBS process for the whole run, started on first use, with the
  test profile (tests/support/obs_baseline.py) applied and its baseline captured.
- ``clean_obs`` (function): hands out ``obs_instance`` *at its baseline*, whatever the tests before
  did (streaming, recording, scenes, canvas, bitrate...): outputs stopped and waited for, scenes
  and inputs of earlier tests removed, settings restored, its volume meters flowing. When that
  cannot be done (OBS hung, an output that will not stop, meters no longer sent), OBS is
  restarted (same config, port and password). Every test that uses the shared OBS takes it
  through this fixture (or through ``obs``, the connection fixture of
  tests/integration/obs/conftest.py, which depends on it).

Skipped when obs/Xvfb are absent, failed when CI=true.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from tests.support.obs_baseline import (
    DEADLINE_S,
    apply_test_profile,
    capture,
    connect,
    meters_flow,
    restore,
    stop_outputs,
)
from tests.support.real_obs import RealObs

log = logging.getLogger(__name__)


@pytest.fixture(scope="session")
def obs_instance(need_tool: Callable[[str], str]) -> Iterator[RealObs]:
    need_tool("obs")
    need_tool("Xvfb")
    obs = RealObs().start()
    try:
        yield obs
    finally:
        obs.stop()


async def _baseline_once(obs: RealObs, within: float = DEADLINE_S) -> None:
    conn = await connect(obs.port, obs.password, within)
    try:
        if obs.baseline is None:
            await apply_test_profile(conn)
            obs.baseline = await capture(conn)
        else:
            await restore(conn, obs.baseline, within)
        if not await meters_flow(conn):
            raise RuntimeError("OBS sends no volume meters (its meter count was broken)")
    finally:
        await conn.stop()


async def restore_baseline(obs: RealObs) -> None:
    """Bring ``obs`` back to its baseline (captured on first use); restart it if that fails."""
    try:
        await _baseline_once(obs, within=60)  # (each wait; a restart must fit the test's timeout)
    except Exception as exc:  # anything: OBS is restarted and set up again
        log.warning("the shared OBS could not be restored (%s): restarting it", exc)
        obs.kill_obs()
        obs.start_obs()
        await _baseline_once(obs)


@pytest.fixture
async def clean_obs(obs_instance: RealObs) -> AsyncIterator[RealObs]:
    """``obs_instance`` brought back to its baseline before the test (see the module docstring)."""
    await restore_baseline(obs_instance)
    yield obs_instance
    # leave nothing running into tests that do not use OBS (not waited for: the next user waits)
    try:
        conn = await connect(obs_instance.port, obs_instance.password, within=10)
        try:
            await stop_outputs(conn, within=5)
        finally:
            await conn.stop()
    except Exception as exc:
        log.info("OBS outputs not confirmed stopped after the test: %s", exc)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """A failing test that used the shared OBS shows the end of OBS's own log: what OBS said (a
    source it could not open, audio it dropped) is gone with the run otherwise."""
    report = yield
    if report.failed and call.when in ("call", "setup"):
        obs = getattr(item, "funcargs", {}).get("obs_instance")
        if isinstance(obs, RealObs):
            report.sections.append(("OBS log (tail)", obs.log_tail()))
    return report
