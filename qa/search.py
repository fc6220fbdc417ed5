"""Rank passages for a query: dense (passage and sentence vectors) and BM25 fused.

The heart is ``rank``, a pure function over score arrays; the engine supplies the arrays.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


FUSIONS = ("rrf", "weighted", "dense", "bm25")

@dataclass(frozen=True)
class SearchParams:
    """Retrieval settings; defaults chosen on the dev set, checked on our own questions."""

    fusion: str = "weighted"        # min-max normalised scores mixed; beat RRF on dev and own sets
    rrf_k: float = 60.0
    dense_weight: float = 0.5       # share of the dense score in the fused score
    sentence_weight: float = 0.5    # dense score = mix of passage and best-sentence similarity
    intent_boost: float = 0.3       # relative boost for passages of the period the query asks about
    use_intent: bool = True
    use_cross: bool = True          # English questions use the cross-lingual encoder when indexed
    expand_abbreviations: bool = True  # 违建 also searches 违法 建设 (corpus phrases it abbreviates)
    use_lexicon: bool = True        # 上学 also searches 教育 学位 (qa/data/lexicon.tsv)
    lexicon_known: bool = True      # ... even when the corpus uses the everyday word too (GDP →
    #                                 地区生产总值): answered 0.625 → 0.649 over 8 reports, chosen on
    #                                 every leave-one-report-out fold (benchmarks/levers.py)
    use_pinyin: bool = True         # 该造 is read as 改造 (pinyin-IME slips, qa.lexicon)
    english_lexical: float = 0.4    # share of BM25 over the lexicon's Chinese words for an English
    #                                 question (0: the cross-lingual dense score alone): answered
    #                                 0.690 → 0.708, top 5 0.921 → 0.941 over 8 reports, chosen on
    #                                 every leave-one-report-out fold (benchmarks/levers.py)
    use_dictionary: bool = True     # an English question's words also search the Chinese words an
    #                                 English–Chinese dictionary gives for them (qa.bilingual)
    use_neighbours: bool = False    # a word neither corpus nor lexicon knows also searches its
    #                                 nearest corpus words by the embedding model (看病 → 医疗)
    use_places: bool = True         # a place the question names routes it to that place's documents
    place_in_dense: bool = True     # the embedded question keeps the place names that scope it

    def __post_init__(self):
        if self.fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {FUSIONS}, not {self.fusion!r}")


@dataclass(frozen=True)
class Ranked:
    """A ranked passage: its index among the chunks and its component scores."""

    index: int
    score: float
    dense: float
    bm25: float
    match: float


def rrf(*rankings: np.ndarray, k: float = 60.0, weights=None, retrieved=None) -> np.ndarray:
    """Reciprocal rank fusion of score arrays (higher is better): sum of w / (k + rank).

    ``retrieved`` (one boolean array per ranking, or None for all) marks the items a retriever
    actually returned: the others (e.g. passages sharing no term with the query) add nothing.
    """
    n = len(rankings[0])
    weights = weights or [1.0] * len(rankings)
    retrieved = retrieved or [None] * len(rankings)
    fused = np.zeros(n, dtype=np.float64)
    for scores, w, mask in zip(rankings, weights, retrieved):
        order = np.argsort(-scores, kind="stable")
        ranks = np.empty(n, dtype=np.float64)
        ranks[order] = np.arange(1, n + 1)
        contrib = w / (k + ranks)
        fused += contrib if mask is None else np.where(mask, contrib, 0.0)
    return fused


def minmax(scores: np.ndarray) -> np.ndarray:
    lo, hi = float(scores.min()), float(scores.max())
    return (scores - lo) / (hi - lo) if hi > lo else np.zeros_like(scores, dtype=np.float64)


def dense_scores(passage_sim: np.ndarray, sentence_sim: np.ndarray, sentence_chunk: np.ndarray,
                 sentence_weight: float) -> np.ndarray:
    """Per passage: (1-w)·passage similarity + w·its best sentence's similarity."""
    best = np.full(len(passage_sim), -1.0, dtype=np.float64)
    if len(sentence_sim):
        np.maximum.at(best, sentence_chunk, sentence_sim)
    best = np.where(best < -0.5, passage_sim, best)
    return (1 - sentence_weight) * passage_sim + sentence_weight * best


def rank(dense: np.ndarray, bm25: np.ndarray, match: np.ndarray, periods: list[str | None],
         params: SearchParams, intent: "str | Sequence[str | None] | None" = None, k: int = 5) -> list[Ranked]:
    """Fuse the dense and BM25 scores of every passage and return the best ``k``."""
    if params.fusion == "dense":
        fused = dense.astype(np.float64)
    elif params.fusion == "bm25":
        fused = bm25.astype(np.float64) + 1e-6 * dense  # dense breaks BM25's ties
    elif params.fusion == "weighted":
        fused = params.dense_weight * minmax(dense) + (1 - params.dense_weight) * minmax(bm25)
    else:
        fused = rrf(dense, bm25, k=params.rrf_k, weights=[params.dense_weight * 2, (1 - params.dense_weight) * 2],
                    retrieved=[None, bm25 > 0])
    if params.use_intent and intent:  # one intent, or one per passage (its document's reading)
        intents = [intent] * len(periods) if isinstance(intent, str) else intent
        boost = np.array([1 + params.intent_boost if i and p == i else 1.0 for p, i in zip(periods, intents)])
        fused = fused * boost
    order = np.argsort(-fused, kind="stable")[:k]
    return [Ranked(int(i), float(fused[i]), float(dense[i]), float(bm25[i]), float(match[i])) for i in order]


def impute_dense(dense: np.ndarray, bm25: np.ndarray, pending: np.ndarray) -> np.ndarray:
    """Dense scores with an estimate for the ``pending`` passages (no vectors yet, their stored
    score meaningless): the range of the others' dense scores, placed by BM25 relative to the best
    keyword score (the best keyword match gets the best dense score). Without other passages the
    range is 0..1."""
    pending = np.asarray(pending, dtype=bool)
    if not pending.any():
        return dense
    known = dense[~pending]
    lo, hi = (float(known.min()), float(known.max())) if len(known) else (0.0, 1.0)
    top = float(bm25.max()) if len(bm25) else 0.0
    share = bm25 / top if top > 0 else np.zeros_like(bm25, dtype=np.float64)
    return np.where(pending, lo + (hi - lo) * share, dense)
