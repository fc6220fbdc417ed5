"""Adding to a running library: keywords find a new document at once, its embedding runs in the
background with true progress, searches never wait, a failure leaves the library as it was."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from conftest import FakeEmbedder

import qa
from qa.engine import _ReadWriteLock
from qa.search import impute_dense

DEADLINE = 60  # seconds: only ever reached when something is broken

FLOWERS = ("# 2025年花卉产业发展情况报告\n## 一、花展\n郁金香主题花展接待游客十二万人次，花卉交易额增长一成。"
           "月季园新增品种三十个。\n## 二、交易\n花卉交易中心建成投用，线上交易平台上线运行。"
           "鲜切花冷链物流覆盖全区。\n## 三、融合\n花卉产业与乡村旅游融合发展，新建观光花田两千亩。")


class GatedEmbedder(FakeEmbedder):
    """The fake embedder, whose document embedding stops after its first batch until ``release``
    is set (queries, one batch of one text, pass at once); ``fail`` makes it raise there instead."""

    batch_size = 4

    def __init__(self):
        super().__init__()
        self.gated = False
        self.fail = False
        self.halfway = threading.Event()
        self.release = threading.Event()

    def embed_batches(self, batches, progress=None):
        if not self.gated or len(batches) < 2:
            return super().embed_batches(batches, progress)
        total, done, out = sum(map(len, batches)), 0, []
        for i, batch in enumerate(batches):
            if i == 1:
                if self.fail:
                    raise RuntimeError("模型崩溃")
                self.halfway.set()
                assert self.release.wait(DEADLINE)
            out.append(np.asarray(self.embed_batch(batch), dtype=np.float32))
            done += len(batch)
            if progress:
                progress(done, total)
        return out


@pytest.fixture
def gated(tiny_corpus, tmp_path):
    embedder = GatedEmbedder()
    engine = qa.open(tiny_corpus, tmp_path / "index", embedder=embedder, progress=False, cross=None)
    embedder.gated = True
    source = tmp_path / "in" / "花卉 报告.md"
    source.parent.mkdir()
    source.write_text(FLOWERS, encoding="utf-8")
    yield engine, embedder, source
    embedder.release.set()  # never leave a worker waiting
    job = engine.indexing
    if job is not None:
        job.wait(DEADLINE)


def test_a_new_document_is_found_by_keywords_while_it_is_embedded(gated):
    engine, embedder, source = gated
    job = qa.add_documents(engine, [source])
    assert job.documents == ("花卉_报告.md",) and engine.pending == {"花卉_报告.md"}
    assert embedder.halfway.wait(DEADLINE)  # the worker is inside the embedding, stopped
    assert not job.done and 0 < job.progress < 1  # the share of its texts embedded so far

    # searches and answers go on meanwhile, and keywords already find the new document
    hits = engine.search("郁金香主题花展接待了多少游客", k=3)
    assert hits[0].doc_id == "花卉_报告.md" and "十二万" in hits[0].text
    answer = engine.ask("郁金香主题花展接待了多少游客")  # (the fake model never judges it covered)
    assert answer.hits[0].doc_id == "花卉_报告.md" and "十二万" in answer.text
    assert engine.search("跨河大桥", k=1)[0].doc_id == "a.txt"  # the rest of the library as before
    assert "花卉_报告.md" in [d.id for d in engine.documents]

    embedder.release.set()
    assert job.wait(DEADLINE) and job.error is None and job.progress == 1.0
    assert engine.pending == frozenset() and engine.indexing is None
    a, b = engine.data.doc_ranges["花卉_报告.md"]
    assert np.abs(engine.data.passage_vectors[a:b]).sum(axis=1).min() > 0  # real vectors now
    assert engine.search("郁金香主题花展接待了多少游客", k=1)[0].doc_id == "花卉_报告.md"
    reopened = qa.open(engine.corpus, engine._opened["index"], embedder=FakeEmbedder(), progress=False,
                       rebuild=False, cross=None)  # the index on disk has it too (nothing rebuilt)
    assert "花卉_报告.md" in [d.id for d in reopened.documents]


def test_a_question_does_not_wait_while_an_upload_is_read(gated, monkeypatch):
    """The chat notices files changed behind its back before each question; while an upload's
    keyword step runs (seconds for a large file), it neither waits for it nor reads it again."""
    import qa.engine
    from qa.web.handlers import Chat

    engine, _embedder, source = gated
    reading, go, read = threading.Event(), threading.Event(), []
    original = qa.engine.read_document

    def held_read(*args, **kwargs):
        read.append(args[1])
        reading.set()
        assert go.wait(DEADLINE)
        return original(*args, **kwargs)

    monkeypatch.setattr(qa.engine, "read_document", held_read)
    jobs = []
    adding = threading.Thread(target=lambda: jobs.append(qa.add_documents(engine, [source])), daemon=True)
    adding.start()
    try:
        assert reading.wait(DEADLINE)  # the upload is being read
        asked = threading.Thread(target=Chat(engine).notice_changes, daemon=True)
        asked.start()
        asked.join(DEADLINE)
        assert not asked.is_alive() and read == ["花卉_报告.md"]  # returned at once, read nothing
        assert engine.search("跨河大桥", k=1)[0].doc_id == "a.txt"
    finally:
        go.set()
        adding.join(DEADLINE)
    assert jobs and engine.search("郁金香主题花展", k=1)[0].doc_id == "花卉_报告.md"


def test_a_failed_embedding_leaves_the_library_as_it_was(gated):
    engine, embedder, source = gated
    before = [d.id for d in engine.documents]
    files = sorted(p.name for p in engine.corpus.iterdir())
    embedder.fail = True
    job = qa.add_documents(engine, [source])
    assert job.wait(DEADLINE)
    assert "未能建立索引" in job.error and "模型崩溃" in job.error
    assert sorted(p.name for p in engine.corpus.iterdir()) == files  # the copy is gone again
    assert [d.id for d in engine.documents] == before
    assert engine.search("郁金香花展", k=1)[0].doc_id != "花卉_报告.md"
    cleanup = engine.indexing
    assert cleanup is None or (cleanup.wait(DEADLINE) and cleanup.error is None)
    assert engine.refresh() is False


def test_a_refused_file_changes_nothing(gated, tmp_path):
    engine, _embedder, _source = gated
    bad = tmp_path / "in" / "table.csv"
    bad.write_text("a,b\n1,2", encoding="utf-8")
    files = sorted(p.name for p in engine.corpus.iterdir())
    with pytest.raises(qa.InputError, match="不支持"):
        qa.add_documents(engine, [bad])
    assert sorted(p.name for p in engine.corpus.iterdir()) == files and engine.indexing is None


def test_adding_a_file_already_there_is_done_at_once(gated):
    engine, _embedder, _source = gated
    job = qa.add_documents(engine, [engine.corpus / "a.txt"], names=["copy.txt"])
    assert job.done and job.error is None and job.documents == ("a.txt",)


def test_refresh_waits_for_the_embedding(tiny_engine, tiny_corpus):
    (tiny_corpus / "c.md").write_text(FLOWERS, encoding="utf-8")
    assert tiny_engine.refresh() is True
    assert tiny_engine.pending == frozenset() and "c.md" in tiny_engine.data.doc_ranges


def test_impute_dense_places_pending_passages_by_their_keyword_score():
    dense = np.array([0.2, 0.8, 0.0, 0.0])
    bm25 = np.array([1.0, 3.0, 4.0, 2.0])
    pending = np.array([False, False, True, True])
    assert impute_dense(dense, bm25, pending).tolist() == pytest.approx([0.2, 0.8, 0.8, 0.5])
    assert impute_dense(dense, bm25, np.ones(4, bool)).tolist() == pytest.approx([0.25, 0.75, 1.0, 0.5])
    assert impute_dense(dense, bm25, np.zeros(4, bool)) is dense


def test_a_nested_read_passes_a_waiting_writer():
    """``ask`` reads through ``retrieve``: with a writer waiting in between, a non-reentrant
    read/write lock would deadlock."""
    lock, entered, wrote = _ReadWriteLock(), threading.Event(), threading.Event()

    def writer():
        with lock.writing():
            wrote.set()

    with lock.reading():
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        with lock._cond:  # wait until the writer is queued
            assert lock._cond.wait_for(lambda: lock._writing, timeout=DEADLINE)
        with lock.reading():  # nested: passes
            entered.set()
        assert not wrote.is_set()
    thread.join(DEADLINE)
    assert entered.is_set() and wrote.is_set()


def test_the_full_build_embeds_what_the_keyword_step_split_without_splitting_it_again(
        tiny_engine, tmp_path, monkeypatch):
    import qa.index

    tokenized = []
    original = qa.index.passage_tokens
    monkeypatch.setattr(qa.index, "passage_tokens", lambda doc, chunks: tokenized.append(doc.id) or
                        original(doc, chunks))
    source = tmp_path / "flowers.md"
    source.write_text(FLOWERS, encoding="utf-8")
    job = qa.add_documents(tiny_engine, [source])
    shown = tiny_engine.data.doc_ranges["flowers.md"]
    assert job.wait(DEADLINE) and job.error is None
    assert tokenized == [] and tiny_engine.data.doc_ranges["flowers.md"] == shown
    assert tiny_engine.data.manifest["documents"]["flowers.md"] == qa.index.content_key(
        tiny_engine.document("flowers.md"))


def test_passages_being_embedded_are_never_dense_candidates(gated):
    """A document still being embedded has zero vectors: no dense scan returns its passages (nor
    spends time on them); keywords find it, and once embedded it is a dense candidate too."""
    from qa.store import Where
    from qa.store.base import DenseQuery

    engine, embedder, source = gated
    job = qa.add_documents(engine, [source])
    assert embedder.halfway.wait(DEADLINE)
    store, new = engine.store, "花卉_报告.md"
    a, b = store.data.doc_ranges[new]
    assert not np.abs(store.data.passage_vectors[a:b]).any()  # zero vectors while pending
    qv = embedder.embed_query("郁金香主题花展")
    n = len(store.data.chunks)
    for found in (store.dense(qv, n), *store.dense_many([DenseQuery(qv, n), DenseQuery(-qv, n, sentence_weight=0)]),
                  store.dense(qv, n, where=Where.of(documents=[new, "a.txt"]))):
        assert found.ids.size and not any(a <= i < b for i in found.ids.tolist())
    assert store.dense(qv, n, where=Where.of(documents=[new])).ids.size == 0
    assert any(a <= i < b for i in store.lexical(["郁金香"], 5).ids.tolist())
    embedder.release.set()
    assert job.wait(DEADLINE) and job.error is None
    a, b = engine.store.data.doc_ranges[new]
    assert any(a <= i < b for i in engine.store.dense(qv, 3).ids.tolist())
