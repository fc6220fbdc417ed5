"""Milvus: the index in a distributed vector database (``QA_STORE=milvus``).

Why Milvus: Apache-2.0, a server that shards and replicates (standalone or cluster, one protocol
and one client, ``pymilvus``), and what QAnything and Langchain-Chatchat use. Our tokenizer and
BM25 stay ours, over the local catalogue, as with the FAISS store.

Collections (``<name>`` is ``QA_MILVUS_COLLECTION``; Milvus 2.3 holds one vector field each):

- ``<name>_passage``: one row per passage, its vector, with scalar fields ``doc_id``, ``key`` (the
  document's content key), ``ordinal`` (position in the document), ``start``/``end`` (offsets) and
  ``period``;
- ``<name>_mixed``: one row per sentence unit, vector ``½ passage + ½ sentence`` (a passage without
  sentence units: its own vector), so the best row of a passage is exactly our dense score
  ½ passage + ½ best sentence, and ``(row − ½ passage) / ½`` gives a sentence's similarity back;
- ``<name>_xpassage`` / ``<name>_xmixed``: the same for the cross-lingual encoder, when indexed;
- ``<name>_documents``: which document versions the collections hold, and the settings (model,
  dimensions, splitter) they were built with: another model's collection is refused, never mixed.

Searches filter on ``doc_id`` and ``period`` server-side (boolean expressions); the searches of
one question (its dense candidates and the floor) are sent together: one round trip. A search
returns keys and scores only: the primary keys are a hash of document, version, position and row,
so the catalogue knows each key's passage without output fields. The exact scores of a fused
candidate list (and the sentence similarities of the highlights) are computed here from the
candidates' vectors, fetched by key the first time a passage is scored and kept (``CACHE_BYTES``,
least recently used dropped): a key names one version of a passage, so a kept vector is never stale.
The catalogue of passages (text, offsets, sentences, tokens) stays in the index folder, so hits
carry the same exact offsets as with the FAISS store. Every call has a deadline; a server that is
down or restarting gives an :class:`IndexFileError` saying so, and the data stays on the server.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import warnings
from collections import OrderedDict
from typing import Callable, Sequence

import numpy as np

from ..errors import IndexFileError, InputError
from ..index import IndexData
from ..periods import section_phase as period
from .base import Candidates, DenseQuery, DocumentEntry, Lexicons, Where, where_mask
from .remote import SENTENCE_WEIGHT, RemoteCatalogue, check_weight, mixed_rows, sync_remote

log = logging.getLogger(__name__)

TIMEOUT = 10.0           # seconds for one call to the server (search, insert, delete, query)
SETUP_TIMEOUT = 120.0    # for creating, dropping, loading or flushing a collection (slow on a busy server)
CONNECT_TIMEOUT = 10.0
BATCH = 2048             # rows per insert
MAX_LIMIT = 16_384       # Milvus's largest top-k
ROWS_PER_PASSAGE = 4     # first guess of mixed rows to fetch per passage wanted
FETCH_KEYS = 4096        # primary keys per query fetching vectors
CACHE_BYTES = 128 * 2**20  # vectors of passages scored, kept (least recently used dropped beyond)
SETTINGS_ROW = "//settings"  # the registry row holding the settings (no document id has "//")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,200}")
INDEXES = {"FLAT": {}, "HNSW": {"M": 16, "efConstruction": 200}}


def _pymilvus():
    with warnings.catch_warnings():  # pymilvus 2.3 imports pkg_resources (deprecated)
        warnings.simplefilter("ignore")
        import pymilvus
    return pymilvus


def _errors() -> tuple[type, ...]:
    import grpc

    return (_pymilvus().MilvusException, grpc.RpcError)


def row_key(doc_id: str, key: str, ordinal: int, row: int = -1) -> int:
    """A stable int64 primary key for a passage (``row`` -1) or one of its mixed rows."""
    digest = hashlib.blake2b(f"{doc_id}\x00{key}\x00{ordinal}\x00{row}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def quote(s: str) -> str:
    """A string literal for a Milvus boolean expression."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def expression(where: Where | None) -> str:
    """The boolean expression of ``where`` ("" for no filter); a period of None is stored as ""."""
    if where is None:
        return ""
    parts = []
    if where.documents is not None:
        parts.append(f"doc_id in [{', '.join(quote(d) for d in sorted(where.documents))}]")
    if where.periods is not None:
        parts.append(f"period in [{', '.join(quote(p or '') for p in sorted(where.periods, key=str))}]")
    return " and ".join(parts)


_CONNECTIONS: dict[tuple[str, str], str] = {}
_CONNECT_LOCK = threading.Lock()


def connect(config) -> str:
    """A pymilvus connection alias for ``config`` (one per server and token), or IndexFileError."""
    pm = _pymilvus()
    key = (config.url, config.api_key or "")
    with _CONNECT_LOCK:
        alias = _CONNECTIONS.get(key)
        if alias is None:
            alias = f"qa-{len(_CONNECTIONS)}"
            try:
                pm.connections.connect(alias, uri=config.url, token=config.api_key or "", timeout=CONNECT_TIMEOUT)
            except _errors() as exc:
                raise IndexFileError(f"无法连接 Milvus 服务器 {config.url}（{_reason(exc)}）；"
                                     "请确认服务器在运行、QA_MILVUS_URI 与 QA_MILVUS_TOKEN 正确") from None
            _CONNECTIONS[key] = alias
    return alias


def check_name(collection: str) -> None:
    if not NAME.fullmatch(collection):
        raise InputError(f"Milvus 集合名 {collection!r} 无效：只能用字母、数字和下划线，且不以数字开头"
                         "（QA_MILVUS_COLLECTION）")


def _reason(exc: Exception) -> str:
    text = getattr(exc, "message", None) or (exc.details() if hasattr(exc, "details") else str(exc))
    return str(text).split("\n")[0][:200]


class MilvusStore(RemoteCatalogue):
    """The catalogue in memory (and in the index folder); vectors, filters and search in Milvus."""

    name = "milvus"

    def __init__(self, alias: str, collection: str, data: IndexData, *, dim: int, cross_dim: int | None = None,
                 index: str = "FLAT", uri: str = ""):
        check_name(collection)
        self.alias, self.collection, self.uri = alias, collection, uri
        self.dim, self.cross_dim = dim, cross_dim
        self.index = index
        self._handles: dict[str, object] = {}
        self.cache_bytes = CACHE_BYTES
        self._cache: OrderedDict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cache_bytes = 0
        self._cache_lock = threading.Lock()
        self._set(data)

    # ------------------------------------------------------------------ server calls
    def _name(self, part: str) -> str:
        return f"{self.collection}_{part}"

    def _call(self, what: str, fn: Callable, *args, timeout: float = TIMEOUT, **kwargs):
        """One call with a deadline; a collection the server has not loaded (after a restart) is
        loaded and the call tried again; any other failure is an IndexFileError for the user."""
        for attempt in range(2):
            try:
                return fn(*args, timeout=timeout, **kwargs)
            except _errors() as exc:
                reason = _reason(exc)
                if attempt == 0 and "not loaded" in reason.lower():
                    self._load_all()
                    continue
                raise IndexFileError(f"Milvus 服务器 {self.uri} 无法完成{what}（{reason}）；"
                                     "请确认服务器在运行后再试，索引数据保存在服务器上，不会丢失") from None

    def _collection(self, part: str):
        handle = self._handles.get(part)
        if handle is None:
            handle = _pymilvus().Collection(self._name(part), using=self.alias)
            self._handles[part] = handle
        return handle

    def _parts(self) -> tuple[str, ...]:
        return ("passage", "mixed") + (("xpassage", "xmixed") if self.cross_dim else ())

    def _load_all(self) -> None:
        for part in (*self._parts(), "documents"):
            try:
                self._collection(part).load(timeout=SETUP_TIMEOUT)
            except _errors():
                pass

    # ------------------------------------------------------------------ collections
    def ensure(self, settings: dict, *, force: bool = False) -> None:
        """Create the collections, or check that they hold vectors of this model and size.
        Another model's (or size's) collections are refused unless ``force``; other settings
        (splitter, tokenizer) recreate them."""
        pm = _pymilvus()
        utility = pm.utility
        marker = dict(settings, dim=self.dim, cross_dim=self.cross_dim, index=self.index)
        names = [self._name(p) for p in (*self._parts(), "documents")]
        exists = [self._call("查询集合", utility.has_collection, n, using=self.alias) for n in names]
        if all(exists):
            found = self._call("读取设置", self._collection("documents").query,
                               f"doc_id == {quote(SETTINGS_ROW)}", output_fields=["settings"])
            held = json.loads(found[0]["settings"]) if found else None
            if held == marker:
                return
            if held is not None and not force and any(
                    held.get(k) != marker[k] for k in ("model", "cross_model", "dim", "cross_dim")):
                raise IndexFileError(
                    f"Milvus 集合 {self.collection} 保存的是另一个模型的向量（{held.get('model')}，"
                    f"{held.get('dim')} 维；现在是 {marker['model']}，{self.dim} 维），不能混用。请用另一个集合名"
                    "（QA_MILVUS_COLLECTION），或确认不再需要后用 `python -m qa index --force` 重建")
        elif any(exists) and not force and not self._call(
                "查询集合", utility.has_collection, self._name("documents"), using=self.alias):
            raise IndexFileError(f"Milvus 中已有名为 {self.collection}_* 的集合，但不是本程序建立的；"
                                 "请换一个集合名（QA_MILVUS_COLLECTION）")
        log.info("creating Milvus collections %s_*", self.collection)
        for n in names:
            if self._call("查询集合", utility.has_collection, n, using=self.alias):
                self._call("删除集合", utility.drop_collection, n, using=self.alias, timeout=SETUP_TIMEOUT)
        self._handles.clear()
        for part in self._parts():
            self._create(part, self.cross_dim if part.startswith("x") else self.dim)
        f = pm.FieldSchema
        schema = pm.CollectionSchema([
            f("doc_id", pm.DataType.VARCHAR, max_length=1024, is_primary=True),
            f("key", pm.DataType.VARCHAR, max_length=128),
            f("n_chunks", pm.DataType.INT64),
            f("settings", pm.DataType.VARCHAR, max_length=65535),
            f("vector", pm.DataType.FLOAT_VECTOR, dim=2)])  # Milvus 2.3 needs a vector field
        docs = self._call("建立集合", pm.Collection, self._name("documents"), schema, using=self.alias,
                          timeout=SETUP_TIMEOUT, consistency_level="Session")
        self._call("建立索引", docs.create_index, "vector", {"index_type": "FLAT", "metric_type": "L2", "params": {}},
                   timeout=SETUP_TIMEOUT)
        self._call("加载集合", docs.load, timeout=SETUP_TIMEOUT)
        self._handles["documents"] = docs
        self._call("写入设置", docs.insert, [[SETTINGS_ROW], [""], [0],
                                         [json.dumps(marker, sort_keys=True, ensure_ascii=False)], [[0.0, 0.0]]])

    def _create(self, part: str, dim: int) -> None:
        pm = _pymilvus()
        f = pm.FieldSchema
        fields = [f("pk", pm.DataType.INT64, is_primary=True),
                  f("doc_id", pm.DataType.VARCHAR, max_length=1024),
                  f("key", pm.DataType.VARCHAR, max_length=128),
                  f("ordinal", pm.DataType.INT64),
                  f("period", pm.DataType.VARCHAR, max_length=64)]
        if part.endswith("mixed"):
            fields.append(f("row", pm.DataType.INT64))
        else:
            fields += [f("start", pm.DataType.INT64), f("end", pm.DataType.INT64)]
        fields.append(f("vector", pm.DataType.FLOAT_VECTOR, dim=int(dim)))
        col = self._call("建立集合", pm.Collection, self._name(part), pm.CollectionSchema(fields), using=self.alias,
                         timeout=SETUP_TIMEOUT, consistency_level="Session")
        self._call("建立索引", col.create_index, "vector",
                   {"index_type": self.index, "metric_type": "IP", "params": INDEXES[self.index]}, timeout=SETUP_TIMEOUT)
        self._call("加载集合", col.load, timeout=SETUP_TIMEOUT)
        self._handles[part] = col

    def flush(self, *, wait: bool = True) -> None:
        """Seal what was inserted (inserts are durable in the server's log either way; it seals on
        its own only when a segment is full or idle for long). A sealed segment is searched
        through its index; a growing one row block by row block: over the 20 shared reports one
        search took 9.9 ms growing, 4.8 ms sealed. ``wait=False``: ask for it and go on (the
        server seals in the background; searches are right meanwhile)."""
        for part in (*self._parts(), "documents"):
            self._call("保存数据", self._collection(part).flush, timeout=SETUP_TIMEOUT, _async=not wait)

    # ------------------------------------------------------------------ catalogue
    def _set(self, data: IndexData) -> None:
        self._data = data
        self.lexicons = Lexicons(data)  # BM25 per set of documents asked about (store.base)
        self.lexicon = self.lexicons.all
        self.periods = np.array([period(c.section) for c in data.chunks], dtype=object)
        keys = data.manifest.get("documents", {})
        self._keys = [keys.get(c.doc_id, "") for c in data.chunks]
        self._row_index: tuple | None = None  # made by _rows() when first searched

    @property
    def data(self) -> IndexData:
        return self._data

    def documents(self) -> dict[str, str]:
        """Document ids → content keys held by the Milvus collections (not the local catalogue)."""
        rows = self._call("读取文档列表", self._collection("documents").query,
                          f"doc_id != {quote(SETTINGS_ROW)}", output_fields=["doc_id", "key"])
        return {r["doc_id"]: r["key"] for r in rows}

    def write(self, entry: DocumentEntry) -> None:
        """Insert a document's rows (replacing its earlier ones) on the server."""
        self.erase(entry.doc_id)
        rows: dict[int, list[int]] = {}
        for j, (i, _s, _e) in enumerate(entry.sentences):
            rows.setdefault(i, []).append(j)
        spaces = [("", entry.passage_vectors, entry.sentence_vectors)]
        if self.cross_dim and entry.cross_passage_vectors is not None:
            spaces.append(("x", entry.cross_passage_vectors, entry.cross_sentence_vectors))
        periods = [period(c.section) or "" for c in entry.chunks]
        n = len(entry.chunks)
        for prefix, pv, sv in spaces:
            self._insert(f"{prefix}passage", [
                [row_key(entry.doc_id, entry.key, i) for i in range(n)], [entry.doc_id] * n, [entry.key] * n,
                list(range(n)), periods, [c.start for c in entry.chunks], [c.end for c in entry.chunks],
                np.asarray(pv, dtype=np.float32)])
            pks, ordinals, row_ids, vectors = [], [], [], []
            for i in range(n):
                for r, v in enumerate(mixed_rows(pv[i], sv, rows.get(i, []))):
                    pks.append(row_key(entry.doc_id, entry.key, i, r))
                    ordinals.append(i)
                    row_ids.append(r)
                    vectors.append(v)
            m = len(pks)
            self._insert(f"{prefix}mixed", [pks, [entry.doc_id] * m, [entry.key] * m, ordinals,
                                            [periods[i] for i in ordinals], row_ids,
                                            np.asarray(vectors, dtype=np.float32).reshape(m, -1)])
        self._call("写入文档", self._collection("documents").insert,
                   [[entry.doc_id], [entry.key], [n], [""], [[0.0, 0.0]]])

    def _insert(self, part: str, columns: list) -> None:
        col = self._collection(part)
        for a in range(0, len(columns[0]), BATCH):
            batch = [c[a:a + BATCH] for c in columns[:-1]] + [columns[-1][a:a + BATCH].tolist()]
            self._call("写入向量", col.insert, batch)

    def erase(self, doc_id: str) -> None:
        """Delete a document's rows on the server."""
        for part in self._parts():
            self._call("删除文档", self._collection(part).delete, f"doc_id in [{quote(doc_id)}]")
        self._call("删除文档", self._collection("documents").delete, f"doc_id in [{quote(doc_id)}]")

    # ------------------------------------------------------------------ search
    def _rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The primary keys of the catalogue's rows (sorted), with each one's passage position and
        mixed row (-1: the passage row); made on first use after the catalogue changes, with
        ``_passage_pks`` (each passage's key, by position). A row of a version the catalogue does
        not hold has a key that is not among them."""
        if self._row_index is None:
            data, pks, pos, row = self._data, [], [], []
            for i, c in enumerate(data.chunks):
                ordinal = i - data.doc_ranges[c.doc_id][0]
                a, b = (int(x) for x in data.sentence_bounds[i])
                for r in range(-1, max(b - a, 1)):
                    pks.append(row_key(c.doc_id, self._keys[i], ordinal, r))
                    pos.append(i)
                    row.append(r)
            pks_a, pos_a, row_a = (np.array(x, dtype=np.int64) for x in (pks, pos, row))
            self._passage_pks = pks_a[row_a == -1]  # rows are listed passage by passage, passage row first
            order = np.argsort(pks_a, kind="stable")
            self._row_index = (pks_a[order], pos_a[order], row_a[order])
        return self._row_index

    def _located(self, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Catalogue position (-1 for a row the catalogue does not hold) and mixed row of each key."""
        pks, pos, row = self._rows()
        ids = np.asarray(ids, dtype=np.int64)
        at = np.minimum(np.searchsorted(pks, ids), max(len(pks) - 1, 0))
        found = pks[at] == ids if len(pks) else np.zeros(len(ids), dtype=bool)
        return np.where(found, pos[at], -1), np.where(found, row[at], 0)

    def _search(self, requests: list[tuple[str, int, str, list[np.ndarray]]]) -> list[list[tuple[list, list]]]:
        """Searches ``(part, limit, expression, vectors)``, sent together (one round trip), each
        one request of all its vectors (the server answers several vectors of one request at
        about the cost of one, and requests one after another); the keys and similarities of
        each vector's hits, best first. Only keys come back (no output fields): the catalogue
        knows where each key belongs (``_rows``). The request is pymilvus's own
        (``Prepare.search_requests_with_expr``, the session's consistency included); the reply is
        read as it is, as ``_fetch`` reads its own: pymilvus 2.3 turns every hit of a reply into
        Python objects (3 ms of a 13 ms search here) and its ORM call checks the schema first."""
        from pymilvus.client.prepare import Prepare
        from pymilvus.client.utils import check_status

        handler = _pymilvus().connections._fetch_handler(self.alias)

        def send(timeout):
            futures = [handler._stub.Search.future(Prepare.search_requests_with_expr(
                self._name(part), [np.asarray(v, dtype=np.float32).tolist() for v in vectors], "vector",
                {"metric_type": "IP", "params": {"ef": max(limit, 64)} if self.index == "HNSW" else {}},
                min(limit, MAX_LIMIT), expr or None, None, [], consistency_level="Session"), timeout=timeout)
                for part, limit, expr, vectors in requests]
            replies = [f.result() for f in futures]
            for reply in replies:
                check_status(reply.status)
            return replies

        out = []
        for reply in self._call("检索", send):
            hits = reply.results
            ids, scores = list(hits.ids.int_id.data), list(hits.scores)
            ends = np.cumsum(list(hits.topks)).tolist()
            out.append([(ids[a:b], scores[a:b]) for a, b in zip([0, *ends[:-1]], ends)])
        return out

    def dense(self, query_vector: np.ndarray, k: int, *, space: str = "main",
              sentence_weight: float = SENTENCE_WEIGHT, where: Where | None = None) -> Candidates:
        return self.dense_many([DenseQuery(query_vector, k, space, sentence_weight, where)])[0]

    def dense_many(self, queries: Sequence[DenseQuery]) -> list[Candidates]:
        """The dense candidates of each query, its search sent with the others' (one round trip).
        A passage's first ``mixed`` row among the hits is its best one (its dense score); when the
        rows found hold fewer than ``k`` passages, that query is asked again for more rows."""
        empty = Candidates(np.zeros(0, np.int64), np.zeros(0))
        out: list[Candidates | None] = [None] * len(queries)
        limits: dict[int, int] = {}
        for n, q in enumerate(queries):
            w = q.where
            if w is not None and w.documents is not None and not w.documents or q.k <= 0 or not self._data.chunks:
                out[n] = empty
                continue
            if q.sentence_weight:
                _check_weight(q.sentence_weight)
            limits[n] = q.k if q.sentence_weight == 0 else min(q.k * ROWS_PER_PASSAGE, MAX_LIMIT)
        while limits:
            groups: dict[tuple[str, str], list[int]] = {}  # one request per collection and filter
            for n in limits:
                q = queries[n]
                part = ("" if q.space == "main" else "x") + ("passage" if q.sentence_weight == 0 else "mixed")
                groups.setdefault((part, expression(q.where)), []).append(n)
            found = self._search([(part, max(limits[n] for n in asked), expr, [queries[n].vector for n in asked])
                                  for (part, expr), asked in groups.items()])
            for n, (ids, scores) in zip([n for asked in groups.values() for n in asked],
                                        [hits for request in found for hits in request]):
                best: dict[int, float] = {}
                for p, s in zip(self._located(ids)[0].tolist(), scores):  # best first
                    if p >= 0 and p not in best:
                        best[p] = s
                k, limit = queries[n].k, max(limits.pop(n), len(ids))  # its request's limit, when larger
                if len(best) < k and len(ids) >= limit and limit < MAX_LIMIT and queries[n].sentence_weight:
                    limits[n] = min(limit * 4, MAX_LIMIT)
                else:
                    out[n] = _candidates(list(best.items())[:k])
        return out

    # ------------------------------------------------------------------ exact scores
    def _vectors(self, ids: Sequence[int], space: str) -> list[tuple[np.ndarray, np.ndarray]]:
        """The passage vector and ``mixed`` rows of each passage ``ids`` (catalogue positions):
        from the cache, the missing ones fetched from the server together (one round trip). The
        cache is keyed by the row's primary key (document, version, position): never stale."""
        self._rows()
        data, pks = self._data, self._passage_pks
        keys = [(space, int(pks[int(i)])) for i in ids]
        with self._cache_lock:
            got = [self._cache.get(key) for key in keys]
            for key, v in zip(keys, got):
                if v is not None:
                    self._cache.move_to_end(key)
        missing = sorted({int(i) for i, v in zip(ids, got) if v is None})
        if missing:
            prefix = "" if space == "main" else "x"
            rows = {}
            for i in missing:
                c = data.chunks[i]
                a, b = (int(x) for x in data.sentence_bounds[i])
                ordinal = i - data.doc_ranges[c.doc_id][0]
                rows[i] = [row_key(c.doc_id, self._keys[i], ordinal, r) for r in range(max(b - a, 1))]
            passages, mixed = self._fetch([(f"{prefix}passage", [int(pks[i]) for i in missing]),
                                           (f"{prefix}mixed", [k for i in missing for k in rows[i]])])
            lost = [i for i in missing if int(pks[i]) not in passages or any(k not in mixed for k in rows[i])]
            if lost:
                raise IndexFileError(f"Milvus 集合 {self.collection} 缺少 {len(lost)} 个段落（例如 "
                                     f"{data.chunks[lost[0]].doc_id}）；请运行 `python -m qa index` 更新")
            fresh = {i: (passages[int(pks[i])], np.stack([mixed[k] for k in rows[i]])) for i in missing}
            with self._cache_lock:
                for i, v in fresh.items():
                    key = (space, int(pks[i]))
                    if key not in self._cache:
                        self._cache[key] = v
                        self._cache_bytes += v[0].nbytes + v[1].nbytes
                while self._cache_bytes > self.cache_bytes and len(self._cache) > 1:
                    _key, (pv, mv) = self._cache.popitem(last=False)
                    self._cache_bytes -= pv.nbytes + mv.nbytes
            got = [v if v is not None else fresh[int(i)] for i, v in zip(ids, got)]
        return got

    def _fetch(self, requests: list[tuple[str, list[int]]]) -> list[dict[int, np.ndarray]]:
        """The vectors of rows by primary key, ``(part, keys)`` each, sent together (one round
        trip). The reply's packed floats are read as they are: pymilvus 2.3's ``query`` makes a
        numpy scalar of every float (0.7 s for 1,500 rows of 512-d, against 1 ms here)."""
        from pymilvus.client.prepare import Prepare
        from pymilvus.client.utils import check_status

        handler = _pymilvus().connections._fetch_handler(self.alias)
        chunks = [(n, self._name(part), keys[a:a + FETCH_KEYS]) for n, (part, keys) in enumerate(requests)
                  for a in range(0, len(keys), FETCH_KEYS)]

        def send(timeout):
            futures = [handler._stub.Query.future(Prepare.query_request(
                name, f"pk in [{', '.join(map(str, keys))}]", ["pk", "vector"], None, consistency_level="Session"),
                timeout=timeout) for _n, name, keys in chunks]
            replies = [f.result() for f in futures]
            for reply in replies:
                check_status(reply.status)
            return replies

        out: list[dict[int, np.ndarray]] = [{} for _ in requests]
        for (n, _name, _keys), reply in zip(chunks, self._call("读取向量", send)):
            fields = {f.field_name: f for f in reply.fields_data}
            if not fields:  # nothing found
                continue
            found = fields["pk"].scalars.long_data.data
            vectors = fields["vector"].vectors
            matrix = np.array(vectors.float_vector.data, dtype=np.float32).reshape(len(found), vectors.dim)
            out[n].update(zip((int(k) for k in found), matrix))
        return out

    def dense_scores(self, query_vector: np.ndarray, ids: np.ndarray, *, space: str = "main",
                     sentence_weight: float = SENTENCE_WEIGHT) -> np.ndarray:
        """Exact dense scores of the passages ``ids``, from their vectors (cached, see ``_vectors``):
        the passage's similarity (``sentence_weight`` 0), or its best ``mixed`` row's."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros(0)
        if sentence_weight:
            _check_weight(sentence_weight)
        vectors = self._vectors(ids.tolist(), space)
        qv = np.asarray(query_vector, dtype=np.float32)
        if sentence_weight == 0:
            return (np.stack([pv for pv, _rows in vectors]) @ qv).astype(np.float64)
        rows = np.concatenate([r for _pv, r in vectors])
        starts = np.concatenate([[0], np.cumsum([len(r) for _pv, r in vectors])[:-1]])
        return np.maximum.reduceat(rows @ qv, starts).astype(np.float64)

    def _mixed_scores(self, query_vector: np.ndarray, chunks: list[int], space: str) -> Callable:
        vectors = dict(zip(chunks, self._vectors(chunks, space)))
        qv = np.asarray(query_vector, dtype=np.float32)
        return lambda i, r: (float(vectors[i][1][r] @ qv), float(vectors[i][0] @ qv))

    def mask(self, where: Where | None) -> np.ndarray | None:
        return where_mask(self._data, self.periods, where)

    def lexical(self, tokens: Sequence[str], k: int, *, where: Where | None = None) -> Candidates:
        """BM25 over the local catalogue (as with the FAISS store)."""
        return self.lexicons.candidates(tokens, k, where, self.mask(where))

    def lexical_scores(self, tokens: Sequence[str], ids: np.ndarray, *,
                       where: Where | None = None) -> np.ndarray:
        return self.lexicons.of(where).scores_at(tokens, ids)

    def count(self, part: str = "passage") -> int:
        """Rows in one collection (as the server counts them now)."""
        rows = self._call("计数", self._collection(part).query, "", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])


def _candidates(pairs: list[tuple[int, float]]) -> Candidates:
    return Candidates(np.array([p for p, _s in pairs], dtype=np.int64),
                      np.array([s for _p, s in pairs], dtype=np.float64))


def _check_weight(w: float) -> None:
    check_weight(w, "Milvus")


def open_milvus(config, docs, fingerprints, embedder, settings, cross, index, *, rebuild: bool,
                force: bool, progress: Callable | None, save: Callable, reuse=None) -> MilvusStore:
    """Connect to Milvus and bring its collections and the local catalogue in line with ``docs``:
    documents removed or changed are deleted, new or changed ones embedded and inserted."""
    check_name(config.collection)
    alias = connect(config)

    def make(catalogue, dim, cross_dim, settings_of_index):
        store = MilvusStore(alias, config.collection, catalogue, dim=dim, cross_dim=cross_dim,
                            index=config.index, uri=config.url)
        store.ensure(settings_of_index, force=force)
        return store

    return sync_remote(make, "Milvus", config.collection, config, docs, fingerprints, embedder, settings,
                       cross, index, rebuild=rebuild, force=force, progress=progress, save=save)
