"""Compliance check: absolute and prohibited terms (China's Advertising Law) in text before a push.

Public API (used by the product queue, the stage, and the coupon / lottery panels)::

    from app.compliance import Hit, check, check_many

    hits = check("全网最低价，100%纯棉")
    # [Hit(term='全网最低', reason='…', start=0, end=4), Hit(term='最低价', …, start=2, end=5),
    #  Hit(term='100%', …, start=6, end=10)]
    check_many(["标题", "卖点一", "卖点二"])  # {text: hits} for the texts that hit, in input order

:class:`Clearances` remembers the operator's 仍要讲解 per live session and product, so a flagged
product asks once per session (re-explains and 下一个 onto it later do not ask again).

``Hit.start``/``end`` index ``text`` (``text[h.start:h.end]`` is what matched, which may differ
from ``h.term`` in case or full-width form). Hits are ordered by ``start``.

Rules:
- The word list is ``app/resources/compliance/words.txt`` (``TERM<TAB>REASON`` per line, ``#``
  comments), replaced wholesale by ``<config dir>/compliance/words.txt`` when that file exists.
- Matching ignores case and full-width/half-width differences (``１００％`` hits ``100%``).
- Overlapping terms: every listed term found is reported, except a hit that lies wholly inside a
  longer hit (``最`` inside ``最佳`` is reported once, as ``最佳`` with its more specific reason).
  Terms that overlap without containment (``全网最低`` and ``最低价`` in ``全网最低价``) are both
  reported; :func:`merged_spans` gives the union to highlight.
- Allow-list: lines starting with ``!`` name ordinary words that contain a term (``!最近``,
  ``!最后``, ``!第一次`` …). A hit that lies wholly inside an allow-listed word is not reported,
  so ``最近`` is clean but ``最近最火`` still reports ``最``. This keeps false alarms for everyday
  words low at the price of missing a term deliberately glued into one of those words.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.resources import resource
from app.settings import config_dir

log = logging.getLogger(__name__)

DEFAULT_PATH = resource("compliance", "words.txt")

# Full-width ASCII (！ … ～) and the ideographic space map to their half-width forms; one char each,
# so offsets into the normalised text are offsets into the original.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


@dataclass(frozen=True, slots=True)
class Hit:
    term: str  # the listed term
    reason: str  # why it is a problem (law and article)
    start: int  # text[start:end] is what matched
    end: int


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    # Longest first, so at each position the lookahead captures the longest term starting there.
    ordered = sorted({t for t in terms if t}, key=lambda t: (-len(t), t))
    if not ordered:
        return None
    return re.compile("(?=(" + "|".join(re.escape(t) for t in ordered) + "))", re.IGNORECASE)


def _normalise(text: str) -> str:
    return text.translate(_HALF_WIDTH)


class WordList:
    """A parsed word list; :meth:`check` is a single regex scan plus a linear filter."""

    def __init__(
        self, terms: dict[str, str], allow: Iterable[str] = (), source: str = "<memory>"
    ) -> None:
        self.source = source
        self.terms = dict(terms)
        self._canon = {_normalise(t).casefold(): t for t in terms}
        self.allow = tuple(allow)
        self._terms = _pattern(_normalise(t) for t in terms)
        self._allow = _pattern(_normalise(a) for a in self.allow)

    @classmethod
    def parse(cls, text: str, source: str = "<memory>") -> WordList:
        terms: dict[str, str] = {}
        allow: list[str] = []
        for n, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            word, _, reason = line.partition("\t")
            word, reason = word.strip(), reason.strip()
            if word.startswith("!"):
                if word[1:]:
                    allow.append(word[1:])
                continue
            if not word:
                log.warning("%s:%d: empty term ignored", source, n)
                continue
            terms[word] = reason or "广告法禁用或慎用词"
        return cls(terms, allow, source)

    @classmethod
    def load(cls, path: Path) -> WordList:
        return cls.parse(path.read_text(encoding="utf-8-sig"), str(path))

    def __len__(self) -> int:
        return len(self.terms)

    def check(self, text: str) -> list[Hit]:
        """Every listed term in ``text`` (see the module rules), ordered by position."""
        if self._terms is None or not text:
            return []
        norm = _normalise(text)
        found: list[Hit] = []
        reach = -1
        for m in self._terms.finditer(norm):
            start = m.start()
            end = start + len(m.group(1))
            if end <= reach:  # wholly inside an earlier, longer hit
                continue
            reach = end
            term = self._canon.get(m.group(1).casefold(), m.group(1))
            found.append(Hit(term, self.terms.get(term, ""), start, end))
        if found and self._allow is not None:
            allowed = [(a.start(), a.start() + len(a.group(1))) for a in self._allow.finditer(norm)]
            if allowed:
                found = [
                    h for h in found if not any(s <= h.start and h.end <= e for s, e in allowed)
                ]
        return found

    def check_many(self, texts: Iterable[str]) -> dict[str, list[Hit]]:
        """``{text: hits}`` for each distinct text that has hits, in input order."""
        out: dict[str, list[Hit]] = {}
        for text in texts:
            if text not in out:
                hits = self.check(text)
                if hits:
                    out[text] = hits
        return out


def user_path() -> Path:
    """The user's override of the word list (used instead of the bundled one when present)."""
    return config_dir() / "compliance" / "words.txt"


def load_word_list(path: Path | None = None) -> WordList:
    """The list at ``path``; else the user's override if present; else the bundled list."""
    candidates = [path] if path is not None else [user_path(), DEFAULT_PATH]
    for candidate in candidates:
        if candidate.is_file():
            try:
                return WordList.load(candidate)
            except (OSError, UnicodeDecodeError) as exc:
                log.error("compliance word list %s unreadable: %s", candidate, exc)
    log.error("no readable compliance word list; checks find nothing")
    return WordList({}, source="<none>")


_current: WordList | None = None


def word_list() -> WordList:
    """The word list in use (loaded on first use)."""
    global _current
    if _current is None:
        _current = load_word_list()
        log.info("compliance word list: %d terms from %s", len(_current), _current.source)
    return _current


def reload(path: Path | None = None) -> WordList:
    """Re-read the word list (after the operator edited it)."""
    global _current
    _current = load_word_list(path)
    return _current


def check(text: str) -> list[Hit]:
    """Hits of the current word list in ``text``, ordered by position."""
    return word_list().check(text)


def check_many(texts: Iterable[str]) -> dict[str, list[Hit]]:
    """``{text: hits}`` for each distinct text with hits, in input order."""
    return word_list().check_many(texts)


def merged_spans(hits: Sequence[Hit]) -> list[tuple[int, int]]:
    """The union of the hits' spans, sorted and non-overlapping (what to highlight)."""
    spans: list[tuple[int, int]] = []
    for h in sorted(hits, key=lambda h: (h.start, h.end)):
        if spans and h.start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], h.end))
        else:
            spans.append((h.start, h.end))
    return spans


class Clearances:
    """The operator's 仍要讲解 answers, remembered for the live session they were given in.

    ``remember(session_id, product_id, hits)`` after the operator confirmed; ``cleared(…)`` is
    True while the same session runs and the product hits no term beyond those confirmed (an
    edit that adds a new flagged word asks again; a new session asks again). ``session_id`` is
    ``""`` when there is no session (offline, before 开播): those answers last until a session
    is known.
    """

    def __init__(self) -> None:
        self._given: dict[tuple[str, str], frozenset[str]] = {}

    @staticmethod
    def _terms(hits: Mapping[str, Sequence[Hit]]) -> frozenset[str]:
        return frozenset(h.term for hs in hits.values() for h in hs)

    def cleared(self, session_id: str, product_id: str, hits: Mapping[str, Sequence[Hit]]) -> bool:
        given = self._given.get((session_id, product_id))
        return given is not None and self._terms(hits) <= given

    def remember(self, session_id: str, product_id: str, hits: Mapping[str, Sequence[Hit]]) -> None:
        # answers from another session are dropped: they never apply again
        self._given = {k: v for k, v in self._given.items() if k[0] == session_id}
        self._given[(session_id, product_id)] = self._terms(hits)
