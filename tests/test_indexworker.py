"""A running app indexes new documents in a child process (``qa.indexworker``): the result is the
same as in a thread, and a child that is killed or runs out of its memory limit gives a clear
message and leaves the library as it was, while the engine keeps answering.

Marked slow because they start processes (the fake embedder keeps them quick)."""
from __future__ import annotations

import os
import resource
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from fixtures import FakeEmbedder

import qa

pytestmark = pytest.mark.slow

DEADLINE = 120  # seconds: only ever reached when something is broken
MARK = "郁金香"
FLOWERS = ("# 2025年花卉产业发展情况报告\n## 一、花展\n郁金香主题花展接待游客十二万人次，花卉交易额增长一成。"
           "月季园新增品种三十个。\n## 二、交易\n花卉交易中心建成投用，线上交易平台上线运行。")


class StuckEmbedder(FakeEmbedder):
    """The fake embedder; a batch with MARK touches the file ``signal`` and then never returns
    (a child stuck in the embedding, to be killed)."""

    def __init__(self, signal_file: Path):
        super().__init__()
        self.signal_file = str(signal_file)

    def embed_batch(self, texts):
        if any(MARK in t for t in texts):
            Path(self.signal_file).touch()
            threading.Event().wait()
        return super().embed_batch(texts)


class HungryEmbedder(FakeEmbedder):
    """The fake embedder; a batch with MARK first takes all the address space the process may have
    (1 GiB, untouched, when it has no limit)."""

    def embed_batch(self, texts):
        if any(MARK in t for t in texts):
            soft = resource.getrlimit(resource.RLIMIT_AS)[0]
            np.empty(1 << 30 if soft == resource.RLIM_INFINITY else soft, np.uint8)  # freed at once
        return super().embed_batch(texts)


def until(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"not {what} within {DEADLINE} s"
        time.sleep(0.05)


@pytest.fixture
def library(tiny_corpus, tmp_path, monkeypatch):
    """Makes an engine over the tiny corpus with the given embedder, the upload source, and what
    the library holds (files, documents) before; never leaves a child behind."""
    monkeypatch.setenv("QA_INDEXING", "process")
    source = tmp_path / "in" / "花卉.md"
    source.parent.mkdir()
    source.write_text(FLOWERS, encoding="utf-8")
    jobs = []

    def make(embedder):
        engine = qa.open(tiny_corpus, tmp_path / "index", embedder=embedder, progress=False, cross=None)
        before = (sorted(p.name for p in tiny_corpus.iterdir()), [d.id for d in engine.documents])
        return engine, source, before, jobs

    yield make
    for job in jobs:
        if job.pid and not job.done:
            try:
                os.kill(job.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        job.wait(DEADLINE)


def as_it_was(engine, before, index) -> None:
    """The library is as ``before``: its files, the engine's documents, the index on disk."""
    cleanup = engine.indexing  # the undo's refresh (removing the copy) may still be writing
    assert cleanup is None or (cleanup.wait(DEADLINE) and cleanup.error is None)
    files, docs = before
    assert sorted(p.name for p in engine.corpus.iterdir()) == files
    assert [d.id for d in engine.documents] == docs and engine.pending == frozenset()
    assert engine.search("花卉交易中心建成投用", k=1)[0].doc_id != "花卉.md"
    reopened = qa.open(engine.corpus, index, embedder=FakeEmbedder(), progress=False, rebuild=False, cross=None)
    assert [d.id for d in reopened.documents] == docs


def test_an_upload_is_indexed_in_a_child_process(library, tmp_path):
    engine, source, (_files, docs), jobs = library(FakeEmbedder())
    job = qa.add_documents(engine, [source])
    jobs.append(job)
    assert engine.search("郁金香主题花展", k=1)[0].doc_id == "花卉.md"  # keywords find it at once
    assert job.wait(DEADLINE) and job.error is None and job.progress == 1.0
    assert job.pid is not None and job.pid != os.getpid()
    assert engine.pending == frozenset() and engine.indexing is None
    a, b = engine.data.doc_ranges["花卉.md"]
    assert np.abs(engine.data.passage_vectors[a:b]).sum(axis=1).min() > 0  # real vectors
    assert engine.search("郁金香主题花展接待了多少游客", k=1)[0].doc_id == "花卉.md"
    # the same catalogue as a build in this process makes
    same = qa.open(engine.corpus, tmp_path / "index2", embedder=FakeEmbedder(), progress=False, cross=None)
    assert engine.data.chunks == same.data.chunks and engine.data.tokens == same.data.tokens
    assert np.allclose(engine.data.passage_vectors, same.data.passage_vectors, atol=1e-6)
    reopened = qa.open(engine.corpus, tmp_path / "index", embedder=FakeEmbedder(), progress=False,
                       rebuild=False, cross=None)  # the child saved the index
    assert [d.id for d in reopened.documents] == [*docs, "花卉.md"]


def test_the_keyword_step_of_an_upload_is_done_in_a_child_too(library, monkeypatch):
    """Reading, splitting and tokenizing an upload holds the interpreter lock for seconds per MB:
    the app only installs what a child made, and keywords still find the document on return."""
    import qa.engine
    import qa.indexing
    import qa.lexicon

    in_app = []
    monkeypatch.setattr(qa.engine, "read_document", lambda *a, **k: in_app.append("read") or 1 / 0)
    monkeypatch.setattr(qa.indexing, "split_entry", lambda *a, **k: in_app.append("split") or 1 / 0)
    monkeypatch.setattr(qa.lexicon, "_PINYIN", {})
    engine, source, (_files, docs), jobs = library(FakeEmbedder())
    job = qa.add_documents(engine, [source])
    jobs.append(job)
    assert engine.pending == {"花卉.md"} and in_app == []
    assert engine.search("郁金香主题花展", k=1)[0].doc_id == "花卉.md"  # keywords find it at once
    assert qa.lexicon._PINYIN["花卉"] == ("hua", "hui")  # its words' pinyin came with it
    assert job.wait(DEADLINE) and job.error is None
    assert [d.id for d in engine.documents] == [*docs, "花卉.md"] and in_app == []


def test_the_library_s_bm25_index_comes_from_the_embedding_child(library, monkeypatch):
    """The embedding child sends the library's BM25 index with the catalogue (its tokens once): the
    app installs it without building one, and it scores as one built here does."""
    from qa.lexical import BM25

    made_here = []
    original = BM25.__init__
    monkeypatch.setattr(BM25, "__init__", lambda self, *a, **k: made_here.append(self) or original(self, *a, **k))
    engine, source, _before, jobs = library(FakeEmbedder())
    job = qa.add_documents(engine, [source])
    jobs.append(job)
    assert job.wait(DEADLINE) and job.error is None and job.pid != os.getpid()
    lexicon = engine.store.lexicon
    assert all(lexicon is not m for m in made_here) and lexicon._bm25 is not None
    assert lexicon._tokens is engine.data.tokens
    tokens = ["郁金香", "花卉", "交易", "道路"]
    assert np.array_equal(lexicon.scores(tokens), BM25(engine.data.tokens).scores(tokens))
    assert engine.search("郁金香主题花展", k=1)[0].doc_id == "花卉.md"


def test_an_unreadable_upload_is_skipped_by_the_keyword_child(library, tmp_path):
    engine, source, (files, docs), jobs = library(FakeEmbedder())
    broken = engine.corpus / "坏.docx"
    broken.write_bytes(b"PK\x03\x04 not a zip")  # put there behind the checks' back
    job = engine.refresh_in_background()
    jobs.append(job)
    assert [d.id for d in engine.documents] == docs and engine.search("跨河大桥", k=1)[0].doc_id == "a.txt"
    assert job.wait(DEADLINE) and job.error is None  # the full build skips it too, as qa.open does
    assert [d.id for d in engine.documents] == docs


def test_a_killed_child_leaves_the_library_as_it_was(library, tmp_path):
    signal_file = tmp_path / "embedding"
    engine, source, before, jobs = library(StuckEmbedder(signal_file))
    job = qa.add_documents(engine, [source])
    jobs.append(job)
    until(signal_file.exists, "embedding")  # the child is inside the embedding, stuck
    assert job.pid != os.getpid() and not job.done
    assert engine.search("跨河大桥", k=1)[0].doc_id == "a.txt"  # the engine answers meanwhile
    os.kill(job.pid, signal.SIGKILL)
    assert job.wait(DEADLINE)
    assert "未能建立索引" in job.error and "子进程意外结束" in job.error and "SIGKILL" in job.error
    as_it_was(engine, before, tmp_path / "index")


def test_a_child_past_its_memory_limit_leaves_the_library_as_it_was(library, tmp_path, monkeypatch):
    monkeypatch.setenv("QA_INDEXING_MEMORY_MB", "3000")
    engine, source, before, jobs = library(HungryEmbedder())
    job = qa.add_documents(engine, [source])
    jobs.append(job)
    assert job.wait(DEADLINE)
    assert "未能建立索引" in job.error and "QA_INDEXING_MEMORY_MB" in job.error
    assert engine.search("跨河大桥", k=1)[0].doc_id == "a.txt"
    as_it_was(engine, before, tmp_path / "index")


APP = r"""
import sys, threading
sys.path[:0] = [{tests!r}, {root!r}]
from pathlib import Path
import qa
from test_indexworker import StuckEmbedder
engine = qa.open({corpus!r}, {index!r}, embedder=StuckEmbedder(Path({signal!r})), progress=False, cross=None)
job = qa.add_documents(engine, [{source!r}])
while not Path({signal!r}).exists():
    job.wait(0.05)
print(job.pid, flush=True)
threading.Event().wait()
"""


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return any(line.startswith("State:") and "Z" in line for line in f)  # a zombie is gone too
    except FileNotFoundError:
        return True


def test_the_child_ends_with_the_app(library, tmp_path):
    import subprocess
    import sys

    _engine, source, _before, _jobs = library(FakeEmbedder())
    signal_file = tmp_path / "embedding"
    script = APP.format(tests=str(Path(__file__).parent), root=str(Path(__file__).parents[1]),
                        corpus=str(tmp_path / "corpus"), index=str(tmp_path / "index"), signal=str(signal_file),
                        source=str(source))
    app = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                           env={**os.environ, "QA_INDEXING": "process"})
    try:
        child = int(app.stdout.readline())  # the app's indexing child, stuck in the embedding
        assert child != app.pid and not gone(child)
        app.kill()  # the app dies without a word to its child
        app.wait(DEADLINE)
        until(lambda: gone(child), "gone with the app")
    finally:
        app.kill()
        app.wait(DEADLINE)


SCRIPT = r"""
import sys
from pathlib import Path
if __name__ == "__mp_main__":  # run again in a child: the cost app.py's Gradio import added to every upload
    with open({marker!r}, "a") as f:
        f.write("run again\n")
sys.path[:0] = [{tests!r}, {root!r}]
if __name__ == "__main__":
    import qa
    from fixtures import FakeEmbedder
    engine = qa.open({corpus!r}, {index!r}, embedder=FakeEmbedder(), progress=False, cross=None)
    job = qa.add_documents(engine, [{source!r}])
    assert job.wait(120) and job.error is None, job.error
    assert engine.search("花卉交易中心建成投用", k=1)[0].doc_id == "花卉.md"
    print(__file__ == {path!r}, __spec__ is None, flush=True)
"""


def test_the_children_do_not_run_the_app_s_main_script_again(library, tmp_path):
    import subprocess
    import sys

    _engine, source, _before, _jobs = library(FakeEmbedder())
    marker, script = tmp_path / "marker", tmp_path / "app_like.py"
    script.write_text(SCRIPT.format(marker=str(marker), tests=str(Path(__file__).parent),
                                    root=str(Path(__file__).parents[1]), corpus=str(tmp_path / "corpus"),
                                    index=str(tmp_path / "index"), source=str(source), path=str(script)),
                      encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=DEADLINE,
                         env={**os.environ, "QA_INDEXING": "process"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True"]  # the script's own __file__ and __spec__ are back
    assert not marker.exists()  # neither the keyword child nor the embedding child ran it
