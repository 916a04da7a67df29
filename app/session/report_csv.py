"""CSV exports of a recorded session: events, orders, per-product and explain files (UTF-8 with a
BOM so Excel reads Chinese), headers and names in Chinese or English from the one catalog
(``translator(lang)``, :mod:`app.names`, :mod:`app.session.columns`).

CSV cells are safe to open in a spreadsheet: a text cell that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return — a viewer's nickname such as
``=HYPERLINK(…)``) is written with a leading ``'`` (OWASP's CSV injection advice). Exports carry no
secret: an event's stream key (a file recorded before it was kept out) is left out of events.csv.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from app.i18n import tr_noop, translator
from app.names import event_name, value_name
from app.session.attribution import explain_log, per_product
from app.session.columns import EXPLAIN_HEADERS, PRODUCT_HEADERS, explain_cells, product_cells
from app.session.redact import redact_value
from app.session.replay import SessionFile

ORDER_HEADERS = [
    tr_noop("订单号"),
    tr_noop("下单时间"),
    tr_noop("昵称"),
    tr_noop("商品"),
    tr_noop("数量"),
    tr_noop("金额（分）"),
    tr_noop("状态"),
    tr_noop("优惠券"),
    tr_noop("币种"),  # of the amount (ISO 4217): the recording's
]

#: a spreadsheet runs a cell starting with one of these as a formula (OWASP: CSV injection)
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A cell as written to CSV: text that a spreadsheet would run as a formula gets a leading
    ``'`` (shown as text); numbers and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_LEAD):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through :func:`csv_cell` (every CSV LiveDesk writes)."""

    def __init__(self, fh: Any) -> None:
        self._w = csv.writer(fh)

    def writerow(self, row: Iterable[object]) -> None:
        self._w.writerow([csv_cell(c) for c in row])


def write_csv(f: SessionFile, folder: Path, *, lang: str = "zh_CN") -> list[Path]:
    """events.csv, orders.csv, products.csv, explains.csv (UTF-8 with BOM so Excel reads
    Chinese). Order statuses and event types are named in ``lang``; the events file keeps the
    platform's type identifier beside the name."""
    tr = translator(lang)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f.path.name.split(".")[0]
    ev_path = folder / f"{stem}_events.csv"
    with ev_path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = SafeCsvWriter(fh)
        w.writerow([tr("序号"), tr("时间戳"), tr("类型"), tr("事件"), tr("数据")])
        for ev in f.iter_raw_events():
            t = ev["type"]
            w.writerow(
                [
                    ev["seq"],
                    ev["ts"],
                    t,
                    event_name(t, tr),
                    orjson.dumps(redact_value(ev["data"])).decode(),
                ]
            )
    or_path = folder / f"{stem}_orders.csv"
    with or_path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = SafeCsvWriter(fh)
        w.writerow([tr(h) for h in ORDER_HEADERS])
        for o in f.all_orders():
            w.writerow(
                [
                    o.id,
                    time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(o.created_ts)),
                    o.nickname,
                    o.product_title or o.product_id,
                    o.quantity,
                    o.amount_cents,
                    value_name(o.status, tr),
                    o.coupon_id or "",
                    f.currency,
                ]
            )
    pr_path = folder / f"{stem}_products.csv"
    with pr_path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = SafeCsvWriter(fh)
        w.writerow([tr("商品 ID"), *(tr(h) for h in PRODUCT_HEADERS)])
        for r in per_product(f):
            w.writerow([r.product_id, *product_cells(r, f.currency)])
    ex_path = folder / f"{stem}_explains.csv"
    with ex_path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = SafeCsvWriter(fh)
        w.writerow([tr("商品 ID"), *(tr(h) for h in EXPLAIN_HEADERS)])
        for x in explain_log(f):
            w.writerow([x.product_id, *explain_cells(x, f.currency)])
    return [ev_path, or_path, pr_path, ex_path]
