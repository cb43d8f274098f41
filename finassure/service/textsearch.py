"""Chinese text for search and classification: jieba tokens, and a small BM25 index for the FAQ.

jieba (pure Python, dictionary shipped in the package, no download) cuts Chinese into words. Where it is
not installed the tokenizer falls back to character bigrams, which still match Chinese text reasonably;
`TOKENIZER` says which one is in use.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

try:  # pragma: no cover - which branch runs depends on the environment
    import jieba

    jieba.setLogLevel(60)
    TOKENIZER = "jieba"
except ImportError:  # pragma: no cover
    jieba = None
    TOKENIZER = "bigram"

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(["的", "了", "是", "我", "你", "他", "她", "在", "和", "与", "及", "也", "就", "都", "而", "被", "把", "让", "给", "对", "吗", "呢", "吧", "啊", "这", "那", "有", "没有", "一个", "什么", "怎么", "为什么", "请问", "您好", "你好"])


def tokenize(text: str) -> list[str]:
    """Lower-cased search tokens: jieba words (search mode) or CJK bigrams, plus latin words and numbers."""
    text = (text or "").lower()
    tokens = _WORD.findall(text)
    if jieba is not None:
        tokens += [t for t in jieba.lcut_for_search(text) if _CJK_RUN.fullmatch(t)]
    else:
        tokens += bigrams(text)
    return [t for t in tokens if t not in STOP_WORDS and t.strip()]


def bigrams(text: str) -> list[str]:
    """Overlapping two-character pieces of every CJK run (a single character stands alone)."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            out.append(run)
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


@dataclass
class BM25:
    """Okapi BM25 over a handful to a few thousand documents, built in memory."""

    docs: Sequence[Sequence[str]]
    k1: float = 1.5
    b: float = 0.75
    _df: Counter[str] = field(default_factory=Counter, init=False)
    _tf: list[Counter[str]] = field(default_factory=list, init=False)
    _avg: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self._tf = [Counter(doc) for doc in self.docs]
        for tf in self._tf:
            self._df.update(tf.keys())
        self._avg = sum(len(d) for d in self.docs) / len(self.docs) if self.docs else 0.0

    def idf(self, term: str) -> float:
        n, df = len(self.docs), self._df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query: Iterable[str]) -> list[float]:
        terms = set(query)
        result = []
        for doc, tf in zip(self.docs, self._tf, strict=True):
            length_norm = self.k1 * (1 - self.b + self.b * len(doc) / self._avg) if self._avg else self.k1
            result.append(sum(self.idf(t) * tf[t] * (self.k1 + 1) / (tf[t] + length_norm) for t in terms if t in tf))
        return result

    def top(self, query: Iterable[str], limit: int = 3, minimum: float = 0.5) -> list[tuple[int, float]]:
        ranked = sorted(enumerate(self.scores(query)), key=lambda p: (-p[1], p[0]))
        return [(i, s) for i, s in ranked[:limit] if s >= minimum]
