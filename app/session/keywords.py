"""Keywords of a session's comments: Chinese word segmentation with jieba, weighted by repeats.

Comments repeat a lot in a live room, so segmentation runs once per distinct text (most frequent
first, capped) and each word counts as many times as its text was sent. jieba loads its
dictionary on first use (~1 s): call from a worker thread, not the UI thread.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable

STOPWORDS = frozenset(
    """主播 这个 那个 什么 怎么 可以 还有 一个 一下 我们 你们 他们 就是 没有 不是 还是 已经 现在
    这么 那么 这件 那件 几个 真的 感觉 觉得 一样 时候 自己 大家 知道 哈哈 哈哈哈 啊啊 嗯嗯 谢谢 怎么样 多少 有没有
    能不能 可不可以 是不是 吗 呢 吧 啊 的 了 和 是 我 你 他 她 它 在 也 都 就 要 有 不 好""".split()
)

_lock = threading.Lock()


def _cut() -> object:
    import jieba

    with _lock:
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
    return jieba


def keywords(texts: Iterable[tuple[str, int]], n: int = 30) -> list[tuple[str, int]]:
    """The ``n`` most frequent words (2+ characters, no stop words, no numbers) in ``texts``,
    given as (text, times sent)."""
    jieba = _cut()
    counts: Counter[str] = Counter()
    for text, times in texts:
        for word in jieba.lcut(text):  # type: ignore[attr-defined]
            w = word.strip()
            if len(w) < 2 or w in STOPWORDS or w.isdigit() or not any(ch.isalnum() for ch in w):
                continue
            counts[w] += times
    return counts.most_common(n)
