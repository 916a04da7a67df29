"""The bounded protobuf reader and the SEND_GIFT_V2 / INTERACT_WORD_V2 decoders."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.bilibili import samples
from plugins.bilibili.protobuf import (
    ProtobufError,
    b64_message,
    decode_interact_word_v2,
    decode_send_gift_v2,
    encode_fields,
    read_fields,
)


def test_wire_types() -> None:
    buf = (
        encode_fields([(1, 300), (2, "礼物"), (3, b"\x01\x02")])
        + bytes([4 << 3 | 1]) + (7).to_bytes(8, "little")
        + bytes([5 << 3 | 5]) + (9).to_bytes(4, "little")
    )  # fmt: skip
    assert read_fields(buf) == {1: [300], 2: ["礼物".encode()], 3: [b"\x01\x02"], 4: [7], 5: [9]}


@pytest.mark.parametrize(
    "buf",
    [
        b"\x08",  # varint cut
        b"\x08" + b"\xff" * 11,  # varint too long
        b"\x12\x05ab",  # length past the end
        b"\x0b",  # group start (wire type 3)
        b"\x00\x01",  # field number 0
        b"\x21\x00",  # fixed64 cut
    ],
)
def test_malformed_messages_raise_protobuf_error(buf: bytes) -> None:
    with pytest.raises(ProtobufError):
        read_fields(buf)


def test_field_count_is_bounded() -> None:
    with pytest.raises(ProtobufError, match="more than"):
        read_fields(b"\x08\x01" * 5000)


def test_send_gift_v2_with_repeated_gift_list_and_blind_box() -> None:
    pb = samples.send_gift_v2_pb(
        123, "送礼人", [("小花花", 10, 1000, "gold", "t1"), ("辣条", 5, 0, "silver", "t2")],
        blind=("心动盲盒", 15000),
    )  # fmt: skip
    got = decode_send_gift_v2(pb)
    assert (got.uid, got.uname, got.guard_level) == (123, "送礼人", 3)
    assert (got.blind_gift_name, got.blind_gift_price) == ("心动盲盒", 15000)
    assert [(g.gift_name, g.num, g.total_coin, g.coin_type, g.tid) for g in got.gifts] == [
        ("小花花", 10, 1000, "gold", "t1"),
        ("辣条", 5, 0, "silver", "t2"),
    ]


def test_interact_word_v2() -> None:
    cmd = samples.interact_word_v2(77, "进场的人", 2, ts=1764800009)
    got = decode_interact_word_v2(b64_message(cmd["data"]["pb"]))
    assert (got.uid, got.uname, got.msg_type, got.timestamp) == (77, "进场的人", 2, 1764800009)


def test_wrong_wire_type_for_a_known_field_is_an_error() -> None:
    with pytest.raises(ProtobufError):
        decode_interact_word_v2(encode_fields([(2, 5)]))  # uname as a number
    with pytest.raises(ProtobufError):
        decode_send_gift_v2(encode_fields([(10, 5)]))  # gift item as a number


def test_b64_message_rejects_non_base64() -> None:
    for bad in ("%%%", 5, None, "A" * 10**6):
        with pytest.raises(ProtobufError):
            b64_message(bad)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_protobuf_errors(blob: bytes) -> None:
    for decode in (read_fields, decode_send_gift_v2, decode_interact_word_v2):
        try:
            decode(blob)
        except ProtobufError:
            pass
