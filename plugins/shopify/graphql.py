"""Shopify's Admin GraphQL API as LiveDesk calls it: one endpoint, a pinned version, the
cost-based throttle respected.

:class:`Admin` wraps one ``httpx.AsyncClient``. Every request is ``POST {base}/admin/api/
{API_VERSION}/graphql.json`` with the header ``X-Shopify-Access-Token``; ``base`` is
``https://{shop}.myshopify.com`` unless ``LIVEDESK_SHOPIFY_BASE`` replaces it (a ``{shop}`` in
it is filled in with the shop's handle).

Guarantees:

- The throttle (Shopify: a leaky bucket per app and store, its state in every answer's
  ``extensions.cost.throttleStatus`` {maximumAvailable, currentlyAvailable, restoreRate}):
  :class:`Throttle` remembers the last status and, before a query, waits until the bucket has
  restored what that operation cost the last time (its ``requestedQueryCost``; the first time
  :func:`estimate`). An answer with ``errors[].extensions.code == "THROTTLED"`` (HTTP 200 or 429)
  waits the time the bucket needs and sends the same query again (:attr:`Admin.throttled`
  counts them); nothing is dropped.
- Failures are :class:`AdminError` (``status``: the HTTP status; ``code``: Shopify's error code
  such as ``ACCESS_DENIED``, or ``http_401``/``http_404``) or :class:`Unreachable` (network,
  timeout, a body that is not JSON). ``userErrors`` of a mutation are not exceptions: the caller
  reads them from the data.
- Client credentials (a Dev Dashboard app's client id and secret, :class:`ClientCredentials`):
  an access token is obtained with ``POST {base}/admin/oauth/access_token``
  (``grant_type=client_credentials``; Shopify's tokens live ``expires_in`` ≈ 24 h), renewed
  before it expires (a fifth of its life left, at most 5 minutes) and, once, when Shopify
  answers 401 earlier: the query that met the 401 is sent again with the new token, so no poll
  is lost. A refused client id or secret is :class:`AdminError` 401 ``invalid_client``.
- The token and the client secret never appear in an exception or a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

#: the Admin API version LiveDesk is written and tested against (Shopify supports each for a year)
API_VERSION = "2025-01"
DEFAULT_BASE = "https://{shop}.myshopify.com"
MAX_RETRIES = 20


class AdminError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class Unreachable(Exception):
    pass


@dataclass
class Throttle:
    """The bucket as Shopify last reported it, extrapolated by its restore rate."""

    maximum: float = 1000.0
    available: float = 1000.0
    restore_rate: float = 50.0
    at: float = field(default_factory=time.monotonic)
    #: operation name → its last requested cost
    costs: dict[str, float] = field(default_factory=dict)
    used: float = 0.0  # actual cost of every answered query
    waited: float = 0.0  # seconds spent waiting for the bucket

    def now_available(self) -> float:
        elapsed = time.monotonic() - self.at
        return min(self.maximum, self.available + elapsed * self.restore_rate)

    def wait_for(self, cost: float) -> float:
        """Seconds to wait before a query of ``cost`` fits (0: now)."""
        missing = min(cost, self.maximum) - self.now_available()
        return max(0.0, missing / max(self.restore_rate, 1e-6))

    def update(self, extensions: Any, operation: str) -> bool:
        """Take in an answer's ``extensions``; True when it carried the bucket's status."""
        cost = extensions.get("cost") if isinstance(extensions, dict) else None
        if not isinstance(cost, dict):
            return False
        requested = cost.get("requestedQueryCost")
        if isinstance(requested, int | float):
            self.costs[operation] = float(requested)
        actual = cost.get("actualQueryCost")
        if isinstance(actual, int | float):
            self.used += float(actual)
        status = cost.get("throttleStatus")
        if isinstance(status, dict):
            self.maximum = float(status.get("maximumAvailable") or self.maximum)
            self.available = float(status.get("currentlyAvailable") or 0.0)
            self.restore_rate = float(status.get("restoreRate") or self.restore_rate)
            self.at = time.monotonic()
            return True
        return False


def estimate(query: str, variables: dict[str, Any]) -> float:
    """What a query will cost before Shopify has said (then: its last requestedQueryCost):
    :func:`query_cost`."""
    return float(query_cost(query, variables))


def query_cost(query: str, variables: dict[str, Any]) -> int:
    """Shopify's requested cost of ``query`` (shopify.dev, "Calculating query cost"): each
    object 1, each connection 2 + its ``first`` × the cost of one of its nodes (so nested
    connections multiply), scalars 0; a mutation 10."""
    if re.search(r"\bmutation\b", query):
        return 10
    cost, _ = _selection_cost(query[query.index("{") :], 0, variables)
    return cost


_FIELD = re.compile(
    r"\s*(?:\.\.\.\s*on\s+\w+\s*)?(\w+)\s*(?::\s*\w+\s*)?(\((?:[^()]|\([^()]*\))*\))?\s*"
)
_FIRST_ARG = re.compile(r"\bfirst:\s*(\$\w+|\d+)")
_FRAGMENT = re.compile(r"\s*\.\.\.\s*on\s+\w+\s*")
_IDS_ARG = re.compile(r"\bids:\s*(\$\w+|\[[^\]]*\])")


def _selection_cost(text: str, i: int, variables: dict[str, Any]) -> tuple[int, int]:
    """The cost of the selection set opening at ``text[i] == "{"``, and where it ends."""
    cost, i = 0, i + 1
    while i < len(text):
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text) or text[i] == "}":
            return cost, i + 1
        fragment = _FRAGMENT.match(text, i)
        if fragment is not None and text.startswith("{", fragment.end()):
            child, i = _selection_cost(text, fragment.end(), variables)
            cost += child  # an inline fragment: the fields of the object it is in
            continue
        m = _FIELD.match(text, i)
        if m is None or m.end() == i:
            i += 1  # not a field (a stray token): skip it
            continue
        args, i = m.group(2) or "", m.end()
        if i < len(text) and text[i] == "{":
            child, i = _selection_cost(text, i, variables)
            first = _FIRST_ARG.search(args)
            ids = _IDS_ARG.search(args)
            if first:
                value = first.group(1)
                n = int(variables.get(value[1:], 0) if value.startswith("$") else value)
                cost += 2 + n * child
            elif ids:  # nodes(ids: …): a list of objects, each 1 + its fields
                value = ids.group(1)
                listed = variables.get(value[1:]) if value.startswith("$") else value.split(",")
                cost += len(listed or [None]) * (1 + child)
            else:
                cost += 1 + child  # an object (``nodes`` of a connection: each node)
    return cost, i


def endpoint(base: str, shop: str) -> str:
    return f"{base.replace('{shop}', shop).rstrip('/')}/admin/api/{API_VERSION}/graphql.json"


def token_endpoint(base: str, shop: str) -> str:
    return f"{base.replace('{shop}', shop).rstrip('/')}/admin/oauth/access_token"


@dataclass(frozen=True)
class ClientCredentials:
    """A Dev Dashboard app's client id and secret: exchanged for expiring access tokens."""

    client_id: str
    client_secret: str = field(repr=False)


class Admin:
    def __init__(
        self,
        base: str,
        shop: str,
        token: str,
        *,
        client: ClientCredentials | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.url = endpoint(base, shop)
        self.token_url = token_endpoint(base, shop)
        self.shop = shop
        self._token = token
        self._client = client
        self._refresh_at = 0.0  # monotonic time the client-credentials token is renewed
        self.tokens = 0  # access tokens obtained with the client credentials
        self._http = httpx.AsyncClient(timeout=timeout)
        self.throttle = Throttle()
        self.queries = 0  # requests answered (throttled ones included)
        self.throttled = 0  # THROTTLED answers (each retried)
        self._lock = asyncio.Lock()  # one request at a time: the bucket is shared
        #: Shopify's clock (the last answer's Date header, Unix s), when it sent one
        self.date: float | None = None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def run(self, operation: str, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The ``data`` of ``query`` (named ``operation``), after waiting for the bucket and
        retrying THROTTLED answers. Raises :class:`AdminError` for other errors."""
        # the same operation with another page size (or number of ids) costs another amount
        given = variables or {}
        ids = given.get("ids")
        kind = f"{operation}:{given.get('first', '')}:{len(ids) if isinstance(ids, list) else ''}"
        async with self._lock:
            renewed = False
            for _ in range(MAX_RETRIES):
                if self._client is not None and time.monotonic() >= self._refresh_at:
                    await self._new_token()
                cost = self.throttle.costs.get(kind) or estimate(query, variables or {})
                delay = self.throttle.wait_for(cost)
                if delay > 0:
                    self.throttle.waited += delay
                    await asyncio.sleep(delay)
                try:
                    body, status = await self._post(operation, query, variables)
                except AdminError as exc:
                    # a client-credentials token refused before its time (revoked, the app
                    # reinstalled): a new one, and the same query again, once
                    if exc.status != 401 or self._client is None or renewed:
                        raise
                    renewed = True
                    self._refresh_at = 0.0
                    continue
                self.queries += 1
                extensions = body.get("extensions") if isinstance(body, dict) else None
                told = self.throttle.update(extensions, kind)
                errors = body.get("errors") if isinstance(body, dict) else None
                code, message = _first_error(errors) if errors else ("", "")
                if code == "THROTTLED" or status == 429:
                    self.throttled += 1
                    if not told:  # no bucket status in the answer: assume it is empty
                        self.throttle.available, self.throttle.at = 0.0, time.monotonic()
                    continue  # the bucket's status says how long to wait
                if errors:
                    raise AdminError(status, code or f"http_{status}", message)
                if status >= 400:
                    raise AdminError(status, f"http_{status}", str(body)[:200])
                data = body.get("data") if isinstance(body, dict) else None
                if data is None:
                    raise Unreachable(f"{operation}: an answer without data")
                return data
            raise AdminError(429, "THROTTLED", "still throttled after retries")

    async def _new_token(self) -> None:
        """An access token for the client credentials (``POST /admin/oauth/access_token``,
        ``grant_type=client_credentials``), renewed when a fifth of its life (at most 5 minutes)
        is left. Refused: :class:`AdminError` 401 ``invalid_client``."""
        assert self._client is not None
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client.client_id,
            "client_secret": self._client.client_secret,
        }
        try:
            r = await self._http.post(self.token_url, data=form)
        except httpx.HTTPError as exc:
            raise Unreachable(f"access token: {type(exc).__name__}") from None
        try:
            body = r.json()
        except ValueError:
            body = {}
        token = body.get("access_token") if isinstance(body, dict) else None
        if r.status_code >= 400 or not token:
            if r.status_code >= 500:
                raise Unreachable(f"access token: {r.status_code}")
            error = body.get("error") if isinstance(body, dict) else None
            raise AdminError(401, "invalid_client", str(error or r.status_code))
        lifetime = float(body.get("expires_in") or 86399)
        now = time.monotonic()
        self._token = str(token)
        self._refresh_at = now + lifetime - min(300.0, lifetime / 5)
        self.tokens += 1

    async def jsonl(self, url: str) -> list[Any]:
        """The objects of a JSONL file at ``url`` (a bulk operation's result: a signed storage
        URL, fetched without the token)."""
        try:
            r = await self._http.get(url, timeout=120.0)
            r.raise_for_status()
            return [orjson.loads(line) for line in r.content.splitlines() if line.strip()]
        except (httpx.HTTPError, orjson.JSONDecodeError) as exc:
            raise Unreachable(f"bulk result: {type(exc).__name__}") from None

    async def _post(
        self, operation: str, query: str, variables: dict[str, Any] | None
    ) -> tuple[Any, int]:
        headers = {"X-Shopify-Access-Token": self._token, "Content-Type": "application/json"}
        payload = {"query": query, "operationName": operation, "variables": variables or {}}
        try:
            r = await self._http.post(self.url, json=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise Unreachable(f"{operation}: {type(exc).__name__}") from None
        date = r.headers.get("date")
        if date:
            with contextlib.suppress(TypeError, ValueError):
                self.date = email.utils.parsedate_to_datetime(date).timestamp()
        try:
            body = r.json()
        except ValueError:
            if r.status_code >= 400:
                raise AdminError(r.status_code, f"http_{r.status_code}", r.text[:200]) from None
            raise Unreachable(f"{operation}: {r.status_code}, not JSON") from None
        if r.status_code in (401, 402, 403, 404, 423) and isinstance(body, dict):
            raise AdminError(r.status_code, f"http_{r.status_code}", str(body.get("errors", "")))
        return body, r.status_code


def _first_error(errors: Any) -> tuple[str, str]:
    if isinstance(errors, str):
        return "", errors
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        ext = errors[0].get("extensions") or {}
        code = ext.get("code", "") if isinstance(ext, dict) else ""
        return str(code), str(errors[0].get("message", ""))
    return "", str(errors)[:200]


# --- money and ids ---------------------------------------------------------------------------
def cents(amount: str | float | int, digits: int = 2) -> int:
    """``"12.34"`` → 1234: a decimal (Shopify sends them as strings) in the currency's minor units,
    ``digits`` of them after the point (``app.api.minor_digits``: JPY ``"1500.0"`` → 1500 with 0,
    KWD ``"1.234"`` → 1234 with 3); digits past those are dropped."""
    text = str(amount).strip()
    whole, _, frac = text.partition(".")
    sign = -1 if whole.startswith("-") else 1
    whole = whole.lstrip("-") or "0"
    part = int((frac + "0" * digits)[:digits]) if digits else 0
    return sign * (int(whole) * 10**digits + part)


def decimal(amount_cents: int, digits: int = 2) -> str:
    """1234 → ``"12.34"``: minor units back to Shopify's decimal (JPY, 0 digits: ``"1234"``)."""
    sign = "-" if amount_cents < 0 else ""
    whole, frac = divmod(abs(amount_cents), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}"


def tail(gid: str) -> str:
    """``gid://shopify/Product/123`` → ``123``."""
    return gid.rsplit("/", 1)[-1]


def gid(kind: str, id_: str) -> str:
    return id_ if id_.startswith("gid://") else f"gid://shopify/{kind}/{id_}"
