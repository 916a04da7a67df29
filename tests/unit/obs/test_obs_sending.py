"""The "live but OBS not sending" verdict (app/obs/sending.py) over a stream's life: off-air is
fine, live needs OBS connected and its stream output active with bytes flowing; 0 kbps counts
only after 10 s, and stats that stopped arriving never count as 0 kbps."""

from __future__ import annotations

from app.obs.output_watch import STARTED, STARTING, STOPPED
from app.obs.outputs import OutputsState
from app.obs.sending import Sending, SendingWatch
from app.obs.stats import ObsStats

T0 = 1_800_000_000.0
ON = OutputsState(streaming=True, stream_state=STARTED)
OFF = OutputsState(streaming=False, stream_state=STOPPED)


def stats(ts: float, kbps: float, streaming: bool = True) -> ObsStats:
    return ObsStats(ts=ts, streaming=streaming, stream_kbps=kbps)


def test_off_air_is_fine_whatever_obs_does() -> None:
    w = SendingWatch()
    assert w.check(live=False, connected=False, outputs=OFF, stats=None, now=T0) is Sending.OK


def test_live_without_obs_or_without_its_stream_output_is_not_sending() -> None:
    w = SendingWatch()
    assert w.check(live=True, connected=False, outputs=OFF, stats=None, now=T0) is Sending.NO_OBS
    assert (
        w.check(live=True, connected=True, outputs=OFF, stats=stats(T0, 0, False), now=T0)
        is Sending.NOT_STREAMING
    )
    starting = OutputsState(streaming=False, stream_state=STARTING)
    assert (
        w.check(live=True, connected=True, outputs=starting, stats=None, now=T0) is Sending.STARTING
    )


def test_zero_kbps_on_an_active_output_alerts_after_ten_seconds_and_clears_with_data() -> None:
    w = SendingWatch()
    for t in range(0, 11):  # one stats sample a second, nothing sent
        v = w.check(live=True, connected=True, outputs=ON, stats=stats(T0 + t, 0.0), now=T0 + t)
        assert v is Sending.OK, t
    v = w.check(live=True, connected=True, outputs=ON, stats=stats(T0 + 11, 0.0), now=T0 + 11)
    assert v is Sending.NO_DATA and w.zero_seconds(T0 + 11) == 11
    v = w.check(live=True, connected=True, outputs=ON, stats=stats(T0 + 12, 2500), now=T0 + 12)
    assert v is Sending.OK and w.zero_seconds(T0 + 12) == 0


def test_stale_stats_never_count_as_zero_kbps() -> None:
    w = SendingWatch()
    w.check(live=True, connected=True, outputs=ON, stats=stats(T0, 0.0), now=T0)
    # the poller stopped answering: its last sample says nothing about now
    v = w.check(live=True, connected=True, outputs=ON, stats=stats(T0, 0.0), now=T0 + 30)
    assert v is Sending.OK
