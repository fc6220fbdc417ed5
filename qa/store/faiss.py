"""The default store: vectors searched with FAISS, passages scored lexically with bm25s, on disk in
the index folder (``qa/index.py``).

Dense search is exact (one matrix-vector product over the stored vectors) while a vector set is small
and uses an HNSW graph above ``HNSW_ABOVE`` vectors (``efSearch`` high enough for recall@10 ≥ 0.99
against exact search, see tests/test_store.py). The graph is built in a background thread on first
use; until it is ready, exact search answers (no query ever waits for a build). The dense score of a
passage is ½ its own similarity + ½ its best sentence's: FAISS returns the nearest passages and the
nearest sentences, and their union is scored exactly from the stored vectors.

Each vector set is held once: loaded vectors stay in the FAISS index read from disk, and once an
HNSW graph is built the catalogue's vectors become a view of the graph's own storage (the previous
copy is freed), so memory is one float32 copy of every vector plus the graphs.
"""
from __future__ import annotations

import threading
import weakref
from pathlib import Path
from typing import Sequence

import numpy as np

from dataclasses import replace

from ..index import PENDING, IndexData, assemble, faiss_owner, faiss_vectors, load_index, save_index
from ..periods import section_phase
from .base import Candidates, DenseQuery, DocumentEntry, Lexicons, Where, where_mask

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

    def __init__(self, data: IndexData, *, hnsw_above: int = HNSW_ABOVE, lexicon=None):
        """``lexicon``: the BM25 index of ``data``'s passages, when made already (by the child
        process that built ``data``, ``qa.indexworker``)."""
        self.hnsw_above = hnsw_above
        self._lock = threading.Lock()
        self._entries: dict[str, DocumentEntry] | None = None
        self._set(data, lexicon)

    # ------------------------------------------------------------------ catalogue
    def _set(self, data: IndexData, lexicon=None) -> None:
        with self._lock:
            self._data = data
            self._indexes: dict[str, object] = {}
            self._building: set[str] = set()
        self.lexicons = Lexicons(data, lexicon)
        self.lexicon = self.lexicons.all
        # the passages with vectors: a document still being embedded (``qa.indexing``) has zero
        # vectors, never a dense candidate (its dense score is estimated, ``qa.search.impute_dense``)
        pending = [d for d, key in data.manifest.get("documents", {}).items() if key.startswith(PENDING)]
        self._embedded = ~np.isin(data.chunk_docs, pending) if pending else None
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
    @staticmethod
    def _field(space: str, kind: str, data: IndexData) -> str:
        """The catalogue field holding one vector set (the cross-lingual space falls back to the
        main sentence vectors when it has none of its own)."""
        if space == "main":
            return f"{kind}_vectors"
        if kind == "sentence" and data.cross_sentence_vectors is None:
            return "sentence_vectors"
        return f"cross_{kind}_vectors"

    def _vectors(self, space: str) -> tuple[np.ndarray, np.ndarray]:
        d = self._data
        pv, sv = (getattr(d, self._field(space, kind, d)) for kind in ("passage", "sentence"))
        if pv is None:
            raise ValueError(f"no {space} vectors in this index")
        return pv, sv

    def _index(self, space: str, kind: str):
        """The search index of one vector set: exact while small (no copy of the vectors); above
        ``hnsw_above`` an HNSW graph (the one they were loaded in, or one built in a background
        thread, exact search serving meanwhile)."""
        data = self._data
        key = self._field(space, kind, data)
        index = self._indexes.get(key)
        if index is not None:
            return index
        vectors = getattr(data, key)
        owner = faiss_owner(vectors)
        if owner is not None and isinstance(owner, _faiss().IndexHNSW):
            self._indexes[key] = owner
            owner.hnsw.efSearch = HNSW_EF_SEARCH
            return owner
        if len(vectors) > self.hnsw_above:
            self._build_in_background(key, vectors)
        return _Exact(vectors)

    def _build_in_background(self, key: str, vectors: np.ndarray) -> None:
        with self._lock:
            if key in self._building:
                return
            self._building.add(key)
        indexes = self._indexes  # a later upsert/delete replaces the dict: this build is then dropped
        store, above = weakref.ref(self), self.hnsw_above  # a store nobody uses any more drops it too

        def dropped() -> bool:
            live = store()
            return live is None or live._indexes is not indexes

        def build():
            index = build_faiss_index(vectors, above, cancelled=dropped)
            live = store()
            if index is None or live is None:
                return
            with live._lock:
                if live._indexes is not indexes:
                    return
                # the catalogue now views the graph's storage: the vectors are held once
                live._data = replace(live._data, **{key: faiss_vectors(index)})
                indexes[key] = index

        threading.Thread(target=build, name=f"qa-hnsw-{key}", daemon=True).start()

    def ready(self) -> bool:
        """True when every vector set has its final FAISS index (HNSW builds finished)."""
        return not self._building - set(self._indexes)

    def mask(self, where: Where | None) -> np.ndarray | None:
        """Allowed passages (boolean array) for ``where``; None for no filter."""
        return where_mask(self._data, self.periods, where)

    def dense(self, query_vector: np.ndarray, k: int, *, space: str = "main",
              sentence_weight: float = 0.5, where: Where | None = None) -> Candidates:
        return self._dense(DenseQuery(query_vector, k, space, sentence_weight, where), _Scans())

    def dense_many(self, queries: Sequence[DenseQuery]) -> list[Candidates]:
        """``dense`` for each query; a query opposite to an earlier one (``-v``: the floor of min-max
        fusion) reuses that one's exact scan of the vectors, negated (``_Scans``)."""
        scans = _Scans()
        return [self._dense(q, scans) for q in queries]

    def _dense(self, q: DenseQuery, scans: "_Scans") -> Candidates:
        n = len(self._data.chunks)
        allowed = self.mask(q.where)
        if self._embedded is not None:  # passages of documents still being embedded: zero vectors
            allowed = self._embedded if allowed is None else allowed & self._embedded
        if n == 0 or (allowed is not None and not allowed.any()):
            return Candidates(np.zeros(0, np.int64), np.zeros(0))
        if allowed is not None and allowed.sum() <= EXACT_FILTERED:
            ids = np.flatnonzero(allowed)
        else:
            qv = np.ascontiguousarray(q.vector.reshape(1, -1), dtype=np.float32)
            sel = _selector(allowed)
            ids = _search(self._index(q.space, "passage"), qv, min(q.k, n), sel, scans)
            if q.sentence_weight > 0 and len(self._data.sentences):
                s_allowed = None if allowed is None else allowed[self._data.sentence_chunk]
                sids = _search(self._index(q.space, "sentence"), qv, min(q.k, len(self._data.sentences)),
                               _selector(s_allowed), scans)
                ids = np.union1d(ids, self._data.sentence_chunk[sids])
        return Candidates.top(ids, self.dense_scores(q.vector, ids, space=q.space,
                                                     sentence_weight=q.sentence_weight), q.k)

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
        return self.lexicons.candidates(tokens, k, where, self.mask(where))

    def lexical_scores(self, tokens: Sequence[str], ids: np.ndarray, *,
                       where: Where | None = None) -> np.ndarray:
        return self.lexicons.of(where).scores_at(tokens, ids)

    def sentence_scores(self, query_vector: np.ndarray, sentence_ids: np.ndarray, *,
                        space: str = "main") -> np.ndarray:
        return self._vectors(space)[1][np.asarray(sentence_ids, dtype=np.int64)] @ query_vector


BUILD_BLOCK = 16_384  # vectors added to a graph at a time (a dropped build stops between blocks)


def build_faiss_index(vectors: np.ndarray, hnsw_above: int = HNSW_ABOVE, cancelled=lambda: False):
    """Exact inner-product search for up to ``hnsw_above`` vectors, HNSW above. A graph is built
    block by block; when ``cancelled()`` turns true between blocks the build stops (None)."""
    faiss = _faiss()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) <= hnsw_above:
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return index
    index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = HNSW_EF_SEARCH
    for start in range(0, len(vectors), BUILD_BLOCK):
        if cancelled():
            return None
        index.add(vectors[start:start + BUILD_BLOCK])
    return index


class _Exact:
    """Exact inner-product search over stored vectors, without copying them into an index."""

    def __init__(self, vectors: np.ndarray):
        self.vectors = vectors

    def search_ids(self, qv: np.ndarray, k: int, selector, scans: "_Scans | None" = None) -> np.ndarray:
        ids = None if selector is None else selector[1]
        if ids is None and scans is not None:
            scores = scans.similarities(self.vectors, qv[0])
        else:
            scores = (self.vectors if ids is None else self.vectors[ids]) @ qv[0]
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return top if ids is None else ids[top]


class _Scans:
    """The exact scans of one batch of dense queries, so that a query's opposite (``-v``, the floor
    of min-max fusion) is answered from its scan, negated: exactly what scanning for ``-v`` gives
    (negation commutes with every product and sum of the scan), at half the cost."""

    def __init__(self):
        self._done: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def similarities(self, vectors: np.ndarray, qv: np.ndarray) -> np.ndarray:
        """``vectors @ qv``, computed once per vector set for ``qv`` and ``-qv``."""
        for seen, q, sims in self._done:
            if seen is vectors:
                if np.array_equal(q, qv):
                    return sims
                if np.array_equal(q, -qv):
                    return -sims
        sims = vectors @ qv
        self._done.append((vectors, qv, sims))
        return sims


def _selector(allowed: np.ndarray | None):
    if allowed is None:
        return None
    faiss = _faiss()
    ids = np.flatnonzero(allowed).astype(np.int64)
    return faiss.IDSelectorBatch(len(ids), faiss.swig_ptr(ids)), ids  # keep ids alive with the selector


def _search(index, qv: np.ndarray, k: int, selector, scans: _Scans | None = None) -> np.ndarray:
    """Positions of the ``k`` nearest vectors (fewer when a filter leaves fewer)."""
    faiss = _faiss()
    if k <= 0:
        return np.zeros(0, np.int64)
    if isinstance(index, _Exact):
        return index.search_ids(qv, k, selector, scans).astype(np.int64)
    if selector is None:
        _d, found = index.search(qv, k)
    else:
        sel, _keep = selector
        params = (faiss.SearchParametersHNSW(sel=sel, efSearch=HNSW_EF_SEARCH)
                  if isinstance(index, faiss.IndexHNSW) else faiss.SearchParameters(sel=sel))
        _d, found = index.search(qv, k, params=params)
    found = found[0]
    return found[found >= 0].astype(np.int64)


def open_faiss(config, docs, fingerprints, embedder, settings, cross, index, *, rebuild: bool,
               force: bool, progress, save, reuse: IndexData | None = None) -> FaissStore:
    """The FAISS store over ``docs``: the index in ``index`` if it serves them, else an updated one
    (unchanged documents reused, from ``reuse`` when it was built with the same settings, else from
    the index on disk), saved through ``save``. BM25 is prepared now, not on the first question."""
    import logging

    from ..errors import IndexFileError
    from ..index import build_index, manifest_for, read_manifest, stale_reason

    log = logging.getLogger(__name__)
    expected = manifest_for(fingerprints, embedder, settings, cross, config.describe())
    data = previous = None
    try:
        reason = "rebuild forced" if force else stale_reason(read_manifest(index), expected)
        if reason is None:
            data = load_index(index)
        elif reason == "corpus changed":  # same settings: unchanged documents are reused
            same = reuse is not None and stale_reason(reuse.manifest, expected) in (None, "corpus changed")
            previous = reuse if same else load_index(index)
    except IndexFileError as exc:
        reason = str(exc)
    if data is None:
        if not rebuild:
            raise IndexFileError(f"index in {index} cannot be used ({reason}); "
                                 "run `python -m qa index` to rebuild it")
        log.info("building index in %s (%s)", index, reason)
        data = build_index(docs, fingerprints, embedder, settings, progress=progress, cross=cross,
                           previous=previous)
        log.info("embedded %d of %d document(s)", len(data.manifest["embedded"]), len(docs))
        built = data
        save(lambda folder: save_index(built, folder))
    store = FaissStore(data)
    store.lexicon.prepare()
    return store
