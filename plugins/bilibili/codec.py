"""The Bilibili danmaku long-connection packet codec (web and open-live use the same framing).

A WebSocket binary frame holds one or more *packets*, each a 16-byte big-endian header
(``>I2H2I``: packet length incl. header, header length, protocol version, operation, sequence)
followed by its body. Protocol versions: 0 = JSON body, 1 = raw (auth/heartbeat), 2 = zlib and
3 = brotli of a *stream of further headered packets* (decoded recursively).

Guarantees of :func:`decode_frame`:

- It returns a :class:`Decoded` (messages in frame order + a reason for every skipped packet) or
  raises :class:`CodecError` — never any other exception, for any input bytes.
- It raises only when the frame's *first* header is unusable (too short, header length < 16,
  packet length outside the frame) or the frame exceeds :attr:`Limits.max_frame`; past the first
  packet, a malformed packet (bad JSON, bad compression, unknown version) is skipped with a
  reason and the others are kept; a lying length field ends the walk of that stream with a
  reason, keeping what came before.
- Bounded work and memory: each decompression stops at :attr:`Limits.max_inflated` bytes (a
  decompression bomb is a skipped packet, not an allocation), nesting is at most
  :attr:`Limits.max_depth` compressed layers, at most :attr:`Limits.max_packets` packets per
  frame.
- The op-3 heartbeat reply quirk: its packet length counts only the 4-byte popularity, the
  server appends an echo of the client heartbeat body that is *not* a packet; the popularity is
  read and the rest of that stream is ignored (the server sends op 3 alone in its frame).
- Command names keep their ``cmd:suffix`` form in :attr:`Command.body`; :attr:`Command.cmd`
  is the part before ``:``.

:func:`encode_packet` / :func:`auth_packet` / :func:`heartbeat_packet` build client packets
(protocol version 1, sequence 1, as the official clients send them).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, NamedTuple

import brotli
import orjson

HEADER = struct.Struct(">I2H2I")
HEADER_LEN = HEADER.size  # 16


class Op(IntEnum):
    """Operations used by LiveDesk (Bilibili's full enum has 0..17)."""

    HEARTBEAT = 2
    HEARTBEAT_REPLY = 3
    SEND_MSG_REPLY = 5  # business commands (JSON)
    AUTH = 7
    AUTH_REPLY = 8


class Ver(IntEnum):
    JSON = 0
    RAW = 1
    ZLIB = 2
    BROTLI = 3


class CodecError(ValueError):
    """The frame cannot be decoded at all (its first header is unusable or it is too large)."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_frame: int = 4 << 20  # bytes of one received frame
    max_inflated: int = 8 << 20  # bytes of one decompressed body
    max_depth: int = 2  # nested compressed layers (the real server uses 1)
    max_packets: int = 20_000  # packets per frame, all layers together


DEFAULT_LIMITS = Limits()

# plain ints for the hot loop (an IntEnum attribute lookup costs more than the comparison)
_OP_HEARTBEAT_REPLY = int(Op.HEARTBEAT_REPLY)
_OP_SEND_MSG_REPLY = int(Op.SEND_MSG_REPLY)
_OP_AUTH_REPLY = int(Op.AUTH_REPLY)
_VER_JSON = int(Ver.JSON)


class Command(NamedTuple):
    """An op-5 business command: ``cmd`` without its ``:suffix``, ``body`` the parsed JSON."""

    cmd: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuthReply:
    """Op 8: ``code`` 0 = accepted, -101 = token error (re-initialise), None = unreadable body."""

    code: int | None
    body: bytes


@dataclass(frozen=True, slots=True)
class HeartbeatReply:
    popularity: int


Message = Command | AuthReply | HeartbeatReply
_new_command = tuple.__new__  # Command's own __new__ is a Python frame; this one is not


@dataclass(slots=True)
class Decoded:
    messages: list[Message] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one reason per skipped packet
    only_commands: bool = True  # no reply among the messages (a busy room's every frame)

    @property
    def commands(self) -> list[Command]:
        """The business commands in order (the messages themselves when there is nothing else:
        read them, do not change them)."""
        if self.only_commands:
            return self.messages  # type: ignore[return-value]
        return [m for m in self.messages if isinstance(m, Command)]


# --- encoding -----------------------------------------------------------------------------------


def encode_packet(body: bytes, op: int, *, ver: int = Ver.RAW, seq: int = 1) -> bytes:
    """One packet: header + ``body`` (the caller compresses ``body`` for ver 2/3)."""
    return HEADER.pack(HEADER_LEN + len(body), HEADER_LEN, ver, op, seq) + body


def heartbeat_packet(body: bytes = b"{}") -> bytes:
    """Client heartbeat (op 2); send every 30 s. Any body is accepted by the server."""
    return encode_packet(body, Op.HEARTBEAT)


def auth_packet(body: bytes | dict[str, Any]) -> bytes:
    """Client auth (op 7), to send within 5 s of connecting. Open-live: pass ``auth_body``
    verbatim as bytes (UTF-8); web: the dict ``{"uid", "roomid", "protover": 3, "platform",
    "type": 2, "buvid", "key"}``."""
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return encode_packet(raw, Op.AUTH)


def command_packet(body: dict[str, Any] | bytes, *, seq: int = 0) -> bytes:
    """A server-side op-5 JSON packet (for fixtures and the stand-in server)."""
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return encode_packet(raw, Op.SEND_MSG_REPLY, ver=Ver.JSON, seq=seq)


def compressed_packet(inner: bytes, ver: int, *, seq: int = 0) -> bytes:
    """An op-5 packet whose body is ``inner`` (concatenated packets) compressed with ``ver``."""
    if ver == Ver.ZLIB:
        body = zlib.compress(inner)
    elif ver == Ver.BROTLI:
        body = brotli.compress(inner)
    else:
        raise ValueError(f"not a compressed protocol version: {ver}")
    return encode_packet(body, Op.SEND_MSG_REPLY, ver=ver, seq=seq)


def heartbeat_reply_packet(popularity: int, echo: bytes = b"{}") -> bytes:
    """Op 3 as the real server sends it: length counts only the 4-byte popularity, then the echo."""
    return HEADER.pack(HEADER_LEN + 4, HEADER_LEN, Ver.RAW, Op.HEARTBEAT_REPLY, 1) + (
        struct.pack(">I", popularity) + echo
    )


def auth_reply_packet(code: int = 0) -> bytes:
    return encode_packet(orjson.dumps({"code": code}), Op.AUTH_REPLY)


# --- decoding -----------------------------------------------------------------------------------


class _Stop(Exception):
    """Internal: the packet budget of the frame is spent."""


def decode_frame(frame: bytes, limits: Limits = DEFAULT_LIMITS) -> Decoded:
    """Decode one received frame; see the module docstring for the guarantees."""
    if len(frame) > limits.max_frame:
        raise CodecError(f"frame of {len(frame)} bytes exceeds {limits.max_frame}")
    problem = _header_problem(frame, 0)
    if problem is not None:
        raise CodecError(problem)
    out = Decoded()
    try:
        _walk(frame, 0, out, limits, [limits.max_packets])
    except _Stop:
        out.skipped.append(f"more than {limits.max_packets} packets in one frame: rest dropped")
    return out


def _header_problem(data: bytes, off: int) -> str | None:
    remaining = len(data) - off
    if remaining < HEADER_LEN:
        return f"truncated header at offset {off} ({remaining} bytes left)"
    pack_len, head_len, _ver, op, _seq = HEADER.unpack_from(data, off)
    if head_len < HEADER_LEN:
        return f"header length {head_len} < {HEADER_LEN} at offset {off}"
    if op == Op.HEARTBEAT_REPLY:
        need = head_len + 4
        if pack_len < need or remaining < need:
            return f"heartbeat reply too short at offset {off}"
        return None
    if pack_len < head_len or pack_len > remaining:
        return f"packet length {pack_len} does not fit at offset {off} ({remaining} bytes left)"
    return None


def _walk(data: bytes, depth: int, out: Decoded, limits: Limits, budget: list[int]) -> None:
    off = 0
    end = len(data)
    unpack = HEADER.unpack_from
    loads = orjson.loads
    append = out.messages.append
    while off < end:
        if end - off >= HEADER_LEN:
            pack_len, head_len, ver, op, _seq = unpack(data, off)
            ok = head_len >= HEADER_LEN and head_len <= pack_len <= end - off
        else:
            ok = False
        if not ok:
            problem = _header_problem(data, off)
            if problem is not None:
                out.skipped.append(problem + ": rest of stream dropped")
                return
            pack_len, head_len, ver, op, _seq = unpack(data, off)  # op 3 with the length quirk
        budget[0] -= 1
        if budget[0] < 0:
            raise _Stop
        if op == _OP_HEARTBEAT_REPLY:
            (pop,) = struct.unpack_from(">I", data, off + head_len)
            out.messages.append(HeartbeatReply(pop))
            out.only_commands = False
            return  # the echo that follows is not a packet (see module docstring)
        body = data[off + head_len : off + pack_len]
        off += pack_len
        if op == _OP_SEND_MSG_REPLY:
            if ver == _VER_JSON and body:  # the common case, inline: a call per packet shows
                try:
                    obj = loads(body)
                except orjson.JSONDecodeError:
                    obj = None
                cmd = obj.get("cmd") if type(obj) is dict else None
                if type(cmd) is str:
                    colon = cmd.find(":")
                    append(_new_command(Command, (cmd if colon < 0 else cmd[:colon], obj)))
                else:
                    _command(body, out)  # says why it is not a command
            else:
                _business(body, ver, depth, out, limits, budget)
        elif op == _OP_AUTH_REPLY:
            out.messages.append(AuthReply(_auth_code(body), bytes(body)))
            out.only_commands = False
        else:
            out.skipped.append(f"unexpected operation {op}")


def _command(body: bytes, out: Decoded) -> None:
    """One JSON command body → a Command, or the reason it is skipped (``_walk`` inlines the
    good case)."""
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        out.skipped.append("command body is not JSON")
        return
    if type(obj) is not dict:
        out.skipped.append("command body is not a JSON object")
        return
    cmd = obj.get("cmd")
    if type(cmd) is not str:
        out.skipped.append("command without a text 'cmd'")
        return
    colon = cmd.find(":")
    out.messages.append(_new_command(Command, (cmd if colon < 0 else cmd[:colon], obj)))


def _business(
    body: bytes, ver: int, depth: int, out: Decoded, limits: Limits, budget: list[int]
) -> None:
    if ver == Ver.JSON or ver == Ver.RAW:
        if body:
            _command(body, out)
        return
    if ver != Ver.ZLIB and ver != Ver.BROTLI:
        out.skipped.append(f"unknown protocol version {ver}")
        return
    if depth >= limits.max_depth:
        out.skipped.append(f"compressed deeper than {limits.max_depth} layers")
        return
    try:
        inner = _inflate(body, ver, limits.max_inflated)
    except CodecError as exc:
        out.skipped.append(str(exc))
        return
    _walk(inner, depth + 1, out, limits, budget)


def _inflate(body: bytes, ver: int, limit: int) -> bytes:
    """Decompress at most ``limit`` bytes; raise CodecError for bombs and broken data."""
    if ver == Ver.ZLIB:
        zd = zlib.decompressobj()
        try:
            data = zd.decompress(body, limit + 1)
        except zlib.error as exc:
            raise CodecError(f"zlib body is broken: {exc}") from None
        if len(data) > limit or zd.unconsumed_tail:
            raise CodecError(f"zlib body inflates past {limit} bytes")
        if not zd.eof:
            raise CodecError("zlib body is truncated")
        return data
    bd = brotli.Decompressor()
    try:
        data = bd.process(body, output_buffer_limit=limit + 1)
    except brotli.error as exc:
        raise CodecError(f"brotli body is broken: {exc}") from None
    if len(data) > limit or not bd.can_accept_more_data():
        raise CodecError(f"brotli body inflates past {limit} bytes")
    if not bd.is_finished():
        raise CodecError("brotli body is truncated")
    return data


def _auth_code(body: bytes) -> int | None:
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    code = obj.get("code") if isinstance(obj, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None
