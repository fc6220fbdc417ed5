"""The store protocol: what retrieval needs from a place that keeps passages, vectors and lexical data.

A store holds, per document, its passages (``Chunk``), their sentence units, the passage and
sentence vectors (main model, and optionally the cross-lingual encoder's), and the passages' lexical
tokens. It answers two kinds of candidate queries, each top-k and each with a :class:`Where` filter
on document ids and period: dense (½ passage + ½ best sentence similarity, see
``qa.search.dense_scores``) and lexical (BM25 over the jieba tokens). Fusion happens on those
candidate lists (``qa.search.rank`` over their union), never over every passage.

Chunks and sentences are addressed by their position in the store's catalogue (``store.data``),
which is the same in every backend: documents in corpus order, passages in reading order.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from ..types import DocumentEntry  # noqa: F401  (re-exported)

SPACES = ("main", "cross")  # vector spaces: the main model's, the cross-lingual encoder's


@dataclass(frozen=True)
class Where:
    """A filter: only passages of these documents, and only of these periods (None: no filter)."""

    documents: frozenset[str] | None = None
    periods: frozenset[str | None] | None = None

    @classmethod
    def of(cls, documents: Sequence[str] | None = None, periods: Sequence[str | None] | None = None
           ) -> "Where | None":
        if documents is None and periods is None:
            return None
        return cls(None if documents is None else frozenset(documents),
                   None if periods is None else frozenset(periods))


def where_mask(data, periods: np.ndarray, where: "Where | None") -> np.ndarray | None:
    """Allowed passages of the catalogue ``data`` (boolean array) for ``where``; None for no filter."""
    if where is None:
        return None
    allowed = np.ones(len(data.chunks), dtype=bool)
    if where.documents is not None:
        allowed &= np.isin(data.chunk_docs, list(where.documents))
    if where.periods is not None:
        allowed &= np.array([p in where.periods for p in periods], dtype=bool)
    return allowed


@dataclass(frozen=True)
class Candidates:
    """Passages (catalogue positions) with one signal's scores, best first."""

    ids: np.ndarray      # int64
    scores: np.ndarray   # float64, same length

    @classmethod
    def top(cls, ids: np.ndarray, scores: np.ndarray, k: int) -> "Candidates":
        """The best ``k`` of ``ids`` by ``scores`` (stable: ties keep catalogue order)."""
        order = np.argsort(-scores, kind="stable")[:k]
        return cls(np.asarray(ids, dtype=np.int64)[order], np.asarray(scores, dtype=np.float64)[order])


@dataclass(frozen=True, eq=False)
class DenseQuery:
    """One dense candidate query (the arguments of ``Store.dense``), for ``Store.dense_many``."""

    vector: np.ndarray
    k: int
    space: str = "main"
    sentence_weight: float = 0.5
    where: Where | None = None


def dense_each(store, queries: Sequence[DenseQuery]) -> list[Candidates]:
    """``dense_many`` for a store that gains nothing from sending queries together: one by one."""
    return [store.dense(q.vector, q.k, space=q.space, sentence_weight=q.sentence_weight, where=q.where)
            for q in queries]


class Lexicons:
    """BM25 statistics per set of documents: the whole catalogue's (``all``), and for a filter on
    documents, those of the documents it names, so that a question asked of some documents is
    scored the same however many others the catalogue holds (built on first use, the last
    ``KEEP`` sets of several documents and ``KEEP_DOCUMENTS`` single documents kept: a library's
    reports are asked about in turn). A filter on periods only narrows the passages, never the
    statistics."""

    KEEP = 8
    KEEP_DOCUMENTS = 32

    def __init__(self, data, all=None):  # noqa: A002 - the whole catalogue's, made already
        from ..lexical import BM25

        self._data = data
        self.all = BM25(data.tokens) if all is None else all
        self._by_documents: OrderedDict[frozenset[str], object] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, where: "Where | None"):
        """The BM25 index (qa.lexical.BM25) a question filtered by ``where`` is scored with."""
        if where is None or where.documents is None:
            return self.all
        key = frozenset(where.documents)
        with self._lock:
            found = self._by_documents.get(key)
            if found is not None:
                self._by_documents.move_to_end(key)
                return found
        from ..lexical import BM25

        data = self._data
        positions = np.flatnonzero(np.isin(data.chunk_docs, list(key)))
        lexicon = self.all if len(positions) == len(data.chunks) else BM25(data.tokens, positions=positions)
        with self._lock:
            self._by_documents[key] = lexicon
            for single, keep in ((True, self.KEEP_DOCUMENTS), (False, self.KEEP)):
                keys = [k for k in self._by_documents if (len(k) == 1) == single]
                for k in keys[:max(0, len(keys) - keep)]:
                    del self._by_documents[k]
        return lexicon

    def candidates(self, tokens: Sequence[str], k: int, where: "Where | None",
                   allowed: np.ndarray | None) -> Candidates:
        """The ``k`` best passages by BM25 among ``allowed`` (passages sharing no token left out)."""
        lexicon = self.of(where)
        scores = lexicon.scores(tokens).astype(np.float64)
        ids = np.arange(len(scores)) if lexicon.positions is None else lexicon.positions
        keep = scores > 0
        if allowed is not None:
            keep &= allowed[ids]
        return Candidates.top(ids[keep], scores[keep], k)


@runtime_checkable
class Store(Protocol):
    """One backend (``qa/store/faiss.py``, ``qa/store/qdrant.py``) behind one interface."""

    name: str

    @property
    def data(self):  # -> qa.index.IndexData: the catalogue (vectors may live elsewhere)
        ...

    def documents(self) -> dict[str, str]:
        """Stored document ids → their content keys."""

    def upsert(self, entry: DocumentEntry) -> None:
        """Add a document, or replace the stored one with the same id."""

    def delete(self, doc_id: str) -> None:
        """Remove a document and every passage of it (a no-op for an unknown id)."""

    def dense(self, query_vector: np.ndarray, k: int, *, space: str = "main",
              sentence_weight: float = 0.5, where: Where | None = None) -> Candidates:
        """The ``k`` best passages by dense score."""

    def dense_many(self, queries: Sequence[DenseQuery]) -> list[Candidates]:
        """``dense`` for each query, in order (a server-backed store sends them together)."""

    def lexical(self, tokens: Sequence[str], k: int, *, where: Where | None = None) -> Candidates:
        """The ``k`` best passages by BM25 (passages sharing no token with the query are left out),
        with the statistics of the documents ``where`` names (see :class:`Lexicons`)."""

    def dense_scores(self, query_vector: np.ndarray, ids: np.ndarray, *, space: str = "main",
                     sentence_weight: float = 0.5) -> np.ndarray:
        """The exact dense scores of the passages ``ids`` (to complete a fused candidate list)."""

    def lexical_scores(self, tokens: Sequence[str], ids: np.ndarray, *,
                       where: Where | None = None) -> np.ndarray:
        """The exact BM25 scores of the passages ``ids``, with the statistics of the documents
        ``where`` names (see :class:`Lexicons`)."""

    def sentence_scores(self, query_vector: np.ndarray, sentence_ids: np.ndarray, *,
                        space: str = "main") -> np.ndarray:
        """Similarity of each sentence in ``sentence_ids`` to the query (for highlighting)."""

    def save(self, folder: str | Path) -> None:
        """Persist atomically (a new version, then the ``CURRENT`` swap)."""
