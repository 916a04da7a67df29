"""The replay score (复盘评分): one number 0–100 per recorded session, from weighted components,
so a team can rank and compare its sessions. No widgets; the sessions list, the replay window,
the compare view, the HTML/PDF report and ``livedesk report`` all show what this module says.

Components (raw values, read from the session file by :func:`raw_of`):

- ``gmv``: the session's GMV in cents (every recorded order's amount, as the replay header);
- ``conversion``: distinct buyers ÷ UV (distinct viewers who entered), the live metrics'
  definition (``app.live.metrics.Sample.conversion``; the 下播总结 says the same), as a ratio;
- ``interaction``: the interaction rate of the whole session, :func:`app.live.interaction.
  interaction_rate` (the same definition as the live figure and its drop alert): recorded
  comments + likes + gifts ÷ mean online viewers (the recorder's 1 Hz snapshots) ÷ minutes.

Normalisation, each component to 0–100 (``normalised``)::

    normalised = min(100, 100 × raw ÷ target)

where ``target`` is

- *history* (the team's own sessions): 2 × the median of that component over the previous
  sessions — the sessions in the same folder that started before this one, the latest
  :data:`HISTORY_MAX` of them. A session as good as the team's typical one scores 50 on that
  component, twice as good or better 100. Used when ``basis`` is ``auto`` and there are at least
  ``min_history`` previous sessions (and the median is above 0; else that component falls back
  to its target);
- *targets* (the team's own, :class:`app.settings.ReviewSettings`: ¥10,000 GMV, 5 % conversion,
  1.0 interaction per viewer per minute by default): meeting the target scores 100.

Currencies: GMV is in the recording's currency (meta ``currency``, CNY in older files). The GMV
history holds only previous sessions in the same currency; the GMV target is in CNY
(:data:`TARGET_CURRENCY`, typed in 元), so a session in another currency without enough history
in its own has its GMV component *unscored* (weight 0, left out of the total, and said so)
instead of measured against a number in another money. Conversion and interaction have no
currency: all previous sessions count.

Total::

    total = Σ weightᵢ × normalisedᵢ ÷ Σ weightᵢ        (0–100, one decimal)

with the weights of the settings (default GMV 50 / conversion 30 / interaction 20; they need not
add up to 100, only one must be above 0). Each :class:`Component` carries its raw value, its
normalised value, its weight, the target it was measured against and which basis that was.

Reading a folder's history opens each file through the validating opener with its own time
limit; a file that cannot be read is left out of the history, never an error here.
"""

from __future__ import annotations

import sqlite3
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from app.format import money
from app.i18n import Translate, tr_noop
from app.live.interaction import interaction_rate
from app.session import schema
from app.session.replay import SessionFile
from app.session.safe_open import SessionFileError
from app.settings import ReviewSettings, load_settings

__all__ = [
    "COMPONENTS",
    "Component",
    "Raw",
    "Score",
    "basis_note",
    "basis_text",
    "component_name",
    "raw_of",
    "raw_text",
    "read_raw",
    "score",
    "score_all",
    "score_file",
    "score_line",
]

#: the components, in the order they are shown
COMPONENTS = ("gmv", "conversion", "interaction")
#: how many previous sessions the history holds at most (the latest ones)
HISTORY_MAX = 20
#: a history file's open-and-check limit (a bad file costs at most this)
HISTORY_DEADLINE_S = 5.0

#: "unscored": GMV of a session in another currency than the target's, without enough history
#: in its own currency: left out of the total (weight 0) rather than measured against a number
#: in another money
Basis = Literal["history", "target", "unscored"]
#: the currency of the settings' GMV target (``target_gmv_cents``, typed in 元)
TARGET_CURRENCY = "CNY"

#: what each component is called (Chinese source text; the catalog has the English)
NAMES = {
    "gmv": tr_noop("成交额"),
    "conversion": tr_noop("转化率"),
    "interaction": tr_noop("互动率"),
}


@dataclass(frozen=True, slots=True)
class Raw:
    """A session's raw component values (what :func:`score` needs of a file)."""

    path: Path
    started_ts: float
    gmv_cents: int
    conversion: float  # buyers ÷ UV, 0..1
    interaction: float  # per online viewer per minute
    currency: str = "CNY"  # of gmv_cents (the recording's)

    def value(self, name: str) -> float:
        return float(
            {"gmv": self.gmv_cents, "conversion": self.conversion}.get(name, self.interaction)
        )


@dataclass(frozen=True, slots=True)
class Component:
    name: str  # gmv, conversion, interaction
    raw: float  # cents for gmv, a ratio for conversion, per viewer per minute for interaction
    normalised: float  # 0..100
    weight: float
    target: float  # what scores 100, in the raw value's unit
    basis: Basis
    currency: str = "CNY"  # of raw and target, for gmv


@dataclass(frozen=True, slots=True)
class Score:
    total: float  # 0..100, one decimal
    components: tuple[Component, ...]
    history: int  # previous sessions the history held (0: none read)
    min_history: int = 3  # how many it takes to score against history (the settings')

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of ``livedesk report``: total and each component."""
        return {
            "total": self.total,
            "history": self.history,
            "components": [
                {
                    "name": c.name,
                    "raw": c.raw,
                    "normalised": c.normalised,
                    "weight": c.weight,
                    "target": c.target,
                    "basis": c.basis,
                }
                for c in self.components
            ],
        }


def raw_of(f: SessionFile) -> Raw:
    """The raw components of an open session file (a few aggregate queries)."""
    summary = f.summary()  # GMV and duration as the replay header says them
    (buyers,) = f.one("SELECT count(DISTINCT user_id) FROM orders")
    row = f.one("SELECT uv FROM metrics ORDER BY sec DESC LIMIT 1")
    uv = int(row[0]) if row else 0
    comments, likes, gifts, per_sec_online = f.one(
        "SELECT coalesce(sum(comments),0), coalesce(sum(likes),0), coalesce(sum(gifts),0),"
        " avg(online) FROM per_sec"
    )
    (snap_online,) = f.one("SELECT avg(online) FROM metrics")
    mean_online = float(snap_online if snap_online is not None else per_sec_online or 0.0)
    minutes = summary.duration_s / 60.0
    return Raw(
        path=f.path,
        started_ts=f.started_ts,
        gmv_cents=summary.gmv_cents,
        conversion=int(buyers) / uv if uv else 0.0,
        interaction=interaction_rate(int(comments) + int(likes) + int(gifts), mean_online, minutes),
        currency=f.currency,
    )


def read_raw(path: Path, deadline_s: float = HISTORY_DEADLINE_S) -> Raw:
    """:func:`raw_of` a file by path, checked and time-limited (:class:`SessionFileError`)."""
    try:
        with SessionFile(path, deadline_s=deadline_s) as f:
            return raw_of(f)
    except sqlite3.Error as exc:
        raise SessionFileError("damaged", str(exc)) from exc
    except OSError as exc:
        raise SessionFileError("damaged", exc.strerror or str(exc)) from exc


def _targets(cfg: ReviewSettings) -> dict[str, float]:
    return {
        "gmv": float(cfg.target_gmv_cents),
        "conversion": cfg.target_conversion_percent / 100.0,
        "interaction": cfg.target_interaction,
    }


def _weights(cfg: ReviewSettings) -> dict[str, float]:
    return {
        "gmv": float(cfg.weight_gmv),
        "conversion": float(cfg.weight_conversion),
        "interaction": float(cfg.weight_interaction),
    }


def previous(raw: Raw, others: Sequence[Raw]) -> list[Raw]:
    """The history of ``raw``: sessions that started before it (not itself), the latest
    :data:`HISTORY_MAX`, oldest first."""
    before = sorted(
        (o for o in others if o.started_ts < raw.started_ts and o.path != raw.path),
        key=lambda o: o.started_ts,
    )
    return before[-HISTORY_MAX:]


def score(raw: Raw, history: Sequence[Raw], cfg: ReviewSettings | None = None) -> Score:
    """Score ``raw`` against ``history`` (its previous sessions) or the targets (module doc)."""
    cfg = cfg or ReviewSettings()
    targets, weights = _targets(cfg), _weights(cfg)
    parts: list[Component] = []
    for name in COMPONENTS:
        value = raw.value(name)
        target, weight = targets[name], weights[name]
        basis: Basis = "target"
        # GMV is compared only with GMV in the same currency (never $ against ¥)
        hist = [h for h in history if h.currency == raw.currency] if name == "gmv" else history
        if cfg.basis == "auto" and len(hist) >= cfg.min_history:
            median = statistics.median(h.value(name) for h in hist)
            if median > 0:
                target, basis = 2.0 * median, "history"
        if name == "gmv" and basis == "target" and raw.currency != TARGET_CURRENCY:
            target, basis, weight = 0.0, "unscored", 0.0
        normalised = min(100.0, max(0.0, 100.0 * value / target)) if target > 0 else 0.0
        parts.append(
            Component(name, value, round(normalised, 1), weight, target, basis, raw.currency)
        )
    total_weight = sum(c.weight for c in parts)
    total = sum(c.weight * c.normalised for c in parts) / total_weight if total_weight else 0.0
    return Score(round(total, 1), tuple(parts), len(history), cfg.min_history)


def score_all(raws: Sequence[Raw], cfg: ReviewSettings | None = None) -> dict[Path, Score]:
    """Every session of a folder scored against the ones before it (the sessions list)."""
    return {r.path: score(r, previous(r, raws), cfg) for r in raws}


def folder_raws(directory: Path, *, skip: Path | None = None) -> list[Raw]:
    """The raw components of every readable session file in ``directory`` (unreadable ones
    left out). For a worker thread or a command, never the loop."""
    out: list[Raw] = []
    if not directory.is_dir():
        return out
    for p in schema.session_files(directory):
        if skip is not None and p.resolve() == skip.resolve():
            continue
        try:
            out.append(read_raw(p))
        except SessionFileError:
            continue
    return out


def score_file(
    f: SessionFile,
    cfg: ReviewSettings | None = None,
    *,
    history_dir: Path | None = None,
) -> Score:
    """The score of an open file against the sessions in its folder (or ``history_dir``), with
    the saved settings' weights and targets unless ``cfg`` is given."""
    cfg = cfg or load_settings().review
    raw = raw_of(f)
    folder = history_dir if history_dir is not None else f.path.parent
    others = folder_raws(folder, skip=f.path)
    return score(raw, previous(raw, others), cfg)


# --- wording (shared by the replay window, the compare view, the report and the command) -------
def component_name(name: str, tr: Translate) -> str:
    return tr(NAMES.get(name, name))


def raw_text(name: str, value: float, currency: str = "CNY") -> str:
    """A component's raw value as people read it: money for GMV (in ``currency``), % for
    conversion, interactions per viewer per minute with two decimals."""
    if name == "gmv":
        return money(round(value), currency)
    if name == "conversion":
        return f"{value * 100:.1f}%"
    return f"{value:.2f}"


def basis_text(c: Component, tr: Translate) -> str:
    """What 100 means for this component: the team's history or its target."""
    if c.basis == "history":
        target = raw_text(c.name, c.target, c.currency)
        return tr("历史中位数 ×2 = {target}").format(target=target)
    if c.basis == "unscored":
        return tr("目标以 {target} 计，本场为 {currency}：不计入总分").format(
            target=TARGET_CURRENCY, currency=c.currency
        )
    return tr("目标 {target}").format(target=raw_text(c.name, c.target))


def score_line(sc: Score, tr: Translate) -> str:
    """One line for a header: the total, then each component's raw value → its 0–100 value
    and weight (``复盘评分 62.3 · 成交额 ¥3,427.50 → 34.3（权重 50） · …``)."""
    parts = [tr("复盘评分 {total}").format(total=f"{sc.total:.1f}")]
    parts.extend(
        tr("{name} {raw} → {value}（权重 {weight}）").format(
            name=component_name(c.name, tr),
            raw=raw_text(c.name, c.raw, c.currency),
            value=f"{c.normalised:.1f}",
            weight=f"{c.weight:g}",
        )
        for c in sc.components
    )
    return " · ".join(parts)


def basis_note(sc: Score, tr: Translate) -> str:
    """How this score was measured (a tool tip, a report note)."""
    if any(c.basis == "history" for c in sc.components):
        head = tr("对比本文件夹中此前的 {n} 场：历史中位数的 2 倍记 100 分。").format(n=sc.history)
    else:
        head = tr("此前场次不足 {n} 场：按团队目标计分，达到目标记 100 分。").format(
            n=sc.min_history
        )
    lines = [head]
    lines.extend(f"{component_name(c.name, tr)}: {basis_text(c, tr)}" for c in sc.components)
    return "\n".join(lines)
