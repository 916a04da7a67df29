"""The demo catalog (app/resources/catalog/catalog.json) seeded into a new sandbox room."""

from __future__ import annotations

from typing import Any

import orjson

from app.api import resource

CATALOG_DIR = resource("catalog")
CATALOG_FILE = CATALOG_DIR / "catalog.json"
IMAGES_DIR = CATALOG_DIR / "products"  # served at /static/products/


def load_catalog() -> tuple[str, list[dict[str, Any]]]:
    """(room title, products as contract-shaped dicts with ``sold: 0``, ``reserved: 0`` and ``listed: True``)."""
    raw = orjson.loads(CATALOG_FILE.read_bytes())
    products: list[dict[str, Any]] = []
    for p in raw["products"]:
        products.append(
            {
                "id": p["id"],
                "title": p["title"],
                "category": p.get("category", ""),
                "price_cents": int(p["price_cents"]),
                "original_price_cents": p.get("original_price_cents"),
                "stock": int(p["stock"]),
                "listed": True,
                "sold": 0,
                "reserved": 0,
                "skus": [{"id": s["id"], "name": s["name"]} for s in p.get("skus", [])],
                "selling_points": list(p.get("selling_points", [])),
                "image_url": p.get("image_url"),
            }
        )
    return str(raw.get("room_title", "沙盒直播间")), products
