"""A sandbox restricted to a capability set (the real server, the real adapter): it declares the
set, refuses every other action with the reason before anything reaches the platform, and does
not show what such a platform would not send; without a set nothing changes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.api import INTERACTION, Capability, PlatformError, models
from plugins.sandbox.adapter import SandboxAdapter, SandboxAdapterFactory

BILIBILI_LIKE = "interaction,live_state,viewers"


async def _open(srv: Any, capabilities: str | None) -> SandboxAdapter:
    adapter = await SandboxAdapterFactory().open(
        {
            "url": srv.url,
            "room": srv.room,
            "token": srv.tokens["host"],
            "capabilities": capabilities,
        }
    )
    assert isinstance(adapter, SandboxAdapter)
    return adapter


async def test_an_interaction_only_sandbox_refuses_commerce_and_hides_it(
    sandbox_server: Any,
) -> None:
    srv = sandbox_server(viewers=400, live=True, seed=3, extra=["--rate", "200"])
    adapter = await _open(srv, BILIBILI_LIKE)
    try:
        assert adapter.capabilities == INTERACTION | {Capability.LIVE_STATE, Capability.VIEWERS}
        assert adapter.why_not(Capability.ORDERS) == "沙盒平台不提供订单数据"
        for call in (
            adapter.products(),
            adapter.orders(),
            adapter.send_comment("你好"),
            adapter.pin_comment("c1"),
            adapter.start_session(),
        ):
            with pytest.raises(PlatformError) as refused:
                await call
            assert refused.value.code == "not_supported"
        snap = await adapter.snapshot()
        assert snap.bag.products == [] and snap.metrics.gmv_cents == 0
        assert snap.session is not None and snap.session.status == "live"  # room state stays
        kinds: set[models.EventType] = set()
        seqs: list[int] = []
        stream = adapter.event_batches(snap.seq)
        async with asyncio.timeout(60):
            async for batch in stream:
                kinds |= {e.type for e in batch}
                seqs += [e.seq for e in batch]
                if models.EventType.COMMENT in kinds and models.EventType.GIFT in kinds:
                    break
        await stream.aclose()  # type: ignore[attr-defined]
        # numbered without gaps, as a platform sending only these kinds would: nothing looks missed
        assert seqs == list(range(snap.seq + 1, snap.seq + 1 + len(seqs)))
        # a reader of the log resuming after a seq it saw gets exactly what followed
        log = adapter.event_log(seqs[2])
        async with asyncio.timeout(30):
            first = await anext(log)
        await log.aclose()  # type: ignore[attr-defined]
        got = [e.seq for e in first]
        assert got and got == list(range(seqs[2] + 1, seqs[2] + 1 + len(got)))
        assert not kinds & {
            models.EventType.ORDER_CREATED,
            models.EventType.ORDER_PAID,
            models.EventType.PRODUCT_UPDATED,
            models.EventType.COUPON_CLAIMED,
        }, kinds
    finally:
        await adapter.close()
    # the platform itself still has its catalogue: only the restricted console does not see it
    with srv.client("host") as http:
        assert http.get("/products").json()["products"]


async def test_without_a_set_the_sandbox_offers_everything(sandbox_server: Any) -> None:
    srv = sandbox_server(live=True)
    adapter = await _open(srv, None)
    try:
        assert adapter.capabilities == frozenset(Capability)
        assert (await adapter.products()).products
        assert (await adapter.snapshot()).bag.products
    finally:
        await adapter.close()


async def test_an_unknown_capability_is_refused_before_anything_opens(sandbox_server: Any) -> None:
    srv = sandbox_server()
    with pytest.raises(PlatformError) as refused:
        await _open(srv, "comments,ordres")
    assert "ordres" in refused.value.message
