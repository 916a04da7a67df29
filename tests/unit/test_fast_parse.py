"""The stream's hand-built comment events are the very events pydantic would build.

``fast_parse_event`` builds a viewer's comment without pydantic when every field has the exact type
the contract gives (app/platform/stream.py ``_comment_event``). These tests compare it with
``parse_event`` (pydantic's validation) on generated messages, valid and not: same event, same
fields marked as set, same error where pydantic refuses.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.platform.models import Event, MalformedEvent, parse_event
from app.platform.stream import _comment_event, fast_parse_event

_text = st.text(max_size=12)
_any = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), _text, st.just([])
)


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right type (so most messages take the hand-built path); now and then a wrong
    one, or the key left out."""
    return st.integers(0, 11).flatmap(
        lambda k: value if k >= 2 else (_any if k == 1 else st.just(_MISSING))
    )


_MISSING = object()


@st.composite
def messages(draw: st.DrawFn) -> dict[str, Any]:
    comment = {
        "id": draw(_maybe(_text)),
        "user_id": draw(_maybe(_text)),
        "nickname": draw(_maybe(_text)),
        "text": draw(_maybe(_text)),
        "is_follower": draw(_maybe(st.booleans())),
        "fan_level": draw(_maybe(st.integers(0, 30))),
        "role": draw(_maybe(st.sampled_from(["viewer", "host", "assistant", "boss"]))),
        "ts": draw(_maybe(st.one_of(st.floats(0, 2e9), st.integers(0, 2_000_000_000)))),
        "colour": draw(st.one_of(st.just(_MISSING), _text)),  # an extra field: ignored
    }
    data: dict[str, Any] = {"comment": {k: v for k, v in comment.items() if v is not _MISSING}}
    actor = draw(st.sampled_from([_MISSING, None, {"role": "host", "token_id": "t1"}]))
    if actor is not _MISSING:
        data["actor"] = actor
    return {"seq": draw(st.integers(1, 10**9)), "ts": 1.7e9, "type": "comment", "data": data}


def _pydantic(msg: dict[str, Any]) -> Event | str:
    try:
        return parse_event(msg)
    except MalformedEvent as exc:
        return f"malformed: {exc}"


@settings(max_examples=600, deadline=None)
@given(messages())
def test_a_comment_is_parsed_as_pydantic_would_parse_it(msg: dict[str, Any]) -> None:
    expected = _pydantic(msg)
    try:
        got: Event | str = fast_parse_event(msg, msg["seq"])
    except MalformedEvent as exc:
        got = f"malformed: {exc}"
    assert got == expected
    if isinstance(expected, Event):
        assert isinstance(got, Event)
        assert got.model_dump() == expected.model_dump()
        assert got.data.model_fields_set == expected.data.model_fields_set
        c, e = got.data.comment, expected.data.comment
        assert c.model_fields_set == e.model_fields_set
        assert type(c.ts) is float and c.model_dump_json() == e.model_dump_json()


def test_the_hand_built_path_is_the_one_taken_for_a_plain_viewer_comment() -> None:
    msg = {
        "seq": 7,
        "ts": 1.7e9,
        "type": "comment",
        "data": {"comment": {"id": "c1", "user_id": "u1", "nickname": "果果", "text": "多少钱"}},
    }
    built = _comment_event(msg, 7, 1.7e9)
    assert built is not None and built == parse_event(msg)
    # frozen like a validated one: a listener cannot change what every other listener sees
    try:
        built.data.comment.text = "x"  # type: ignore[misc]
    except Exception as exc:  # pydantic's ValidationError for a frozen instance
        assert "frozen" in str(exc).lower()
    else:
        raise AssertionError("a hand-built comment could be changed")
    # an operator's comment (with an actor) and a coercion are left to pydantic
    assert (
        _comment_event({**msg, "data": {**msg["data"], "actor": {"role": "host"}}}, 7, 1.0) is None
    )
    odd = {**msg["data"]["comment"], "fan_level": "3"}
    assert _comment_event({**msg, "data": {"comment": odd}}, 7, 1.0) is None
    assert fast_parse_event({**msg, "data": {"comment": odd}}, 7).data.comment.fan_level == 3
