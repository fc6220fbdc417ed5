"""The Milvus store against a real Milvus server (the bundled standalone binary, tests/milvus_server.py).

The store contract tests FAISS passes run against Milvus too (tests/test_store.py, ``store_engine``).
"""
from __future__ import annotations

import time

import pytest
from fixtures import CORPUS, DEV, ENGLISH, FakeEmbedder, add_then_remove

import qa
from qa.store import StoreConfig, store_config
from qa.store.milvus import expression
from qa.store.base import Where

ANSWERS_DEV = DEV.parent / "answers-dev.jsonl"


def _open(corpus, tmp_path, store, **kw):
    return qa.open(corpus, tmp_path / kw.pop("index", "index"), embedder=kw.pop("embedder", FakeEmbedder()),
                   progress=False, cross=None, store=store, **kw)


def _hits(eng, q, k=5):
    return [(h.doc_id, h.start, h.end, round(h.score, 5)) for h in eng.search(q, k=k)]


def test_config_from_environment(monkeypatch):
    monkeypatch.setenv("QA_STORE", "milvus")
    monkeypatch.delenv("QA_MILVUS_URI", raising=False)
    with pytest.raises(qa.InputError, match="QA_MILVUS_URI"):
        store_config()
    monkeypatch.setenv("QA_MILVUS_URI", "http://milvus.example:19530")
    monkeypatch.setenv("QA_MILVUS_TOKEN", "root:secret")
    monkeypatch.setenv("QA_MILVUS_COLLECTION", "reports_2026")
    c = store_config()
    assert (c.kind, c.url, c.api_key, c.collection, c.index) == (
        "milvus", "http://milvus.example:19530", "root:secret", "reports_2026", "FLAT")
    assert "secret" not in c.describe() and "reports_2026" in c.describe()
    monkeypatch.setenv("QA_MILVUS_INDEX", "ivf")
    with pytest.raises(qa.InputError, match="QA_MILVUS_INDEX"):
        store_config()


def test_filters_are_milvus_expressions():
    assert expression(None) == ""
    assert expression(Where.of(documents=["b.md", 'a "x".txt'])) == 'doc_id in ["a \\"x\\".txt", "b.md"]'
    assert expression(Where.of(periods=["plan", None])) == 'period in ["", "plan"]'


def test_a_bad_collection_name_is_refused(tiny_corpus, tmp_path):
    with pytest.raises(qa.InputError, match="集合名"):
        _open(tiny_corpus, tmp_path, StoreConfig("milvus", url="http://127.0.0.1:1", collection="report-qa"))


@pytest.mark.slow
def test_an_unreachable_server_is_a_clear_error(tiny_corpus, tmp_path, monkeypatch):
    import qa.store.milvus
    from milvus_server import free_port

    monkeypatch.setattr(qa.store.milvus, "CONNECT_TIMEOUT", 2.0)

    down = StoreConfig("milvus", url=f"http://127.0.0.1:{free_port()}", collection="nobody")
    with pytest.raises(qa.IndexFileError, match="无法连接 Milvus 服务器"):
        _open(tiny_corpus, tmp_path, down)


def test_same_hits_with_exact_offsets_as_faiss(tiny_corpus, tmp_path, milvus):
    eng = _open(tiny_corpus, tmp_path, milvus)
    assert eng.store.name == "milvus" and eng.data.passage_vectors is None  # vectors live in Milvus
    faiss = _open(tiny_corpus, tmp_path, None, index="faiss-index")
    for q in ("厂通路 大桥", "新建学校", "2024年计划 交通 地铁", "医院"):
        hits = eng.search(q, k=3)
        assert hits and _hits(eng, q, 3) == _hits(faiss, q, 3)
        for h in hits:
            assert eng.document(h.doc_id).text[h.start:h.end] == h.text
            assert h.sentences
        assert [h.highlights for h in hits] == [h.highlights for h in faiss.search(q, k=3)]
    qv = eng.embedder.embed_query("新建学校")
    d_m, d_f = eng.store.dense(qv, 5), faiss.store.dense(qv, 5)
    assert d_m.ids.tolist() == d_f.ids.tolist() and d_m.scores == pytest.approx(d_f.scores, abs=1e-5)
    floor_m, floor_f = eng.store.dense(-qv, 3, sentence_weight=0), faiss.store.dense(-qv, 3, sentence_weight=0)
    assert floor_m.ids.tolist() == floor_f.ids.tolist()


def test_a_question_is_one_round_trip_once_its_passages_are_held(tiny_corpus, tmp_path, milvus, monkeypatch):
    """The dense candidates and the floor go together; the exact scores and highlights come from
    the candidates' vectors, fetched once by key (the raw reply read as pymilvus's own query reads
    it) and kept within the cache's budget; the hits stay FAISS's."""
    import numpy as np

    from qa.store.milvus import MilvusStore

    eng = _open(tiny_corpus, tmp_path, milvus)
    faiss = _open(tiny_corpus, tmp_path, None, index="faiss-index")
    calls, searches = [], []
    for name in ("_search", "_fetch"):
        def counted(self, *args, _inner=getattr(MilvusStore, name), _name=name):
            calls.append(_name)
            if _name == "_search":
                searches.append([(part, len(vectors)) for part, _limit, _expr, vectors in args[0]])
            return _inner(self, *args)
        monkeypatch.setattr(MilvusStore, name, counted)
    first = _hits(eng, "新建学校")
    assert calls == ["_search", "_fetch"]
    assert searches == [[("mixed", 2)]]  # one request: the candidates' vector and the floor's
    calls.clear()
    assert _hits(eng, "新建学校") == first == _hits(faiss, "新建学校")
    assert calls == ["_search"]
    assert [h.highlights for h in eng.search("新建学校")] == [h.highlights for h in faiss.search("新建学校")]
    store = eng.store
    keys = [int(k) for k in store._passage_pks[:4]]
    fetched, = store._fetch([("passage", keys)])
    public = store._collection("passage").query(f"pk in {keys}", output_fields=["vector"])
    assert len(public) == len(fetched) == 4
    for row in public:
        assert np.array_equal(fetched[row["pk"]], np.array(row["vector"], dtype=np.float32))
    import qa.store.milvus

    monkeypatch.setattr(qa.store.milvus, "CACHE_BYTES", 1)  # smaller than one passage: the last one kept
    small = _open(tiny_corpus, tmp_path, milvus, index="index-2")
    for q in ("厂通路 大桥", "2024年计划 交通 地铁", "新建学校"):
        assert _hits(small, q) == _hits(faiss, q)
        assert len(small.store._cache) == 1


def test_documents_added_and_removed_are_synced(tiny_corpus, tmp_path, milvus):
    eng = _open(tiny_corpus, tmp_path, milvus)
    add_then_remove(eng, tiny_corpus, edit="\n新增跨河大桥二期。")
    # the server holds exactly the catalogue's rows: one per passage, one per sentence unit
    sentences = sum(max(int(b - a), 1) for a, b in eng.data.sentence_bounds)
    assert eng.store.count("passage") == len(eng.data.chunks) and eng.store.count("mixed") == sentences
    hit = eng.search("跨河大桥二期", k=1)[0]
    assert hit.doc_id == "a.txt" and eng.document("a.txt").text[hit.start:hit.end] == hit.text
    faiss = _open(tiny_corpus, tmp_path, None, index="faiss-index")
    assert _hits(eng, "跨河大桥二期") == _hits(faiss, "跨河大桥二期")
    # reopening finds everything in place: nothing is embedded
    emb = FakeEmbedder()
    again = _open(tiny_corpus, tmp_path, milvus, embedder=emb)
    assert emb.calls == 0 and again.search("地铁换乘枢纽", k=1)[0].doc_id == "c.txt"


def test_what_a_build_wrote_is_sealed_for_the_index(tiny_corpus, tmp_path, milvus):
    """The server seals the rows a build wrote (searched through the index, not row block by row
    block as a growing segment), without the build waiting for it; searches are right meanwhile."""
    from pymilvus import utility

    eng = _open(tiny_corpus, tmp_path, milvus)
    faiss = _open(tiny_corpus, tmp_path, None, index="faiss-index")
    assert _hits(eng, "新建学校") == _hits(faiss, "新建学校")
    store = eng.store
    deadline = time.monotonic() + 120

    def sealed() -> dict[str, int]:
        return {part: sum(i.num_rows for i in utility.get_query_segment_info(store._name(part), using=store.alias))
                for part in ("passage", "mixed")}

    while sealed() != {"passage": store.count("passage"), "mixed": store.count("mixed")}:
        assert time.monotonic() < deadline, f"not sealed within 120 s: {sealed()}"
        time.sleep(0.5)
    assert _hits(eng, "新建学校") == _hits(faiss, "新建学校")


class OtherModel(FakeEmbedder):
    name = "another-model"
    dim = 32


def test_another_models_collection_is_refused_and_kept(tiny_corpus, tmp_path, milvus):
    eng = _open(tiny_corpus, tmp_path, milvus)
    before = _hits(eng, "新建学校")
    with pytest.raises(qa.IndexFileError, match="另一个模型"):
        _open(tiny_corpus, tmp_path, milvus, embedder=OtherModel(), index="other-index")
    emb = FakeEmbedder()
    again = _open(tiny_corpus, tmp_path, milvus, embedder=emb)  # nothing lost
    assert emb.calls == 0 and _hits(again, "新建学校") == before
    forced = _open(tiny_corpus, tmp_path, milvus, embedder=OtherModel(), index="other-index", force=True)
    assert forced.store.dim == 32 and forced.search("新建学校", k=1)[0].doc_id == "b.md"


def _until_served(eng, question: str, seconds: float = 180):
    """Search until the server answers again (it reloads its collections after a restart)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return _hits(eng, question)
        except qa.IndexFileError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)  # polling a restarting server, with a deadline


def test_a_server_down_or_restarted_mid_session(tiny_corpus, tmp_path, milvus, milvus_server):
    eng = _open(tiny_corpus, tmp_path, milvus)
    before = _hits(eng, "厂通路 大桥")
    saved = {p: p.read_bytes() for p in (tmp_path / "index").rglob("*") if p.is_file()}
    milvus_server.stop()
    try:
        with pytest.raises(qa.IndexFileError, match="Milvus 服务器.*无法完成") as err:
            eng.search("厂通路 大桥")
        assert "Traceback" not in str(err.value)
        with pytest.raises(qa.IndexFileError, match="Milvus 服务器"):  # opening again meanwhile
            _open(tiny_corpus, tmp_path, milvus)
        assert {p: p.read_bytes() for p in (tmp_path / "index").rglob("*") if p.is_file()} == saved
    finally:
        milvus_server.start()
    assert _until_served(eng, "厂通路 大桥") == before  # the same engine reconnects; nothing lost
    emb = FakeEmbedder()
    again = _open(tiny_corpus, tmp_path, milvus, embedder=emb)
    assert emb.calls == 0 and _hits(again, "厂通路 大桥") == before


@pytest.mark.slow
def test_dev_and_answers_within_002_of_faiss(real_engine, milvus, tmp_path, monkeypatch):
    """The real model on Milvus, configured as a user does (QA_STORE=milvus, QA_MILVUS_URI,
    QA_MILVUS_COLLECTION): retrieval on the dev set and the share of dev answers answered within
    0.02 of the FAISS store's, offsets exact."""
    from qa.evaluate import evaluate, evaluate_answers, load_answer_questions, load_questions

    monkeypatch.setenv("QA_STORE", "milvus")
    monkeypatch.setenv("QA_MILVUS_URI", milvus.url)
    monkeypatch.setenv("QA_MILVUS_COLLECTION", milvus.collection)
    eng = qa.open(CORPUS, tmp_path / "index", embedder=real_engine.embedder, cross=real_engine.cross,
                  progress=False)
    assert eng.store.name == "milvus" and eng.store.collection == milvus.collection
    questions = load_questions(DEV)
    ours = evaluate(lambda q: eng.search(q, k=5), questions, "milvus")
    default = evaluate(lambda q: real_engine.search(q, k=5), questions, "faiss")
    assert abs(ours.hit5 - default.hit5) <= 0.02, (ours, default)
    assert abs(ours.mrr - default.mrr) <= 0.02, (ours, default)
    for q in questions[:5]:
        for h in eng.search(q.question, k=5):
            assert eng.document(h.doc_id).text[h.start:h.end] == h.text
    if ANSWERS_DEV.exists():
        answers = load_answer_questions(ANSWERS_DEV)
        a_ours, a_default = evaluate_answers(eng, answers), evaluate_answers(real_engine, answers)
        assert abs(a_ours.answered - a_default.answered) <= 0.02, (a_ours.failures, a_default.failures)
    if real_engine.cross is not None:  # English questions: the cross-lingual vectors in Milvus
        english = load_questions(ENGLISH)
        ours = evaluate(lambda q: eng.search(q, k=5), english, "milvus")
        default = evaluate(lambda q: real_engine.search(q, k=5), english, "faiss")
        assert abs(ours.hit5 - default.hit5) <= 0.02, (ours, default)
    assert eng.store.count() == len(eng.data.chunks)


@pytest.mark.slow
def test_year_shifted_report_within_002_of_faiss(real_engine, milvus, tmp_path):
    """The report with every year moved by one, on Milvus and on FAISS: the shifted dev answers
    (and their retrieval) within 0.02."""
    from qa.evaluate import evaluate_answers, load_answer_questions, shift_answer_question, shift_corpus

    if not ANSWERS_DEV.exists():
        pytest.skip(f"no {ANSWERS_DEV}")
    corpus = shift_corpus(CORPUS, tmp_path / "corpus", 1)
    kw = dict(embedder=real_engine.embedder, cross=real_engine.cross, progress=False)
    on_milvus = qa.open(corpus, tmp_path / "index", store=milvus, **kw)
    on_faiss = qa.open(corpus, tmp_path / "faiss-index", **kw)
    questions = [shift_answer_question(q) for q in load_answer_questions(ANSWERS_DEV)]
    ours, default = evaluate_answers(on_milvus, questions, "milvus"), evaluate_answers(on_faiss, questions, "faiss")
    assert abs(ours.answered - default.answered) <= 0.02, (ours.failures, default.failures)
    for metric in ("hit5", "mrr"):
        assert abs(getattr(ours.retrieval, metric) - getattr(default.retrieval, metric)) <= 0.02, metric
