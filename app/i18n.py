"""UI language: Simplified Chinese source strings, translated by a JSON catalog per language.

``tr("开播")`` returns the text in the current language. Source strings are the Chinese UI text,
so a missing translation still shows something a Chinese user reads. The English catalog lives in
app/resources/i18n/en.json; a test checks every ``tr("…")`` and ``tr_noop("…")`` literal in ui/ and app/
has an entry. This is the one catalog: the session report translates through it too, with
``translator(lang)`` — ``tr``'s semantics bound to a language other than the UI's (a report
exported in English from a Chinese console) — so a report and the replay window use the same words.

The core's own messages are whole-sentence ``tr()`` templates. The older form "中文说明 (English
gist)", shown through :func:`localize`, is kept only for text a platform or OBS sends.
It lives in the core because messages the core makes for an operator (OBS, camera and platform
errors) are translated where they are made; ``ui.i18n`` re-exports it for the widgets.
(A JSON catalog instead of Qt .ts/.qm keeps the build free of lupdate/lrelease tooling.)
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

from app.resources import resource

log = logging.getLogger(__name__)

CATALOG_DIR = resource("i18n")
LANGUAGES = {"zh_CN": "简体中文", "en": "English"}

_catalog: dict[str, str] = {}
_language = "zh_CN"


def load_catalog(language: str) -> dict[str, str]:
    if language == "zh_CN":
        return {}
    path = CATALOG_DIR / f"{language}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("translation catalog %s unreadable: %s", path, exc)
        return {}
    return {str(k): str(v) for k, v in data.items()}


def set_language(language: str) -> None:
    global _catalog, _language
    _language = language if language in LANGUAGES else "zh_CN"
    _catalog = load_catalog(_language)


def language() -> str:
    return _language


def tr(text: str) -> str:
    return _catalog.get(text, text)


#: a translating function: a Chinese source string → the text in one language
Translate = Callable[[str], str]


def translator(lang: str) -> Translate:
    """``tr`` bound to ``lang`` whatever the UI's language is (zh_CN, or an unknown language:
    the Chinese source strings themselves)."""
    if lang == _language:
        catalog = _catalog
    else:
        catalog = load_catalog(lang) if lang in LANGUAGES else {}
    return lambda text: catalog.get(text, text)


def tr_noop(text: str) -> str:
    """Marks a source string kept in a table and translated later (``tr(TABLE[key])``): the
    catalog test finds it, and it is returned unchanged."""
    return text


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _split_gist(message: str) -> tuple[str, str] | None:
    """("中文说明", "English gist") of "中文说明 (English gist)", nested parentheses allowed."""
    text = message.rstrip()
    if not text.endswith(")"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            en, zh = text[i + 1 : -1].strip(), text[:i].rstrip()
            if en and _CJK.search(zh) and not _CJK.search(en):
                return zh, en[:1].upper() + en[1:]
            return None
    return None


#: a validation refusal as the sandbox words it: "field.path: English message" (no Chinese)
_FIELD_MESSAGE = re.compile(r"^([A-Za-z_][\w.\-]*): (.{1,300})$", re.DOTALL)

#: the platform's field names an operator meets, in Chinese (docs/platform-api.md "Limits")
FIELD_NAMES_ZH = {
    "text": "评论内容",
    "title": "标题",
    "price": "价格",
    "stock": "库存",
    "selling_points": "卖点",
    "nickname": "昵称",
    "reason": "原因",
    "name": "名称",
    "prize": "奖品",
    "keyword": "口令",
    "seconds": "禁言时长",
    "until_session_end": "本场禁言",
    "client": "客户端名称",
    "image_url": "图片地址",
}

#: pydantic's usual wording, in Chinese ({n} is the number in the message)
_DETAILS_ZH: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^String should have at most (\d+) characters?$"), "最多 {n} 字"),
    (re.compile(r"^String should have at least (\d+) characters?$"), "至少 {n} 字"),
    (re.compile(r"^List should have at most (\d+) items?"), "最多 {n} 项"),
    (re.compile(r"^Field required$"), "不能为空"),
    (re.compile(r"^Input should be greater than or equal to (\S+)$"), "不能小于 {n}"),
    (re.compile(r"^Input should be greater than (\S+)$"), "必须大于 {n}"),
    (re.compile(r"^Input should be less than or equal to (\S+)$"), "不能大于 {n}"),
    (re.compile(r"^Input should be less than (\S+)$"), "必须小于 {n}"),
    (re.compile(r"^Input should be a valid integer"), "必须是整数"),
    (re.compile(r"^Input should be a valid number"), "必须是数字"),
    (re.compile(r"^Input should be a valid boolean"), "必须是是/否"),
    (re.compile(r"^Extra inputs are not permitted$"), "不是可接受的内容"),
    (re.compile(r"^Value error, .*control character"), "含有不可见的控制字符"),
    (re.compile(r"^Value error, .*lone surrogate"), "含有无效的字符"),
]


def _field_message_zh(message: str) -> str | None:
    """「内容不符合要求：评论内容最多 300 字」 for "text: String should have at most 300 characters"."""
    if _CJK.search(message):
        return None
    match = _FIELD_MESSAGE.match(message.strip())
    if match is None:
        return None
    path, detail = match.group(1), match.group(2).strip()
    last = path.split(".")[0] if path.split(".")[0] in FIELD_NAMES_ZH else path.split(".")[-1]
    field = FIELD_NAMES_ZH.get(last, f"「{path}」")
    for pattern, zh in _DETAILS_ZH:
        found = pattern.match(detail)
        if found:
            n = found.group(1) if found.groups() else ""
            return f"内容不符合要求：{field}{zh.format(n=n)}"
    return f"内容不符合要求：{field}（{detail}）"


def localize(message: str) -> str:
    """A message the core or a platform made, in the UI language (one language, never mixed).

    Catalog entries win. Messages written as "中文说明 (English gist)" — platform and OBS errors —
    show their English part in the English UI and their Chinese part in the Chinese UI. A
    validation refusal worded "field: English message" reads 「内容不符合要求：评论内容最多 300 字」
    in Chinese (known fields and wordings translated) and stays as it is in English.
    """
    if message in _catalog:
        return _catalog[message]
    split = _split_gist(message)
    if _language != "zh_CN":
        return split[1] if split else message
    if split is not None:
        return split[0]
    return _field_message_zh(message) or message
