"""The ``shopify`` platform adapter: a Shopify store as a room's commerce backend — the product
queue, stock, prices, orders, discount codes and flash prices — through the Admin GraphQL API
(:mod:`plugins.shopify.graphql`, version pinned there). It offers no interaction: a chat source
(Twitch, Bilibili…) is joined to it elsewhere; this is a plain :class:`PlatformAdapter`.

Credentials and endpoints: ``settings["token"]`` else ``LIVEDESK_SHOPIFY_TOKEN`` (an Admin API
access token of a custom app), or ``client_id`` + ``client_secret`` (``LIVEDESK_SHOPIFY_CLIENT_ID``
/ ``_CLIENT_SECRET``: a Dev Dashboard app, whose expiring tokens the adapter obtains and renews
itself, :class:`~plugins.shopify.graphql.ClientCredentials`; the secret is kept in the OS keyring
like the token); ``settings["shop"]`` else ``LIVEDESK_SHOPIFY_SHOP`` (the handle,
``my-store`` of my-store.myshopify.com); ``settings["base"]`` else ``LIVEDESK_SHOPIFY_BASE``
replacing ``https://{shop}.myshopify.com``; ``settings["state_dir"]`` else
``<data dir>/shopify`` for what LiveDesk keeps itself (:mod:`plugins.shopify.state`). The token is
never logged nor put in a message.

Guarantees:

- ``open()`` asks for the shop (name, currency, first location, the app's access scopes) and
  raises a :class:`PlatformError` in the UI language for a missing token or shop, a token Shopify
  refuses (401), a shop that does not exist (404) and missing access scopes (named). Then it puts
  back the prices of flash sales that should have ended while no console ran (a crash mid-sale),
  and loads the catalogue.
- The bag: every product (open() returns after the first ``products(first: 10)`` page; the
  others follow in the background as ``product_updated`` events — for a catalogue of more than
  :data:`BULK_ABOVE` products as one bulk operation (``bulkOperationRunQuery``, its status
  polled, its JSONL file read: every variant, a few points of the throttle whatever the size),
  falling back to pages with a note saying why when it fails; else page after page;
  :attr:`loaded` is set at the end) with its variants (up to 20 a product when paged), image,
  price (the lowest variant's, in cents of the shop's currency), stock (``available`` at the
  shop's first location, summed over variants). The queue order is LiveDesk's own, per shop on
  disk: products arriving after open() take their saved positions (a ``products_reordered``
  event follows their ``product_updated`` ones), new ones go at the end; :meth:`reorder`
  changes only it and bumps the bag's version (a stale version is a
  :class:`StaleVersionError` carrying the current bag).
- Edits write to Shopify and never silently overwrite a change made in Shopify's admin: stock
  through ``inventorySetQuantities`` with ``compareQuantity`` = what the console showed (Shopify
  refuses with ``COMPARE_QUANTITY_STALE``); price after re-reading the product (a price that
  differs from what the console showed is refused). Either refusal is a ``changed_in_shopify``
  :class:`PlatformError` saying so, with ``current`` = the product as Shopify has it now, and a
  ``product_updated`` event bringing the console up to date.
- Orders: polled in two steps — what changed (``orders(sortKey: UPDATED_AT, query:
  "updated_at:>='…'")`` selecting id, status and time only: 2 points an order, pages sized to
  what the bucket holds), then only the orders never seen read whole by id (``nodes(ids:)``:
  buyer and up to 10 lines; a known order's new status is made from its known lines; each
  batch's events out as soon as it is read; after a poll that found mostly new orders,
  :data:`WHOLE_ABOVE`, the next reads them whole page by page, cheaper for a backlog) — every
  ``poll_every`` seconds (default 1), later while the bucket holds less than
  :data:`POLL_RESERVE` (the operator's edits never wait behind the polls), within the throttle
  (:class:`~plugins.shopify.graphql.Throttle`),
  from the time the adapter opened (``orders_since`` to look further back). Each poll starts
  :data:`OVERLAP_S` before the previous poll's first answer by Shopify's clock (its Date
  header): no update is missed for a difference between the clocks. Products changed in Shopify
  (stock sold, the admin's edits) are polled the same way every ``products_every`` seconds
  (default 10) and become ``product_updated`` events when what the console shows changed.
  Each order line is one LiveDesk order (``<order id>-<line>``, one product each); each reaches
  ``order_created``, ``order_paid`` (Shopify PAID / PARTIALLY_REFUNDED) and ``order_refunded``
  (REFUNDED) once, in that order, however often it is seen. Events are numbered 1, 2, 3… by
  this adapter; one reader at a time. Shopify keeps no event log for LiveDesk:
  :meth:`event_log` says so with ``resync_required``.
- Coupons: ``discountCodeBasicCreate`` (满减 = a fixed amount off with a minimum subtotal, 折扣 =
  a percentage, 无门槛 = a fixed amount) with a generated code, shown as the coupon's name;
  ``end_coupon`` → ``discountCodeDeactivate``.
- Flash sale: the variants' prices set to the sale price for its duration and put back at its
  end. The original prices are written to disk **before** the price changes; an adapter opened
  on the same state after a crash puts back every sale that has ended and resumes the timer of
  one still running; a variant whose price was changed in Shopify's admin during the sale keeps
  that price (a note says so). Shopify does not cap how many units sell at the sale price:
  ``quantity`` is shown, not enforced.
- Explaining a product is the console's own (Shopify has no such thing): an event and the
  snapshot's ``explaining``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime
import logging
import secrets
import string
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.aio import wait_event
from app.api import (
    Backoff,
    Capability,
    ConnectionField,
    ConnectionTracker,
    EventQueue,
    LinkState,
    Listeners,
    PlatformAdapter,
    PlatformError,
    StaleVersionError,
    data_dir,
    minor_digits,
    models,
    setting,
    spawn,
    tr,
    tr_noop,
)
from plugins.shopify import queries as q
from plugins.shopify.graphql import (
    DEFAULT_BASE,
    Admin,
    AdminError,
    ClientCredentials,
    Unreachable,
    cents,
    decimal,
    gid,
    query_cost,
    tail,
)
from plugins.shopify.state import ShopState

log = logging.getLogger(__name__)

ENV = "LIVEDESK_SHOPIFY_"
POLL_EVERY_S = 1.0
#: points the order polls leave in the bucket (they wait for it): a price edit (re-read 87 +
#: mutation 10) or a stock edit never waits behind them
POLL_RESERVE = 200.0
#: each poll looks again at what changed in the last seconds before its own start (Shopify's
#: clock, from the answer's Date header): updates Shopify's search index shows a little late
OVERLAP_S = 1.0
PRODUCTS_EVERY_S = 10.0  # products changed in Shopify (sales, the admin) are looked for this often
REMEMBERED_ORDERS = 200_000
#: products (with up to 20 variants each) and orders (with up to 10 lines each) a page: Shopify
#: refuses a query whose requested cost — nested connections multiply — is over 1000 points
#: (products: 2 + 10 × 85 = 852; orders: 2 + 12 × 75 = 902)
PAGE_LOAD = PAGE_POLL = 10
#: orders a ``LivedeskOrderUpdates`` page asks for (2 points each: 502 at most), fewer when the
#: bucket holds less; new orders are then read whole by id, as many a query as fit in
#: Shopify's single-query limit (:data:`DETAILS_COST` points each: 13 a query)
PAGE_UPDATES_MIN, PAGE_UPDATES_MAX = 25, 250
SINGLE_QUERY_MAX = 1000
DETAILS_COST = query_cost(q.ORDER_DETAILS, {"ids": [""]})
PRODUCT_COST = query_cost(q.PRODUCTS, {"first": 1}) - 2  # one product of a page
ORDER_COST = query_cost(q.ORDERS, {"first": 1}) - 2  # one order of a LivedeskOrders page
#: a poll reads orders whole page by page when more than this share of the orders the last poll
#: read were new: 2 + ~15 points for each new order in two steps (2 for a known one) against
#: ~13 for any order read whole
WHOLE_ABOVE = 0.7
#: a catalogue of more products than this is loaded as one bulk operation (10 points for the
#: mutation and 1 a status look, whatever its size; pages cost ~5 points a product) — below it,
#: pages beat the seconds Shopify takes to start a bulk operation
BULK_ABOVE = 250
BULK_TIMEOUT_S = 600.0
PAGE_ORDERS = 12

CAPABILITIES: frozenset[Capability] = frozenset(
    {Capability.CATALOGUE, Capability.ORDERS, Capability.COUPONS, Capability.FLASH_SALES}
)

FIELDS: tuple[ConnectionField, ...] = (
    ConnectionField(
        "shop",
        tr_noop("店铺"),
        help=tr_noop("Shopify 店铺的名称，即 my-store.myshopify.com 中的 my-store"),
    ),
    ConnectionField(
        "token",
        tr_noop("Admin API 访问令牌"),
        secret=True,
        help=tr_noop(
            "自定义应用的 Admin API 令牌，需要权限：read_products、write_products、"
            "read_inventory、write_inventory、read_orders、write_discounts"
        ),
        optional=True,
    ),
    ConnectionField(
        "client_id",
        tr_noop("Client ID"),
        help=tr_noop(
            "在 Dev Dashboard 创建的应用（没有长期令牌）：应用设置里的 Client ID；"
            "与 Client secret 一起代替访问令牌"
        ),
        optional=True,
    ),
    ConnectionField(
        "client_secret",
        tr_noop("Client secret"),
        secret=True,
        help=tr_noop("Dev Dashboard 应用设置里的 Client secret；中控台用它自动换取并续期访问令牌"),
        optional=True,
    ),
)

_STAGES = {"created": 1, "paid": 2, "refunded": 3}
_EVENT_OF = {
    "created": models.EventType.ORDER_CREATED,
    "paid": models.EventType.ORDER_PAID,
    "refunded": models.EventType.ORDER_REFUNDED,
}


def _stage_of(financial: str) -> str:
    if financial == "REFUNDED":
        return "refunded"
    if financial in ("PAID", "PARTIALLY_REFUNDED"):
        return "paid"
    return "created"


def _ts(iso: str | None) -> float:
    if not iso:
        return time.time()
    try:
        return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return time.time()


def _iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unreachable_message() -> str:
    return tr("连不上 Shopify，请检查网络")


def token_refused_message() -> str:
    return tr("Shopify 拒绝了访问令牌（无效或已被撤销），请在店铺后台重新生成")


def client_refused_message() -> str:
    return tr(
        "Shopify 拒绝了应用的 Client ID 或 Client secret，请在 Dev Dashboard 的应用设置中核对"
    )


def bulk_failed_message(reason: str) -> str:
    return tr("Shopify 批量导出商品目录失败（{reason}），改为逐页加载，会慢一些").format(
        reason=reason
    )


class _BulkFailed(Exception):
    pass


def changed_in_shopify_message(title: str) -> str:
    return tr("「{title}」刚在 Shopify 后台被修改过，未覆盖；已显示最新数据，请确认后再改").format(
        title=title
    )


@dataclass
class _Variant:
    gid: str
    title: str
    price_cents: int
    compare_cents: int | None
    item_gid: str
    available: int


@dataclass
class _Item:
    gid: str
    product: models.Product
    variants: list[_Variant]


class ShopifyAdapter(PlatformAdapter):
    platform_name = "Shopify"

    def __init__(
        self,
        admin: Admin,
        *,
        shop_name: str,
        currency: str,
        location: str,
        state: ShopState,
        poll_every: float = POLL_EVERY_S,
        orders_since: float | None = None,
    ) -> None:
        self.admin = admin
        self.room = admin.shop
        self.shop_name = shop_name
        self.currency = currency
        self.digits = minor_digits(currency)  # Shopify's decimals ↔ the currency's minor units
        self.location = location
        self.role = models.Role.HOST
        self.token_id = f"shopify:{admin.shop}"
        self.capabilities = CAPABILITIES
        self.connection = ConnectionTracker()
        self.notes: list[str] = []
        self.state = state
        self.poll_every = poll_every
        self.polls = 0  # order polls done
        self._new_share = 0.0  # of the orders the last poll read, the share never seen before
        self._items: dict[str, _Item] = {}
        self._coupons: dict[str, models.Coupon] = {}
        self._discounts: dict[str, str] = {}  # coupon id → discount node gid
        self._sales: dict[str, models.FlashSale] = {}
        self._sale_tasks: dict[str, asyncio.Task[None]] = {}
        self._orders: dict[str, models.Order] = {}
        self._stages: collections.OrderedDict[str, int] = collections.OrderedDict()
        self._cursor = _iso(orders_since if orders_since is not None else time.time())
        self.products_every = PRODUCTS_EVERY_S
        self._products_cursor = _iso(time.time())
        self._products_polled = time.monotonic()
        self._events = EventQueue("Shopify")
        self._wake = asyncio.Event()
        self._closed = False
        self._backoff = Backoff(base=1.0, cap=30.0)
        self._note_listeners: Listeners[[str]] = Listeners("note listener")
        self._poller: asyncio.Task[None] | None = None
        self._explaining: models.Explaining | None = None  # the console's, not Shopify's
        #: set once every catalogue page is in (open() returns after the first)
        self.loaded = asyncio.Event()
        self._loader: asyncio.Task[None] | None = None
        #: load a large catalogue as one bulk operation (:data:`BULK_ABOVE`)
        self.bulk = True
        self.products_count: int | None = None  # Shopify's count at open
        self.load_method = ""  # how the catalogue was loaded: "bulk" or "pages"

    async def start(self) -> None:
        """Put back what a crash left, load the catalogue's first page, then load the rest and
        poll orders in the background (a large store takes the throttle's time: open() must
        not)."""
        await self._revert_pending()
        self._items = {}
        after = await self._load_page(None, announce=False)
        self.connection.set_state(LinkState.CONNECTED)
        if after is None:
            self.loaded.set()
        else:
            self._loader = spawn(self._load_rest(after), name="shopify-catalogue")
        self._poller = spawn(self._poll_orders(), name="shopify-orders")

    # --- capabilities and notes ----------------------------------------------------------------
    def unsupported_reason(self, capability: Capability) -> str:
        if capability in (Capability.PLATFORM_LOTTERIES,):
            return tr("Shopify 没有抽奖（可用中控台自己的抽奖）")
        if capability in (Capability.RED_ENVELOPES, Capability.STOCK_RESERVATION):
            return tr("Shopify 没有红包雨和库存冻结")
        if capability is Capability.TEAM_SETTINGS:
            return tr("Shopify 不提供团队共享设置：评分设置只保存在本机")
        return tr("Shopify 是商店后台，没有直播间互动（弹幕、礼物、开播等请接直播平台）")

    def subscribe_notes(self, listener: Callable[[str], None]) -> Callable[[], None]:
        return self._note_listeners.add(listener)

    def _note(self, note: str) -> None:
        self.notes.append(note)
        log.warning("%s", note)
        self._note_listeners.emit(note)

    # --- events --------------------------------------------------------------------------------
    def _push(self, made: Sequence[tuple[models.EventType, Any]]) -> None:
        now = time.time()
        for etype, data in made:
            if isinstance(data, models.OrderData):  # the order carries its event's seq
                order = data.order.model_copy(update={"seq": self._events.seq + 1})
                data = models.OrderData(order=order)
                self._orders[order.id] = order
            self._events.add(etype, data, now)
        if made:
            self.connection.saw_events(self._events.seq)

    def event_batches(self, after_seq: int) -> AsyncIterator[Sequence[models.Event]]:
        return self._events.batches(after_seq)

    def event_log(self, after_seq: int) -> AsyncIterator[Sequence[models.Event]]:
        """Shopify keeps no event log for LiveDesk: one ``resync_required`` batch, then the end."""
        return self._events.log(after_seq)

    def reconnect_now(self) -> bool:
        self._wake.set()
        return True

    def _actor(self) -> models.Actor:
        return models.Actor(role=models.Role.HOST, token_id=self.token_id)

    # --- the catalogue -------------------------------------------------------------------------
    def _item(self, node: dict[str, Any]) -> _Item:
        variants: list[_Variant] = []
        for v in (node.get("variants") or {}).get("nodes") or []:
            item = v.get("inventoryItem") or {}
            level = item.get("inventoryLevel") or {}
            quantities = level.get("quantities") or []
            available = next(
                (int(x["quantity"]) for x in quantities if x.get("name") == "available"),
                int(v.get("inventoryQuantity") or 0),
            )
            compare = v.get("compareAtPrice")
            variants.append(
                _Variant(
                    gid=str(v["id"]),
                    title=str(v.get("title") or ""),
                    price_cents=cents(v.get("price") or "0", self.digits),
                    compare_cents=cents(compare, self.digits) if compare else None,
                    item_gid=str(item.get("id") or ""),
                    available=available,
                )
            )
        cheapest = min(variants, key=lambda v: v.price_cents) if variants else None
        image = (node.get("featuredImage") or {}).get("url")
        skus = (
            [models.Sku(id=tail(v.gid), name=v.title) for v in variants]
            if len(variants) > 1
            else []
        )
        product = models.Product(
            id=tail(str(node["id"])),
            title=str(node.get("title") or ""),
            price_cents=max(1, cheapest.price_cents) if cheapest else 1,
            original_price_cents=cheapest.compare_cents if cheapest else None,
            stock=max(0, sum(v.available for v in variants)),
            listed=str(node.get("status") or "ACTIVE") == "ACTIVE",
            skus=skus,
            image_url=str(image) if image else None,
        )
        return _Item(gid=str(node["id"]), product=product, variants=variants)

    async def _load_page(self, after: str | None, *, announce: bool) -> str | None:
        """One page of the catalogue into the bag (``announce``: each new product also as a
        ``product_updated`` event, which adds it to a room already loaded); the next page's
        cursor, None after the last."""
        data = await self._call(
            "LivedeskProducts",
            q.PRODUCTS,
            {"first": PAGE_LOAD, "after": after, "location": self.location, "query": None},
        )
        conn = data["products"]
        self._add_nodes(conn.get("nodes") or [], announce=announce)
        page = conn.get("pageInfo") or {}
        return str(page.get("endCursor")) if page.get("hasNextPage") else None

    async def _load_rest(self, after: str | None) -> None:
        """The catalogue's other products, in the background: one bulk operation for a large
        catalogue (falling back to pages, with a note, when it fails), else page after page,
        retrying while Shopify cannot be reached; :attr:`loaded` is set at the end."""
        if self.bulk and (self.products_count or 0) > BULK_ABOVE:
            try:
                nodes = await self._load_bulk()
            except (_BulkFailed, PlatformError) as exc:
                log.warning("shopify: bulk catalogue: %s", exc)
                self._note(bulk_failed_message(str(exc)))
            else:
                self.load_method = "bulk"
                self._add_nodes(nodes, announce=True)
                self.loaded.set()
                return
        self.load_method = "pages"
        backoff = Backoff(base=1.0, cap=30.0)
        while after is not None and not self._closed:
            try:
                after = await self._load_page(after, announce=True)
                backoff.reset()
            except PlatformError as exc:
                log.warning("shopify: loading the catalogue: %s", exc)
                await asyncio.sleep(backoff.next_delay())
        self.loaded.set()

    async def _load_bulk(self) -> list[dict[str, Any]]:
        """Every product (as the ``products`` query's nodes) through one bulk operation:
        ``bulkOperationRunQuery``, ``currentBulkOperation`` polled until it ends, its JSONL file
        read. Another bulk query of this app still running (a console closed mid-load) is
        waited for once. Raises :class:`_BulkFailed` with Shopify's reason."""
        query = q.bulk_products(self.location)
        for attempt in range(2):
            data = await self._call("LivedeskBulkRun", q.BULK_RUN, {"query": query})
            answer = data["bulkOperationRunQuery"]
            errors = answer.get("userErrors") or []
            if not errors:
                break
            busy = any(e.get("code") == "OPERATION_IN_PROGRESS" for e in errors)
            if attempt == 0 and busy:
                await self._bulk_wait(None)
                continue
            raise _BulkFailed("；".join(str(e.get("message") or "") for e in errors))
        op = await self._bulk_wait(str(answer["bulkOperation"]["id"]))
        if op.get("status") != "COMPLETED":
            raise _BulkFailed(str(op.get("errorCode") or op.get("status")))
        if not op.get("url"):  # Shopify gives no file for an empty result
            return []
        try:
            objects = await self.admin.jsonl(str(op["url"]))
        except Unreachable as exc:
            raise _BulkFailed(str(exc)) from None
        products: dict[str, dict[str, Any]] = {}
        children: list[dict[str, Any]] = []
        for obj in objects:
            if not isinstance(obj, dict) or "id" not in obj:
                continue
            if "__parentId" in obj:
                children.append(obj)
            else:
                products[str(obj["id"])] = {**obj, "variants": {"nodes": []}}
        for child in children:
            parent = products.get(str(child.pop("__parentId")))
            if parent is not None and "/ProductVariant/" in str(child["id"]):
                parent["variants"]["nodes"].append(child)
        return list(products.values())

    async def _bulk_wait(self, op_id: str | None) -> dict[str, Any]:
        """``currentBulkOperation`` polled (1 point each, more slowly as it runs) until it is no
        longer CREATED or RUNNING; ``op_id``: it must be that one."""
        delay, deadline = 0.2, time.monotonic() + BULK_TIMEOUT_S
        while True:
            data = await self._call("LivedeskBulkStatus", q.BULK_STATUS, {})
            op = data.get("currentBulkOperation") or {}
            if op_id is not None and str(op.get("id")) != op_id:
                raise _BulkFailed(tr("另一个批量导出取代了本次导出"))
            if op.get("status") not in ("CREATED", "RUNNING"):
                return dict(op)
            if time.monotonic() > deadline:
                raise _BulkFailed(tr("{seconds} 秒内未完成").format(seconds=int(BULK_TIMEOUT_S)))
            await asyncio.sleep(delay)
            delay = min(2.0, delay * 1.5)

    def _add_nodes(self, nodes: Sequence[dict[str, Any]], *, announce: bool) -> None:
        """Products into the bag; with ``announce`` each new one is a ``product_updated`` event
        (a room adds it at the end of its queue), followed by ``products_reordered`` when LiveDesk's
        saved queue order puts some of them elsewhere: they take their saved positions."""
        made: list[tuple[models.EventType, Any]] = []
        for node in nodes:
            item = self._item(node)
            if item.product.id not in self._items:  # a poll may have brought it already
                self._items[item.product.id] = item
                data_ = models.ProductUpdatedData(product=item.product)
                made.append((models.EventType.PRODUCT_UPDATED, data_))
        if not announce or not made:
            return
        saved = set(self.state.order)
        if any(data.product.id in saved for _, data in made):
            reordered = models.ProductsReorderedData(
                version=self.state.version, product_ids=self._ordered_ids()
            )
            made.append((models.EventType.PRODUCTS_REORDERED, reordered))
        self._push(made)

    async def _reload(self, product_id: str) -> _Item | None:
        """The product as Shopify has it now (one ``products`` query by id)."""
        data = await self._call(
            "LivedeskProducts",
            q.PRODUCTS,
            {"first": 1, "after": None, "location": self.location, "query": f"id:{product_id}"},
        )
        nodes = data["products"].get("nodes") or []
        if not nodes:
            return None
        item = self._item(nodes[0])
        self._items[item.product.id] = item
        return item

    def _ordered_ids(self) -> list[str]:
        known = [pid for pid in self.state.order if pid in self._items]
        seen = set(known)
        return known + [pid for pid in self._items if pid not in seen]

    def _bag(self) -> models.Bag:
        products = [self._items[pid].product for pid in self._ordered_ids()]
        return models.Bag(version=self.state.version, products=products)

    async def products(self) -> models.Bag:
        return self._bag()

    async def snapshot(self) -> models.Snapshot:
        now = time.time()
        coupons = [
            c.model_copy(update={"status": "expired"})
            if c.status == "active" and c.ends_ts <= now
            else c
            for c in self._coupons.values()
        ]
        return models.Snapshot(
            room=self.room,
            seq=self._events.delivered,
            bag=self._bag(),
            explaining=self._explaining,
            coupons=coupons,
            flash_sales=list(self._sales.values()),
            currency=self.currency,
        )

    async def room_info(self) -> models.RoomInfo:
        return models.RoomInfo(id=self.room, title=self.shop_name)

    async def reorder(self, version: int, product_ids: Sequence[str]) -> models.Bag:
        if version != self.state.version:
            raise StaleVersionError(
                "stale_version", tr("商品顺序已被修改，请刷新后再排"), current=self._bag()
            )
        wanted = [pid for pid in product_ids if pid in self._items]
        rest = [pid for pid in self._ordered_ids() if pid not in set(wanted)]
        later = [pid for pid in self.state.order if pid not in self._items]  # not loaded yet
        self.state.order = wanted + rest + later
        self.state.version += 1
        self.state.save()
        data = models.ProductsReorderedData(
            actor=self._actor(), version=self.state.version, product_ids=wanted + rest
        )
        self._push([(models.EventType.PRODUCTS_REORDERED, data)])
        return self._bag()

    def _get(self, product_id: str) -> _Item:
        item = self._items.get(product_id)
        if item is None:
            raise PlatformError("not_found", tr("Shopify 店铺里没有这个商品"), field="product_id")
        return item

    def _updated(self, item: _Item) -> None:
        data = models.ProductUpdatedData(actor=self._actor(), product=item.product)
        self._push([(models.EventType.PRODUCT_UPDATED, data)])

    async def _changed_elsewhere(self, product_id: str, title: str) -> PlatformError:
        fresh = await self._reload(product_id)
        if fresh is not None:
            self._updated(fresh)
        return PlatformError(
            "changed_in_shopify",
            changed_in_shopify_message(title),
            status=409,
            current=fresh.product if fresh else None,
        )

    async def update_product(
        self,
        product_id: str,
        *,
        price_cents: int | None = None,
        stock: int | None = None,
        listed: bool | None = None,
    ) -> models.Product:
        item = self._get(product_id)
        if listed is not None:
            raise PlatformError("not_supported", tr("请在 Shopify 后台上架或下架商品"))
        if stock is not None:
            await self._set_stock(item, stock)
        if price_cents is not None:
            await self._set_price(item, price_cents)
        return self._items[product_id].product

    async def _set_stock(self, item: _Item, stock: int) -> None:
        if len(item.variants) != 1:
            raise PlatformError("not_supported", tr("多款式商品的库存请在 Shopify 后台按款式修改"))
        if stock < 0:
            raise PlatformError("invalid", tr("库存不能为负数"), field="stock")
        v = item.variants[0]
        payload = {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [
                    {
                        "inventoryItemId": v.item_gid,
                        "locationId": self.location,
                        "quantity": stock,
                        "compareQuantity": v.available,
                    }
                ],
            }
        }
        data = await self._call("LivedeskSetQuantities", q.SET_QUANTITIES, payload)
        errors = data["inventorySetQuantities"].get("userErrors") or []
        if any(e.get("code") == "COMPARE_QUANTITY_STALE" for e in errors):
            raise await self._changed_elsewhere(item.product.id, item.product.title)
        if errors:
            raise _user_error(errors)
        v.available = stock
        item.product = item.product.model_copy(update={"stock": stock})
        self._updated(item)

    async def _set_price(self, item: _Item, price_cents: int, *, check: bool = True) -> None:
        if price_cents <= 0:
            raise PlatformError("invalid", tr("价格必须大于 0"), field="price_cents")
        if check:
            fresh = await self._reload(item.product.id)
            shown = {v.gid: v.price_cents for v in item.variants}
            if fresh is None or {v.gid: v.price_cents for v in fresh.variants} != shown:
                if fresh is not None:
                    self._updated(fresh)
                raise PlatformError(
                    "changed_in_shopify",
                    changed_in_shopify_message(item.product.title),
                    status=409,
                    current=fresh.product if fresh else None,
                )
            item = fresh
        await self._write_prices(item, {v.gid: price_cents for v in item.variants})

    async def _write_prices(self, item: _Item, prices: dict[str, int]) -> None:
        variants = [{"id": g, "price": decimal(c, self.digits)} for g, c in prices.items()]
        data = await self._call(
            "LivedeskVariantPrice",
            q.VARIANT_PRICE,
            {"productId": item.gid, "variants": variants},
        )
        errors = data["productVariantsBulkUpdate"].get("userErrors") or []
        if errors:
            raise _user_error(errors)
        for v in item.variants:
            if v.gid in prices:
                v.price_cents = prices[v.gid]
        low = min(v.price_cents for v in item.variants)
        item.product = item.product.model_copy(update={"price_cents": low})
        self._updated(item)

    async def explain(self, product_id: str) -> None:
        self._get(product_id)
        self._explaining = models.Explaining(product_id=product_id, since_ts=time.time())
        data = models.ProductExplainingData(
            actor=self._actor(), product_id=product_id, explaining=True
        )
        self._push([(models.EventType.PRODUCT_EXPLAINING, data)])

    async def stop_explain(self, product_id: str) -> None:
        if self._explaining is not None and self._explaining.product_id == product_id:
            self._explaining = None
        data = models.ProductExplainingData(
            actor=self._actor(), product_id=product_id, explaining=False
        )
        self._push([(models.EventType.PRODUCT_EXPLAINING, data)])

    # --- coupons -------------------------------------------------------------------------------
    async def issue_coupon(self, spec: models.CouponSpec) -> models.Coupon:
        kind = models.CouponKind
        code = "LIVE" + "".join(
            secrets.choice(string.ascii_uppercase + string.digits) for _ in range(6)
        )
        now = time.time()
        value: dict[str, Any]
        if spec.kind is kind.DISCOUNT:
            if not spec.percent_off:
                raise PlatformError("invalid", tr("请填写折扣"), field="percent_off")
            value = {"percentage": round(spec.percent_off / 100, 4)}
        else:
            if not spec.amount_cents:
                raise PlatformError("invalid", tr("请填写优惠金额"), field="amount_cents")
            value = {
                "discountAmount": {
                    "amount": decimal(spec.amount_cents, self.digits),
                    "appliesOnEachItem": False,
                }
            }
        items: dict[str, Any] = {"all": True}
        if spec.product_ids:
            items = {"products": {"productsToAdd": [gid("Product", p) for p in spec.product_ids]}}
        discount: dict[str, Any] = {
            "title": spec.name or code,
            "code": code,
            "startsAt": _iso(now),
            "endsAt": _iso(now + spec.valid_seconds),
            "usageLimit": spec.quantity,
            "appliesOncePerCustomer": spec.per_user_limit == 1,
            "customerSelection": {"all": True},
            "customerGets": {"value": value, "items": items},
        }
        if spec.kind is kind.THRESHOLD and spec.threshold_cents > 0:
            discount["minimumRequirement"] = {
                "subtotal": {
                    "greaterThanOrEqualToSubtotal": decimal(spec.threshold_cents, self.digits)
                }
            }
        data = await self._call(
            "LivedeskDiscountCreate", q.DISCOUNT_CREATE, {"basicCodeDiscount": discount}
        )
        answer = data["discountCodeBasicCreate"]
        if answer.get("userErrors"):
            raise _user_error(answer["userErrors"])
        node = answer["codeDiscountNode"]
        basic = node.get("codeDiscount") or {}
        codes = ((basic.get("codes") or {}).get("nodes") or [{}])[0]
        shown = str(codes.get("code") or code)
        coupon = models.Coupon(
            id=tail(str(node["id"])),
            kind=spec.kind,
            name=f"{spec.name} {shown}" if spec.name else shown,
            threshold_cents=spec.threshold_cents if spec.kind is kind.THRESHOLD else 0,
            amount_cents=spec.amount_cents if spec.kind is not kind.DISCOUNT else None,
            percent_off=spec.percent_off if spec.kind is kind.DISCOUNT else None,
            quantity=spec.quantity,
            per_user_limit=spec.per_user_limit,
            valid_seconds=spec.valid_seconds,
            product_ids=spec.product_ids,
            created_ts=now,
            ends_ts=now + spec.valid_seconds,
        )
        self._coupons[coupon.id] = coupon
        self._discounts[coupon.id] = str(node["id"])
        self._push(
            [
                (
                    models.EventType.COUPON_ISSUED,
                    models.CouponData(actor=self._actor(), coupon=coupon),
                )
            ]
        )
        return coupon

    async def end_coupon(self, coupon_id: str) -> models.Coupon:
        coupon = self._coupons.get(coupon_id)
        if coupon is None:
            raise PlatformError("not_found", tr("没有这张优惠券"), field="coupon_id")
        data = await self._call(
            "LivedeskDiscountDeactivate", q.DISCOUNT_DEACTIVATE, {"id": self._discounts[coupon_id]}
        )
        answer = data["discountCodeDeactivate"]
        if answer.get("userErrors"):
            raise _user_error(answer["userErrors"])
        basic = (answer.get("codeDiscountNode") or {}).get("codeDiscount") or {}
        used = int(basic.get("asyncUsageCount") or 0)
        coupon = coupon.model_copy(update={"status": "ended", "used": used, "claimed": used})
        self._coupons[coupon_id] = coupon
        self._push(
            [(models.EventType.COUPON_ENDED, models.CouponData(actor=self._actor(), coupon=coupon))]
        )
        return coupon

    # --- flash sales ---------------------------------------------------------------------------
    async def start_flash_sale(self, spec: models.FlashSaleSpec) -> models.FlashSale:
        item = self._get(spec.product_id)
        if any(
            s.product_id == spec.product_id and s.status != "ended" for s in self._sales.values()
        ):
            raise PlatformError("conflict", tr("这个商品已有进行中的秒杀"))
        now = time.time()
        sale_id = "fs-" + secrets.token_hex(4)
        starts = now + spec.starts_in_seconds
        sale = models.FlashSale(
            id=sale_id,
            product_id=spec.product_id,
            price_cents=spec.price_cents,
            quantity=spec.quantity,
            status="scheduled" if spec.starts_in_seconds else "active",
            starts_ts=starts,
            ends_ts=starts + spec.duration_seconds,
        )
        # the way back first, on disk, before Shopify's price changes
        self.state.reverts[sale_id] = {
            "product_id": spec.product_id,
            "product_gid": item.gid,
            "prices": {v.gid: v.price_cents for v in item.variants},
            "sale_cents": spec.price_cents,
            "quantity": spec.quantity,
            "starts_ts": starts,
            "ends_ts": sale.ends_ts,
        }
        self.state.save()
        self._sales[sale_id] = sale
        if spec.starts_in_seconds:
            self._push(
                [
                    (
                        models.EventType.FLASH_SALE_SCHEDULED,
                        models.FlashSaleData(actor=self._actor(), flash_sale=sale),
                    )
                ]
            )
        else:
            await self._apply_sale(sale_id)
        self._sale_tasks[sale_id] = spawn(self._run_sale(sale_id), name=f"shopify-{sale_id}")
        return self._sales[sale_id]

    async def _apply_sale(self, sale_id: str) -> None:
        record = self.state.reverts[sale_id]
        item = self._get(record["product_id"])
        try:
            await self._write_prices(item, {g: record["sale_cents"] for g in record["prices"]})
        except BaseException:
            self.state.reverts.pop(sale_id, None)
            self.state.save()
            self._sales.pop(sale_id, None)
            raise
        sale = self._sales[sale_id].model_copy(update={"status": "active"})
        self._sales[sale_id] = sale
        self._push([(models.EventType.FLASH_SALE_STARTED, models.FlashSaleData(flash_sale=sale))])

    async def _run_sale(self, sale_id: str) -> None:
        record = self.state.reverts[sale_id]
        sale = self._sales[sale_id]
        if sale.status == "scheduled":
            await asyncio.sleep(max(0.0, record["starts_ts"] - time.time()))
            await self._apply_sale(sale_id)
        await asyncio.sleep(max(0.0, record["ends_ts"] - time.time()))
        await self._end_sale(sale_id)

    async def _end_sale(self, sale_id: str) -> None:
        """Put the original prices back (retrying while Shopify cannot be reached), then forget
        the revert on disk."""
        record = self.state.reverts.get(sale_id)
        if record is None:
            return
        backoff = Backoff(base=1.0, cap=30.0)
        while True:
            try:
                await self._revert(record)
                break
            except (Unreachable, AdminError, PlatformError) as exc:
                log.warning("shopify: putting back the price of %s failed: %s", sale_id, exc)
                if self._closed:
                    return  # the next open() does it
                await asyncio.sleep(backoff.next_delay())
        self.state.reverts.pop(sale_id, None)
        self.state.save()
        sale = self._sales.get(sale_id)
        if sale is not None:
            sale = sale.model_copy(update={"status": "ended"})
            self._sales[sale_id] = sale
            self._push([(models.EventType.FLASH_SALE_ENDED, models.FlashSaleData(flash_sale=sale))])

    async def _revert(self, record: dict[str, Any]) -> None:
        """Put back the original prices of the variants still at the sale price; a variant whose
        price was changed in Shopify's admin meanwhile keeps it (a note says so)."""
        prices = {str(g): int(c) for g, c in record["prices"].items()}
        fresh = await self._reload(str(record["product_id"]))
        if fresh is None:
            return  # the product was deleted in Shopify
        sale = int(record["sale_cents"])
        current = {v.gid: v.price_cents for v in fresh.variants}
        back = {g: c for g, c in prices.items() if current.get(g) == sale}
        if any(g in current and current[g] != sale for g in prices):
            msg = tr("「{title}」的秒杀价已在 Shopify 后台被改过，保留后台的价格，未恢复原价")
            self._note(msg.format(title=fresh.product.title))
        if back:
            await self._write_prices(fresh, back)

    async def _revert_pending(self) -> None:
        """At open: end the sales that ended while no console ran, resume the others."""
        now = time.time()
        for sale_id, record in list(self.state.reverts.items()):
            sale = models.FlashSale(
                id=sale_id,
                product_id=str(record["product_id"]),
                price_cents=int(record["sale_cents"]),
                quantity=int(record.get("quantity") or 1),
                status="active",
                starts_ts=float(record["starts_ts"]),
                ends_ts=float(record["ends_ts"]),
            )
            if float(record["ends_ts"]) <= now:
                try:
                    await self._revert(record)
                except PlatformError as exc:  # kept on disk; retried in the background
                    log.warning("shopify: putting back %s at open failed: %s", sale_id, exc)
                    self._sales[sale_id] = sale
                    self._sale_tasks[sale_id] = spawn(
                        self._end_sale(sale_id), name=f"shopify-{sale_id}"
                    )
                    continue
                self.state.reverts.pop(sale_id, None)
                self.state.save()
                self._note(tr("已恢复上次中控台退出时未结束的秒杀价格"))
            else:
                self._sales[sale_id] = sale
                self._sale_tasks[sale_id] = spawn(
                    self._resume_sale(sale_id), name=f"shopify-{sale_id}"
                )

    async def _resume_sale(self, sale_id: str) -> None:
        record = self.state.reverts[sale_id]
        await asyncio.sleep(max(0.0, float(record["ends_ts"]) - time.time()))
        await self._end_sale(sale_id)

    # --- orders --------------------------------------------------------------------------------
    async def orders(self, after_seq: int = 0) -> list[models.Order]:
        return [o for o in self._orders.values() if o.seq > after_seq]

    async def _poll_orders(self) -> None:
        """Polls until closed: Shopify out of reach is RECONNECTING with a growing backoff (the
        next poll starts at the same cursor: nothing is missed), refused credentials end the
        polls OFFLINE with a note, any other refusal is logged and the next poll tried."""
        while not self._closed:
            try:
                await self.poll_once()
            except PlatformError as exc:
                if exc.code == "offline":
                    log.info("shopify orders: %s", exc.message)
                    self.connection.set_state(
                        LinkState.RECONNECTING,
                        attempt=self._backoff.attempt + 1,
                        error=unreachable_message(),
                    )
                    await wait_event(self._wake, self._backoff.next_delay())
                    self._wake.clear()
                    continue
                if exc.code == "credentials" and exc.status == 401:
                    self.connection.set_state(LinkState.OFFLINE, error=exc.message)
                    self._note(exc.message)
                    return
                log.warning("shopify orders: %s", exc.message)
            else:
                if self.connection.status.state is not LinkState.CONNECTED:
                    self.connection.set_state(LinkState.CONNECTED)
                self._backoff.reset()
            await wait_event(self._wake, self._poll_delay())
            self._wake.clear()

    def _poll_delay(self) -> float:
        """Seconds to the next poll: :attr:`poll_every`, longer while the bucket holds less than
        :data:`POLL_RESERVE` (the time Shopify's restore rate needs to refill it): the operator's
        edits never wait behind the polls."""
        t = self.admin.throttle
        short = POLL_RESERVE - t.now_available()
        return max(self.poll_every, short / max(t.restore_rate, 1e-6))

    async def poll_once(self) -> int:
        """One poll: what changed in the orders since the cursor (``LivedeskOrderUpdates``: id,
        status, time — 2 points an order), page by page, pages sized to what the bucket holds;
        then the orders not seen before read whole by id (``LivedeskOrderDetails``), a known
        order's new status made from the lines already known. When most orders the last poll
        read were new (:data:`WHOLE_ABOVE`: a backlog on a busy store), this poll reads the
        orders whole page by page instead (``LivedeskOrders``: cheaper than both steps for new
        orders). Every :attr:`products_every` seconds, the products changed meanwhile too.
        Returns the events made."""
        if time.monotonic() - self._products_polled >= self.products_every:
            await self._poll_products()
        whole_pages = self._new_share > WHOLE_ABOVE
        after: str | None = None
        #: (order gid, financial status, the order whole when read so), oldest change first
        changed: list[tuple[str, str, dict[str, Any] | None]] = []
        rows = 0
        newest = self._cursor
        started: float | None = None  # Shopify's clock at the first page
        self.admin.date = None
        while True:
            search = f"updated_at:>='{self._cursor}'"
            if whole_pages:
                data = await self._call(
                    "LivedeskOrders",
                    q.ORDERS,
                    {"query": search, "after": after, "first": self._whole_page()},
                )
            else:
                data = await self._call(
                    "LivedeskOrderUpdates",
                    q.ORDER_UPDATES,
                    {"query": search, "after": after, "first": self._page()},
                )
            started = started or self.admin.date
            conn = data["orders"]
            for node in conn.get("nodes") or []:
                rows += 1
                oid = tail(str(node["id"]))
                stage = _stage_of(str(node.get("displayFinancialStatus") or ""))
                if _STAGES[stage] > self._stages.get(oid, 0):
                    changed.append((str(node["id"]), stage, node if whole_pages else None))
                newest = max(newest, str(node.get("updatedAt") or ""))
            page = conn.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                break
            after = page.get("endCursor")
        new = {g for g, _, node in changed if f"{tail(g)}-1" not in self._orders}
        self._new_share = len(new) / rows if rows else 0.0
        count = 0
        while changed:  # in order; each batch of new orders' events out as soon as it is read
            upto, batch = len(changed), list[str]()
            for i, (order_gid, _, node) in enumerate(changed):
                if node is None and order_gid in new:
                    if len(batch) == self._details_batch():
                        upto = i
                        break
                    batch.append(order_gid)
            whole = await self._order_details(batch)
            made: list[tuple[models.EventType, Any]] = []
            for order_gid, stage, node in changed[:upto]:
                node = node or whole.get(order_gid)
                made += (
                    self._order_events(node) if node else self._known_events(tail(order_gid), stage)
                )
            changed = changed[upto:]
            self._push(made)
            count += len(made)
        self._cursor = self._next_cursor(self._cursor, newest, started)
        self.polls += 1
        return count

    def _whole_page(self) -> int:
        """Orders a ``LivedeskOrders`` page asks for: up to :data:`PAGE_ORDERS`, fewer when the
        bucket holds less."""
        room = self.admin.throttle.now_available() - 2
        return int(max(1, min(PAGE_ORDERS, room // ORDER_COST)))

    def _page(self) -> int:
        """Orders a ``LivedeskOrderUpdates`` page asks for: as many as the bucket holds now
        (2 points each) between :data:`PAGE_UPDATES_MIN` and :data:`PAGE_UPDATES_MAX`."""
        room = (self.admin.throttle.now_available() - 2) / 2
        return int(max(PAGE_UPDATES_MIN, min(PAGE_UPDATES_MAX, room)))

    def _product_page(self) -> int:
        """Products a changed-products page asks for: up to :data:`PAGE_POLL`, fewer when the
        bucket holds less (a full page asks for 852 points: waiting for them would hold the
        order polls back for seconds on a busy store)."""
        room = self.admin.throttle.now_available() - 2
        return int(max(1, min(PAGE_POLL, room // PRODUCT_COST)))

    def _details_batch(self) -> int:
        """New orders a ``LivedeskOrderDetails`` query asks for: as many as the bucket holds
        now, within Shopify's single-query limit."""
        room = min(SINGLE_QUERY_MAX, self.admin.throttle.now_available())
        return int(max(1, min(room // DETAILS_COST, SINGLE_QUERY_MAX // DETAILS_COST)))

    async def _order_details(self, gids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The orders ``gids`` whole (``nodes(ids:)``, one query); an id that is no longer an
        order is left out."""
        out: dict[str, dict[str, Any]] = {}
        if gids:
            data = await self._call("LivedeskOrderDetails", q.ORDER_DETAILS, {"ids": list(gids)})
            for node in data.get("nodes") or []:
                if isinstance(node, dict) and node.get("id"):
                    out[str(node["id"])] = node
        return out

    def _known_events(self, oid: str, stage: str) -> list[tuple[models.EventType, Any]]:
        """The events of an order already seen whole that reached ``stage``, from its lines."""
        reached = self._stages.get(oid, 0)
        if _STAGES[stage] <= reached:
            return []
        self._reach(oid, stage)
        made: list[tuple[models.EventType, Any]] = []
        i = 1
        while (line := self._orders.get(f"{oid}-{i}")) is not None:
            for name in ("created", "paid", "refunded"):
                if reached < _STAGES[name] <= _STAGES[stage]:
                    order = line.model_copy(update={"status": name})
                    made.append((_EVENT_OF[name], models.OrderData(order=order)))
            i += 1
        return made

    def _reach(self, oid: str, stage: str) -> None:
        self._stages[oid] = _STAGES[stage]
        self._stages.move_to_end(oid)
        if len(self._stages) > REMEMBERED_ORDERS:
            self._stages.popitem(last=False)

    @staticmethod
    def _next_cursor(old: str, newest: str, started: float | None) -> str:
        """Where the next poll starts: :data:`OVERLAP_S` before this poll's first answer by
        Shopify's clock (what changed earlier was visible to it), else the newest ``updatedAt``
        seen; never backwards."""
        if started is not None:
            return max(old, _iso(started - OVERLAP_S))
        return max(old, newest)

    async def _poll_products(self) -> None:
        """Products changed in Shopify since the last look (stock sold, the admin's edits) as
        ``product_updated`` events, when what the console shows changed."""
        after: str | None = None
        newest = self._products_cursor
        started: float | None = None  # Shopify's clock at the first page
        self.admin.date = None
        while True:
            data = await self._call(
                "LivedeskProducts",
                q.PRODUCTS,
                {
                    "first": self._product_page(),
                    "after": after,
                    "location": self.location,
                    "query": f"updated_at:>='{self._products_cursor}'",
                },
            )
            started = started or self.admin.date
            conn = data["products"]
            for node in conn.get("nodes") or []:
                item = self._item(node)
                newest = max(newest, str(node.get("updatedAt") or ""))
                old = self._items.get(item.product.id)
                self._items[item.product.id] = item
                if old is None or old.product != item.product:
                    data_ = models.ProductUpdatedData(product=item.product)
                    self._push([(models.EventType.PRODUCT_UPDATED, data_)])
            page = conn.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                break
            after = page.get("endCursor")
        self._products_cursor = self._next_cursor(self._products_cursor, newest, started)
        self._products_polled = time.monotonic()

    def _order_events(self, node: dict[str, Any]) -> list[tuple[models.EventType, Any]]:
        oid = tail(str(node["id"]))
        stage = _stage_of(str(node.get("displayFinancialStatus") or ""))
        reached = self._stages.get(oid, 0)
        if _STAGES[stage] <= reached:
            return []
        self._reach(oid, stage)
        customer = node.get("customer") or {}
        user_id = tail(str(customer.get("id"))) if customer.get("id") else f"guest-{oid}"
        nickname = str(customer.get("displayName") or node.get("name") or "")
        created = _ts(node.get("createdAt"))
        made: list[tuple[models.EventType, Any]] = []
        lines = (node.get("lineItems") or {}).get("nodes") or []
        for i, line in enumerate(lines, 1):
            unit = (line.get("originalUnitPriceSet") or {}).get("shopMoney") or {}
            total = (line.get("discountedTotalSet") or {}).get("shopMoney") or {}
            quantity = max(1, int(line.get("quantity") or 1))
            unit_cents = cents(unit.get("amount") or "0", self.digits)
            variant = line.get("variant") or {}
            product = line.get("product") or {}
            for name in ("created", "paid", "refunded"):
                if reached < _STAGES[name] <= _STAGES[stage]:
                    order = models.Order(
                        id=f"{oid}-{i}",
                        user_id=user_id,
                        nickname=nickname,
                        product_id=tail(str(product["id"])) if product.get("id") else "",
                        product_title=str(line.get("title") or ""),
                        sku_id=tail(str(variant["id"])) if variant.get("id") else None,
                        sku_name=str(variant.get("title") or "") or None,
                        quantity=quantity,
                        unit_price_cents=unit_cents,
                        amount_cents=cents(total["amount"], self.digits)
                        if total.get("amount")
                        else unit_cents * quantity,
                        status=name,  # type: ignore[arg-type]
                        created_ts=created,
                    )
                    made.append((_EVENT_OF[name], models.OrderData(order=order)))
        return made

    # --- calls ---------------------------------------------------------------------------------
    async def _call(self, operation: str, query: str, variables: dict[str, Any]) -> Any:
        try:
            return await self.admin.run(operation, query, variables)
        except AdminError as exc:
            if exc.code == "invalid_client":
                raise PlatformError("credentials", client_refused_message(), status=401) from None
            if exc.status == 401:
                raise PlatformError("credentials", token_refused_message(), status=401) from None
            raise _admin_error(exc) from None
        except Unreachable:
            raise PlatformError("offline", unreachable_message()) from None

    # --- lifecycle -----------------------------------------------------------------------------
    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._events.close()
        self._wake.set()
        tasks = [
            t for t in (self._poller, self._loader, *self._sale_tasks.values()) if t is not None
        ]
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.admin.aclose()
        self.connection.set_state(LinkState.OFFLINE)


def _user_error(errors: list[dict[str, Any]]) -> PlatformError:
    messages = "；".join(str(e.get("message", "")) for e in errors)
    return PlatformError(
        "rejected", tr("Shopify 拒绝了操作：{message}").format(message=messages), status=422
    )


def _admin_error(exc: AdminError) -> PlatformError:
    if exc.code == "ACCESS_DENIED":
        return PlatformError(
            "credentials",
            tr("Shopify 应用缺少所需权限：{message}").format(message=exc.message),
            status=exc.status,
        )
    return PlatformError(
        "platform",
        tr("Shopify 拒绝了操作（{status}）：{message}").format(
            status=exc.code or exc.status, message=exc.message
        ),
        status=exc.status,
    )


class ShopifyFactory:
    name = "shopify"
    title = "Shopify"
    capabilities = CAPABILITIES
    fields = FIELDS

    @property
    def display_name(self) -> str:
        return tr("Shopify 店铺（商品与订单）")

    @property
    def note(self) -> str:
        return tr("Shopify 只提供商品、库存、订单、优惠码和限时价格；弹幕等互动来自直播平台")

    async def open(self, settings: dict[str, Any]) -> PlatformAdapter:
        token = setting(settings, "token", ENV)
        shop = setting(settings, "shop", ENV) or str(settings.get("room") or "").strip()
        shop = shop.removesuffix(".myshopify.com")
        client_id = setting(settings, "client_id", ENV)
        client_secret = setting(settings, "client_secret", ENV)
        client = None
        if client_id and client_secret and not token:
            client = ClientCredentials(client_id, client_secret)
        elif (client_id or client_secret) and not token:
            raise PlatformError(
                "missing_settings",
                tr("使用 Dev Dashboard 应用时请同时填写 Client ID 和 Client secret"),
            )
        if not token and client is None:
            raise PlatformError(
                "missing_settings",
                tr("缺少 Shopify Admin API 访问令牌（{name}）").format(name=ENV + "TOKEN"),
            )
        if not shop:
            raise PlatformError(
                "missing_settings", tr("缺少 Shopify 店铺名称（{name}）").format(name=ENV + "SHOP")
            )
        admin = Admin(setting(settings, "base", ENV, DEFAULT_BASE), shop, token, client=client)
        try:
            adapter = await self._open(admin, shop, settings)
        except BaseException:
            await admin.aclose()
            raise
        return adapter

    async def _open(self, admin: Admin, shop: str, settings: dict[str, Any]) -> ShopifyAdapter:
        try:
            data = await admin.run("LivedeskShop", q.SHOP)
        except AdminError as exc:
            if exc.code == "invalid_client":
                raise PlatformError("credentials", client_refused_message(), status=401) from None
            if exc.status == 401:
                raise PlatformError("credentials", token_refused_message(), status=401) from None
            if exc.status == 404:
                raise PlatformError(
                    "no_room", tr("找不到 Shopify 店铺 {shop}，请检查店铺名称").format(shop=shop)
                ) from None
            raise _admin_error(exc) from None
        except Unreachable:
            raise PlatformError("offline", unreachable_message()) from None
        granted = {
            str(s.get("handle"))
            for s in ((data.get("currentAppInstallation") or {}).get("accessScopes") or [])
        }
        # write_x implies read_x on Shopify
        granted |= {"read_" + s.removeprefix("write_") for s in granted if s.startswith("write_")}
        missing = [s for s in q.SCOPES if s not in granted]
        if missing:
            raise PlatformError(
                "credentials",
                tr(
                    "Shopify 应用缺少权限：{scopes}（在应用的 Admin API 权限中勾选后重新安装）"
                ).format(scopes=tr("、").join(missing)),
            )
        locations = (data.get("locations") or {}).get("nodes") or []
        location = setting(settings, "location_id", ENV) or (
            str(locations[0]["id"]) if locations else ""
        )
        if not location:
            raise PlatformError("platform", tr("Shopify 店铺没有库存地点"))
        folder = Path(setting(settings, "state_dir", ENV) or str(data_dir() / "shopify"))
        since = settings.get("orders_since")
        adapter = ShopifyAdapter(
            admin,
            shop_name=str(data["shop"].get("name") or shop),
            currency=str(data["shop"].get("currencyCode") or "USD"),
            location=gid("Location", location),
            state=ShopState.load(folder, shop),
            poll_every=float(setting(settings, "poll_every", ENV) or POLL_EVERY_S),
            orders_since=float(since) if since is not None else None,
        )
        adapter.products_every = float(setting(settings, "products_every", ENV) or PRODUCTS_EVERY_S)
        adapter.bulk = setting(settings, "bulk", ENV, "on").lower() not in (
            "0",
            "off",
            "false",
            "no",
        )
        count = (data.get("productsCount") or {}).get("count")
        adapter.products_count = int(count) if isinstance(count, int) else None
        try:
            await adapter.start()
        except BaseException:
            await adapter.close()
            raise
        log.info("shopify: shop %s, first %d products", shop, len(adapter._items))
        return adapter
