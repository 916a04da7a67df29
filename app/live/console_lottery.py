"""The console's own lottery among commenters (中控台抽奖), for platforms without lotteries.

On a platform that runs no lotteries itself (no ``Capability.PLATFORM_LOTTERIES``: Bilibili, or
the sandbox restricted to interaction) this console draws one, with the same commit-reveal
verifiability as a platform lottery (docs/platform-api.md, "Verifiable lottery"):

- **Open** (:meth:`ConsoleLotteries.open`): a 32-byte seed from :func:`secrets.token_bytes`;
  only ``commitment = sha256(seed)`` is published (on the panel and on stream). The seed stays in
  this object's memory and in its owner-only journal (``journal``, app/live/pending_games.py)
  until the draw: it is in no event, no log line and no recording before it.
- **Entries**: distinct viewers (``comment.role == "viewer"``; operators never count) whose
  comment, stripped, contains the stripped keyword (case-sensitive), with the comment's time in
  the window (``starts_ts ≤ ts ≤ ends_ts``) and seen before the draw; with ``followers`` only
  comments of followers. A viewer muted at the comment's time does not enter, and a
  ``user_muted`` before the draw takes the user out (a later matching comment enters again) —
  the platform's rule. At most :data:`MAX_PARTICIPANTS`, like the platform.
- **Draw** (:meth:`ConsoleLotteries.draw`): a timed lottery after its window, a manual one
  (``manual=True``: ``duration_seconds`` 0, open until drawn) whenever the operator draws it,
  which closes it. The seed is revealed with the participants' digest; the winners come from
  :func:`app.live.lottery_verify.recompute_winners` — the one implementation of the documented
  algorithm, so a draw verifies by construction and by the same code as a platform's.

The room's state is the same shape as a platform lottery's (``m.Lottery`` with ``origin
"console"``, ``lottery_started`` / ``lottery_entered`` / ``lottery_drawn``), so the panel,
overlays, verification and replay have no second code path. These are *local events*: they go
through :meth:`LiveRoom.ingest_local`, never :meth:`LiveRoom.ingest`, and never take a seq of
the platform's. Their ``seq`` is the platform seq they follow (the room's ``seq`` when made: the
order against platform events; several local events may share it), and the recorder keeps them
in the session file's ``local_events`` table, numbered on their own (app/session/schema.py).

Two kinds build on it (one algorithm each, in app/live/lottery_verify.py and app/live/blind_box.py):

- **Blind box** (盲盒, ``open(..., pool=)``): the commitment is ``sha256(seed + pool_bytes(pool))``
  (app/live/blind_box.py), the lottery carries its pool from the start, and at the draw each
  winner's prize comes from :func:`app.live.blind_box.recompute_prizes` (``winner_prizes``).
  A pool that cannot serve the winners is refused at the start.
- **Among a fixed set** (:meth:`ConsoleLotteries.open_among`: a quiz's correct answerers,
  app/live/quiz.py): the entrants are exactly that set, published as ``lottery_entered`` events
  right after the start; no comment enters it. It is drawn by hand like a manual one.

The lottery lives on the console that opened it: a teammate's console on the same room does not
see it (a platform without lotteries has nothing to share it through).

**A restart** (:meth:`ConsoleLotteries.restore`, from the journal, after the room's first
snapshot): an undrawn lottery of the session that is still live comes back with its seed, its
commitment (unchanged: the draw verifies against the one viewers saw) and the entrants this
console had seen; it is published again as ``lottery_started`` (with its entrant count) and takes
entries again from then on. Comments made while the console was down were never seen and do not
enter (the operator is told so; the replay's recount from the comments may then count more). A
lottery whose window ended meanwhile may be drawn at once. One of a session that has ended is
voided: dropped, never drawn, and the operator is told.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from app.i18n import tr
from app.live import blind_box
from app.live.lottery_verify import commitment_of, digest_of, recompute_winners
from app.live.pending_games import GameJournal, Record
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.errors import PlatformError

#: a lottery takes at most this many participants (later matching comments do not enter)
MAX_PARTICIPANTS = 10_000
#: how long a manual lottery may stay open (the platform's longest window)
MANUAL_WINDOW_S = 86_400

ET = m.EventType


def keyword_matches(keyword: str, text: str) -> bool:
    """A comment enters when its text, stripped, contains the stripped keyword (case-sensitive)."""
    kw = keyword.strip()
    return bool(kw) and kw in text.strip()


@dataclass
class _Open:
    """A console lottery not drawn yet: its secret seed and who entered (id → nickname)."""

    lottery: m.Lottery
    seed: bytes = field(repr=False)
    manual: bool
    entrants: dict[str, str] = field(default_factory=dict)
    fixed: bool = False  # the entrants were given at the start (no comment enters)


class ConsoleLotteries:
    """The lotteries this console draws itself on one room. ``close()`` when the room goes."""

    def __init__(
        self,
        room: LiveRoom,
        *,
        clock: Callable[[], float] = time.time,
        token_bytes: Callable[[int], bytes] = secrets.token_bytes,
        journal: GameJournal | None = None,
    ) -> None:
        self.room = room
        self._clock = clock
        self._token_bytes = token_bytes
        self._journal = journal
        self._open: dict[str, _Open] = {}
        self._sessions: dict[str, str | None] = {}  # lottery id → the session it was opened in
        self._unsubscribe: Callable[[], None] | None = room.subscribe_events(self._on_events)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._journal is not None:
            self._journal.close()

    # --- the journal (app/live/pending_games.py) -----------------------------------------------
    def _save(self) -> None:
        """The journal := every open lottery with its seed and entrants (at an open or a draw)."""
        if self._journal is None:
            return
        self._journal.rewrite(
            [
                {
                    "k": "lottery",
                    "session": self._sessions.get(o.lottery.id),
                    "lottery": o.lottery.model_dump(mode="json"),
                    "seed": o.seed.hex(),
                    "manual": o.manual,
                    "fixed": o.fixed,
                    "entrants": o.entrants,
                }
                for o in self._open.values()
            ]
        )

    def _note(self, record: Record) -> None:
        if self._journal is not None:
            self._journal.append(record)

    def restore(self) -> list[str]:
        """Bring back the undrawn lotteries of the live session from the journal (see the module
        docstring); what is said to the operator, one line per lottery."""
        if self._journal is None:
            return []
        opened: dict[str, _Open] = {}
        sessions: dict[str, str | None] = {}
        for rec in self._journal.load():
            kind = rec.get("k")
            if kind == "lottery":
                try:
                    lot = m.Lottery.model_validate(rec["lottery"])
                    seed = bytes.fromhex(rec["seed"])
                except (KeyError, ValueError, TypeError):
                    continue
                entrants = {str(k): str(v) for k, v in dict(rec.get("entrants") or {}).items()}
                o = _Open(lot, seed, bool(rec.get("manual")), entrants, bool(rec.get("fixed")))
                opened[lot.id] = o
                sessions[lot.id] = rec.get("session")
            elif kind == "entered" and rec.get("id") in opened:
                opened[rec["id"]].entrants.update(dict(rec.get("users") or {}))
            elif kind == "left" and rec.get("id") in opened:
                for uid in rec.get("users") or []:
                    opened[rec["id"]].entrants.pop(uid, None)
        session = self.room.session
        live = session.id if session is not None and session.status == "live" else None
        said: list[str] = []
        events: list[m.Event] = []
        for lid, o in opened.items():
            if lid in self._open:
                continue
            prize = o.lottery.prize
            if live is None or sessions[lid] != live:
                said.append(
                    tr("抽奖「{prize}」所属的场次在中控台重启前已结束：该抽奖作废，未开奖").format(
                        prize=prize
                    )
                )
                continue
            o.entrants = dict(list(o.entrants.items())[:MAX_PARTICIPANTS])
            o.lottery = o.lottery.model_copy(update={"entrants": len(o.entrants)})
            self._open[lid] = o
            self._sessions[lid] = live
            events.append(self._event(ET.LOTTERY_STARTED, self._data(o.lottery), self._clock()))
            line = tr(
                "中控台重启前开始的抽奖「{prize}」已恢复：承诺值不变，保留 {n} 位参与者"
            ).format(prize=prize, n=len(o.entrants))
            if not o.fixed:
                line += tr("；中控台关闭期间的评论没有看到，不计入")
            said.append(line)
        self._save()
        if events:
            self._publish(events)
        return said

    def is_open(self, lottery_id: str) -> bool:
        return lottery_id in self._open

    def manual(self, lottery_id: str) -> bool:
        """The lottery is open until drawn (the operator may draw it at any time)."""
        o = self._open.get(lottery_id)
        return o is not None and o.manual

    # --- opening and drawing --------------------------------------------------------------------
    def open(
        self, spec: m.LotterySpec, *, manual: bool = False, pool: m.PrizePool | None = None
    ) -> m.Lottery:
        """Open a lottery (``manual``: until drawn, ``spec.duration_seconds`` ignored; ``pool``:
        a blind box) and publish its commitment."""
        if pool is not None:
            problem = blind_box.pool_problem(pool, spec.winners)
            if problem is not None:
                raise PlatformError("invalid_pool", problem, status=422)
        lot = self._new(spec, manual=manual, pool=pool)
        self._save()  # the seed is on disk before its commitment is shown anywhere
        self._publish([self._event(ET.LOTTERY_STARTED, self._data(lot), lot.starts_ts)])
        return lot

    def open_among(
        self, prize: str, winners: int, entrants: dict[str, str], *, quiz_id: str
    ) -> m.Lottery:
        """Open a lottery among exactly ``entrants`` (id → nickname: a quiz's correct
        answerers), drawn by hand: its commitment, then each entrant, are published at once."""
        spec = m.LotterySpec(prize=prize, keyword="-", winners=winners, duration_seconds=1)
        lot = self._new(spec, manual=True, quiz_id=quiz_id)
        o = self._open[lot.id]
        o.fixed = True
        now = lot.starts_ts
        events = [self._event(ET.LOTTERY_STARTED, self._data(lot), now)]
        for uid in sorted(entrants)[:MAX_PARTICIPANTS]:
            o.entrants[uid] = entrants[uid]
            data = m.LotteryEnteredData(lottery_id=lot.id, user_id=uid, entrants=len(o.entrants))
            events.append(self._event(ET.LOTTERY_ENTERED, data, now))
        self._save()
        self._publish(events)
        return lot

    def _new(
        self,
        spec: m.LotterySpec,
        *,
        manual: bool,
        pool: m.PrizePool | None = None,
        quiz_id: str | None = None,
    ) -> m.Lottery:
        now = self._clock()
        seed = self._token_bytes(32)
        duration = 0 if manual else spec.duration_seconds
        commitment = commitment_of(seed) if pool is None else blind_box.commitment_of(seed, pool)
        lot = m.Lottery(
            id=f"c-{uuid.uuid4().hex[:12]}",
            prize=spec.prize.strip(),
            keyword="" if quiz_id is not None else spec.keyword.strip(),
            winners=spec.winners,
            duration_seconds=duration,
            eligibility=spec.eligibility,
            commitment=commitment,
            status="open",
            starts_ts=now,
            ends_ts=now + (MANUAL_WINDOW_S if manual else duration),
            origin="console",
            pool=pool,
            quiz_id=quiz_id,
        )
        self._open[lot.id] = _Open(lot, seed, manual)
        session = self.room.session
        self._sessions[lot.id] = session.id if session is not None else None
        return lot

    def _data(self, lot: m.Lottery) -> m.LotteryData:
        return m.LotteryData(lottery=lot, actor=self._actor())

    def draw(self, lottery_id: str) -> m.Lottery:
        """Draw: reveal the seed, publish the participants (and their digest) and the winners.
        A timed lottery only after its window (``lottery_open``), each once (``lottery_drawn``)."""
        o = self._open.get(lottery_id)
        if o is None:
            lot = self.room.lotteries.get(lottery_id)
            if lot is not None and lot.status == "drawn":
                raise PlatformError("lottery_drawn", tr("这个抽奖已经开过奖了"), status=409)
            raise PlatformError("not_found", tr("没有这个抽奖（中控台抽奖只在发起它的中控台上）"))
        now = self._clock()
        if not o.manual and now < o.lottery.ends_ts:
            raise PlatformError("lottery_open", tr("抽奖还没到截止时间"), status=409)
        del self._open[lottery_id]
        self._sessions.pop(lottery_id, None)
        ids = sorted(o.entrants)
        winners = recompute_winners(o.seed, ids, o.lottery.winners)
        pool = o.lottery.pool
        prizes = None if pool is None else blind_box.recompute_prizes(o.seed, pool, len(winners))
        lot = o.lottery.model_copy(
            update={
                "status": "drawn",
                "ends_ts": now if o.manual else o.lottery.ends_ts,
                "entrants": len(ids),
                "seed": o.seed.hex(),
                "participants_digest": digest_of(ids),
                "participant_ids": ids,
                "winner_ids": winners,
                "winner_nicknames": [o.entrants[w] or w for w in winners],
                "winner_prizes": prizes,
            }
        )
        self._publish([self._event(ET.LOTTERY_DRAWN, self._data(lot), now)])
        self._save()  # drawn: its seed is public now, the journal forgets it
        return lot

    # --- entries ---------------------------------------------------------------------------------
    def _on_events(self, batch: Sequence[m.Event]) -> None:
        if not self._open:
            return
        out: list[m.Event] = []
        added: dict[str, dict[str, str]] = {}  # lottery id → who entered in this batch
        for ev in batch:
            if ev.type is ET.COMMENT:
                self._comment(ev, out, added)
            elif ev.type is ET.USER_MUTED:
                uid = ev.data.user_id
                for o in self._open.values():
                    if not o.fixed and uid in o.entrants:  # a fixed set was final at its start
                        del o.entrants[uid]  # no event: the platform sends none
                        self._note({"k": "left", "id": o.lottery.id, "users": [uid]})
        for lid, users in added.items():
            self._note({"k": "entered", "id": lid, "users": users})
        if out:
            self._publish(out)

    def _comment(self, ev: m.Event, out: list[m.Event], added: dict[str, dict[str, str]]) -> None:
        c: m.Comment = ev.data.comment
        if c.role != "viewer":
            return
        ts = c.ts or ev.ts
        until = self.room.muted_until.get(c.user_id, 0.0)
        if c.user_id in self.room.muted_until and (until is None or until > ts):
            return  # a muted viewer's comments do not count
        for o in self._open.values():
            lot = o.lottery
            if o.fixed or c.user_id in o.entrants or len(o.entrants) >= MAX_PARTICIPANTS:
                continue
            if not lot.starts_ts <= ts <= lot.ends_ts or not keyword_matches(lot.keyword, c.text):
                continue
            if lot.eligibility == "followers" and not c.is_follower:
                continue
            o.entrants[c.user_id] = c.nickname
            added.setdefault(lot.id, {})[c.user_id] = c.nickname
            data = m.LotteryEnteredData(
                lottery_id=lot.id, user_id=c.user_id, entrants=len(o.entrants)
            )
            out.append(self._event(ET.LOTTERY_ENTERED, data, self._clock()))

    # --- publishing ------------------------------------------------------------------------------
    def _actor(self) -> m.Actor | None:
        """This console's operator, as the timeline and the action log name who did it (no
        token: the platform issued none for this)."""
        try:
            return m.Actor(role=m.Role(self.room.role), token_id="")
        except ValueError:
            return None

    def _event(
        self, kind: m.EventType, data: m.LotteryData | m.LotteryEnteredData, ts: float
    ) -> m.Event:
        return m.Event(seq=self.room.seq, ts=ts, type=kind, data=data)

    def _publish(self, events: list[m.Event]) -> None:
        self.room.ingest_local(events)
