"""A drill's report: one :class:`FaultResult` per injected fault, and its arithmetic. Pure: no I/O.

A result holds wall-clock times (``time.time()``): when the fault was injected, when LiveDesk
first reacted to it (``detected_at``, with what: a failover event, an alert, a link state), what
it did by itself (``auto``: e.g. switched to 备用画面, and when), what the operator did meanwhile
(``operator``), when the drill removed the fault (``restored_at``) and when LiveDesk saw it gone
(``recovered_at``). A fault LiveDesk did not react to within its deadline is *missed*
(未发现): it stays in the report with no detection time, never hidden.

"Broken picture on program" (picture faults only: camera black / lost / frozen, OBS killed) is
the time viewers saw the broken camera: from injection to the first of the automatic switch to
the standby scene, LiveDesk seeing the camera right again, or — when neither came — the fault
being removed. The recording keeps :meth:`FaultResult.record` (an ``obs`` row of kind ``drill``,
app/session/writer.py) and the replay rebuilds the same results with :meth:`FaultResult.from_record`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.i18n import Translate, tr, tr_noop

#: every fault, in the order a drill dialog offers them, with its name (translated when shown)
FAULT_NAMES: dict[str, str] = {
    "camera_black": tr_noop("摄像头黑屏"),
    "camera_lost": tr_noop("摄像头丢失"),
    "camera_frozen": tr_noop("摄像头画面冻结"),
    "mic_silence": tr_noop("麦克风无声"),
    "network_loss": tr_noop("平台网络中断"),
    "obs_killed": tr_noop("OBS 被关闭"),
    "complaint_burst": tr_noop("评论区集中投诉"),
    "viewer_drop": tr_noop("观众骤降"),
}

#: faults whose broken picture viewers see (the report gives its duration)
PICTURE_FAULTS = frozenset({"camera_black", "camera_lost", "camera_frozen", "obs_killed"})

#: reactions, as the engine names them (app/drill/engine.py), in the operator's words
REACTION_NAMES: dict[str, str] = {
    "failover:switched": tr_noop("自动切到备用画面"),
    "failover:recovered": tr_noop("发现摄像头恢复"),
    "failover:switched_back": tr_noop("切回直播画面"),
    "failover:mic_alert": tr_noop("麦克风告警"),
    "failover:mic_ok": tr_noop("麦克风恢复"),
    "failover:emergency": tr_noop("一键应急"),
    "failover:emergency_end": tr_noop("结束应急"),
    "obs:offline": tr_noop("OBS 连接断开"),
    "obs:online": tr_noop("OBS 重新连接"),
    "platform:offline": tr_noop("平台连接中断"),
    "platform:online": tr_noop("平台重新连接"),
    "alert:online_drop": tr_noop("在线人数骤降提醒"),
    "alert:interaction_drop": tr_noop("互动率下降提醒"),
    "alert:comment_collapse": tr_noop("评论热度骤降提醒"),
    "chat:complaint": tr_noop("评论标为投诉"),
    "operator:go_back": tr_noop("操作员切回直播画面"),
    "operator:acknowledged": tr_noop("操作员确认"),
}


def fault_name(kind: str, t: Translate = tr) -> str:
    return t(FAULT_NAMES[kind]) if kind in FAULT_NAMES else kind


def reaction_name(kind: str, t: Translate = tr) -> str:
    return t(REACTION_NAMES[kind]) if kind in REACTION_NAMES else kind


@dataclass
class FaultResult:
    kind: str
    injected_at: float
    deadline_s: float  # no reaction within this many seconds of injection: missed
    detected_at: float | None = None
    detected_by: str = ""  # the reaction (REACTION_NAMES key)
    auto: list[tuple[float, str]] = field(default_factory=list)  # what LiveDesk did by itself
    operator: list[tuple[float, str]] = field(default_factory=list)  # what the operator did
    restored_at: float | None = None  # the drill removed the fault
    recovered_at: float | None = None  # LiveDesk saw it gone
    note: str = ""  # e.g. why the fault could not be injected

    @property
    def missed(self) -> bool:
        return self.detected_at is None or self.detected_at - self.injected_at > self.deadline_s

    @property
    def detect_s(self) -> float | None:
        return None if self.detected_at is None else self.detected_at - self.injected_at

    @property
    def broken_picture_s(self) -> float | None:
        """Seconds viewers saw the broken picture (picture faults; None for the others, and
        while the drill is still running with nothing that ended it)."""
        if self.kind not in PICTURE_FAULTS:
            return None
        ends = [t for t, what in self.auto if what == "failover:switched"]
        if self.recovered_at is not None:
            ends.append(self.recovered_at)
        if not ends and self.restored_at is not None:
            ends.append(self.restored_at)
        return max(0.0, min(ends) - self.injected_at) if ends else None

    def record(self) -> dict[str, Any]:
        """What the session recording keeps (an ``obs`` row of kind ``drill``)."""
        return {
            "kind": self.kind,
            "injected_at": self.injected_at,
            "deadline_s": self.deadline_s,
            "detected_at": self.detected_at,
            "detected_by": self.detected_by,
            "auto": [list(a) for a in self.auto],
            "operator": [list(o) for o in self.operator],
            "restored_at": self.restored_at,
            "recovered_at": self.recovered_at,
            "note": self.note,
            "label": fault_name(self.kind),  # the timeline marker's label
        }

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> FaultResult:
        def opt(key: str) -> float | None:
            v = data.get(key)
            return None if v is None else float(v)

        return cls(
            kind=str(data.get("kind", "")),
            injected_at=float(data.get("injected_at", 0.0)),
            deadline_s=float(data.get("deadline_s", 0.0)),
            detected_at=opt("detected_at"),
            detected_by=str(data.get("detected_by", "")),
            auto=[(float(t), str(w)) for t, w in data.get("auto") or ()],
            operator=[(float(t), str(w)) for t, w in data.get("operator") or ()],
            restored_at=opt("restored_at"),
            recovered_at=opt("recovered_at"),
            note=str(data.get("note", "")),
        )


def _secs(v: float | None, t: Translate) -> str:
    return "—" if v is None else t("{s:.1f} 秒").format(s=v)


def _after(ts: float | None, t0: float, t: Translate) -> str:
    return "—" if ts is None else t("+{s:.1f} 秒").format(s=ts - t0)


#: the report's columns (the replay's table, the HTML report)
COLUMNS = (
    tr_noop("故障"),
    tr_noop("注入时间"),
    tr_noop("发现用时"),
    tr_noop("发现方式"),
    tr_noop("自动处理"),
    tr_noop("操作员操作"),
    tr_noop("恢复用时"),
    tr_noop("画面异常时长"),
)


def rows(
    results: Iterable[FaultResult], clock_text: Any = None, t: Translate = tr
) -> list[list[str]]:
    """The report as text cells (one row a fault, :data:`COLUMNS`), in the UI language or ``t``'s.
    ``clock_text(ts)`` words a wall-clock time (default HH:MM:SS, local)."""

    def hms(ts: float) -> str:
        return time.strftime("%H:%M:%S", time.localtime(ts))

    words = clock_text or hms
    out: list[list[str]] = []
    for r in results:
        t0 = r.injected_at
        if r.missed:
            found = t("未发现")
            how = r.note or "—"
        else:
            found = _secs(r.detect_s, t)
            how = reaction_name(r.detected_by, t)
        auto = " · ".join(f"{reaction_name(w, t)} ({_after(a, t0, t)})" for a, w in r.auto) or "—"
        op = " · ".join(f"{reaction_name(w, t)} ({_after(a, t0, t)})" for a, w in r.operator)
        back = _secs(None if r.recovered_at is None else r.recovered_at - t0, t)
        out.append(
            [
                fault_name(r.kind, t),
                words(t0),
                found,
                how,
                auto,
                op or "—",
                back,
                _secs(r.broken_picture_s, t),
            ]
        )
    return out


def headers(t: Translate = tr) -> list[str]:
    return [t(c) for c in COLUMNS]


def summary(results: list[FaultResult], t: Translate = tr) -> str:
    """One line: how many faults, how many found, the longest broken picture."""
    found = sum(1 for r in results if not r.missed)
    broken = [b for r in results if (b := r.broken_picture_s) is not None]
    text = t("共 {n} 项故障，发现 {found} 项，未发现 {missed} 项").format(
        n=len(results), found=found, missed=len(results) - found
    )
    if broken:
        text += t("；画面异常最长 {s:.1f} 秒").format(s=max(broken))
    return text
