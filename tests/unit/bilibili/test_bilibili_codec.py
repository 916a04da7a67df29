"""The Bilibili packet codec: framing as the real server sends it, bounds, and properties."""

from __future__ import annotations

import struct
import zlib

import brotli
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.bilibili import samples
from plugins.bilibili.codec import (
    HEADER,
    AuthReply,
    CodecError,
    Command,
    Decoded,
    HeartbeatReply,
    Limits,
    Op,
    Ver,
    auth_packet,
    auth_reply_packet,
    command_packet,
    compressed_packet,
    decode_frame,
    encode_packet,
    heartbeat_packet,
    heartbeat_reply_packet,
)


def test_heartbeat_packet_is_the_documented_bytes() -> None:
    pkt = heartbeat_packet(b"")
    assert pkt.hex() == "00000010001000010000000200000001"
    assert heartbeat_packet()[16:] == b"{}"


def test_auth_packet_carries_the_open_live_auth_body_verbatim() -> None:
    body = b'{"roomid":21452505,"protoover":2,"key":"k","group":"open"}'
    pkt = auth_packet(body)
    assert HEADER.unpack_from(pkt) == (16 + len(body), 16, 1, Op.AUTH, 1)
    assert pkt[16:] == body


def test_brotli_frame_with_several_packets_and_cmd_suffix() -> None:
    inner = command_packet(samples.danmu_msg(1, "甲", "你好", id_str="a1")) + command_packet(
        samples.like_click(2, "乙")
    )
    got = decode_frame(compressed_packet(inner, Ver.BROTLI))
    assert [c.cmd for c in got.commands] == ["DANMU_MSG", "LIKE_INFO_V3_CLICK"]
    assert got.commands[0].body["cmd"] == "DANMU_MSG:4:0:2:2:2:0"
    assert got.skipped == []


def test_zlib_and_plain_packets_side_by_side_and_nested() -> None:
    a = command_packet({"cmd": "LIVE"})
    b = command_packet({"cmd": "PREPARING"})
    nested = compressed_packet(compressed_packet(a, Ver.ZLIB), Ver.BROTLI)
    got = decode_frame(a + compressed_packet(b, Ver.ZLIB) + nested)
    assert [c.cmd for c in got.commands] == ["LIVE", "PREPARING", "LIVE"]


def test_heartbeat_reply_length_quirk() -> None:
    # the length field counts 4 body bytes; the echo of the client's body follows anyway
    frame = heartbeat_reply_packet(12345, b"[object Object]")
    assert HEADER.unpack_from(frame)[0] == 20 and len(frame) == 35
    assert decode_frame(frame).messages == [HeartbeatReply(12345)]


def test_auth_reply_codes() -> None:
    assert decode_frame(auth_reply_packet(0)).messages == [AuthReply(0, b'{"code":0}')]
    assert decode_frame(auth_reply_packet(-101)).messages[0] == AuthReply(-101, b'{"code":-101}')
    assert decode_frame(encode_packet(b"not json", Op.AUTH_REPLY)).messages[0] == AuthReply(
        None, b"not json"
    )


def test_malformed_packets_are_skipped_and_the_others_kept() -> None:
    good1 = command_packet({"cmd": "LIVE"})
    bad_json = command_packet(b"{nope")
    not_obj = command_packet(b"[1,2]")
    no_cmd = command_packet({"data": 1})
    bad_brotli = encode_packet(b"\x00garbage", Op.SEND_MSG_REPLY, ver=Ver.BROTLI)
    bad_ver = encode_packet(b"{}", Op.SEND_MSG_REPLY, ver=9)
    good2 = command_packet({"cmd": "PREPARING"})
    got = decode_frame(good1 + bad_json + not_obj + no_cmd + bad_brotli + bad_ver + good2)
    assert [c.cmd for c in got.commands] == ["LIVE", "PREPARING"]
    assert len(got.skipped) == 5


def test_a_length_that_lies_keeps_what_came_before() -> None:
    good = command_packet({"cmd": "LIVE"})
    liar = struct.pack(">I2H2I", 10**6, 16, 0, 5, 0) + b'{"cmd":"X"}'
    got = decode_frame(good + liar)
    assert [c.cmd for c in got.commands] == ["LIVE"]
    assert "does not fit" in got.skipped[0]
    with pytest.raises(CodecError):
        decode_frame(liar)
    with pytest.raises(CodecError):
        decode_frame(struct.pack(">I2H2I", 16, 8, 0, 5, 0))  # header length below 16


def test_decompression_bombs_are_refused_without_inflating_them() -> None:
    limits = Limits(max_inflated=1 << 20)
    for ver, blob in (
        (Ver.BROTLI, brotli.compress(b"\0" * (8 << 20))),
        (Ver.ZLIB, zlib.compress(b"\0" * (8 << 20))),
    ):
        bomb = encode_packet(blob, Op.SEND_MSG_REPLY, ver=ver)
        got = decode_frame(bomb + command_packet({"cmd": "LIVE"}), limits)
        assert [c.cmd for c in got.commands] == ["LIVE"]
        assert "inflates past" in got.skipped[0]


def test_depth_frame_size_and_packet_count_are_bounded() -> None:
    deep = command_packet({"cmd": "LIVE"})
    for _ in range(4):
        deep = compressed_packet(deep, Ver.ZLIB)
    got = decode_frame(deep)
    assert got.commands == [] and "deeper" in got.skipped[0]
    with pytest.raises(CodecError):
        decode_frame(b"\0" * 65, Limits(max_frame=64))
    many = command_packet({"cmd": "LIVE"}) * 50
    got = decode_frame(many, Limits(max_packets=10))
    assert len(got.commands) == 10 and "more than 10 packets" in got.skipped[-1]


# --- properties ---------------------------------------------------------------------------------

_cmds = st.fixed_dictionaries(
    {
        "cmd": st.text(min_size=1, max_size=20),
        "data": st.dictionaries(st.text(max_size=5), st.integers(-(2**63), 2**63 - 1)),
    }
)
_packets = st.lists(_cmds, min_size=1, max_size=8)
_wrap = st.sampled_from([None, Ver.ZLIB, Ver.BROTLI])


def _frame(cmds: list[dict[str, object]], wrap: int | None) -> bytes:
    inner = b"".join(command_packet(c) for c in cmds)
    return inner if wrap is None else compressed_packet(inner, wrap)


@settings(max_examples=150, deadline=None)
@given(_packets, _wrap)
def test_round_trip(cmds: list[dict[str, object]], wrap: int | None) -> None:
    got = decode_frame(_frame(cmds, wrap))
    assert [c.body for c in got.commands] == cmds
    assert [c.cmd for c in got.commands] == [str(c["cmd"]).split(":")[0] for c in cmds]
    assert got.skipped == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_packets, _wrap), min_size=1, max_size=4))
def test_concatenated_frames_decode_as_the_sum_of_their_parts(
    parts: list[tuple[list[dict[str, object]], int | None]],
) -> None:
    whole = decode_frame(b"".join(_frame(c, w) for c, w in parts))
    assert whole.commands == [cmd for c, w in parts for cmd in decode_frame(_frame(c, w)).commands]


@settings(max_examples=150, deadline=None)
@given(_packets, _wrap, st.data())
def test_truncation_keeps_whole_packets_before_the_cut(
    cmds: list[dict[str, object]], wrap: int | None, data: st.DataObject
) -> None:
    frame = _frame(cmds, wrap)
    cut = data.draw(st.integers(0, len(frame) - 1))
    try:
        got = decode_frame(frame[:cut])
    except CodecError:
        return  # the first packet itself is cut
    assert got.skipped, "a cut frame must report the cut"
    if wrap is None:  # whole packets before the cut survive
        ends = []
        off = 0
        for c in cmds:
            off += len(command_packet(c))
            ends.append(off)
        assert [c.body for c in got.commands] == cmds[: sum(1 for e in ends if e <= cut)]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_raises_only_codec_errors(blob: bytes) -> None:
    try:
        assert isinstance(decode_frame(blob), Decoded)
    except CodecError:
        pass


@settings(max_examples=200, deadline=None)
@given(_packets, st.data())
def test_corrupted_bytes_raise_only_codec_errors(
    cmds: list[dict[str, object]], data: st.DataObject
) -> None:
    frame = bytearray(_frame(cmds, data.draw(_wrap)))
    for _ in range(data.draw(st.integers(1, 4))):
        frame[data.draw(st.integers(0, len(frame) - 1))] = data.draw(st.integers(0, 255))
    try:
        got = decode_frame(bytes(frame))
    except CodecError:
        return
    assert all(isinstance(m, Command | AuthReply | HeartbeatReply) for m in got.messages)
    orjson.dumps([m.body for m in got.commands])  # what comes out is plain JSON
