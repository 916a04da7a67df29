"""The drill report's arithmetic (app/drill/report.py) and the engine's matching of reactions to the
fault being run (app/drill/engine.py), with injectors that only note what they were asked."""

from __future__ import annotations

import asyncio

from app.drill.engine import Drill, Step
from app.drill.report import FaultResult, rows, summary
from tests.support.polling import until


def test_detection_auto_switch_and_broken_picture() -> None:
    r = FaultResult("camera_black", injected_at=100.0, deadline_s=30.0)
    r.detected_at, r.detected_by = 102.5, "failover:switched"
    r.auto = [(102.5, "failover:switched"), (111.0, "failover:switched_back")]
    r.restored_at, r.recovered_at = 108.0, 111.0
    assert not r.missed
    assert r.detect_s == 2.5
    assert r.broken_picture_s == 2.5  # the standby card ended the broken picture
    row = rows([r], clock_text=lambda ts: f"t{ts:g}")[0]
    assert row[0] == "摄像头黑屏" and row[1] == "t100" and row[2] == "2.5 秒"
    assert "自动切到备用画面 (+2.5 秒)" in row[4] and row[6] == "11.0 秒" and row[7] == "2.5 秒"


def test_a_missed_fault_is_reported_and_its_broken_picture_lasts_until_removed() -> None:
    r = FaultResult("camera_frozen", injected_at=10.0, deadline_s=5.0, restored_at=18.0)
    assert r.missed and r.detect_s is None
    assert r.broken_picture_s == 8.0
    late = FaultResult("viewer_drop", 10.0, 5.0, detected_at=16.0, detected_by="alert:online_drop")
    assert late.missed  # a reaction after the deadline does not count as detected in time
    assert late.broken_picture_s is None  # not a picture fault
    assert rows([r])[0][2] == "未发现"
    assert summary([r, late]) == "共 2 项故障，发现 0 项，未发现 2 项；画面异常最长 8.0 秒"


def test_the_record_round_trips() -> None:
    r = FaultResult(
        "network_loss",
        1.0,
        30.0,
        2.0,
        "platform:offline",
        [],
        [(3.0, "operator:acknowledged")],
        9.0,
        12.5,
        "",
    )
    back = FaultResult.from_record(r.record())
    assert back == r


class Noting:
    def __init__(self) -> None:
        self.calls: list[str] = []

    async def inject(self) -> None:
        self.calls.append("inject")

    async def restore(self) -> None:
        self.calls.append("restore")


async def test_the_engine_times_reactions_and_always_restores() -> None:
    cam, net = Noting(), Noting()
    drill = Drill({"camera_lost": cam, "network_loss": net})
    finished: list[FaultResult] = []
    drill.subscribe(finished.append)

    async def react() -> None:
        await asyncio.sleep(0.2)
        drill.observe("platform:online")  # before detection: not a recovery
        drill.observe("failover:switched")
        drill.observe("failover:emergency")  # the operator's key
        await asyncio.sleep(0.5)
        drill.observe("failover:switched_back")

    reacting = asyncio.get_running_loop().create_task(react())
    r = await drill.run_fault("camera_lost", hold_s=0.4, deadline_s=5, recover_s=5)
    await reacting
    assert cam.calls == ["inject", "restore"]
    assert r.detected_by == "failover:switched" and 0.1 < (r.detect_s or 0) < 2
    assert [w for _, w in r.auto] == ["failover:switched", "failover:switched_back"]
    assert [w for _, w in r.operator] == ["failover:emergency"]
    assert r.recovered_at is not None and r.restored_at is not None
    assert r.recovered_at >= r.restored_at
    # nothing reacts to the network loss: missed, and removed anyway; stopped mid-way: removed too
    script = drill.start([Step("network_loss", hold_s=0.2, deadline_s=0.5, recover_s=0.2, gap_s=0),
                          Step("camera_lost", hold_s=30, deadline_s=30)])  # fmt: skip
    await until(lambda: len(finished) >= 2, 10, "the missed network loss")
    await asyncio.sleep(0.2)
    await drill.stop()
    assert script.done()
    assert net.calls == ["inject", "restore"] and finished[1].missed
    assert cam.calls == ["inject", "restore", "inject", "restore"]
    assert len(drill.results) == 3 and drill.current is None
