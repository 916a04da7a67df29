"""Is the picture reaching the platform? "Live on the platform but OBS is not sending" as a verdict.

While the room's session is live, the host's OBS must be streaming, and streaming means bytes:
:class:`SendingWatch` turns the OBS link state, the stream output's state and the stats poller's
bitrate into one :class:`Sending` verdict, re-evaluated on every call (the main window's banner
asks about once a second):

- ``OK`` — not live, or live and the stream output is active with data flowing;
- ``NO_OBS`` — live, and OBS is not connected (nothing is known about the stream);
- ``STARTING`` — live, the output is starting (OBS is connecting to the server);
- ``NOT_STREAMING`` — live, and the stream output is not active (never started, failed to
  start, or stopped);
- ``NO_DATA`` — live, the output is active but sent 0 kbps for more than ``zero_for`` seconds
  (a stalled server, OBS reconnecting to it).

Stats older than ``stale_after`` seconds (the poller stopped answering) never count as 0 kbps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from app.obs.output_watch import STARTING
from app.obs.outputs import OutputsState
from app.obs.stats import ObsStats

#: seconds of 0 kbps on an active stream output before it counts as not sending
ZERO_KBPS_S = 10.0
#: stats samples older than this say nothing about the bitrate now
STATS_STALE_S = 5.0


class Sending(StrEnum):
    OK = "ok"
    NO_OBS = "no_obs"
    STARTING = "starting"
    NOT_STREAMING = "not_streaming"
    NO_DATA = "no_data"


@dataclass
class SendingWatch:
    zero_for: float = ZERO_KBPS_S
    stale_after: float = STATS_STALE_S
    #: wall-clock time the active output was first seen sending 0 kbps (None: sending, or off)
    zero_since: float | None = None

    def check(
        self,
        *,
        live: bool,
        connected: bool,
        outputs: OutputsState,
        stats: ObsStats | None,
        now: float | None = None,
    ) -> Sending:
        now = time.time() if now is None else now
        fresh = stats is not None and now - stats.ts <= self.stale_after
        streaming = outputs.streaming or (fresh and stats is not None and stats.streaming)
        if not (live and connected and streaming) or not fresh or stats is None:
            self.zero_since = None
        elif stats.streaming and stats.stream_kbps <= 0.0:
            if self.zero_since is None:
                self.zero_since = stats.ts
        elif stats.streaming:
            self.zero_since = None
        if not live:
            return Sending.OK
        if not connected:
            return Sending.NO_OBS
        if not streaming:
            return Sending.STARTING if outputs.stream_state == STARTING else Sending.NOT_STREAMING
        if self.zero_since is not None and now - self.zero_since > self.zero_for:
            return Sending.NO_DATA
        return Sending.OK

    def zero_seconds(self, now: float | None = None) -> float:
        """How long the active output has been sending nothing (0 when it is sending)."""
        if self.zero_since is None:
            return 0.0
        return max(0.0, (time.time() if now is None else now) - self.zero_since)
