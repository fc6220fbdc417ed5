"""The store seam: candidate-list fusion, FAISS exact/HNSW search, filters, add/replace/delete."""
from __future__ import annotations

import numpy as np
import pytest
from fixtures import DEV, ENGLISH, OWN, FakeEmbedder

import qa
import qa.engine
from qa.corpus import load_corpus
from qa.evaluate import load_questions
from qa.index import build_index, embed_documents
from qa.store import Store, Where
from qa.store.faiss import FaissStore, build_faiss_index


@pytest.fixture(params=["faiss", pytest.param("milvus", marks=pytest.mark.slow)])
def store_engine(request, tiny_corpus, tmp_path, fake_embedder):
    """The tiny engine on each store: the same contract, FAISS in memory or a real Milvus server."""
    if request.param == "faiss":
        return request.getfixturevalue("tiny_engine")
    return qa.open(tiny_corpus, tmp_path / "milvus-index", embedder=fake_embedder, progress=False,
                   store=request.getfixturevalue("milvus"))


def test_faiss_store_is_a_store(tiny_engine):
    assert isinstance(tiny_engine.store, Store) and tiny_engine.store.name == "faiss"


def _clustered(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Unit vectors in clusters, shaped like sentence embeddings rather than uniform noise."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(max(n // 100, 2), d))
    x = centers[rng.integers(0, len(centers), n)] + 0.6 * rng.normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_hnsw_recall_at_10_against_exact_search():
    import faiss

    x = _clustered(10_000, 64)
    rng = np.random.default_rng(1)
    q = x[rng.integers(0, len(x), 200)] + 0.3 * rng.normal(size=(200, 64)).astype(np.float32)
    q = (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)
    approx, exact = build_faiss_index(x, hnsw_above=1000), build_faiss_index(x, hnsw_above=len(x))
    assert isinstance(approx, faiss.IndexHNSW) and isinstance(exact, faiss.IndexFlatIP)
    _, a = approx.search(q, 10)
    _, b = exact.search(q, 10)
    recall = np.mean([len(set(a[i]) & set(b[i])) / 10 for i in range(len(q))])
    assert recall >= 0.99, recall


def test_store_with_hnsw_finds_what_exact_search_finds(tiny_engine):
    exact = tiny_engine.store
    approx = FaissStore(exact.data, hnsw_above=0)  # HNSW even for a handful of vectors
    qv = tiny_engine.embedder.embed_query("厂通路建成通车")
    a, b = exact.dense(qv, 5), approx.dense(qv, 5)  # exact search while the graph is being built
    assert a.ids.tolist() == b.ids.tolist() and np.allclose(a.scores, b.scores)
    _wait_ready(approx)
    import faiss
    assert isinstance(approx._index("main", "passage"), faiss.IndexHNSW)
    b = approx.dense(qv, 5)
    assert a.ids.tolist() == b.ids.tolist() and np.allclose(a.scores, b.scores)
    only_b = approx.dense(qv, 5, where=Where.of(documents=["b.md"]))
    assert only_b.ids.size and {exact.data.chunks[i].doc_id for i in only_b.ids} == {"b.md"}


def _wait_ready(store, seconds=60):
    import time
    deadline = time.monotonic() + seconds
    while not store.ready():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_vectors_are_held_once(tiny_engine, tmp_path):
    """Loaded vectors stay in the FAISS index read from disk; once an HNSW graph is built the
    catalogue views the graph's storage (no second copy); a saved graph is used again on load."""
    import faiss

    from qa.index import faiss_owner

    exact = tiny_engine.store
    original = exact.data.passage_vectors.copy(), exact.data.sentence_vectors.copy()
    exact.save(tmp_path / "flat")
    loaded = FaissStore.load(tmp_path / "flat")
    assert isinstance(faiss_owner(loaded.data.passage_vectors), faiss.IndexFlat)  # no copy on load
    assert np.array_equal(loaded.data.passage_vectors, original[0])
    approx = FaissStore(loaded.data, hnsw_above=0)
    approx.dense(tiny_engine.embedder.embed_query("厂通路"), 5)  # starts the graph builds
    _wait_ready(approx)
    for field, before in zip(("passage_vectors", "sentence_vectors"), original):
        held = getattr(approx.data, field)
        assert isinstance(faiss_owner(held), faiss.IndexHNSW) and not held.flags.writeable
        assert np.array_equal(held, before)
    approx.save(tmp_path / "graph")
    again = FaissStore.load(tmp_path / "graph", hnsw_above=0)
    assert again.ready() and isinstance(again._index("main", "sentence"), faiss.IndexHNSW)  # no rebuild
    qv = tiny_engine.embedder.embed_query("厂通路建成通车")
    a, b = exact.dense(qv, 5), again.dense(qv, 5)
    assert a.ids.tolist() == b.ids.tolist() and np.allclose(a.scores, b.scores)


def test_dense_candidates_score_passage_and_best_sentence(store_engine, tiny_engine):
    store = store_engine.store
    qv = tiny_engine.embedder.embed_query("新建学校")
    got = store.dense(qv, 100)
    data = tiny_engine.store.data  # the vectors (the Milvus store keeps them on the server)
    assert store.data.chunks == data.chunks and store.data.sentences == data.sentences
    full = np.array([0.5 * data.passage_vectors[i] @ qv + 0.5 * max(
        [data.sentence_vectors[j] @ qv for j, (c, _s, _e) in enumerate(data.sentences) if c == i]
        or [data.passage_vectors[i] @ qv]) for i in range(len(data.chunks))])
    assert sorted(got.ids.tolist()) == list(range(len(data.chunks)))
    assert np.allclose(got.scores, full[got.ids])
    assert got.ids[0] == int(np.argmax(full))
    ids = np.array([4, 0, 2])
    assert np.allclose(store.dense_scores(qv, ids), full[ids])
    assert np.allclose(store.dense_scores(qv, ids, sentence_weight=0), data.passage_vectors[ids] @ qv)
    sids = np.arange(len(data.sentences))
    assert np.allclose(store.sentence_scores(qv, sids), data.sentence_vectors @ qv, atol=1e-5)


def test_lexical_candidates_leave_out_passages_without_the_terms(store_engine):
    store = store_engine.store
    got = store.lexical(["学校"], 10)
    assert got.ids.size and all("学校" in store.data.chunks[i].text for i in got.ids)
    assert store.lexical(["不存在的词"], 10).ids.size == 0


def test_filters_on_documents_and_period(store_engine):
    store = store_engine.store
    qv = store_engine.embedder.embed_query("交通 建设")
    docs = lambda c: {store.data.chunks[i].doc_id for i in c.ids}  # noqa: E731
    assert docs(store.dense(qv, 50, where=Where.of(documents=["a.txt"]))) == {"a.txt"}
    assert docs(store.lexical(["建设"], 50, where=Where.of(documents=["b.md"]))) <= {"b.md"}
    plan = store.dense(qv, 50, where=Where.of(periods=["plan"]))
    assert plan.ids.size and all(store.data.chunks[i].section[0].startswith("二、2024年") for i in plan.ids)
    assert store.dense(qv, 50, where=Where.of(documents=[])).ids.size == 0


def test_search_and_ask_filter_by_document(store_engine):
    everywhere = store_engine.search("建设", k=10)
    assert {h.doc_id for h in everywhere} == {"a.txt", "b.md"}
    only = store_engine.search("建设", k=10, documents=["b.md"])
    assert only and {h.doc_id for h in only} == {"b.md"}
    assert all(h.doc_id == "a.txt" for h in store_engine.ask("学校", documents=["a.txt"]).hits)
    with pytest.raises(qa.InputError, match="nope.txt"):
        store_engine.search("建设", documents=["nope.txt"])
    for h in everywhere:  # offsets exact
        assert store_engine.document(h.doc_id).text[h.start:h.end] == h.text


def test_upsert_and_delete_match_a_build_from_scratch(tiny_corpus, tmp_path):
    docs, prints = load_corpus(tiny_corpus)
    emb = FakeEmbedder()
    full = FaissStore(build_index(docs, prints, emb))
    store = FaissStore(build_index(docs[:1], {docs[0].id: prints[docs[0].id]}, emb))
    store.upsert(embed_documents(docs[1:], emb)[0])
    assert store.data.chunks == full.data.chunks and store.data.tokens == full.data.tokens
    assert np.array_equal(store.data.passage_vectors, full.data.passage_vectors)
    assert store.documents() == full.documents()
    store.upsert(embed_documents(docs[1:], emb)[0])  # replacing leaves one copy
    assert store.data.chunks == full.data.chunks
    store.delete("a.txt")
    assert {c.doc_id for c in store.data.chunks} == {"b.md"} and store.lexical(["厂通路"], 5).ids.size == 0
    assert len(store.data.sentences) == len(store.data.sentence_vectors)
    store.delete("missing.txt")


@pytest.mark.slow
def test_candidate_fusion_gives_the_same_top5_as_full_array_fusion(real_engine, monkeypatch):
    """Fusion over the dense and lexical top lists (100 each, and even 20) plus the 20 passages
    least like the query (the min-max floor) ranks the report's questions exactly as fusion over
    every passage does. (The fixed floor sample is switched off, so it cannot cover the report's
    127 passages.)"""
    questions = [q.question for path in (DEV, OWN, ENGLISH) for q in load_questions(path)]
    n = len(real_engine.data.chunks)

    def top5(candidates, floor):
        monkeypatch.setattr(qa.engine, "CANDIDATES", candidates)
        monkeypatch.setattr(qa.engine, "FLOOR_SAMPLE", floor)
        return [[(h.doc_id, h.start, h.end) for h in real_engine.search(q, k=5)] for q in questions]

    full = top5(n, n)
    assert top5(100, 0) == full
    assert top5(20, 0) == full


def test_a_graph_build_stops_when_its_store_is_dropped(monkeypatch):
    """A store replaced (refresh) or changed (upsert) stops its background graph builds between
    blocks instead of finishing them for nothing, and frees its vectors."""
    import gc
    import threading
    import weakref

    import qa.store.faiss as sf
    from qa.index import IndexData

    from types import SimpleNamespace

    import faiss

    added, adding, let_go = [], threading.Event(), threading.Event()

    class Counting(faiss.IndexHNSWFlat):
        def add(self, x):
            added.append(len(x))
            adding.set()
            let_go.wait(30)  # the first block waits until the store is dropped
            super().add(x)

    monkeypatch.setattr(sf, "BUILD_BLOCK", 256)
    monkeypatch.setattr(sf, "_faiss", lambda: SimpleNamespace(**{**vars(faiss), "IndexHNSWFlat": Counting}))
    x = _clustered(20_000, 32)
    data = IndexData((), (), x, np.zeros((0, 32), np.float32), {})
    store = sf.FaissStore(data, hnsw_above=1000)
    store._index("main", "passage")  # starts the build
    thread = next(t for t in threading.enumerate() if t.name == "qa-hnsw-passage_vectors")
    ref = weakref.ref(store)
    assert adding.wait(30)  # the build is adding its first block
    del store, data
    gc.collect()
    let_go.set()
    thread.join(timeout=30)
    assert not thread.is_alive() and ref() is None
    assert added == [256]  # stopped at the first block boundary after the store was dropped


def test_the_floor_query_reuses_the_scan_of_its_opposite_exactly():
    """The min-max floor (``-v``) is answered from the scan for ``v``, negated: bit for bit what its
    own scan gives, so the candidates are the same as when each query scans alone."""
    from qa.index import faiss_stack
    from qa.store.base import DenseQuery
    from qa.store.faiss import _Scans

    vectors = faiss_stack([_clustered(3_000, 512, seed=3)])
    rng = np.random.default_rng(4)
    for _ in range(20):
        q = vectors[rng.integers(len(vectors))] + 0.2 * rng.normal(size=512).astype(np.float32)
        q = (q / np.linalg.norm(q)).astype(np.float32)
        scans = _Scans()
        assert np.array_equal(scans.similarities(vectors, q), vectors @ q)
        assert np.array_equal(scans.similarities(vectors, -q), vectors @ -q)
        assert len(scans._done) == 1  # one scan for both

    index = build_index_of(vectors)
    qv = vectors[7]
    together = index.dense_many([DenseQuery(qv, 100), DenseQuery(-qv, 20, sentence_weight=0)])
    alone = [index.dense(qv, 100), index.dense(-qv, 20, sentence_weight=0)]
    for got, want in zip(together, alone):
        assert np.array_equal(got.ids, want.ids) and np.array_equal(got.scores, want.scores)


def build_index_of(vectors: np.ndarray) -> FaissStore:
    """A FAISS store whose passages (one sentence each) have ``vectors``."""
    from qa.index import IndexData
    from qa.types import Chunk

    n = len(vectors)
    chunks = tuple(Chunk("d.txt", ("一",), 10 * i, 10 * i + 5, "文本", (i, i + 1), "") for i in range(n))
    data = IndexData(chunks, tuple((i, 10 * i, 10 * i + 5) for i in range(n)), vectors, vectors,
                     {"documents": {"d.txt": "key"}}, tokens=tuple(("文本",) for _ in range(n)))
    return FaissStore(data)
