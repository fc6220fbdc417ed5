"""The default store: vectors searched with FAISS, passages scored lexically with bm25s, on disk in
the index folder (``qa/index.py``).

Dense search uses an exact ``IndexFlatIP`` while a vector set is small and an HNSW graph above
``HNSW_ABOVE`` vectors (``efSearch`` high enough for recall@10 ≥ 0.99 against exact search, see
tests/test_store.py). The graph is built in a background thread on first use; until it is ready,
exact search over the stored vectors answers (no query ever waits for a build). The dense score of a passage is ½ its own similarity + ½
its best sentence's: FAISS returns the nearest passages and the nearest sentences, and their union is
scored exactly from the stored vectors.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from ..index import IndexData, assemble, load_index, save_index
from ..lexical import BM25
from ..periods import section_phase
from .base import Candidates, DocumentEntry, Where, where_mask

HNSW_ABOVE = 50_000     # vectors; below, exact search costs under ~10 ms on 2 cores (512-d)
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 256
EXACT_FILTERED = 20_000  # a filter leaving at most this many passages is scored exactly (numpy)


def _faiss():
    import faiss

    return faiss


class FaissStore:
    """Catalogue, vectors and BM25 in memory; FAISS indexes built lazily per vector set."""

    name = "faiss"

    def __init__(self, data: IndexData, *, hnsw_above: int = HNSW_ABOVE):
        self.hnsw_above = hnsw_above
        self._lock = threading.Lock()
        self._entries: dict[str, DocumentEntry] | None = None
        self._set(data)

    # ------------------------------------------------------------------ catalogue
    def _set(self, data: IndexData) -> None:
        self._data = data
        self._indexes: dict[tuple[str, str], object] = {}
        self._building: set[tuple[str, str]] = set()
        self.lexicon = BM25(data.tokens)
        self.periods = np.array([section_phase(c.section) for c in data.chunks], dtype=object)

    @property
    def data(self) -> IndexData:
        return self._data

    @classmethod
    def load(cls, folder: str | Path, **kwargs) -> "FaissStore":
        return cls(load_index(folder), **kwargs)

    def save(self, folder: str | Path) -> Path:
        return save_index(self._data, folder)

    def documents(self) -> dict[str, str]:
        return {d: self._data.manifest.get("documents", {}).get(d, "") for d in self._data.doc_ranges}

    def upsert(self, entry: DocumentEntry) -> None:
        entries = self._data.entries()
        entries[entry.doc_id] = entry
        self._rebuild(entries)

    def delete(self, doc_id: str) -> None:
        entries = self._data.entries()
        if entries.pop(doc_id, None) is not None:
            self._rebuild(entries)

    def _rebuild(self, entries: dict[str, DocumentEntry]) -> None:
        """Documents in id order, so the catalogue does not depend on the order of changes."""
        manifest = {k: v for k, v in self._data.manifest.items() if k != "checksums"}
        self._set(assemble([entries[d] for d in sorted(entries)], manifest))

    # ------------------------------------------------------------------ search
    def _vectors(self, space: str) -> tuple[np.ndarray, np.ndarray]:
        d = self._data
        pv, sv = (d.passage_vectors, d.sentence_vectors) if space == "main" else \
            (d.cross_passage_vectors, d.sentence_vectors if d.cross_sentence_vectors is None else d.cross_sentence_vectors)
        if pv is None:
            raise ValueError(f"no {space} vectors in this index")
        return pv, sv

    def _index(self, space: str, kind: str):
        """The FAISS index of one vector set: exact while small; above ``hnsw_above`` an HNSW graph,
        built in a background thread (exact search over the stored vectors serves meanwhile)."""
        key = (space, kind)
        index = self._indexes.get(key)
        if index is not None:
            return index
        vectors = self._vectors(space)[0 if kind == "passage" else 1]
        if len(vectors) > self.hnsw_above:
            self._build_in_background(key, vectors)
            return _Exact(vectors)
        with self._lock:
            if key not in self._indexes:
                self._indexes[key] = build_faiss_index(vectors, self.hnsw_above)
            return self._indexes[key]

    def _build_in_background(self, key, vectors: np.ndarray) -> None:
        with self._lock:
            if key in self._building:
                return
            self._building.add(key)
        indexes = self._indexes  # a later upsert/delete replaces the dict: this build is then dropped

        def build():
            indexes[key] = build_faiss_index(vectors, self.hnsw_above)

        threading.Thread(target=build, name=f"qa-hnsw-{key[0]}-{key[1]}", daemon=True).start()

    def ready(self) -> bool:
        """True when every vector set has its final FAISS index (HNSW builds finished)."""
        return not self._building - set(self._indexes)

    def mask(self, where: Where | None) -> np.ndarray | None:
        """Allowed passages (boolean array) for ``where``; None for no filter."""
        return where_mask(self._data, self.periods, where)

    def dense(self, query_vector: np.ndarray, k: int, *, space: str = "main",
              sentence_weight: float = 0.5, where: Where | None = None) -> Candidates:
        n = len(self._data.chunks)
        allowed = self.mask(where)
        if n == 0 or (allowed is not None and not allowed.any()):
            return Candidates(np.zeros(0, np.int64), np.zeros(0))
        if allowed is not None and allowed.sum() <= EXACT_FILTERED:
            ids = np.flatnonzero(allowed)
        else:
            qv = np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32)
            sel = _selector(allowed)
            ids = _search(self._index(space, "passage"), qv, min(k, n), sel)
            if sentence_weight > 0 and len(self._data.sentences):
                s_allowed = None if allowed is None else allowed[self._data.sentence_chunk]
                sids = _search(self._index(space, "sentence"), qv, min(k, len(self._data.sentences)),
                               _selector(s_allowed))
                ids = np.union1d(ids, self._data.sentence_chunk[sids])
        return Candidates.top(ids, self.dense_scores(query_vector, ids, space=space,
                                                     sentence_weight=sentence_weight), k)

    def dense_scores(self, query_vector: np.ndarray, ids: np.ndarray, *, space: str = "main",
                     sentence_weight: float = 0.5) -> np.ndarray:
        from ..search import dense_scores

        ids = np.asarray(ids, dtype=np.int64)
        pv, sv = self._vectors(space)
        passage_sim = pv[ids] @ query_vector
        bounds = self._data.sentence_bounds[ids] if len(ids) else np.zeros((0, 2), np.int64)
        sids = np.concatenate([np.arange(a, b) for a, b in bounds]) if len(ids) else np.zeros(0, np.int64)
        owner = np.repeat(np.arange(len(ids)), bounds[:, 1] - bounds[:, 0])
        sentence_sim = sv[sids.astype(np.int64)] @ query_vector if len(sids) else np.zeros(0, np.float32)
        return dense_scores(passage_sim, sentence_sim, owner, sentence_weight)

    def lexical(self, tokens: Sequence[str], k: int, *, where: Where | None = None) -> Candidates:
        scores = self.lexicon.scores(tokens).astype(np.float64)
        keep = scores > 0
        allowed = self.mask(where)
        if allowed is not None:
            keep &= allowed
        ids = np.flatnonzero(keep)
        return Candidates.top(ids, scores[ids], k)

    def lexical_scores(self, tokens: Sequence[str], ids: np.ndarray) -> np.ndarray:
        return self.lexicon.scores(tokens).astype(np.float64)[np.asarray(ids, dtype=np.int64)]

    def sentence_scores(self, query_vector: np.ndarray, sentence_ids: np.ndarray, *,
                        space: str = "main") -> np.ndarray:
        return self._vectors(space)[1][np.asarray(sentence_ids, dtype=np.int64)] @ query_vector


def build_faiss_index(vectors: np.ndarray, hnsw_above: int = HNSW_ABOVE):
    """Exact inner-product search for up to ``hnsw_above`` vectors, HNSW above."""
    faiss = _faiss()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) <= hnsw_above:
        index = faiss.IndexFlatIP(vectors.shape[1])
    else:
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    return index


class _Exact:
    """Exact inner-product search over stored vectors, without copying them into an index."""

    def __init__(self, vectors: np.ndarray):
        self.vectors = vectors

    def search_ids(self, qv: np.ndarray, k: int, selector) -> np.ndarray:
        ids = None if selector is None else selector[1]
        scores = (self.vectors if ids is None else self.vectors[ids]) @ qv[0]
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return top if ids is None else ids[top]


def _selector(allowed: np.ndarray | None):
    if allowed is None:
        return None
    faiss = _faiss()
    ids = np.flatnonzero(allowed).astype(np.int64)
    return faiss.IDSelectorBatch(len(ids), faiss.swig_ptr(ids)), ids  # keep ids alive with the selector


def _search(index, qv: np.ndarray, k: int, selector) -> np.ndarray:
    """Positions of the ``k`` nearest vectors (fewer when a filter leaves fewer)."""
    faiss = _faiss()
    if k <= 0:
        return np.zeros(0, np.int64)
    if isinstance(index, _Exact):
        return index.search_ids(qv, k, selector).astype(np.int64)
    if selector is None:
        _d, found = index.search(qv, k)
    else:
        sel, _keep = selector
        params = (faiss.SearchParametersHNSW(sel=sel, efSearch=HNSW_EF_SEARCH)
                  if isinstance(index, faiss.IndexHNSW) else faiss.SearchParameters(sel=sel))
        _d, found = index.search(qv, k, params=params)
    found = found[0]
    return found[found >= 0].astype(np.int64)
