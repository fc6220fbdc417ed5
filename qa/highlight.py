"""Mark what answers the query inside a passage: its best sentences and the query's terms."""
from __future__ import annotations

from typing import Sequence

from .types import Span


def best_sentences(scores: Sequence[float], *, margin: float = 0.04, limit: int = 2) -> list[int]:
    """Indexes of the best-scoring sentence and of those within ``margin`` of it (at most ``limit``)."""
    if not len(scores):
        return []
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    top = scores[order[0]]
    return sorted(i for i in order[:limit] if scores[i] >= top - margin)


def term_spans(text: str, terms: Sequence[str], *, min_len: int = 2) -> list[Span]:
    """Non-overlapping spans of every occurrence of ``terms`` in ``text`` (longest terms win)."""
    lowered = text.lower()
    taken = [False] * len(text)
    spans: list[Span] = []
    for term in sorted({t.lower() for t in terms if len(t) >= min_len}, key=len, reverse=True):
        at = lowered.find(term)
        while at >= 0:
            end = at + len(term)
            if not any(taken[at:end]):
                taken[at:end] = [True] * len(term)
                spans.append(Span(at, end, "term"))
            at = lowered.find(term, end)
    return sorted(spans, key=lambda s: s.start)


def shared_terms(query: str, text: str, tokens: Sequence[str], *, longest: int = 12) -> list[str]:
    """Maximal pieces of ``query`` (2..``longest`` chars) that occur in ``text`` and contain one of
    its ``tokens``: "厂通路" rather than the tokenizer's "通路"."""
    q, t = query.lower(), text.lower()
    toks = [tok for tok in tokens if len(tok) >= 2]
    found: list[str] = []
    i = 0
    while i < len(q) - 1:
        best = ""
        for j in range(min(len(q), i + longest), i + 1, -1):
            piece = q[i:j]
            if piece in t:
                best = piece
                break
        if best and any(tok in best for tok in toks):
            found.append(best)
            i += len(best)
        else:
            i += 1
    return found


def highlight(text: str, sentences: Sequence[tuple[int, int]], scores: Sequence[float],
              terms: Sequence[str], *, margin: float = 0.04, limit: int = 2) -> tuple[Span, ...]:
    """Spans relative to ``text``: the answering sentences (kind "sentence") then the terms.

    ``sentences`` are (start, end) ranges inside ``text`` and ``scores`` their relevance.
    """
    chosen = [Span(*sentences[i], "sentence") for i in best_sentences(scores, margin=margin, limit=limit)]
    return tuple(chosen) + tuple(term_spans(text, terms))
