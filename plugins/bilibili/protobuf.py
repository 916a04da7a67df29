"""A minimal, bounded protobuf wire-format reader and the decoders of Bilibili's ``*_V2`` commands.

Bilibili moved some web commands to base64 protobuf in ``data.pb`` (``INTERACT_WORD_V2`` 2025-07,
``SEND_GIFT_V2`` 2026-07). No ``.proto`` is published; field numbers come from the MIT-licensed
reference client xfgryujk/blivedm (``blivedm/models/pb.py``, HEAD 3bf17fe), cross-checked with
../shared/research/platforms.md §2.4. This reader has no dependency.

Guarantees:

- :func:`read_fields` returns ``{field_number: [values...]}`` (varint and fixed32/64 as ``int``,
  length-delimited as ``bytes``) or raises :class:`ProtobufError` — never another exception.
- Bounded: a varint is at most 10 bytes, a length can not exceed the buffer, at most
  ``max_fields`` fields per message; nested messages are only parsed where a decoder asks for
  them (fixed depth), so no input recurses without limit. Groups (wire types 3/4) are refused.
- The decoders return named tuples with defaults for absent fields (protobuf semantics); a
  field with the wrong wire type is an error, not silently reinterpreted. They stop reading a
  message at the first field numbered above the last one they use (encoders write fields in
  number order): unused trailing fields (avatars, images) are neither read nor validated.
"""

from __future__ import annotations

import binascii
from typing import NamedTuple

MAX_FIELDS = 4096
_new = tuple.__new__  # a NamedTuple's own __new__ is a Python frame; this one is not
MAX_PB_BYTES = 256 * 1024  # a real SEND_GIFT_V2 is < 2 KiB


class ProtobufError(ValueError):
    """The bytes are not a well-formed protobuf message (or exceed the bounds)."""


Value = int | bytes


def read_fields(buf: bytes, *, max_fields: int = MAX_FIELDS) -> dict[int, list[Value]]:
    """Every field: ``{number: [values in order]}``."""
    out: dict[int, list[Value]] = {}
    for number, value in _scan(buf, max_fields, 1 << 29):
        out.setdefault(number, []).append(value)
    return out


def read_message(
    buf: bytes, repeated: int = 0, *, last_needed: int = 1 << 29, max_fields: int = MAX_FIELDS
) -> tuple[dict[int, Value], list[Value]]:
    """Scalar view: ``{number: last value}`` (protobuf: the last occurrence wins), and the values
    of the one ``repeated`` field number in order (the decoders' fast path).

    ``last_needed``: stop at the first field numbered above it. Encoders write fields in number
    order, so the rest (avatars, images: the bulk) is not read at all."""
    last: dict[int, Value] = {}
    many: list[Value] = []
    pos = 0
    end = len(buf)
    count = 0
    value: Value
    while pos < end:
        count += 1
        if count > max_fields:
            raise ProtobufError(f"more than {max_fields} fields")
        key = buf[pos]
        if key < 0x80:
            pos += 1
        else:
            key, pos = _varint(buf, pos)
        number = key >> 3
        wire = key & 7
        if number > last_needed:
            break
        if wire == 0:
            if pos < end and buf[pos] < 0x80:
                value = buf[pos]
                pos += 1
            else:
                value, pos = _varint(buf, pos)
        elif wire == 2:
            if pos < end and buf[pos] < 0x80:
                length = buf[pos]
                pos += 1
            else:
                length, pos = _varint(buf, pos)
            if length > end - pos:
                raise ProtobufError("length-delimited field runs past the end")
            value = buf[pos : pos + length]
            pos += length
        else:  # rare: the general reader validates and reads it
            number, value, pos = _one_field(buf, pos, key)
        if number == 0:
            raise ProtobufError("field number 0")
        if number == repeated:
            many.append(value)
        else:
            last[number] = value
    return last, many


def _one_field(buf: bytes, pos: int, key: int) -> tuple[int, Value, int]:
    number, wire = key >> 3, key & 7
    end = len(buf)
    if wire == 1:
        if pos + 8 > end:
            raise ProtobufError("truncated fixed64")
        return number, int.from_bytes(buf[pos : pos + 8], "little"), pos + 8
    if wire == 5:
        if pos + 4 > end:
            raise ProtobufError("truncated fixed32")
        return number, int.from_bytes(buf[pos : pos + 4], "little"), pos + 4
    raise ProtobufError(f"unsupported wire type {wire}")


def _scan(buf: bytes, max_fields: int, last_needed: int) -> list[tuple[int, Value]]:
    """Every field in order (the general reader; see :func:`read_message` for the fast one)."""
    out: list[tuple[int, Value]] = []
    pos = 0
    end = len(buf)
    count = 0
    while pos < end:
        count += 1
        if count > max_fields:
            raise ProtobufError(f"more than {max_fields} fields")
        key = buf[pos]
        if key < 0x80:  # one-byte key: every field number below 16
            pos += 1
        else:
            key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ProtobufError("field number 0")
        if number > last_needed:
            break
        value: Value
        if wire == 0:
            if pos < end and buf[pos] < 0x80:
                value = buf[pos]
                pos += 1
            else:
                value, pos = _varint(buf, pos)
        elif wire == 1:
            if pos + 8 > end:
                raise ProtobufError("truncated fixed64")
            value = int.from_bytes(buf[pos : pos + 8], "little")
            pos += 8
        elif wire == 2:
            if pos < end and buf[pos] < 0x80:
                length = buf[pos]
                pos += 1
            else:
                length, pos = _varint(buf, pos)
            if length > end - pos:
                raise ProtobufError("length-delimited field runs past the end")
            value = bytes(buf[pos : pos + length])
            pos += length
        elif wire == 5:
            if pos + 4 > end:
                raise ProtobufError("truncated fixed32")
            value = int.from_bytes(buf[pos : pos + 4], "little")
            pos += 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        out.append((number, value))
    return out


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    end = len(buf)
    for _ in range(10):
        if pos >= end:
            raise ProtobufError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result & 0xFFFF_FFFF_FFFF_FFFF, pos
        shift += 7
    raise ProtobufError("varint longer than 10 bytes")


def b64_message(text: object) -> bytes:
    """``data.pb`` → bytes; ProtobufError if it is not bounded, valid base64 text."""
    if not isinstance(text, str) or len(text) > MAX_PB_BYTES * 4 // 3 + 4:
        raise ProtobufError("pb is not bounded text")
    try:  # strict: only the alphabet and final padding (checked in C, unlike b64decode's regex)
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        raise ProtobufError("pb is not base64") from None


# --- typed accessors (on read_message's scalar view) ---------------------------------------------

Fields = dict[int, Value]


def _int(f: Fields, n: int) -> int:
    v = f.get(n, 0)
    if type(v) is not int:
        raise ProtobufError(f"field {n} should be an integer")
    return v


def _sint64(f: Fields, n: int) -> int:
    """int64 carried as a varint: two's complement of 64 bits."""
    v = _int(f, n)
    return v - (1 << 64) if v >= 1 << 63 else v


def _str(f: Fields, n: int) -> str:
    v = f.get(n, b"")
    if type(v) is not bytes:
        raise ProtobufError(f"field {n} should be text")
    try:
        return v.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtobufError(f"field {n} is not UTF-8") from None


def _sub(v: Value, n: int, last_needed: int) -> Fields:
    if type(v) is not bytes:
        raise ProtobufError(f"field {n} should be a message")
    return read_message(v, last_needed=last_needed)[0]


# --- SEND_GIFT_V2 (bilibili.live.gift.v1.SendGiftBroadcast) -------------------------------------


class GiftItem(NamedTuple):
    # field numbers: blivedm models/pb.py SendGiftV2GiftItem
    gift_id: int = 0  # 1
    gift_name: str = ""  # 2
    num: int = 0  # 3
    gift_type: int = 0  # 4
    price: int = 0  # 5 (unit price in coins; of the prize for blind boxes)
    total_coin: int = 0  # 7 (what was paid: discounted price x num; blind-box price x num)
    coin_type: str = ""  # 8 ('gold' | 'silver')
    tid: str = ""  # 9 (transaction id; same as SEND_GIFT's tid)
    # not read (unused by LiveDesk): 10 timestamp, 12 rnd, 18 action ('投喂'), 35 gift_info{1 img}


class SendGiftBroadcast(NamedTuple):
    # field numbers: blivedm models/pb.py SendGiftBroadcast
    uid: int = 0  # 1
    uname: str = ""  # 2
    face: str = ""  # 3
    guard_level: int = 0  # 5
    blind_gift_name: str = ""  # 9.3 (blind_gift.original_gift_name)
    blind_gift_price: int = 0  # 9.6 (blind_gift.original_gift_price)
    gifts: tuple[GiftItem, ...] = ()  # 10, repeated
    # 8 medal_info{1 target_id, 4 anchor_roomid, 5 level, 6 name} is not decoded (unused)


def decode_send_gift_v2(buf: bytes) -> SendGiftBroadcast:
    f, raw_items = read_message(buf, 10, last_needed=10)
    blind = _sub(f[9], 9, 6) if 9 in f else {}
    items = []
    for raw in raw_items:
        g = _sub(raw, 10, 9)
        # gift_id, gift_name, num, gift_type, price, total_coin, coin_type, tid
        items.append(
            _new(
                GiftItem,
                (_int(g, 1), _str(g, 2), _int(g, 3), _int(g, 4), _int(g, 5), _int(g, 7), _str(g, 8),
                 _str(g, 9)),
            )
        )  # fmt: skip
    return SendGiftBroadcast(
        uid=_sint64(f, 1),
        uname=_str(f, 2),
        face=_str(f, 3),
        guard_level=_int(f, 5),
        blind_gift_name=_str(blind, 3),
        blind_gift_price=_int(blind, 6),
        gifts=tuple(items),
    )


# --- INTERACT_WORD_V2 ---------------------------------------------------------------------------


class InteractWord(NamedTuple):
    # field numbers: blivedm models/pb.py InteractWordV2 (+ research notes §2.4 for msg_type values)
    uid: int = 0  # 1
    uname: str = ""  # 2
    msg_type: int = 0  # 5: 1 enter, 2 follow, 3 share, 4 special follow, 5 mutual follow, 6 like
    timestamp: int = 0  # 7
    # 22 uinfo{2 base{2 face}} is not decoded: LiveDesk shows no avatars (and it is the bulk)


def decode_interact_word_v2(buf: bytes) -> InteractWord:
    f = read_message(buf, last_needed=7)[0]
    return _new(InteractWord, (_sint64(f, 1), _str(f, 2), _int(f, 5), _int(f, 7)))


# --- encoding, for fixtures and the stand-in server ----------------------------------------------


def _enc_varint(v: int) -> bytes:
    v &= 0xFFFF_FFFF_FFFF_FFFF
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_fields(fields: list[tuple[int, int | str | bytes]]) -> bytes:
    """Encode ``[(number, value)]``: int → varint, str/bytes → length-delimited (fixtures only)."""
    out = bytearray()
    for number, value in fields:
        if isinstance(value, int):
            out += _enc_varint(number << 3) + _enc_varint(value)
        else:
            raw = value.encode("utf-8") if isinstance(value, str) else value
            out += _enc_varint(number << 3 | 2) + _enc_varint(len(raw)) + raw
    return bytes(out)
