"""The journal of the console's own games (app/live/pending_games.py) on an in-memory room: a blind
box opened before a restart comes back with the seed it committed to (not a new one) and its
entrants, draws winners and prizes that verify; a torn last line (a crash mid-write) loses only
that line; the file is owner-only and gone after the draw; a restart without a live session
voids it."""

from __future__ import annotations

from pathlib import Path

from app.live import blind_box
from app.live.console_lottery import ConsoleLotteries
from app.live.pending_games import GameJournal, GameRecovery
from app.live.room import LiveRoom
from app.platform import models as m
from tests.unit.live.test_blind_box import _pool
from tests.unit.live.test_console_lottery import SEED, _Clock, _Feed, _NoAdapter, _spec


def _snapshot(seq: int, session: str | None = "s1") -> m.Snapshot:
    body: dict[str, object] = {"room": "r1", "seq": seq, "bag": {"version": 1, "products": []}}
    if session is not None:
        body["session"] = {"id": session, "status": "live", "started_ts": 900.0}
    return m.Snapshot.model_validate(body)


def _console(journal: Path, seed: bytes, said: list[str]) -> tuple[LiveRoom, ConsoleLotteries]:
    """A console start: the games and their recovery are built before the first snapshot."""
    room = LiveRoom(_NoAdapter())  # type: ignore[arg-type]
    lots = ConsoleLotteries(
        room, clock=_Clock(), token_bytes=lambda n: seed[:n], journal=GameJournal(journal)
    )
    GameRecovery(room, (lots,), said.append)
    return room, lots


def test_a_blind_box_survives_a_restart_with_its_seed_and_entrants(tmp_path: Path) -> None:
    path = tmp_path / "games" / "r1.lotteries.jsonl"
    said: list[str] = []
    room, lots = _console(path, SEED, said)
    room.apply_snapshot(_snapshot(10))
    assert said == [] and not path.exists()
    lot = lots.open(_spec(winners=3), manual=True, pool=_pool())
    assert path.stat().st_mode & 0o777 == 0o600  # the seed is a secret until the draw
    feed = _Feed(room, _Clock())
    for i in range(5):
        feed.comment(f"u{i}", "福袋")
    with path.open("ab") as f:
        f.write(b'{"k": "entered", "id": "')  # the crash tore the last line

    other = bytes(reversed(SEED))  # a new run would draw a new seed: it must not be used
    room2, lots2 = _console(path, other, said)
    room2.apply_snapshot(_snapshot(40))
    assert len(said) == 1 and "保留 5 位参与者" in said[0]
    back = room2.lotteries[lot.id]
    assert back.commitment == lot.commitment == blind_box.commitment_of(SEED, _pool())
    assert back.entrants == 5 and back.pool == _pool()
    _Feed(room2, _Clock()).comment("late", "福袋")  # after the restart: enters
    drawn = lots2.draw(lot.id)
    assert drawn.seed == SEED.hex() and drawn.entrants == 6
    assert drawn.winner_prizes == blind_box.recompute_prizes(SEED, _pool(), 3)
    v = room2.verify_lottery(lot.id)
    assert v is not None and v.ok and v.prizes_ok
    assert not path.exists()


def test_without_a_live_session_after_the_restart_the_lottery_is_void(tmp_path: Path) -> None:
    path = tmp_path / "games" / "r1.lotteries.jsonl"
    said: list[str] = []
    room, lots = _console(path, SEED, said)
    room.apply_snapshot(_snapshot(10))
    lot = lots.open(_spec(), manual=True)
    room2, _ = _console(path, SEED, said)
    room2.apply_snapshot(_snapshot(20, session=None))  # the session ended meanwhile
    assert said == ["抽奖「口红一支」所属的场次在中控台重启前已结束：该抽奖作废，未开奖"]
    assert lot.id not in room2.lotteries and not path.exists()
