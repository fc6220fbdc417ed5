"""Qdrant: for when one machine is not enough (``QA_STORE=qdrant``).

Why Qdrant: Apache-2.0; the same client and Query API in embedded local mode (``QA_QDRANT_PATH``,
tests and one machine) and against a server or cluster (``QA_QDRANT_URL`` + ``QA_QDRANT_API_KEY``),
which shards and replicates in one binary. Our tokenizer stays ours.

One point per passage, with payload ``doc_id``, ``period``, offsets and the document's content key:

- ``passage``: the passage vector;
- ``mixed``: a multivector of rows ``½ passage + ½ sentence`` (dot product, MAX_SIM), so the
  multivector score is exactly our dense score ½ passage + ½ best sentence;
- ``xpassage`` / ``xmixed``: the same for the cross-lingual encoder, when indexed;
- ``lexical``: a sparse vector of our jieba tokens (BM25 term weights; the server applies IDF with
  the ``idf`` modifier, so IDF stays right under upserts and deletes).

Hybrid queries fuse server-side (Query API: a dense and a sparse prefetch, then DBSF fusion), with
payload filters on document and period. The catalogue of passages (text, offsets, sentences,
tokens) stays in the index folder, so hits carry the same exact offsets as with the FAISS store.
A second collection, ``<name>-documents``, records which document versions the collection holds.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import logging
import uuid
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..index import IndexData
from ..periods import section_phase as period
from .base import Candidates, DenseQuery, DocumentEntry, Lexicons, Where, dense_each, where_mask
from .remote import SENTENCE_WEIGHT, RemoteCatalogue, check_weight, mixed_rows, sync_remote

log = logging.getLogger(__name__)

AVG_LENGTH = 60.0       # BM25 length normalisation: tokens in a typical passage with its context
K1, B = 1.2, 0.75
BATCH = 64
_NS = uuid.UUID("5b0c6f2e-8f0e-4e57-9d55-6a1d0f3a9c11")


def token_index(token: str) -> int:
    """A stable sparse dimension for a token (the same in every process and client)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest(), "little")


def sparse_document(tokens: Sequence[str]) -> tuple[list[int], list[float]]:
    """BM25 term weights tf·(k1+1) / (tf + k1·(1-b+b·len/avg)) of one passage (IDF: server-side)."""
    counts: dict[str, int] = {}
    for t in tokens:
        counts[t] = counts.get(t, 0) + 1
    norm = K1 * (1 - B + B * len(tokens) / AVG_LENGTH)
    pairs = {}
    for t, tf in counts.items():
        pairs[token_index(t)] = pairs.get(token_index(t), 0.0) + tf * (K1 + 1) / (tf + norm)
    return list(pairs), list(pairs.values())


def sparse_query(tokens: Sequence[str]) -> tuple[list[int], list[float]]:
    idx = sorted({token_index(t) for t in tokens})
    return idx, [1.0] * len(idx)


def client_for(config):
    """A qdrant-client for ``config``: embedded local mode at ``path``, or the server at ``url``."""
    from qdrant_client import QdrantClient

    if config.url:
        return QdrantClient(url=config.url, api_key=config.api_key, timeout=30)
    Path(config.path).mkdir(parents=True, exist_ok=True)
    return QdrantClient(path=str(config.path))


_CLIENTS: dict[str, object] = {}


def shared_client(config):
    """One client per local path (embedded mode locks its folder: a second client would fail)."""
    key = config.url or str(Path(config.path).resolve())
    if key not in _CLIENTS:
        if not _CLIENTS:
            atexit.register(_close_clients)
        _CLIENTS[key] = client_for(config)
    return _CLIENTS[key]


def _close_clients() -> None:
    for client in _CLIENTS.values():
        try:
            client.close()
        except Exception:  # noqa: BLE001 - closing at exit is best effort
            pass
    _CLIENTS.clear()


class QdrantStore(RemoteCatalogue):
    """The catalogue in memory (and in the index folder), vectors and sparse vectors in Qdrant."""

    name = "qdrant"

    def __init__(self, client, collection: str, data: IndexData, *, dim: int, cross_dim: int | None = None):
        self.client = client
        self.collection = collection
        self.registry = f"{collection}-documents"
        self.dim, self.cross_dim = dim, cross_dim
        self._set(data)

    # ------------------------------------------------------------------ collections
    def ensure(self, settings: dict) -> None:
        """Create the collections, or recreate them when they were built with other settings."""
        from qdrant_client import models as m

        marker = json.dumps(settings, sort_keys=True, ensure_ascii=False)
        if self.client.collection_exists(self.collection) and self.client.collection_exists(self.registry):
            found = self.client.retrieve(self.registry, [str(uuid.uuid5(_NS, "settings"))], with_payload=True)
            if found and found[0].payload.get("settings") == marker:
                return
            log.info("Qdrant collection %s was built with other settings: recreating it", self.collection)
        for name in (self.collection, self.registry):
            if self.client.collection_exists(name):
                self.client.delete_collection(name)
        vectors = {
            "passage": m.VectorParams(size=self.dim, distance=m.Distance.DOT),
            "mixed": m.VectorParams(size=self.dim, distance=m.Distance.DOT,
                                    multivector_config=m.MultiVectorConfig(comparator=m.MultiVectorComparator.MAX_SIM)),
        }
        if self.cross_dim:
            vectors["xpassage"] = m.VectorParams(size=self.cross_dim, distance=m.Distance.DOT)
            vectors["xmixed"] = m.VectorParams(
                size=self.cross_dim, distance=m.Distance.DOT,
                multivector_config=m.MultiVectorConfig(comparator=m.MultiVectorComparator.MAX_SIM))
        self.client.create_collection(self.collection, vectors_config=vectors,
                                      sparse_vectors_config={"lexical": m.SparseVectorParams(modifier=m.Modifier.IDF)})
        self.client.create_collection(self.registry, vectors_config={})
        if not getattr(self.client, "_is_local", False) and "QdrantLocal" not in type(self.client._client).__name__:
            for key in ("doc_id", "period"):  # embedded mode has no payload indexes (it only warns)
                self.client.create_payload_index(self.collection, key, m.PayloadSchemaType.KEYWORD)
        self.client.upsert(self.registry, [m.PointStruct(id=str(uuid.uuid5(_NS, "settings")), vector={},
                                                         payload={"settings": marker})])

    # ------------------------------------------------------------------ catalogue
    def _set(self, data: IndexData) -> None:
        self._data = data
        self.lexicons = Lexicons(data)
        self.lexicon = self.lexicons.all
        self.periods = np.array([period(c.section) for c in data.chunks], dtype=object)
        self._position = {(c.doc_id, i - data.doc_ranges[c.doc_id][0]): i for i, c in enumerate(data.chunks)}
        self._ids = [self._point_id(c.doc_id, data.manifest.get("documents", {}).get(c.doc_id, ""),
                                    i - data.doc_ranges[c.doc_id][0]) for i, c in enumerate(data.chunks)]

    @property
    def data(self) -> IndexData:
        return self._data

    @staticmethod
    def _point_id(doc_id: str, key: str, ordinal: int) -> str:
        return str(uuid.uuid5(_NS, f"{doc_id}\x00{key}\x00{ordinal}"))

    def documents(self) -> dict[str, str]:
        """Document ids → content keys held by the Qdrant collection (not the local catalogue)."""
        out, offset = {}, None
        while True:
            points, offset = self.client.scroll(self.registry, limit=256, offset=offset, with_payload=True)
            out.update({p.payload["doc_id"]: p.payload["key"] for p in points if "doc_id" in p.payload})
            if offset is None:
                return out

    def write(self, entry: DocumentEntry) -> None:
        """Upsert a document's points (replacing its earlier ones) in Qdrant."""
        from qdrant_client import models as m

        self.erase(entry.doc_id)
        points = []
        bounds = {}
        for j, (i, _s, _e) in enumerate(entry.sentences):
            bounds.setdefault(i, []).append(j)
        for i, c in enumerate(entry.chunks):
            vector = {"passage": entry.passage_vectors[i].tolist(),
                      "mixed": _mixed(entry.passage_vectors[i], entry.sentence_vectors, bounds.get(i, []))}
            if entry.cross_passage_vectors is not None and self.cross_dim:
                vector["xpassage"] = entry.cross_passage_vectors[i].tolist()
                vector["xmixed"] = _mixed(entry.cross_passage_vectors[i], entry.cross_sentence_vectors,
                                          bounds.get(i, []))
            idx, val = sparse_document(entry.tokens[i])
            if idx:
                vector["lexical"] = m.SparseVector(indices=idx, values=val)
            points.append(m.PointStruct(
                id=self._point_id(entry.doc_id, entry.key, i), vector=vector,
                payload={"doc_id": entry.doc_id, "key": entry.key, "ordinal": i, "start": c.start,
                         "end": c.end, "period": period(c.section)}))
        for a in range(0, len(points), BATCH):
            self.client.upsert(self.collection, points[a:a + BATCH])
        self.client.upsert(self.registry, [m.PointStruct(
            id=str(uuid.uuid5(_NS, f"doc\x00{entry.doc_id}")), vector={},
            payload={"doc_id": entry.doc_id, "key": entry.key, "n_chunks": len(entry.chunks)})])

    def erase(self, doc_id: str) -> None:
        """Delete a document's points in Qdrant."""
        from qdrant_client import models as m

        self.client.delete(self.collection, m.FilterSelector(filter=_filter(Where.of(documents=[doc_id]))))
        self.client.delete(self.registry, m.PointIdsList(points=[str(uuid.uuid5(_NS, f"doc\x00{doc_id}"))]))

    # ------------------------------------------------------------------ search
    def _positions(self, points) -> tuple[np.ndarray, np.ndarray]:
        ids, scores = [], []
        for p in points:
            pos = self._position.get((p.payload["doc_id"], p.payload["ordinal"]))
            if pos is not None and self._ids[pos] == str(p.id):
                ids.append(pos)
                scores.append(p.score)
        return np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64)

    def _query(self, query, using: str, k: int, where: Where | None) -> Candidates:
        res = self.client.query_points(self.collection, query=query, using=using, limit=k,
                                       query_filter=_filter(where), with_payload=["doc_id", "ordinal"])
        return Candidates(*self._positions(res.points))

    def dense(self, query_vector: np.ndarray, k: int, *, space: str = "main",
              sentence_weight: float = SENTENCE_WEIGHT, where: Where | None = None) -> Candidates:
        prefix = "" if space == "main" else "x"
        if sentence_weight == 0:
            return self._query(query_vector.tolist(), f"{prefix}passage", k, where)
        _check_weight(sentence_weight)
        return self._query([query_vector.tolist()], f"{prefix}mixed", k, where)

    def dense_many(self, queries: Sequence[DenseQuery]) -> list[Candidates]:
        return dense_each(self, queries)

    def lexical(self, tokens: Sequence[str], k: int, *, where: Where | None = None) -> Candidates:
        from qdrant_client import models as m

        if where is not None and where.documents is not None:
            # the server's IDF is the whole collection's: a question asked of some documents is
            # scored here with theirs (the catalogue holds every passage's tokens)
            return self.lexicons.candidates(tokens, k, where, where_mask(self._data, self.periods, where))
        idx, val = sparse_query([t for t in tokens if t in self.lexicon.idf])
        if not idx:
            return Candidates(np.zeros(0, np.int64), np.zeros(0))
        return self._query(m.SparseVector(indices=idx, values=val), "lexical", k, where)

    def hybrid(self, query_vector: np.ndarray, tokens: Sequence[str], k: int, *, fusion: str = "dbsf",
               where: Where | None = None) -> Candidates:
        """Server-side fusion: the dense (``mixed``) and lexical top ``k``, fused by DBSF or RRF."""
        from qdrant_client import models as m

        flt = _filter(where)
        prefetch = [m.Prefetch(query=[query_vector.tolist()], using="mixed", limit=k, filter=flt)]
        idx, val = sparse_query([t for t in tokens if t in self.lexicon.idf])
        if idx:
            prefetch.append(m.Prefetch(query=m.SparseVector(indices=idx, values=val), using="lexical",
                                       limit=k, filter=flt))
        res = self.client.query_points(
            self.collection, prefetch=prefetch, limit=k, with_payload=["doc_id", "ordinal"],
            query=m.FusionQuery(fusion=m.Fusion.RRF if fusion == "rrf" else m.Fusion.DBSF))
        return Candidates(*self._positions(res.points))

    def _vectors(self, ids: np.ndarray, space: str) -> list[tuple[np.ndarray, np.ndarray]]:
        prefix = "" if space == "main" else "x"
        ids = [int(i) for i in ids]
        got = {str(p.id): p for p in self.client.retrieve(
            self.collection, [self._ids[i] for i in ids], with_vectors=[f"{prefix}passage", f"{prefix}mixed"])}
        out = []
        for i in ids:
            v = got[self._ids[i]].vector
            out.append((np.asarray(v[f"{prefix}passage"], dtype=np.float32),
                        np.asarray(v[f"{prefix}mixed"], dtype=np.float32)))
        return out

    def dense_scores(self, query_vector: np.ndarray, ids: np.ndarray, *, space: str = "main",
                     sentence_weight: float = SENTENCE_WEIGHT) -> np.ndarray:
        if len(ids) == 0:
            return np.zeros(0)
        if sentence_weight:
            _check_weight(sentence_weight)
        vectors = self._vectors(ids, space)
        if sentence_weight == 0:
            return np.array([float(p @ query_vector) for p, _m in vectors])
        return np.array([float((rows @ query_vector).max()) for _p, rows in vectors])

    def lexical_scores(self, tokens: Sequence[str], ids: np.ndarray, *,
                       where: Where | None = None) -> np.ndarray:
        """The server's sparse score, computed here: Σ idf(t) · BM25 weight of t in the passage
        (with the IDF of the documents ``where`` names)."""
        idf = self.lexicons.of(where).idf
        query = {token_index(t) for t in tokens if t in idf}
        by_index = {}
        for t in idf:
            by_index.setdefault(token_index(t), t)
        out = []
        for i in ids:
            idx, val = sparse_document(self._data.tokens[int(i)])
            out.append(sum(v * idf[by_index[j]] for j, v in zip(idx, val) if j in query))
        return np.array(out, dtype=np.float64)

    def _mixed_scores(self, query_vector: np.ndarray, chunks: list[int], space: str) -> Callable:
        vectors = dict(zip(chunks, self._vectors(np.array(chunks), space)))
        return lambda i, r: (vectors[i][1][r] @ query_vector, vectors[i][0] @ query_vector)


def _check_weight(w: float) -> None:
    check_weight(w, "Qdrant")


def _mixed(passage: np.ndarray, sentences: np.ndarray, rows: list[int]) -> list[list[float]]:
    return mixed_rows(passage, sentences, rows).tolist()


def _filter(where: Where | None):
    from qdrant_client import models as m

    if where is None:
        return None
    must = []
    if where.documents is not None:
        must.append(m.FieldCondition(key="doc_id", match=m.MatchAny(any=sorted(where.documents) or [""])))
    if where.periods is not None:
        periods = [p for p in where.periods if p is not None]
        cond = [m.FieldCondition(key="period", match=m.MatchAny(any=periods))] if periods else []
        if None in where.periods:
            cond.append(m.IsNullCondition(is_null=m.PayloadField(key="period")))
        must.append(m.Filter(should=cond))
    return m.Filter(must=must)


def open_qdrant(config, docs, fingerprints, embedder, settings, cross, index, *, rebuild: bool,
                force: bool, progress: Callable | None, save: Callable, reuse=None) -> QdrantStore:
    """Connect to Qdrant and bring its collection and the local catalogue in line with ``docs``:
    documents removed or changed are deleted, new or changed ones embedded and upserted."""
    client = shared_client(config)

    def make(catalogue, dim, cross_dim, settings_of_index):
        store = QdrantStore(client, config.collection, catalogue, dim=dim, cross_dim=cross_dim)
        store.ensure(settings_of_index)
        return store

    return sync_remote(make, "Qdrant", config.collection, config, docs, fingerprints, embedder, settings,
                       cross, index, rebuild=rebuild, force=force, progress=progress, save=save)
