"""The 「OBS 被关闭」 drill fault (app/drill) on an OBS of the test's own (the operator's confirmed
OBS, in the console's words): SIGKILL, LiveDesk's OBS link notices (detection = the link going
offline), OBS is started again and the link comes back by itself (recovery = reconnected). The
report's broken picture lasts until OBS is back (nothing can show a standby card without OBS)."""

from __future__ import annotations

import asyncio

import pytest

from app.drill.engine import Drill, watch
from app.drill.faults import ObsKilled
from app.obs.connection import ObsConnection
from tests.support.polling import until
from tests.support.real_obs import RealObs

pytestmark = [pytest.mark.obs, pytest.mark.slow]


async def test_obs_killed_is_detected_and_the_link_comes_back(fresh_obs: RealObs) -> None:
    conn = ObsConnection("127.0.0.1", fresh_obs.port, fresh_obs.password)
    conn.start()
    try:
        await until(lambda: conn.connected, 60, "the OBS link")
        fault = ObsKilled(fresh_obs.kill_obs, lambda: asyncio.to_thread(fresh_obs.start_obs))
        drill = Drill({"obs_killed": fault})
        off = watch(drill, obs=conn)
        r = await drill.run_fault("obs_killed", hold_s=3, deadline_s=30, recover_s=180)
        off()
        print(f"obs_killed: detected after {r.detect_s} s, back after {r.recovered_at and r.recovered_at - r.injected_at} s")  # fmt: skip
        assert not r.missed and r.detected_by == "obs:offline"
        assert (r.detect_s or 99) < 10
        assert r.restored_at is not None and r.recovered_at is not None
        assert r.recovered_at > r.restored_at
        assert r.broken_picture_s == pytest.approx(r.recovered_at - r.injected_at)
        assert conn.connected
        assert (await conn.request("GetVersion"))["obsWebSocketVersion"]
    finally:
        await conn.stop()
