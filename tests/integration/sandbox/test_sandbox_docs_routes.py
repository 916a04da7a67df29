"""docs/platform-api.md and the sandbox server name the same routes, both ways: every route the
docs give exists (method and path), and every room route the server has is documented — so the
contract page cannot drift from the platform (issue 13 found an overlay doc URL that was a 404)."""

from __future__ import annotations

import re
from pathlib import Path

from plugins.sandbox.engine import RoomEngine
from plugins.sandbox.server import R, create_app
from plugins.sandbox.store import Store

DOC = Path(__file__).resolve().parents[3] / "docs" / "platform-api.md"
ROUTE = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)?[^`]*`")


def _norm(method: str, path: str) -> tuple[str, str]:
    """Path parameters compared by position, not by name (``{id}`` in the docs, ``{order_id}``
    in the code); no trailing slash."""
    return method, re.sub(r"\{[^}]+\}", "{}", path).rstrip("/")


def documented() -> set[tuple[str, str]]:
    out = set()
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            for method, path in ROUTE.findall(first_cell):
                out.add(_norm(method, path or ""))
    return out


def served(tmp_path: Path) -> set[tuple[str, str]]:
    store = Store(tmp_path / "sandbox.db")
    try:
        app = create_app(RoomEngine(store, viewers=0), debug_routes=True)
        out = set()
        for path, ops in app.openapi()["paths"].items():
            if path.startswith(R):
                rel = path[len(R) :]
                out |= {_norm(method.upper(), rel) for method in ops}
        return out
    finally:
        store.close()


def test_the_docs_and_the_sandbox_have_the_same_room_routes(tmp_path: Path) -> None:
    docs, code = documented(), served(tmp_path)
    assert len(docs) > 30  # the tables were read
    assert docs - code == set(), "documented but not served"
    assert code - docs == set(), "served but not documented"
