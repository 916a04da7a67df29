"""The words on the overlay cards, in the audience's language: one table of texts per card, used
by both outputs (the PNG cards of app/overlays/render.py and the overlay page of
app/overlays/server.py), so the two always say the same thing.

Guarantees:

- **The audience's language.** The cards are for the viewers, so they speak the language of the
  room's chat (``OverlayState.language``: what app/live/chat_announce.py ``chat_language`` says —
  the operator's 聊天播报语言 choice, else the platform's, else the UI's), not necessarily the
  operator's UI language. ``""`` means the UI's language.
- **One catalog.** Every label is a Chinese source string marked ``tr_noop`` and translated with
  ``translator(lang)`` (English in app/resources/i18n/en.json); numbers go in through named
  placeholders, money through app/format.py ``money_short`` (the card's currency), countdowns
  through ``clock``.
- **User text stays as it is**: titles, prizes, nicknames, keywords are put in as plain text,
  never translated nor interpreted.
- A discount is written the way the language writes it: 「8折」 in Chinese (the price is 80%),
  "20% off" in English.
"""

from __future__ import annotations

from app.format import clock, money_short
from app.i18n import Translate, language, tr_noop, translator
from app.overlays.state import (
    Card,
    CouponCard,
    FlashSaleCard,
    LotteryCard,
    ProductCard,
    QuizCard,
    RedEnvelopeCard,
    WinnersCard,
)

# product
NOW_SHOWING = tr_noop("正在讲解")
NO_IMAGE = tr_noop("商品图")
FLASH_PRICE = tr_noop("秒杀价")
SOLD_OUT = tr_noop("已售罄")
ONLY_LEFT = tr_noop("仅剩 {n} 件")
# coupon
TENTHS = tr_noop("{tenths}折")
PERCENT_OFF = tr_noop("立减 {percent}%")
MIN_SPEND = tr_noop("满{amount}可用")
NO_MINIMUM = tr_noop("无门槛可用")
COUPON = tr_noop("直播间专享券")
ALL_CLAIMED = tr_noop("已抢光")
COUPONS_LEFT = tr_noop("剩余 {n} 张")
# flash sale
STARTS_SOON = tr_noop("即将开抢")
FLASH_SALE = tr_noop("限时秒杀")
ITEMS_LEFT = tr_noop("剩 {n} 件")
# lottery
GIVEAWAY = tr_noop("福利抽奖")
DRAWN_BY_HOST = tr_noop("手动开奖")
COMMENT_TO_ENTER = tr_noop("评论“{keyword}”参与")
COMMITMENT = tr_noop("承诺值 {commitment}")
ENTRANTS = tr_noop("已有 {entrants} 人参与 · 抽 {winners} 人")
# winners
WINNERS = tr_noop("中奖名单")
NOBODY = tr_noop("（无人参与）")
WINNERS_IN_ALL = tr_noop("共 {n} 人中奖")
REVEALING = tr_noop("揭晓中 {shown}/{total}")
NAME_PRIZE = tr_noop("{name}：{prize}")
LIST_SEPARATOR = tr_noop("、")
# quiz
QUIZ = tr_noop("互动答题")
COMMENT_TO_ANSWER = tr_noop("评论答案参与")
ANSWERS_CLOSED = tr_noop("作答已截止")
ANSWER_REVEALED = tr_noop("答案揭晓")
QUIZ_RESULT = tr_noop("答对 {right} 人 · 共 {answerers} 人作答")
QUIZ_HOW = tr_noop("评论 A/B/C/D 或 1/2/3/4 作答 · 已有 {answerers} 人")
# red-envelope rain
RAIN = tr_noop("红包雨")
RAIN_SOON = tr_noop("红包雨即将开始")
RAIN_TOTAL = tr_noop("共 {total}")
RAIN_GRABBED = tr_noop("已抢 {grabbed} / {count} 个 · 剩 {left} 个")
RAIN_BEST = tr_noop("手气最佳 {name} {amount}")
RAIN_HOW = tr_noop("点击屏幕上的红包即可领取")
# the page's title (a Browser Source's name in a browser tab; not on stream)
PAGE_TITLE = tr_noop("LiveDesk 叠加层")


_translators: dict[str, Translate] = {}


def _translator(lang: str) -> Translate:
    """``translator(lang)``, its catalog read once (cards are worded every second)."""
    lang = lang or language()
    if lang == language():
        return translator(lang)
    if lang not in _translators:
        _translators[lang] = translator(lang)
    return _translators[lang]


def page_language(lang: str) -> str:
    """``lang`` as an HTML ``lang`` attribute (``zh-CN``, ``en``); ``""``: the UI's."""
    return (lang or language()).replace("_", "-")


def discount(percent_off: int, lang: str = "") -> str:
    """「8折」 in Chinese, "20% off" in English (module docstring)."""
    lang = lang or language()
    t = _translator(lang)
    if lang.startswith("zh"):
        return t(TENTHS).format(tenths=f"{(100 - percent_off) / 10:g}")
    return t(PERCENT_OFF).format(percent=percent_off)


def card_words(card: Card, lang: str = "") -> dict[str, str]:
    """Every text of ``card`` in ``lang`` (``""``: the UI's), by slot: what the PNG card draws
    and what the overlay page shows (user text included as it is)."""
    t = _translator(lang)
    if isinstance(card, ProductCard):
        return {
            "badge": t(NOW_SHOWING),
            "no_image": t(NO_IMAGE),
            "flash_badge": t(FLASH_PRICE),
            "title": card.title,
            "stock": t(SOLD_OUT)
            if card.stock_left <= 0
            else t(ONLY_LEFT).format(n=card.stock_left),
        }
    if isinstance(card, CouponCard):
        if card.percent_off:
            big = discount(card.percent_off, lang)
        else:
            big = money_short(card.amount_cents or 0, card.currency)
        amount = money_short(card.threshold_cents, card.currency)
        return {
            "big": big,
            "condition": t(MIN_SPEND).format(amount=amount)
            if card.threshold_cents > 0
            else t(NO_MINIMUM),
            "name": card.name or t(COUPON),
            "left": t(ALL_CLAIMED)
            if card.remaining <= 0
            else t(COUPONS_LEFT).format(n=card.remaining),
        }
    if isinstance(card, FlashSaleCard):
        return {
            "badge": t(STARTS_SOON) if card.scheduled else t(FLASH_SALE),
            "clock": clock(card.seconds_left),
            "title": card.product_title,
            "left": t(ALL_CLAIMED)
            if card.remaining <= 0
            else t(ITEMS_LEFT).format(n=card.remaining),
        }
    if isinstance(card, LotteryCard):
        return {
            "badge": t(GIVEAWAY),
            "head": t(DRAWN_BY_HOST) if card.manual else clock(card.seconds_left),
            "prize": card.prize,
            "keyword": t(COMMENT_TO_ENTER).format(keyword=card.keyword),
            "commitment": t(COMMITMENT).format(commitment=card.commitment_short)
            if card.commitment
            else "",
            "entrants": t(ENTRANTS).format(entrants=card.entrants, winners=card.winners),
        }
    if isinstance(card, WinnersCard):
        pairs = [
            t(NAME_PRIZE).format(name=n, prize=p)
            for n, p in zip(card.nicknames, card.prizes or (), strict=False)
        ]
        if card.prizes is None:
            more = t(WINNERS_IN_ALL).format(n=len(card.nicknames))
        elif len(card.prizes) < card.total:
            more = t(REVEALING).format(shown=len(card.prizes), total=card.total)
        else:
            more = ""
        return {
            "badge": t(WINNERS),
            "prize": card.prize,
            "nobody": t(NOBODY),
            "more": more,
            "list": t(LIST_SEPARATOR).join(pairs if card.prizes is not None else card.nicknames),
        }
    if isinstance(card, QuizCard):
        if card.status == "open":
            head = t(COMMENT_TO_ANSWER) if card.manual else clock(card.seconds_left)
        elif card.status == "closed":
            head = t(ANSWERS_CLOSED)
        else:
            head = t(ANSWER_REVEALED)
        if card.status == "revealed" and card.correct is not None:
            foot = t(QUIZ_RESULT).format(right=card.correct_count, answerers=card.answerers)
        else:
            foot = t(QUIZ_HOW).format(answerers=card.answerers)
        return {"badge": t(QUIZ), "head": head, "question": card.question, "foot": foot}
    if isinstance(card, RedEnvelopeCard):
        left = card.count - card.grabbed
        if card.best_nickname:
            best = t(RAIN_BEST).format(
                name=card.best_nickname, amount=money_short(card.best_cents, card.currency)
            )
        else:
            best = t(RAIN_HOW)
        return {
            "badge": t(RAIN_SOON) if card.scheduled else t(RAIN),
            "clock": clock(card.seconds_left),
            "title": card.title
            or t(RAIN_TOTAL).format(total=money_short(card.total_cents, card.currency)),
            "status": t(ALL_CLAIMED)
            if left <= 0
            else t(RAIN_GRABBED).format(grabbed=card.grabbed, count=card.count, left=left),
            "best": best,
        }
    raise TypeError(f"not an overlay card: {card!r}")
