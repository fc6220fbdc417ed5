"""Chinese tokens (jieba, with a user dictionary mined from the corpus) and BM25 (bm25s).

bm25s is used rather than rank-bm25: it precomputes the BM25 weights into a sparse matrix, so a
query costs one sparse row sum (well under a millisecond here), and depends only on numpy.
"""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import OrderedDict
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

STOPWORDS = frozenset(
    "的 了 和 与 及 以及 或 是 在 有 对 把 被 将 为 从 向 于 等 这 那 其 之 也 都 还 就 又 并 而 "
    "个 些 一 上 中 下 年 月 日 去年 今年 明年 "
    "哪 哪些 哪个 哪几 哪几个 哪家 哪里 什么 多少 几 几个 如何 怎么 怎样 怎么样 为什么 为何 是否 吗 呢 啊 吧 "
    "请问 一下 报告 情况 方面 进展 the a an of to in and or is are was were what which "
    "how why did does do for on by with about".split()
)
_QUOTED = re.compile(r"[“\"「『]([^”\"」』，。；、！？\s]{2,10})[”\"」』]")
_TOKEN_OK = re.compile(r"[\w\u4e00-\u9fff]")


def normalize(text: str) -> str:
    """Full-width → half-width, lower case (NFKC keeps CJK ideographs as they are)."""
    return unicodedata.normalize("NFKC", text).lower()


def mine_terms(texts: Iterable[str]) -> list[str]:
    """Candidate dictionary words from the corpus itself: the short names it puts in quotation
    marks (“绿色自贸”, “千里潞道”), which jieba's general dictionary tends to cut apart."""
    terms: set[str] = set()
    for text in texts:
        terms.update(m.group(1) for m in _QUOTED.finditer(text))
    return sorted(normalize(t) for t in terms)


def abbreviation_phrases(token: str, texts: Sequence[str], *, limit: int = 3) -> list[str]:
    """Corpus phrases that a two-character abbreviation may stand for: 违建 → 违法建设, 征拆 → 征地拆迁.

    A Chinese abbreviation usually keeps the first character of each word, so the phrase is
    ``token[0] ? token[1] ?`` (four characters). The most frequent ``limit`` phrases are returned.
    """
    if len(token) != 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in token):
        return []
    pattern = re.compile(f"{token[0]}[\u4e00-\u9fff]{token[1]}[\u4e00-\u9fff]")
    counts: dict[str, int] = {}
    for text in texts:
        for m in pattern.finditer(text):
            counts[m.group(0)] = counts.get(m.group(0), 0) + 1
    return sorted(counts, key=lambda p: -counts[p])[:limit]


@lru_cache(maxsize=1)
def _jieba_dictionary() -> tuple[dict, int]:
    """jieba's general dictionary (word → frequency, total), loaded once per process (~0.5 s)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    base = jieba.Tokenizer()
    base.initialize()
    return base.FREQ, base.total


@lru_cache(maxsize=1)
def _jieba_tags() -> dict[str, str]:
    """jieba's part-of-speech table (word → tag), read once per process (~60 MB, ~0.2 s)."""
    import jieba
    import jieba.posseg

    return jieba.posseg.POSTokenizer(jieba.Tokenizer()).word_tag_tab


class _Overlay(dict):
    """jieba's general dictionary with words of its own on top, read through without a copy: what
    is set (the user words and their prefixes) is held here, the rest read from ``base``."""

    __slots__ = ("base",)

    def __init__(self, base: dict):
        super().__init__()
        self.base = base

    def __contains__(self, key) -> bool:
        return key in self.base or dict.__contains__(self, key)

    def __getitem__(self, key):
        return dict.get(self, key) if dict.__contains__(self, key) else self.base[key]

    def get(self, key, default=None):
        return dict.get(self, key) if dict.__contains__(self, key) else self.base.get(key, default)


class Tokenizer:
    """A jieba tokenizer of its own (no global state), extended with ``user_words``.

    Its dictionary reads jieba's general one through (``_Overlay``: no copy of its ~350,000
    entries, ~12 MB), so one per document is cheap; the words are added to the overlay only."""

    def __init__(self, user_words: Sequence[str] = ()):
        import jieba

        freq, total = _jieba_dictionary()
        self._jieba = jieba.Tokenizer()
        self._jieba.FREQ, self._jieba.total, self._jieba.initialized = _Overlay(freq), total, True
        for word in user_words:
            self._jieba.add_word(word, freq=20000)
        self.user_words = tuple(user_words)

    def is_word(self, text: str) -> bool:
        """True when jieba's dictionary knows ``text`` as a word in its own right."""
        return self._jieba.FREQ.get(text, 0) > 0

    def is_common(self, text: str, min_freq: int = 50) -> bool:
        """True for everyday words (jieba dictionary frequency at least ``min_freq``)."""
        return self._jieba.FREQ.get(text, 0) >= min_freq

    def tag(self, text: str) -> list[tuple[str, str]]:
        """``text`` cut into (word, part-of-speech flag) pairs by jieba."""
        if getattr(self, "_pos", None) is None:
            import jieba.posseg

            pos = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
            pos.tokenizer, pos.word_tag_tab = self._jieba, _jieba_tags()  # our words carry no tag
            self._pos = pos
        return [(w, flag) for w, flag in self._pos.lcut(text)]

    def places(self, text: str) -> list[str]:
        """Place names jieba tags in ``text`` (大兴区, 天津); not words of directions alone, which it
        tags as places too (东西 "a thing", 南北)."""
        return [w for w, flag in self.tag(text) if flag.startswith("ns") and len(w) >= 2
                and not _DIRECTIONS.fullmatch(w)]

    def cut(self, text: str) -> list[str]:
        """Plain jieba tokens (unknown words joined by its HMM), nothing removed."""
        return self._jieba.lcut(text)

    def words(self, text: str) -> list[str]:
        """Search-mode tokens (words and their sub-words), stop words and punctuation removed."""
        return [t for t in self._jieba.lcut_for_search(normalize(text))
                if t.strip() and t not in STOPWORDS and _TOKEN_OK.search(t)]


@lru_cache(maxsize=4)
def tokenizer_for(user_words: tuple[str, ...]) -> Tokenizer:
    return Tokenizer(user_words)


_DIRECTIONS = re.compile(r"[东南西北中上下内外前后左右]+")


class BM25:
    """BM25 (Lucene variant, k1=1.2, b=0.75) over pre-tokenized documents.

    With ``positions`` (sorted), only the documents at those positions are indexed: the statistics
    (document frequencies, ``idf``, ``max_idf``, average length) are theirs alone, so a question
    asked of some documents is scored the same whatever else the catalogue holds. ``scores`` is
    then over those documents in that order; ``scores_at`` and ``match`` take catalogue positions.

    The statistics are ready at once; the bm25s index is built by ``prepare``
    (the FAISS store calls it while opening) or else on the first ``scores`` call (a store that
    searches elsewhere never builds it). Nothing is kept per document
    beyond the token tuples given and the token sets ``match`` made of those it was asked about."""

    RECENT = 8  # queries whose scores are kept

    def __init__(self, docs_tokens: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75, *,
                 positions: Sequence[int] | None = None):
        self.k1, self.b = k1, b
        self.positions = None if positions is None else np.asarray(positions, dtype=np.int64)
        self._tokens = docs_tokens if positions is None else [docs_tokens[int(i)] for i in self.positions]
        self._bm25 = None
        self._sets: dict[int, frozenset] = {}  # match's token sets, by row (_set)
        self._recent: OrderedDict[tuple[str, ...], np.ndarray] = OrderedDict()  # scores' last answers
        self._lock = threading.Lock()
        self.n_docs = len(self._tokens)
        df: dict[str, int] = {}
        for toks in self._tokens:
            for t in dict.fromkeys(toks):  # in corpus order: a set's order changes with the hash
                df[t] = df.get(t, 0) + 1   # seed, and the vocabulary's order breaks ties downstream
        self.df = df
        self.idf = {t: float(np.log(1 + (self.n_docs - n + 0.5) / (n + 0.5))) for t, n in df.items()}
        self.max_idf = max(self.idf.values(), default=1.0)  # the weight of a token never seen

    def __getstate__(self) -> dict:
        """Pickled with its bm25s index (a child process builds it for the app), without the lock
        and the caches."""
        state = dict(self.__dict__, _sets={}, _recent=OrderedDict())
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _lock=threading.Lock())

    def _set(self, row: int) -> frozenset:
        """The tokens of the document at ``row`` as a set, made on first use and kept (a question
        over a library asks ``match`` of a thousand passages or more)."""
        found = self._sets.get(row)
        if found is None:
            found = self._sets[row] = frozenset(self._tokens[row])
        return found

    def prepare(self) -> "BM25":
        """Build the bm25s index now (a store that scores with it calls this while loading)."""
        self._index()
        return self

    def _index(self):
        with self._lock:
            if self._bm25 is None:
                import bm25s

                logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import
                bm = bm25s.BM25(k1=self.k1, b=self.b, method="lucene")
                bm.index([list(t) or [""] for t in self._tokens], show_progress=False)
                self._bm25 = bm
        return self._bm25

    def local(self, ids: Sequence[int]) -> np.ndarray:
        """Rows of this index for catalogue positions ``ids`` (all of which it must hold)."""
        ids = np.asarray(ids, dtype=np.int64)
        if self.positions is None:
            return ids
        rows = np.searchsorted(self.positions, ids)
        if (rows >= len(self.positions)).any() or not np.array_equal(self.positions[rows], ids):
            raise ValueError("passages outside the documents this BM25 index covers")
        return rows

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """The BM25 score of each indexed document (in ``positions`` order when given), read-only:
        the last ``RECENT`` queries' are kept (a search asks for its candidates', then their scores)."""
        known = tuple(t for t in query_tokens if t in self.idf)
        if not known or not self.n_docs:
            return np.zeros(self.n_docs, dtype=np.float32)
        with self._lock:
            found = self._recent.get(known)
            if found is not None:
                self._recent.move_to_end(known)
                return found
        found = np.asarray(self._index().get_scores(list(known)), dtype=np.float32)
        found.flags.writeable = False
        with self._lock:
            self._recent[known] = found
            while len(self._recent) > self.RECENT:
                self._recent.popitem(last=False)
        return found

    def scores_at(self, query_tokens: Sequence[str], ids: Sequence[int]) -> np.ndarray:
        """BM25 scores of the passages at catalogue positions ``ids``."""
        return self.scores(query_tokens).astype(np.float64)[self.local(ids)]

    def match(self, query_tokens: Sequence[str], ids: Sequence[int] | None = None) -> np.ndarray:
        """IDF-weighted fraction of the query's tokens present in each document (0..1), for all
        indexed documents or those at catalogue positions ``ids``. Unknown tokens weigh as much as
        the rarest known one."""
        rows = range(self.n_docs) if ids is None else self.local(ids)
        sets = [self._set(int(r)) for r in rows]
        toks = list(dict.fromkeys(query_tokens))
        if not toks or not sets:
            return np.zeros(len(sets), dtype=np.float32)
        weights = np.array([self.idf.get(t, self.max_idf) for t in toks], dtype=np.float32)
        present = np.array([[t in s for t in toks] for s in sets], dtype=np.float32)
        return present @ weights / weights.sum()
