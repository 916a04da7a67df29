"""``livedesk report SESSION_FILE --format html|pdf|csv|json [--lang zh_CN|en] [--out PATH]``:
a recorded session's report without a window, for batch reports.

- ``html``: the report page (app/session/report.py), one self-contained file;
- ``pdf``: the same page printed (ui/replay/pdf.py: Chromium through Qt WebEngine in a child
  process, else QTextDocument). It needs Qt's GUI libraries, not a display: without
  ``$DISPLAY``/``$WAYLAND_DISPLAY`` the command sets ``QT_QPA_PLATFORM=offscreen`` itself;
- ``csv``: a folder (``--out``, default beside the file) with events, orders, products,
  explains (app/session/report_csv.py) and ``<stem>_score.csv``;
- ``json``: ``summary`` (the 下播总结's figures), ``products`` (per-product results),
  ``explains`` (the explain log), ``score`` (``total``; per component ``name``, ``raw``,
  ``normalised``, ``weight``, ``target``, ``basis``: app/session/score.py).

The score is measured against the sessions in the file's folder with the saved settings'
weights and targets (settings ``review``). Without ``--out`` the output is written beside the
session file (json: to standard output). A file that cannot be read — damaged, hostile, missing
— ends with exit status 1 and the reason on standard error, never a traceback. This module lives
in ``ui`` only because of the PDF (Qt); html, csv and json never import Qt.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.i18n import set_language, translator
from app.session.attribution import explain_log, per_product
from app.session.replay import SessionFile
from app.session.report_csv import SafeCsvWriter, write_csv
from app.session.safe_open import SessionFileError
from app.session.score import Score, basis_text, component_name, raw_text, score_file
from app.session.summary import read as read_summary

FORMATS = ("html", "pdf", "csv", "json")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="livedesk report",
        description="Write a recorded session's report (with its replay score) without a window.",
    )
    p.add_argument("session_file", type=Path, help="a .livedesk session file")
    p.add_argument("--format", choices=FORMATS, default="html", help="output format")
    p.add_argument("--lang", choices=("zh_CN", "en"), default="zh_CN", help="report language")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output file (a folder for csv); default: beside the session file (json: stdout)",
    )
    return p


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def report_json(f: SessionFile, sc: Score) -> dict[str, Any]:
    """The JSON document: summary, per-product results, the explain log and the score."""
    show = read_summary(f)
    s = show.summary
    summary = {
        "room": s.room,
        "session_id": s.session_id,
        "started_ts": s.started_ts,
        "ended_ts": s.ended_ts,
        "duration_s": s.duration_s,
        "gmv_cents": s.gmv_cents,
        "paid_gmv_cents": s.paid_gmv_cents,
        "orders": s.orders,
        "paid_orders": show.paid_orders,
        "refunded_orders": show.refunded_orders,
        "buyers": show.buyers,
        "uv": show.uv,
        "conversion": show.conversion,
        "comments": s.comments,
        "peak_online": s.peak_online,
        "events": s.events,
        "alerts": _jsonable(show.alerts),
    }
    products = []
    for r in per_product(f):
        row = _jsonable(r)
        row.pop("explains", None)  # the explain log below has each window
        row["conversion"] = r.conversion
        products.append(row)
    explains = []
    for w in explain_log(f):
        row = _jsonable(w)
        row["duration_s"] = w.duration_s
        row["conversion"] = w.conversion
        explains.append(row)
    return {
        "file": str(f.path),
        "summary": summary,
        "products": products,
        "explains": explains,
        "score": sc.as_dict(),
    }


def write_score_csv(sc: Score, path: Path, lang: str) -> Path:
    tr = translator(lang)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = SafeCsvWriter(fh)
        w.writerow([tr("指标"), tr("原始值"), tr("得分（0–100）"), tr("权重"), tr("满分基准")])
        for c in sc.components:
            name, raw = component_name(c.name, tr), raw_text(c.name, c.raw, c.currency)
            w.writerow([name, raw, c.normalised, c.weight, basis_text(c, tr)])
        w.writerow([tr("综合评分（0–100）"), "", sc.total, "", ""])
    return path


def _pdf(f: SessionFile, out: Path, lang: str, sc: Score) -> None:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ui.replay.pdf import write_pdf

    _app = QApplication.instance() or QApplication([sys.argv[0]])
    asyncio.run(write_pdf(f, out, lang=lang, score=sc))


def run(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    set_language(args.lang)  # SessionFileError's message and every word in the user's language
    path: Path = args.session_file
    fmt: str = args.format
    stem = path.name.split(".")[0]
    try:
        with SessionFile(path) as f:
            sc = score_file(f)
            if fmt == "json":
                text = json.dumps(report_json(f, sc), ensure_ascii=False, indent=1)
                if args.out is None:
                    print(text)
                    return 0
                args.out.write_text(text + "\n", encoding="utf-8")
                out = args.out
            elif fmt == "html":
                from app.session.report import write_html

                out = args.out or path.with_name(f"{stem}_report.html")
                write_html(f, out, lang=args.lang, score=sc)
            elif fmt == "csv":
                folder = args.out or path.with_name(f"{stem}_csv")
                write_csv(f, folder, lang=args.lang)
                write_score_csv(sc, folder / f"{stem}_score.csv", args.lang)
                out = folder
            else:
                out = args.out or path.with_name(f"{stem}_report.pdf")
                _pdf(f, out, args.lang, sc)
    except SessionFileError as exc:
        print(f"livedesk report: {path}: {exc.message()}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        print(
            f"livedesk report: {path}: {SessionFileError('damaged', str(exc)).message()}",
            file=sys.stderr,
        )
        return 1
    except OSError as exc:
        print(f"livedesk report: {exc}", file=sys.stderr)
        return 1
    print(str(out), file=sys.stderr)
    return 0
