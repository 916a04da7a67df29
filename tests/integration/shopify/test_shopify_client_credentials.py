"""A Dev Dashboard app's client id and secret instead of a token, through the real ``shopify``
adapter against the stand-in: the adapter obtains its expiring access token itself, renews it
before it expires and when Shopify refuses it earlier, without losing an order poll; a wrong
secret is refused at open() in words."""

from __future__ import annotations

import asyncio

import pytest

from app.api import PlatformError, models
from plugins.shopify.standin.server import CLIENT_ID, CLIENT_SECRET, Options, ShopifyStandIn
from tests.support.polling import until

from .conftest import Open

ET = models.EventType


def store(options: Options) -> ShopifyStandIn:
    standin = ShopifyStandIn(options)
    standin.add_product("Mug", 1500, 100)
    return standin


async def test_tokens_are_obtained_and_renewed_before_they_expire_without_losing_orders(
    open_shop: Open,
) -> None:
    standin = store(Options(token_ttl=3.0))  # Shopify's live a day: the same rule, faster
    adapter = await open_shop(standin, token="", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    seen: list[str] = []

    async def read() -> None:
        async for batch in adapter.event_batches(0):
            seen.extend(e.data.order.id for e in batch if e.type is ET.ORDER_CREATED)

    reader = asyncio.ensure_future(read())
    pid = next(iter(standin.products))
    made = []
    for _ in range(16):  # 8 s: the token is renewed a few times meanwhile
        made.append(f"{standin.add_order(pid, 1).id}-1")
        await asyncio.sleep(0.5)
    await until(lambda: sorted(seen) == sorted(made), 15, "every order once")
    reader.cancel()
    assert adapter.admin.tokens >= 3
    assert standin.refused_tokens == 0  # renewed before expiry, never refused
    assert adapter.connection.status.state.name == "CONNECTED" and not adapter.notes


async def test_a_token_refused_early_is_renewed_and_the_poll_sent_again(open_shop: Open) -> None:
    standin = store(Options())
    adapter = await open_shop(standin, token="", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    pid = next(iter(standin.products))
    standin.revoke_tokens()  # the app was reinstalled: the token dies before its time
    order = standin.add_order(pid, 1)
    await until(lambda: f"{order.id}-1" in adapter._orders, 10, "the order after a refusal")
    assert standin.refused_tokens >= 1 and adapter.admin.tokens == 2
    assert not adapter.notes
    # an edit right after works too (the new token is the one in use)
    await adapter.update_product(str(pid), price_cents=1700)
    assert standin.price_of(pid) == 1700


async def test_a_wrong_client_secret_or_half_the_credentials_is_refused_in_words(
    open_shop: Open,
) -> None:
    standin = store(Options())
    with pytest.raises(PlatformError) as refused:
        await open_shop(standin, token="", client_id=CLIENT_ID, client_secret="wrong")
    assert refused.value.code == "credentials"
    assert "Client secret" in refused.value.message and "wrong" not in refused.value.message
    with pytest.raises(PlatformError) as half:
        await open_shop(standin, token="", client_id=CLIENT_ID)
    assert half.value.code == "missing_settings" and "Client secret" in half.value.message
