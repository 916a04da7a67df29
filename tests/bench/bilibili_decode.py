"""Benchmark: Bilibili frames of a busy room decoded to LiveDesk events vs a bare decoder (issue 15).

Builds ``--frames`` frames as the web danmaku server sends a busy room: each an op-5 packet of
protocol version 3 (brotli) holding ``--per-frame`` op-5 JSON packets (mixed: ~55% ``DANMU_MSG``
with the full ``info[]`` and its large ``extra`` string, gifts as ``SEND_GIFT`` and protobuf
``SEND_GIFT_V2``, protobuf ``INTERACT_WORD_V2`` entries/follows, likes, Super Chats, guards,
viewer counts and commands LiveDesk ignores), from ``plugins.bilibili.samples``. Then, in the same
run, over the same frames:

(a) bare: ``brotli.decompress`` of each frame's body, a walk of the inner headers, ``orjson.loads``
    of every packet body — nothing else;
(b) livedesk: :func:`plugins.bilibili.codec.decode_frame` (bounded decompression, validation) +
    :meth:`plugins.bilibili.messages_web.WebMapper.map_all` per frame (protobuf decoding, field validation, money)
    producing LiveDesk events.

Best of ``--rounds`` for each, the two alternating, the automatic garbage collector off for
both (as in the console, see app/gc_tuning.py). ``events_per_s`` counts LiveDesk events produced (ignored commands
produce none); ``ratio`` = bare time / livedesk time (share of bare speed kept). Targets:
``ratio >= 0.5`` and ``events_per_s >= 20000``. Prints ONE JSON line.

Usage: ``.venv/bin/python tests/bench/bilibili_decode.py [--frames 4000] [--per-frame 12]``
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import brotli
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from plugins.bilibili import samples
from plugins.bilibili.codec import HEADER, Ver, command_packet, compressed_packet, decode_frame
from plugins.bilibili.messages_web import WebMapper

NAMES = ["小明", "阿花", "路人甲", "奶茶不加糖", "今天也要开心", "momo", "张三丰", "带货达人"]
TEXTS = [
    "主播好",
    "这个多少钱",
    "上链接",
    "[dog]",
    "已拍",
    "好看",
    "有优惠券吗",
    "666",
    "求讲解三号",
]


def command(rng: random.Random, i: int) -> dict[str, Any]:
    uid = rng.randrange(1, 10**9)
    name = rng.choice(NAMES)
    r = rng.random()
    if r < 0.55:
        return samples.danmu_msg(
            uid, name, rng.choice(TEXTS), id_str=f"{i:032x}", ts_ms=1764800000000 + i
        )
    if r < 0.63:
        return samples.send_gift(uid, name, "小花花", rng.randrange(1, 20), 100, tid=f"t{i}")
    if r < 0.68:
        pb = samples.send_gift_v2_pb(
            uid, name, [("小心心", 1, 0, "silver", f"t{i}a"), ("人气票", 2, 200, "gold", f"t{i}b")]
        )
        return samples.send_gift_v2(pb)
    if r < 0.80:
        return samples.interact_word_v2(uid, name, rng.choice([1, 1, 1, 2]), ts=1764800000 + i)
    if r < 0.88:
        return samples.like_click(uid, name)
    if r < 0.90:
        return samples.super_chat(i, uid, name, 30, "主播讲讲这件")
    if r < 0.91:
        return samples.guard_buy(uid, name, 3, 1, 198000, 1764800000 + i)
    if r < 0.95:
        return {
            "cmd": "ONLINE_RANK_COUNT",
            "data": {"count": rng.randrange(1000), "count_text": "1k"},
        }
    return {"cmd": "STOP_LIVE_ROOM_LIST", "data": {"room_id_list": list(range(50))}}  # ignored


def build(frames: int, per_frame: int) -> tuple[list[bytes], int]:
    rng = random.Random(15)
    out = []
    n = 0
    for _ in range(frames):
        inner = b"".join(command_packet(command(rng, n + k)) for k in range(per_frame))
        n += per_frame
        out.append(compressed_packet(inner, Ver.BROTLI))
    return out, n


def bare(frames: list[bytes]) -> int:
    n = 0
    unpack = HEADER.unpack_from
    loads = orjson.loads
    for frame in frames:
        inner = brotli.decompress(frame[16:])
        off = 0
        end = len(inner)
        while off < end:
            pack_len, head_len, _v, _op, _s = unpack(inner, off)
            loads(inner[off + head_len : off + pack_len])
            off += pack_len
            n += 1
    return n


def livedesk(frames: list[bytes]) -> int:
    mapper = WebMapper()
    n = 0
    for frame in frames:
        n += len(mapper.map_all(decode_frame(frame).commands).events)
    return n


def interleaved(frames: list[bytes], rounds: int) -> dict[str, tuple[float, int]]:
    """Best time of each, the two alternating round by round (the machine's load hits both)."""
    best: dict[str, tuple[float, int]] = {}
    for _ in range(rounds):
        for name, fn in (("bare", bare), ("livedesk", livedesk)):
            t = time.perf_counter()
            count = fn(frames)
            took = time.perf_counter() - t
            if name not in best or took < best[name][0]:
                best[name] = (took, count)
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=4000)
    p.add_argument("--per-frame", type=int, default=12)
    p.add_argument("--rounds", type=int, default=7)
    a = p.parse_args()
    frames, commands = build(a.frames, a.per_frame)
    gc.collect()
    gc.disable()  # as the console runs: app/gc_tuning.py paces the collector on a clock
    res = interleaved(frames, a.rounds)
    gc.enable()
    bare_s, bare_n = res["bare"]
    ours_s, events = res["livedesk"]
    out = {
        "bench": "bilibili_decode",
        "frames": len(frames),
        "commands": commands,
        "frame_bytes_avg": round(sum(map(len, frames)) / len(frames)),
        "bare": {"seconds": round(bare_s, 4), "messages_per_s": round(bare_n / bare_s)},
        "livedesk": {"seconds": round(ours_s, 4), "events": events, "events_per_s": round(events / ours_s),
                     "commands_per_s": round(commands / ours_s)},
        "ratio": round(bare_s / ours_s, 3),
    }  # fmt: skip
    out["within_target"] = out["ratio"] >= 0.5 and out["livedesk"]["events_per_s"] >= 20_000
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
