"""The HTML report of a recorded session: one self-contained page (charts as inline SVG from
:mod:`app.session.report_charts`), in Chinese or English. CSV exports are in
:mod:`app.session.report_csv`.

The HTML has no external resources (no scripts, fonts or images to fetch): it opens anywhere and
can be mailed as one file. All user text (nicknames, comments, titles) is HTML-escaped.

Every word comes from the one translation catalog through ``translator(lang)``
(:mod:`app.i18n`), with the names of :mod:`app.names` and the columns of
:mod:`app.session.columns`: the English report says exactly what the English replay window says.
This module holds no per-language table.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Sequence
from pathlib import Path

from app.drill.report import headers as drill_headers
from app.drill.report import rows as drill_rows
from app.drill.report import summary as drill_summary
from app.format import SYMBOLS, hms, time_of_day
from app.format import money as format_money
from app.i18n import Translate, translator
from app.live import blind_box
from app.live.lottery_verify import Verification
from app.names import marker_name, value_name
from app.session.actions import action_log, action_log_html
from app.session.attribution import explain_log, per_product
from app.session.columns import (
    EXPLAIN_HEADERS,
    MONEY_HEADERS,
    PRODUCT_HEADERS,
    RAIN_HEADERS,
    explain_cells,
    product_cells,
    rain_cells,
)
from app.session.money import Money, per_minute, totals
from app.session.quizzes import QUIZ_HEADERS, quiz_alarm, quiz_cells, quizzes_of
from app.session.replay import SessionFile, Summary
from app.session.report_charts import charts_svg, marks_legend
from app.session.score import Score, basis_text, component_name, raw_text, score_file


def _is_number(c: object) -> bool:
    if isinstance(c, bool):
        return False
    if isinstance(c, int | float):
        return True
    return isinstance(c, str) and (
        _MONEY.match(c) is not None or (c.endswith("%") and c[:1].isdigit())
    )


#: an amount as app.format.money writes it: "¥1,234.56", "-$1.50", "JP¥1,500", "1,234.56 XYZ"
_MONEY = re.compile(
    "^-?(?:(?:"
    + "|".join(re.escape(v) for v in sorted(SYMBOLS.values(), key=len, reverse=True))
    + r")[\d,]+(?:\.\d+)?|[\d,]+(?:\.\d+)? [A-Z]{3})$"
)


def _lottery_failures(v: Verification, tr: Translate) -> list[str]:
    """Why a drawn lottery failed verification, in the report's language."""
    out = []
    if not v.start_seen:
        out.append(tr("录制中没有开始时的承诺值"))
    elif v.commitment_changed:
        out.append(tr("开奖时附带的承诺值与开始时公布的不同（种子在看到参与者后才选）"))
    elif not v.commitment_ok:
        out.append(tr("种子与开始时的承诺值不符"))
    if not v.digest_ok:
        out.append(tr("参与者名单与摘要不符"))
    if not v.winners_ok:
        out.append(tr("按公开算法复算的中奖者与公布不一致"))
    if not v.prizes_ok:
        out.append(tr("按公开算法复算的盲盒奖品与公布不一致"))
    return out


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Cells escaped; numbers, money and percentages right-aligned (class "n")."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{html.escape(str(c))}</td>'
            if _is_number(c)
            else f"<td>{html.escape(str(c))}</td>"
            for c in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _h2(text: str) -> str:
    return f"<h2>{html.escape(text)}</h2>"


CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:22px 0 8px;border-bottom:2px solid #eee}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.kpi{background:#f5f7fa;border-radius:6px;padding:8px 14px;min-width:110px}
.kpi b{display:block;font-size:18px} .kpi span{color:#666;font-size:12px}
table{border-collapse:collapse;font-size:12px;margin:6px 0} th,td{border:1px solid #ddd;padding:3px 7px}
th{background:#f0f2f5} td{white-space:nowrap} td.n{text-align:right} .note{color:#666;font-size:12px} .warn{color:#c62828}
.fail{color:#b71c1c;background:#ffebee;border:2px solid #c62828;padding:6px 10px;font-weight:700}
.cols{display:flex;gap:24px;flex-wrap:wrap}
.legend{font-size:12px;color:#444;margin:4px 0 0 60px} .legend span{padding:0 12px 0 6px}
"""


def summary_kpis(s: Summary, tr: Translate, money: Money | None = None) -> str:
    """The KPI tiles; with ``money`` (app/session/money.py), gift value and paid messages too."""
    items = [
        (tr("成交额"), format_money(s.gmv_cents, s.currency)),
        (tr("已支付成交额"), format_money(s.paid_gmv_cents, s.currency)),
        (tr("订单"), f"{s.orders:,}"),
        (tr("评论"), f"{s.comments:,}"),
        (tr("峰值在线"), f"{s.peak_online:,}"),
        (tr("时长"), hms(s.duration_s)),
        *money_kpis(money or Money(), tr, s.gift_currency),
    ]
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi"><b>{html.escape(v)}</b><span>{html.escape(k)}</span></div>'
            for k, v in items
        )
        + "</div>"
    )


def money_kpis(money: Money, tr: Translate, currency: str = "CNY") -> list[tuple[str, str]]:
    """The KPI tiles of viewers' money besides orders (none when the session had none)."""
    if not money.any:
        return []
    return [
        (tr("礼物价值"), format_money(money.gift_value_cents, currency)),
        (
            tr("醒目留言"),
            f"{money.paid_messages:,} · {format_money(money.paid_message_cents, currency)}",
        ),
    ]


def money_html(f: SessionFile, tr: Translate) -> str:
    """The report's 礼物与醒目留言 section: per minute of the session, gift value, paid messages
    and their amount, memberships and shares (only minutes that had any)."""
    head = f'<h2 id="gifts">{html.escape(tr("礼物与醒目留言"))}</h2>'
    rows = [
        [
            hms(r.minute * 60),
            format_money(r.money.gift_value_cents, f.gift_currency),
            r.money.paid_messages,
            format_money(r.money.paid_message_cents, f.gift_currency),
            r.money.memberships,
            r.money.shares,
        ]
        for r in per_minute(f)
    ]
    if not rows:
        return head + f'<p class="note">{html.escape(tr("本场没有礼物价值或醒目留言"))}</p>'
    headers = [tr(h) for h in MONEY_HEADERS]
    return head + _table(headers, rows)


def score_html(sc: Score, tr: Translate) -> str:
    """The report's 复盘评分 section: the total, then each component's raw value, its 0–100
    value, its weight and what 100 means (app/session/score.py)."""
    head = f'<h2 id="score">{html.escape(tr("复盘评分"))}</h2>'
    total = (
        f'<div class="kpis"><div class="kpi"><b>{sc.total:.1f}</b>'
        f"<span>{html.escape(tr('综合评分（0–100）'))}</span></div></div>"
    )
    rows = [
        [
            component_name(c.name, tr),
            raw_text(c.name, c.raw, c.currency),
            f"{c.normalised:.1f}",
            f"{c.weight:g}",
            basis_text(c, tr),
        ]
        for c in sc.components
    ]
    headers = [tr("指标"), tr("原始值"), tr("得分（0–100）"), tr("权重"), tr("满分基准")]
    note = tr(
        "得分 = min(100, 100 × 原始值 ÷ 基准)；有 {n} 场以上历史时基准为历史中位数的 2 倍，"
        "否则为团队目标。总分 = 各项得分按权重加权平均。互动率 = (评论 + 点赞 + 礼物) ÷ 平均在线 ÷ 分钟。"
    )
    return (
        head
        + total
        + _table(headers, rows)
        + f'<div class="note">{html.escape(note.format(n=sc.min_history))}</div>'
    )


def flash_sales_html(f: SessionFile, tr: Translate) -> str:
    """The report's 秒杀 section: each sale's product, price, quantity, sold, window, status and
    the recorded orders at its price."""
    rows = [
        [
            r.title,
            format_money(r.sale.price_cents, f.currency),
            r.sale.quantity,
            r.sale.sold,
            time_of_day(r.sale.starts_ts),
            time_of_day(r.sale.ends_ts),
            value_name(r.sale.status, tr),
            r.orders,
            format_money(r.gmv_cents, f.currency),
        ]
        for r in f.flash_sales()
    ]
    head = f'<h2 id="flash-sales">{html.escape(tr("秒杀"))}</h2>'
    if not rows:
        return head + f'<p class="note">{html.escape(tr("本场没有秒杀"))}</p>'
    headers = [tr("商品"), tr("秒杀价"), tr("数量"), tr("已售"), tr("开始"), tr("结束")]
    return head + _table([*headers, tr("状态"), tr("订单"), tr("成交额")], rows)


def drill_html(f: SessionFile, tr: Translate) -> str:
    """演练报告 (app/drill): only for a session with a drill; a missed fault's row says 未发现."""
    results = f.drill_results()
    if not results:
        return ""
    head = f'<h2 id="drill">{html.escape(tr("演练报告"))}</h2>'
    note = f'<div class="note">{html.escape(drill_summary(results, tr))}</div>'
    return head + note + _table(drill_headers(tr), drill_rows(results, time_of_day, tr))


def _lotteries_html(f: SessionFile, tr: Translate) -> list[str]:
    """抽奖（可验证）: a loud red paragraph above the table for each draw that fails verification."""
    parts = [f"<h2>{html.escape(tr('抽奖（可验证）'))}</h2>"]
    rows = []
    for r in f.lotteries():
        v = r.verification
        why = "; ".join(_lottery_failures(v, tr))
        verdict = tr("未开奖") if not v.drawn else (tr("通过") if v.ok else tr("不通过"))
        if v.failed:  # loud: a red paragraph above the table, the reasons in the cell too
            verdict += f" ({why})"
            loud = tr("抽奖「{prize}」验证不通过：{why}。开奖结果无法证明是公平的。").format(
                prize=r.lottery.prize, why=why
            )
            parts.append(f'<p class="fail">✗ {html.escape(loud)}</p>')
        prize = r.lottery.prize
        if r.lottery.origin == "console":
            prize = f"{prize} · {tr('盲盒') if r.lottery.pool else tr('中控台抽奖')}"
        rows.append(
            [
                prize,
                r.lottery.keyword,
                r.lottery.winners,
                r.lottery.entrants,
                verdict,
                "、".join(blind_box.winner_lines(r.lottery)),
            ]
        )
    headers = [tr("奖品"), tr("口令"), tr("中奖名额"), tr("参与人数"), tr("校验"), tr("中奖者")]
    parts.append(_table(headers, rows))
    for r in f.lotteries():  # the full values anyone can check (the stream showed 16 digits)
        line = tr("「{prize}」开始时的承诺值 sha256(seed)：{c}").format(
            prize=r.lottery.prize, c=r.start_commitment or tr("（未见到）")
        )
        if r.lottery.seed:
            line += " · " + tr("种子：{seed}").format(seed=r.lottery.seed)
        parts.append(f'<p class="note">{html.escape(line)}</p>')
    return parts


def quizzes_html(f: SessionFile, tr: Translate) -> str:
    """答题 (only for a session with quizzes): each question, its options with their counts, the
    correct answer, the recount from the recorded comments and the draw among the correct
    answerers with its verification (app/session/quizzes.py); a quiz that does not check out
    gets a loud red paragraph above the table, as a lottery does."""
    results = quizzes_of(f)
    if not results:
        return ""
    alarms = [a for a in (quiz_alarm(r, tr) for r in results) if a is not None]
    return (
        f'<h2 id="quiz">{html.escape(tr("答题"))}</h2>'
        + "".join(f'<p class="fail">{html.escape(a)}</p>' for a in alarms)
        + _table([tr(h) for h in QUIZ_HEADERS], [quiz_cells(r, tr) for r in results])
    )


def rains_html(f: SessionFile, tr: Translate) -> str:
    """红包雨 (only for a session with a rain): per rain its totals, what went back, and the
    chat during it against as long before."""
    results = f.red_envelopes()
    if not results:
        return ""
    rows = [rain_cells(r, f.gift_currency, tr) for r in results]
    head = f'<h2 id="red-envelopes">{html.escape(tr("红包雨"))}</h2>'
    return head + _table([tr(h) for h in RAIN_HEADERS], rows)


def build_html(
    f: SessionFile,
    *,
    lang: str = "zh_CN",
    keywords: Sequence[tuple[str, int]] | None = None,
    score: Score | None = None,
) -> str:
    """The report page; ``score`` defaults to the file's score against its folder's sessions
    with the saved weights (:func:`app.session.score.score_file`)."""
    tr = translator(lang)
    sc = score if score is not None else score_file(f)
    s = f.summary()
    date = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(s.started_ts))
    title = tr("直播复盘报告")
    parts = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh_CN" else "en"}"><head>'
        f'<meta charset="utf-8"><title>{html.escape(title)} {html.escape(s.session_id)}</title>'
        f"<style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<div class="note">{html.escape(tr("直播间"))} {html.escape(s.room)} · '
        f"{html.escape(tr('场次'))} {html.escape(s.session_id)} · "
        f"{html.escape(tr('开播时间'))} {date}</div>",
    ]
    if s.ended_ts is None:
        parts.append(f'<div class="warn">{html.escape(tr("未正常结束：记录到最后一秒"))}</div>')
    parts.append(summary_kpis(s, tr, totals(f)))
    parts.append(score_html(sc, tr))
    parts.append(marks_legend(f, tr))
    parts.extend(f"<div>{svg}</div>" for svg in charts_svg(f, tr))
    parts.append(_h2(tr("商品表现")))
    parts.append(
        _table(
            [tr(h) for h in PRODUCT_HEADERS], [product_cells(r, f.currency) for r in per_product(f)]
        )
    )
    parts.append(_h2(tr("讲解记录")))
    parts.append(
        _table(
            [tr(h) for h in EXPLAIN_HEADERS], [explain_cells(w, f.currency) for w in explain_log(f)]
        )
    )
    conv_note = tr(
        "转化率 = 讲解期间下单人数 ÷ 讲解期间平均在线人数；讲解后 = 讲解结束后 5 分钟内。点击数平台未提供。"
    )
    parts.append(f'<div class="note">{html.escape(conv_note)}</div>')
    parts.append('<div class="cols"><div>')
    parts.append(_h2(tr("高频问题")))
    parts.append(_table([tr("高频问题"), tr("次数")], f.top_questions(15)))
    parts.append("</div>")
    if keywords is not None:
        parts.append(f"<div>{_h2(tr('评论关键词'))}")
        parts.append(_table([tr("评论关键词"), tr("次数")], list(keywords)[:20]))
        parts.append("</div>")
    parts.append("</div>")
    parts.append(_h2(tr("优惠券")))
    parts.append(
        _table(
            [tr("优惠券"), tr("类型"), tr("发放"), tr("领取"), tr("使用"), tr("状态")],
            [
                [
                    c.name,
                    value_name(c.kind, tr),
                    c.issued,
                    c.claimed,
                    c.used,
                    value_name(c.status, tr),
                ]
                for c in f.coupons()
            ],
        )
    )
    parts.append(flash_sales_html(f, tr))
    parts.extend(_lotteries_html(f, tr))
    parts.append(quizzes_html(f, tr))
    parts.append(rains_html(f, tr))
    parts.append(money_html(f, tr))
    parts.append(drill_html(f, tr))
    parts.append(action_log_html(action_log(f.conn), tr))  # every operator, before → after
    parts.append(_h2(tr("操作时间线")))
    mrows = [
        [time_of_day(mk.ts), *marker_name(mk.kind, mk.label, mk.role, tr)] for mk in f.markers()
    ]
    parts.append(_table([tr("时间"), tr("操作"), tr("操作人")], mrows))
    parts.append(
        f'<p class="note">{html.escape(tr("生成于"))} '
        f"{time.strftime('%Y-%m-%d %H:%M:%S')} · LiveDesk</p></body></html>"
    )
    return "".join(parts)


def write_html(
    f: SessionFile,
    path: Path,
    *,
    lang: str = "zh_CN",
    with_keywords: bool = True,
    score: Score | None = None,
) -> Path:
    kws = None
    if with_keywords:
        from app.session.keywords import keywords

        kws = keywords(f.comment_texts(), 20)
    path.write_text(build_html(f, lang=lang, keywords=kws, score=score), encoding="utf-8")
    return path
