"""The Qdrant store in embedded local mode (and against a real server when QA_QDRANT_URL is set)."""
from __future__ import annotations

import os

import pytest
from fixtures import CORPUS, DEV, FakeEmbedder, add_then_remove

import qa
from qa.store import StoreConfig, Where, store_config

pytest.importorskip("qdrant_client")


@pytest.fixture
def qdrant(tmp_path):
    return StoreConfig("qdrant", path=str(tmp_path / "qdrant"), collection="test")


def _open(corpus, tmp_path, store, **kw):
    return qa.open(corpus, tmp_path / "index", embedder=kw.pop("embedder", FakeEmbedder()), progress=False,
                   cross=None, store=store, **kw)


def test_config_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_STORE", "qdrant")
    monkeypatch.setenv("QA_QDRANT_PATH", str(tmp_path / "q"))
    monkeypatch.delenv("QA_QDRANT_URL", raising=False)
    c = store_config()
    assert c.kind == "qdrant" and c.path == str(tmp_path / "q") and c.url is None
    monkeypatch.setenv("QA_QDRANT_URL", "http://qdrant.example:6333")
    monkeypatch.setenv("QA_QDRANT_API_KEY", "secret")
    c = store_config()
    assert c.url == "http://qdrant.example:6333" and c.api_key == "secret" and "secret" not in c.describe()
    monkeypatch.delenv("QA_QDRANT_URL")
    monkeypatch.delenv("QA_QDRANT_PATH")
    with pytest.raises(qa.InputError, match="QA_QDRANT_PATH"):
        store_config()
    with pytest.raises(qa.InputError):
        store_config("milvus")


def test_same_hits_with_exact_offsets(tiny_corpus, tmp_path, qdrant):
    eng = _open(tiny_corpus, tmp_path, qdrant)
    assert eng.store.name == "qdrant"
    faiss = qa.open(tiny_corpus, tmp_path / "faiss-index", embedder=FakeEmbedder(), progress=False, cross=None)
    for q in ("厂通路 大桥", "新建学校", "2024年计划 交通 地铁"):
        hits = eng.search(q, k=3)
        assert hits
        for h in hits:
            assert eng.document(h.doc_id).text[h.start:h.end] == h.text
            assert h.sentences
        assert hits[0].start == faiss.search(q, k=1)[0].start
    # the dense and lexical candidate lists agree with the FAISS store's
    qv = eng.embedder.embed_query("新建学校")
    d_q, d_f = eng.store.dense(qv, 5), faiss.store.dense(qv, 5)
    assert d_q.ids.tolist() == d_f.ids.tolist()
    assert d_q.scores == pytest.approx(d_f.scores, abs=1e-5)
    assert eng.store.dense_scores(qv, d_q.ids) == pytest.approx(d_f.scores, abs=1e-5)
    sids = list(range(3))
    assert eng.store.sentence_scores(qv, sids) == pytest.approx(faiss.store.sentence_scores(qv, sids), abs=1e-4)
    lex = eng.store.lexical(["学校"], 5)
    assert lex.ids.size and all("学校" in eng.data.chunks[i].text for i in lex.ids)
    assert eng.store.lexical_scores(["学校"], lex.ids) == pytest.approx(lex.scores, rel=1e-4)


def test_filters_on_document_and_period(tiny_corpus, tmp_path, qdrant):
    eng = _open(tiny_corpus, tmp_path, qdrant)
    assert {h.doc_id for h in eng.search("建设", k=10, documents=["b.md"])} == {"b.md"}
    qv = eng.embedder.embed_query("交通 建设")
    plan = eng.store.dense(qv, 50, where=Where.of(periods=["plan"]))
    assert plan.ids.size and all(eng.data.chunks[i].section[0].startswith("二、2024年") for i in plan.ids)


def test_documents_added_and_removed_are_reflected_in_qdrant(tiny_corpus, tmp_path, qdrant):
    eng = _open(tiny_corpus, tmp_path, qdrant)
    add_then_remove(eng, tiny_corpus)
    assert eng.store.client.count(eng.store.collection).count == len(eng.data.chunks)
    # reopening finds everything in place: nothing is embedded
    emb = FakeEmbedder()
    again = _open(tiny_corpus, tmp_path, qdrant, embedder=emb)
    assert emb.calls == 0 and again.search("地铁换乘枢纽", k=1)[0].doc_id == "c.txt"


@pytest.mark.slow
def test_dev_hit_at_5_within_002_of_the_default_store(real_engine, tmp_path):
    from qa.evaluate import evaluate, load_questions

    questions = load_questions(DEV)
    store = StoreConfig("qdrant", path=str(tmp_path / "qdrant"), collection="dev")
    eng = qa.open(CORPUS, tmp_path / "index", embedder=real_engine.embedder, cross=real_engine.cross,
                  progress=False, store=store)
    ours = evaluate(lambda q: eng.search(q, k=5), questions, "qdrant")
    default = evaluate(lambda q: real_engine.search(q, k=5), questions, "faiss")
    assert abs(ours.hit5 - default.hit5) <= 0.02, (ours, default)
    for q in questions[:5]:
        for h in eng.search(q.question, k=5):
            assert eng.document(h.doc_id).text[h.start:h.end] == h.text


@pytest.mark.skipif(not os.environ.get("QA_QDRANT_URL"), reason="QA_QDRANT_URL not set: no Qdrant server")
def test_against_a_real_server(tiny_corpus, tmp_path):
    store = StoreConfig("qdrant", url=os.environ["QA_QDRANT_URL"],
                        api_key=os.environ.get("QA_QDRANT_API_KEY"), collection="report-qa-test")
    eng = _open(tiny_corpus, tmp_path, store, force=True)
    assert eng.search("新建学校", k=1)[0].doc_id == "b.md"
    (tiny_corpus / "b.md").unlink()
    assert eng.refresh() and "b.md" not in eng.store.documents()
