"""The local Shopify: an Admin GraphQL endpoint that answers what LiveDesk sends, with Shopify's
cost-based throttle, cursor pagination, ``userErrors`` and an admin who edits meanwhile.

It is **not a general GraphQL engine**: a small dispatcher keyed by the operation name
(:mod:`plugins.shopify.queries`: ``LivedeskShop``, ``LivedeskProducts``, ``LivedeskOrders``,
``LivedeskOrderUpdates``, ``LivedeskOrderDetails`` (``nodes(ids:)``),
``LivedeskVariantPrice``, ``LivedeskSetQuantities``, ``LivedeskDiscountCreate``,
``LivedeskDiscountDeactivate``) reads the variables and answers with the objects those documents
select, shaped as the Admin API 2025-01 shapes them. An unknown operation is a GraphQL error.

What it reproduces (shopify.dev, "API rate limits" and the mutations' references):

- Endpoint ``POST /admin/api/{version}/graphql.json`` (also under ``/{shop}/…`` for a base
  with ``{shop}`` in it: an unknown shop is 404 as Shopify answers), header
  ``X-Shopify-Access-Token``: a wrong token is 401 ``{"errors": "[API] Invalid API key or access
  token …"}``; a scope the app lacks is ``ACCESS_DENIED``.
- Client credentials (a Dev Dashboard app): ``POST /admin/oauth/access_token`` with
  ``grant_type=client_credentials``, :data:`CLIENT_ID` and :data:`CLIENT_SECRET` issues a token
  living :attr:`Options.token_ttl` seconds (``expires_in``); an expired one is refused 401 like a
  wrong one; :meth:`ShopifyStandIn.revoke_tokens` refuses every issued token at once.
- Cost: a bucket of :attr:`Options.bucket` points (1000) restoring :attr:`Options.restore`
  per second (50). A query's requested cost is computed by Shopify's rule: each object 1, each
  connection 2 + its ``first`` × one node's cost (nested connections multiply), scalars 0; a
  mutation 10. Above 1000 (:data:`SINGLE_QUERY_MAX`) the query is refused ``MAX_COST_EXCEEDED``
  whatever the bucket holds. The requested cost is taken from the bucket up front and the part
  not used (the same rule applied to what came back: :func:`actual_cost`) is given back. Every answer carries
  ``extensions.cost`` {requestedQueryCost, actualQueryCost, throttleStatus{maximumAvailable,
  currentlyAvailable, restoreRate}}. A query costing more than the bucket holds is answered
  ``errors[0].extensions.code == "THROTTLED"`` (HTTP 200, or :attr:`Options.throttled_http`)
  and nothing runs.
- Pagination: ``pageInfo{hasNextPage, endCursor}`` with opaque cursors; ``products`` by id,
  ``orders`` by ``UPDATED_AT`` with the search filter ``updated_at:>='ISO'`` (``>``, ``>=``,
  ``<``, ``<=``), ``products`` with ``id:N`` or the same ``updated_at`` filter (a sale, a stock
  or price change bumps the product's ``updatedAt``). Timestamps have Shopify's one-second precision.
- ``inventorySetQuantities`` compares ``compareQuantity`` (``COMPARE_QUANTITY_STALE``,
  ``COMPARE_QUANTITY_REQUIRED``), refuses negative quantities, unknown items and locations;
  ``productVariantsBulkUpdate`` refuses an unknown product or variant and a negative price;
  ``discountCodeBasicCreate`` refuses a code already taken and a percentage outside 0–1.
- Bulk operations (shopify.dev, "Perform bulk operations with the GraphQL Admin API"):
  ``bulkOperationRunQuery`` (a mutation: 10 points) takes a ``products`` query (the only bulk
  query it understands; another is a ``userErrors`` ``INVALID``) and starts an operation; a
  second one while the first is CREATED or RUNNING is refused ``OPERATION_IN_PROGRESS`` (API
  2025-01 allows one bulk query at a time per app and shop). ``currentBulkOperation`` (1 point)
  shows it CREATED, then RUNNING with a growing ``objectCount``, then COMPLETED with ``url``: a
  JSONL file served by the stand-in itself (``GET /_bulk/<id>.jsonl``, no token: Shopify's is a
  signed storage URL), one object a line, a variant on its own line after its product with
  ``__parentId``. It runs at :attr:`Options.bulk_objects_per_s`; :attr:`Options.bulk_error` makes
  it end FAILED with that ``errorCode`` and a ``partialDataUrl`` of the first half. The bulk
  work itself costs the bucket nothing.
- The admin (:meth:`ShopifyStandIn.set_stock`, ``set_price``, ``delete_product``,
  ``add_order``, ``pay``, ``refund``, ``revoke_tokens``; over HTTP ``POST /_admin/<name>`` with the same arguments as JSON) changes the
  store as Shopify's admin or a checkout would, bumping ``updatedAt``.
"""

from __future__ import annotations

import base64
import datetime
import itertools
import re
import secrets
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.api import minor_digits
from plugins.shopify.graphql import query_cost

TOKEN = "shpat_standin_token"
#: a Dev Dashboard app's credentials, exchanged for expiring tokens (client credentials grant)
CLIENT_ID = "standin-client-id"
CLIENT_SECRET = "standin-client-secret"
SHOP = "livedesk-demo"
LOCATION = "gid://shopify/Location/1"
ALL_SCOPES = (
    "write_products",
    "write_inventory",
    "read_orders",
    "write_discounts",
)
_SCOPE_OF = {
    "LivedeskProducts": "read_products",
    "LivedeskOrders": "read_orders",
    "LivedeskOrderUpdates": "read_orders",
    "LivedeskOrderDetails": "read_orders",
    "LivedeskVariantPrice": "write_products",
    "LivedeskSetQuantities": "write_inventory",
    "LivedeskDiscountCreate": "write_discounts",
    "LivedeskDiscountDeactivate": "write_discounts",
    "LivedeskBulkRun": "read_products",
}
_COMPARE = {">": str.__gt__, ">=": str.__ge__, "<": str.__lt__, "<=": str.__le__}
#: Shopify refuses a query whose requested cost is above this, whatever the bucket holds
SINGLE_QUERY_MAX = 1000
_OPERATION = re.compile(r"\b(query|mutation)\s+(\w+)")


def iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(int(ts), datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(cents: int, digits: int = 2) -> str:
    """Minor units as Shopify's Decimal string: ``"12.34"``; a currency without minor units
    (JPY) as ``"1500.0"``, the way Shopify writes it."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}.0"


def _cents(text: str, digits: int = 2) -> int:
    whole, _, frac = str(text).partition(".")
    sign = -1 if whole.startswith("-") else 1
    part = int((frac + "0" * digits)[:digits]) if digits else 0
    return sign * (int(whole.lstrip("-") or 0) * 10**digits + part)


def _cursor(key: Any) -> str:
    return base64.b64encode(orjson.dumps(key)).decode()


def _uncursor(cursor: str | None) -> Any:
    return orjson.loads(base64.b64decode(cursor)) if cursor else None


def actual_cost(data: Any) -> int:
    """What an answer cost by Shopify's rule applied to what came back: each object 1, each
    connection 2 + its nodes, scalars 0."""
    if isinstance(data, list):
        return sum(actual_cost(x) for x in data)
    if not isinstance(data, dict):
        return 0
    if "nodes" in data and isinstance(data["nodes"], list):
        rest = sum(actual_cost(v) for k, v in data.items() if k != "nodes")
        return 2 + rest + sum(1 + actual_cost(n) for n in data["nodes"])
    return 1 + sum(actual_cost(v) for v in data.values())


@dataclass
class Options:
    bucket: float = 1000.0
    restore: float = 50.0
    currency: str = "USD"
    shop_name: str = "LiveDesk Demo Store"
    #: the HTTP status of a THROTTLED answer (Shopify has sent both 200 and 429)
    throttled_http: int = 200
    #: how fast a bulk operation goes through the store (objects: products and variants)
    bulk_objects_per_s: float = 4000.0
    #: a bulk operation ends FAILED with this ``errorCode`` (``INTERNAL_SERVER_ERROR``, ``TIMEOUT``)
    bulk_error: str | None = None
    #: seconds a client-credentials access token lives (Shopify: 86399)
    token_ttl: float = 86399.0


@dataclass
class BulkOperation:
    id: int
    query: str
    lines: list[bytes]  # the JSONL file, taken when the operation starts
    roots: int
    created: float = field(default_factory=time.monotonic)
    created_at: float = field(default_factory=time.time)
    seconds: float = 0.5  # how long it runs

    @property
    def gid(self) -> str:
        return f"gid://shopify/BulkOperation/{self.id}"

    def status(self, error: str | None) -> tuple[str, float]:
        """(status, the share of the objects done)."""
        elapsed = time.monotonic() - self.created
        if elapsed < 0.1:
            return "CREATED", 0.0
        if elapsed < self.seconds:
            return "RUNNING", elapsed / self.seconds
        return ("FAILED", 0.5) if error else ("COMPLETED", 1.0)


@dataclass
class Variant:
    id: int
    title: str
    price: int  # cents
    available: int
    compare_at: int | None = None

    @property
    def gid(self) -> str:
        return f"gid://shopify/ProductVariant/{self.id}"

    @property
    def item_gid(self) -> str:
        return f"gid://shopify/InventoryItem/{self.id}"


@dataclass
class Product:
    id: int
    title: str
    variants: list[Variant]
    #: a store's products were last changed long before the console opens
    updated: float = field(default_factory=lambda: time.time() - 86400)
    status: str = "ACTIVE"

    @property
    def gid(self) -> str:
        return f"gid://shopify/Product/{self.id}"


@dataclass
class Line:
    product: Product
    variant: Variant
    quantity: int
    unit: int  # cents


@dataclass
class Order:
    id: int
    name: str
    customer: tuple[str, str] | None
    lines: list[Line]
    created: float
    updated: float
    financial: str = "PENDING"


@dataclass
class Discount:
    id: int
    code: str
    input: dict[str, Any]
    status: str = "ACTIVE"
    used: int = 0


class ShopifyStandIn:
    def __init__(
        self, options: Options | None = None, *, scopes: tuple[str, ...] = ALL_SCOPES
    ) -> None:
        self.options = options or Options()
        #: the shop currency's minor units (JPY 0): prices are kept in them, sent as decimals
        self.digits = minor_digits(self.options.currency)
        self.token = TOKEN
        self.shop = SHOP
        self.scopes = scopes
        self.products: dict[int, Product] = {}
        self.orders: dict[int, Order] = {}
        self.discounts: dict[int, Discount] = {}
        self._ids = itertools.count(1001)
        self._available = self.options.bucket
        self._at = time.monotonic()
        #: (operation, requested cost, throttled?) of every request answered
        self.requests: list[tuple[str, int, bool]] = []
        self.throttled = 0
        self.bulk: list[BulkOperation] = []  # every bulk operation started, the newest last
        #: client-credentials tokens issued → when each expires (monotonic)
        self.issued: dict[str, float] = {}
        self.refused_tokens = 0  # GraphQL requests answered 401
        self._base = ""  # where the stand-in is served (the JSONL files' URLs), from a request

    # --- the catalogue the test gives it ---------------------------------------------------------
    def add_product(
        self,
        title: str,
        price: int,
        stock: int,
        *,
        variants: int = 1,
        compare_at: int | None = None,
    ) -> Product:
        pid = next(self._ids)
        vs = [
            Variant(
                next(self._ids),
                "Default Title" if variants == 1 else f"#{i + 1}",
                price,
                stock,
                compare_at,
            )
            for i in range(variants)
        ]
        product = Product(pid, title, vs)
        self.products[pid] = product
        return product

    def _product(self, product_id: int | str) -> Product:
        return self.products[int(str(product_id).rsplit("/", 1)[-1])]

    # --- the admin (Shopify's admin, a checkout) ---------------------------------------------------
    def set_stock(self, product_id: int | str, stock: int) -> None:
        p = self._product(product_id)
        p.variants[0].available = stock
        p.updated = time.time()

    def delete_product(self, product_id: int | str) -> None:
        del self.products[self._product(product_id).id]

    def set_price(self, product_id: int | str, price: int) -> None:
        p = self._product(product_id)
        for v in p.variants:
            v.price = price
        p.updated = time.time()

    def add_order(
        self,
        product_id: int | str,
        quantity: int = 1,
        *,
        customer: tuple[str, str] | None = ("7001", "Alice"),
        financial: str = "PENDING",
    ) -> Order:
        p = self._product(product_id)
        now = time.time()
        oid = next(self._ids)
        v = p.variants[0]
        order = Order(
            oid, f"#{oid}", customer, [Line(p, v, quantity, v.price)], now, now, financial
        )
        self.orders[oid] = order
        v.available = max(0, v.available - quantity)
        p.updated = now
        return order

    def pay(self, order_id: int) -> None:
        self._set_financial(order_id, "PAID")

    def refund(self, order_id: int) -> None:
        self._set_financial(order_id, "REFUNDED")

    def _set_financial(self, order_id: int, status: str) -> None:
        o = self.orders[int(order_id)]
        o.financial = status
        o.updated = time.time()

    def drain(self) -> None:
        """Empty the bucket (another app of the same store used it up)."""
        self._restore()
        self._available = 0.0

    def price_of(self, product_id: int | str) -> int:
        return self._product(product_id).variants[0].price

    def calls(self, operation: str) -> list[tuple[str, int, bool]]:
        return [r for r in self.requests if r[0] == operation]

    # --- the bucket -----------------------------------------------------------------------------
    def _restore(self) -> None:
        now = time.monotonic()
        self._available = min(
            self.options.bucket, self._available + (now - self._at) * self.options.restore
        )
        self._at = now

    def _status(self) -> dict[str, Any]:
        return {
            "maximumAvailable": self.options.bucket,
            "currentlyAvailable": int(self._available),
            "restoreRate": self.options.restore,
        }

    @staticmethod
    def requested_cost(query: str, variables: dict[str, Any]) -> int:
        """Shopify's requested cost of ``query``: each object 1, each connection 2 + its
        ``first`` × the cost of one of its nodes (nested connections multiply), scalars 0; a
        mutation 10."""
        if re.search(r"\bmutation\b", query):
            return 10
        return query_cost(query, variables)

    # --- the endpoint ---------------------------------------------------------------------------
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/admin/api/{version}/graphql.json", self._graphql, methods=["POST"]),
                Route("/{shop}/admin/api/{version}/graphql.json", self._graphql, methods=["POST"]),
                Route("/_admin/{action}", self._admin, methods=["POST"]),
                Route("/_bulk/{name}", self._bulk_file, methods=["GET"]),
                Route("/admin/oauth/access_token", self._access_token, methods=["POST"]),
                Route("/{shop}/admin/oauth/access_token", self._access_token, methods=["POST"]),
            ]
        )

    async def _admin(self, request: Request) -> Response:
        action = request.path_params["action"]
        args = orjson.loads(await request.body() or b"{}")
        if action not in ("set_stock", "set_price", "add_order", "pay", "refund", "drain",
                          "delete_product", "revoke_tokens"):  # fmt: skip
            return JSONResponse({"error": "unknown action"}, status_code=404)
        if action == "add_order" and "customer" in args and args["customer"]:
            args["customer"] = tuple(args["customer"])
        result = getattr(self, action)(**args)
        return JSONResponse({"id": getattr(result, "id", None)})

    def _valid(self, token: str | None) -> bool:
        if token is not None and token == self.token:
            return True
        expires = self.issued.get(token or "")
        return expires is not None and time.monotonic() < expires

    def revoke_tokens(self) -> None:
        """Every client-credentials token refused from now on (the app reinstalled)."""
        self.issued.clear()

    async def _access_token(self, request: Request) -> Response:
        """The client credentials grant: ``grant_type=client_credentials``, ``client_id``,
        ``client_secret`` (form-encoded, or JSON) → ``{access_token, scope, expires_in}``."""
        shop = request.path_params.get("shop")
        if shop is not None and shop != self.shop:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        raw = await request.body()
        if request.headers.get("content-type", "").startswith("application/json"):
            form = {str(k): str(v) for k, v in orjson.loads(raw or b"{}").items()}
        else:
            form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client authentication failed"},
                status_code=401,
            )
        token = "shpat_cc_" + secrets.token_hex(12)
        self.issued[token] = time.monotonic() + self.options.token_ttl
        return JSONResponse(
            {
                "access_token": token,
                "scope": ",".join(self.scopes),
                "expires_in": int(self.options.token_ttl),
            }
        )

    async def _bulk_file(self, request: Request) -> Response:
        name = str(request.path_params["name"])
        m = re.fullmatch(r"(\d+)(-partial)?\.jsonl", name)
        op = next((b for b in self.bulk if m and b.id == int(m.group(1))), None)
        if op is None or m is None:
            return Response("NoSuchKey", status_code=404)
        status, done = op.status(self.options.bulk_error)
        if status not in ("COMPLETED", "FAILED"):
            return Response("NoSuchKey", status_code=404)
        lines = op.lines[: int(len(op.lines) * done)]
        return Response(b"".join(line + b"\n" for line in lines), media_type="application/jsonl")

    async def _graphql(self, request: Request) -> Response:
        shop = request.path_params.get("shop")
        if shop is not None and shop != self.shop:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        if not self._valid(request.headers.get("x-shopify-access-token")):
            self.refused_tokens += 1
            return JSONResponse(
                {
                    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
                },
                status_code=401,
            )
        body = orjson.loads(await request.body())
        query = str(body.get("query") or "")
        variables = body.get("variables") or {}
        m = _OPERATION.search(query)
        operation = str(body.get("operationName") or (m.group(2) if m else ""))
        handler = self._operations().get(operation)
        if handler is None:
            return JSONResponse(
                {
                    "errors": [
                        {
                            "message": f"unknown operation {operation!r} (the stand-in answers LiveDesk's operations only)"
                        }
                    ]
                }
            )
        requested = self.requested_cost(query, variables)
        if requested > SINGLE_QUERY_MAX:
            self.requests.append((operation, requested, True))
            message = (
                f"Query cost is {requested}, which exceeds the single query max cost limit "
                f"({SINGLE_QUERY_MAX})."
            )
            code = {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": SINGLE_QUERY_MAX}
            return JSONResponse({"errors": [{"message": message, "extensions": code}]})
        self._restore()
        if requested > self._available:
            self.throttled += 1
            self.requests.append((operation, requested, True))
            return JSONResponse(
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            },
                        }
                    ],
                    "extensions": {
                        "cost": {
                            "requestedQueryCost": requested,
                            "actualQueryCost": None,
                            "throttleStatus": self._status(),
                        }
                    },
                },
                status_code=self.options.throttled_http,
            )
        scope = _SCOPE_OF.get(operation)
        granted = set(self.scopes) | {"read_" + s.removeprefix("write_") for s in self.scopes}
        if scope and scope not in granted:
            self.requests.append((operation, requested, False))
            return JSONResponse(
                {
                    "errors": [
                        {
                            "message": f"Access denied. Required access: `{scope}` access scope.",
                            "extensions": {
                                "code": "ACCESS_DENIED",
                                "requiredAccess": f"`{scope}` access scope.",
                            },
                        }
                    ]
                }
            )
        self._available -= requested
        self._base = str(request.base_url).rstrip("/")
        data = handler(variables)
        mutation = bool(re.search(r"\bmutation\b", query))
        actual = requested if mutation else min(requested, actual_cost(data))
        self._available = min(self.options.bucket, self._available + (requested - actual))
        self.requests.append((operation, requested, False))
        cost = {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": self._status(),
        }
        return JSONResponse({"data": data, "extensions": {"cost": cost}})

    # --- operations: each returns its answer's data ------------------------------------------------
    def _operations(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {
            "LivedeskShop": self._op_shop,
            "LivedeskProducts": self._op_products,
            "LivedeskOrders": self._op_orders,
            "LivedeskOrderUpdates": self._op_order_updates,
            "LivedeskOrderDetails": self._op_order_details,
            "LivedeskVariantPrice": self._op_variant_price,
            "LivedeskSetQuantities": self._op_set_quantities,
            "LivedeskDiscountCreate": self._op_discount_create,
            "LivedeskDiscountDeactivate": self._op_discount_deactivate,
            "LivedeskBulkRun": self._op_bulk_run,
            "LivedeskBulkStatus": self._op_bulk_status,
        }

    def _op_shop(self, v: dict[str, Any]) -> Any:
        shop = {
            "name": self.options.shop_name,
            "currencyCode": self.options.currency,
            "myshopifyDomain": f"{self.shop}.myshopify.com",
        }
        scopes = [{"handle": s} for s in self.scopes]
        locations = {"nodes": [{"id": LOCATION, "name": "Shop location"}]}
        return {
            "shop": shop,
            "productsCount": {"count": len(self.products)},
            "locations": locations,
            "currentAppInstallation": {"accessScopes": scopes},
        }

    def _variant(self, v: Variant, location: str) -> dict[str, Any]:
        level = (
            {"quantities": [{"name": "available", "quantity": v.available}]}
            if location == LOCATION
            else None
        )
        return {
            "id": v.gid,
            "title": v.title,
            "price": money(v.price, self.digits),
            "compareAtPrice": money(v.compare_at, self.digits) if v.compare_at else None,
            "inventoryQuantity": v.available,
            "inventoryItem": {"id": v.item_gid, "inventoryLevel": level},
        }

    def _op_products(self, v: dict[str, Any]) -> Any:
        items = sorted(self.products.values(), key=lambda p: p.id)
        search = str(v.get("query") or "")
        if m := re.fullmatch(r"id:(\d+)", search.strip()):
            items = [p for p in items if p.id == int(m.group(1))]
        elif m := re.search(r"updated_at:(>=|<=|>|<)'?([^' ]+)'?", search):
            test = _COMPARE[m.group(1)]
            items = [p for p in items if test(iso(p.updated), m.group(2))]
        after = _uncursor(v.get("after"))
        if after is not None:
            items = [p for p in items if p.id > after]
        size = max(1, min(250, int(v.get("first") or 50)))
        page, more = items[:size], len(items) > size
        location = str(v.get("location") or "")
        nodes = [
            {
                "id": p.gid,
                "title": p.title,
                "status": p.status,
                "updatedAt": iso(p.updated),
                "featuredImage": {"url": f"https://cdn.shopify.com/s/files/standin/{p.id}.jpg"},
                "variants": {"nodes": [self._variant(x, location) for x in p.variants[:20]]},
            }
            for p in page
        ]
        end = _cursor(page[-1].id) if page else None
        return {"products": {"pageInfo": {"hasNextPage": more, "endCursor": end}, "nodes": nodes}}

    def _op_bulk_run(self, v: dict[str, Any]) -> Any:
        def fail(code: str, message: str) -> Any:
            err = {"field": ["query"], "message": message, "code": code}
            return {"bulkOperationRunQuery": {"bulkOperation": None, "userErrors": [err]}}

        query = str(v.get("query") or "")
        current = self.bulk[-1] if self.bulk else None
        if current is not None and current.status(self.options.bulk_error)[0] in (
            "CREATED",
            "RUNNING",
        ):
            return fail(
                "OPERATION_IN_PROGRESS",
                "A bulk query operation for this app and shop is already in progress: "
                f"{current.gid}.",
            )
        if not re.search(r"\bproducts\b", query) or "variants" not in query:
            return fail("INVALID", "The stand-in runs bulk queries of products with variants only.")
        m = re.search(r'locationId:\s*"([^"]+)"', query)
        location = m.group(1) if m else ""
        lines: list[bytes] = []
        items = sorted(self.products.values(), key=lambda p: p.id)
        for p in items:
            lines.append(
                orjson.dumps(
                    {
                        "id": p.gid,
                        "title": p.title,
                        "status": p.status,
                        "updatedAt": iso(p.updated),
                        "featuredImage": {
                            "url": f"https://cdn.shopify.com/s/files/standin/{p.id}.jpg"
                        },
                    }
                )
            )
            for x in p.variants:
                lines.append(orjson.dumps({**self._variant(x, location), "__parentId": p.gid}))
        op = BulkOperation(
            next(self._ids),
            query,
            lines,
            len(items),
            seconds=max(0.2, len(lines) / self.options.bulk_objects_per_s),
        )
        self.bulk.append(op)
        node = {"id": op.gid, "status": "CREATED"}
        return {"bulkOperationRunQuery": {"bulkOperation": node, "userErrors": []}}

    def _op_bulk_status(self, v: dict[str, Any]) -> Any:
        if not self.bulk:
            return {"currentBulkOperation": None}
        op = self.bulk[-1]
        error = self.options.bulk_error
        status, done = op.status(error)
        url = f"{self._base}/_bulk/{op.id}"
        return {
            "currentBulkOperation": {
                "id": op.gid,
                "status": status,
                "errorCode": error if status == "FAILED" else None,
                "createdAt": iso(op.created_at),
                "objectCount": str(int(len(op.lines) * done)),
                "rootObjectCount": str(int(op.roots * done)),
                "url": f"{url}.jsonl" if status == "COMPLETED" else None,
                "partialDataUrl": f"{url}-partial.jsonl" if status == "FAILED" else None,
            }
        }

    def _op_order_updates(self, v: dict[str, Any]) -> Any:
        answer = self._op_orders(v)
        for node in answer["orders"]["nodes"]:  # what LivedeskOrderUpdates selects
            for key in list(node):
                if key not in ("id", "updatedAt", "displayFinancialStatus"):
                    del node[key]
        return answer

    def _op_order_details(self, v: dict[str, Any]) -> Any:
        """``nodes(ids:)``: each order by its gid, null for an id that is not an order."""
        out: list[Any] = []
        for id_ in v.get("ids") or []:
            m = re.fullmatch(r"gid://shopify/Order/(\d+)", str(id_))
            order = self.orders.get(int(m.group(1))) if m else None
            out.append(self._order(order) if order else None)
        return {"nodes": out}

    def _op_orders(self, v: dict[str, Any]) -> Any:
        orders = sorted(self.orders.values(), key=lambda o: (iso(o.updated), o.id))
        search = str(v.get("query") or "")
        if m := re.search(r"updated_at:(>=|<=|>|<)'?([^' ]+)'?", search):
            test = _COMPARE[m.group(1)]
            orders = [o for o in orders if test(iso(o.updated), m.group(2))]
        after = _uncursor(v.get("after"))
        if after is not None:
            orders = [o for o in orders if [iso(o.updated), o.id] > after]
        size = max(1, min(250, int(v.get("first") or 50)))
        page, more = orders[:size], len(orders) > size
        nodes = [self._order(o) for o in page]
        end = _cursor([iso(page[-1].updated), page[-1].id]) if page else None
        return {"orders": {"pageInfo": {"hasNextPage": more, "endCursor": end}, "nodes": nodes}}

    def _order(self, o: Order) -> dict[str, Any]:
        currency = self.options.currency
        return {
            "id": f"gid://shopify/Order/{o.id}",
            "name": o.name,
            "createdAt": iso(o.created),
            "updatedAt": iso(o.updated),
            "displayFinancialStatus": o.financial,
            "customer": {
                "id": f"gid://shopify/Customer/{o.customer[0]}",
                "displayName": o.customer[1],
            }
            if o.customer
            else None,
            "lineItems": {
                "nodes": [
                    {
                        "id": f"gid://shopify/LineItem/{o.id}{i}",
                        "title": line.product.title,
                        "quantity": line.quantity,
                        "product": {"id": line.product.gid},
                        "variant": {"id": line.variant.gid, "title": line.variant.title},
                        "originalUnitPriceSet": {
                            "shopMoney": {
                                "amount": money(line.unit, self.digits),
                                "currencyCode": currency,
                            }
                        },
                        "discountedTotalSet": {
                            "shopMoney": {
                                "amount": money(line.unit * line.quantity, self.digits),
                                "currencyCode": currency,
                            }
                        },
                    }
                    for i, line in enumerate(o.lines)
                ]
            },
        }

    def _op_variant_price(self, v: dict[str, Any]) -> Any:
        def fail(field_: list[str], message: str) -> Any:
            return {
                "productVariantsBulkUpdate": {
                    "productVariants": None,
                    "userErrors": [{"field": field_, "message": message}],
                }
            }

        try:
            product = self._product(v["productId"])
        except (KeyError, ValueError):
            return fail(["productId"], "Product does not exist")
        by_gid = {x.gid: x for x in product.variants}
        changes: list[tuple[Variant, int]] = []
        for i, item in enumerate(v.get("variants") or []):
            variant = by_gid.get(str(item.get("id")))
            if variant is None:
                return fail(["variants", str(i), "id"], "Product variant does not exist")
            price = _cents(str(item.get("price", "0")), self.digits)
            if price < 0:
                return fail(
                    ["variants", str(i), "price"], "Price must be greater than or equal to 0"
                )
            changes.append((variant, price))
        for variant, price in changes:
            variant.price = price
        product.updated = time.time()
        out = [{"id": x.gid, "price": money(x.price, self.digits)} for x, _ in changes]
        return {"productVariantsBulkUpdate": {"productVariants": out, "userErrors": []}}

    def _op_set_quantities(self, v: dict[str, Any]) -> Any:
        data = v.get("input") or {}

        def fail(code: str, field_: list[str], message: str) -> Any:
            return {
                "inventorySetQuantities": {
                    "inventoryAdjustmentGroup": None,
                    "userErrors": [{"code": code, "field": field_, "message": message}],
                }
            }

        if data.get("name") not in ("available", "on_hand"):
            return fail(
                "INVALID_NAME",
                ["input", "name"],
                "The quantity name must be either 'available' or 'on_hand'.",
            )
        items = {x.item_gid: (p, x) for p in self.products.values() for x in p.variants}
        plan: list[tuple[Product, Variant, int]] = []
        for i, row in enumerate(data.get("quantities") or []):
            where = ["input", "quantities", str(i)]
            found = items.get(str(row.get("inventoryItemId")))
            if found is None:
                return fail(
                    "INVALID_INVENTORY_ITEM",
                    [*where, "inventoryItemId"],
                    "The specified inventory item could not be found.",
                )
            if row.get("locationId") != LOCATION:
                return fail(
                    "INVALID_LOCATION",
                    [*where, "locationId"],
                    "The specified location could not be found.",
                )
            quantity = int(row.get("quantity"))
            if quantity < 0:
                return fail(
                    "INVALID_QUANTITY_NEGATIVE",
                    [*where, "quantity"],
                    "The quantity can't be negative.",
                )
            if not data.get("ignoreCompareQuantity"):
                if row.get("compareQuantity") is None:
                    return fail(
                        "COMPARE_QUANTITY_REQUIRED",
                        [*where, "compareQuantity"],
                        "The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity.",
                    )
                if int(row["compareQuantity"]) != found[1].available:
                    return fail(
                        "COMPARE_QUANTITY_STALE",
                        [*where, "compareQuantity"],
                        "The compareQuantity value does not match persisted value.",
                    )
            plan.append((found[0], found[1], quantity))
        changes = []
        for product, variant, quantity in plan:
            changes.append(
                {
                    "name": data["name"],
                    "delta": quantity - variant.available,
                    "quantityAfterChange": quantity,
                }
            )
            variant.available = quantity
            product.updated = time.time()
        group = {"reason": data.get("reason", "correction"), "changes": changes}
        return {"inventorySetQuantities": {"inventoryAdjustmentGroup": group, "userErrors": []}}

    def _discount_node(self, d: Discount) -> dict[str, Any]:
        return {
            "id": f"gid://shopify/DiscountCodeNode/{d.id}",
            "codeDiscount": {
                "title": d.input.get("title", d.code),
                "status": d.status,
                "startsAt": d.input.get("startsAt"),
                "endsAt": d.input.get("endsAt"),
                "usageLimit": d.input.get("usageLimit"),
                "asyncUsageCount": d.used,
                "codes": {"nodes": [{"code": d.code}]},
            },
        }

    def _op_discount_create(self, v: dict[str, Any]) -> Any:
        data = v.get("basicCodeDiscount") or {}

        def fail(code: str, field_: list[str], message: str) -> Any:
            return {
                "discountCodeBasicCreate": {
                    "codeDiscountNode": None,
                    "userErrors": [
                        {"code": code, "field": ["basicCodeDiscount", *field_], "message": message}
                    ],
                }
            }

        code = str(data.get("code") or "")
        if not code:
            return fail("BLANK", ["code"], "Code can't be blank")
        if any(d.code.lower() == code.lower() for d in self.discounts.values()):
            return fail("TAKEN", ["code"], "Code must be unique. Please try a different code.")
        value = ((data.get("customerGets") or {}).get("value")) or {}
        if "percentage" in value and not 0 < float(value["percentage"]) <= 1:
            return fail(
                "VALUE_OUTSIDE_RANGE",
                ["customerGets", "value", "percentage"],
                "Value must be between 0.0 and 1.0",
            )
        amount = (value.get("discountAmount") or {}).get("amount")
        if "percentage" not in value and (amount is None or _cents(str(amount), self.digits) <= 0):
            return fail(
                "GREATER_THAN",
                ["customerGets", "value", "discountAmount", "amount"],
                "Value must be greater than 0",
            )
        d = Discount(next(self._ids), code, data)
        self.discounts[d.id] = d
        return {
            "discountCodeBasicCreate": {
                "codeDiscountNode": self._discount_node(d),
                "userErrors": [],
            }
        }

    def _op_discount_deactivate(self, v: dict[str, Any]) -> Any:
        try:
            d = self.discounts[int(str(v.get("id")).rsplit("/", 1)[-1])]
        except (KeyError, ValueError):
            err = {"code": "INVALID", "field": ["id"], "message": "Discount does not exist"}
            return {"discountCodeDeactivate": {"codeDiscountNode": None, "userErrors": [err]}}
        d.status = "EXPIRED"
        return {
            "discountCodeDeactivate": {"codeDiscountNode": self._discount_node(d), "userErrors": []}
        }

    def discount_by_code(self, code: str) -> Discount | None:
        return next((d for d in self.discounts.values() if d.code == code), None)
