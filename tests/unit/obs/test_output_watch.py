"""Output state changes read for the operator, and the stats' duration when OBS reports none."""

from __future__ import annotations

from typing import Any

from app.obs import output_watch as w
from app.obs.outputs import OutputsState
from app.obs.stats import StatsPoller


def test_a_start_that_ends_stopped_without_starting_is_a_failure() -> None:
    starting = OutputsState(stream_state=w.STARTING)
    assert w.stream_start_failed(starting, OutputsState(stream_state=w.STOPPED))
    started = OutputsState(streaming=True, stream_state=w.STARTED)
    assert not w.stream_start_failed(starting, started)
    assert not w.stream_start_failed(started, OutputsState(stream_state=w.STOPPED))  # a stop
    rec = OutputsState(record_state=w.STARTING)
    assert w.record_start_failed(rec, OutputsState(record_state=w.STOPPED))
    assert "rtmp://x/live" in w.stream_failure_text("rtmp://x/live")
    assert "未设置推流地址" in w.stream_failure_text("")


class _Conn:
    connected = True

    def __init__(self) -> None:
        self.record: dict[str, Any] = {"outputActive": False, "outputDuration": 0}

    async def request(self, kind: str, **_d: Any) -> dict[str, Any]:
        if kind == "GetRecordStatus":
            return self.record
        return {"outputActive": False} if kind == "GetStreamStatus" else {}


async def test_record_duration_runs_even_when_obs_reports_zero(monkeypatch: Any) -> None:
    import app.obs.stats as stats_mod

    clock = [100.0]
    monkeypatch.setattr(stats_mod.time, "monotonic", lambda: clock[0])
    conn = _Conn()
    poller = StatsPoller(conn)  # type: ignore[arg-type]
    conn.record = {"outputActive": True, "outputDuration": 0}
    assert (await poller.poll()).record_duration_ms == 0
    clock[0] = 103.5
    assert (await poller.poll()).record_duration_ms == 3500  # OBS said 0: the time it has run
    conn.record = {"outputActive": True, "outputDuration": 4200}
    assert (await poller.poll()).record_duration_ms == 4200  # OBS's own figure when it has one
    conn.record = {"outputActive": False, "outputDuration": 0}
    assert (await poller.poll()).record_duration_ms == 0
