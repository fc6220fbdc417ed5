"""Indexing that nobody waits on: a changed corpus is searchable by keywords at once, by meaning
when its vectors are ready.

``Engine.refresh_in_background`` works in two steps. First, while the caller waits (about a second
for a report), only the new or changed files are read, split and tokenized (:func:`split_entry`,
in a child process with ``QA_INDEXING=process``), and :func:`keyword_catalogue` assembles a
catalogue in which their passages have zero vectors: BM25 finds them at once, and the engine
estimates their dense scores from their keyword scores (``qa.search.impute_dense``). Then a
background thread (or the child it starts) embeds them and the full state replaces the interim one. :class:`Indexing` is the handle on that work: the documents, the true share embedded,
done, and why it failed (in Chinese).
"""
from __future__ import annotations

import threading
from dataclasses import replace
from collections.abc import Callable, Sequence

import numpy as np

from .chunking import SplitterSettings, chunk_document
from .index import PENDING, IndexData, assemble, content_key, passage_tokens
from .lexical import tokenizer_for
from .structure import sentence_spans
from .types import Document, DocumentEntry

__all__ = ["Indexing", "split_entry", "keyword_entry", "keyword_catalogue"]


class Indexing:
    """Documents being embedded in the background: ``progress`` (0..1, the share of their texts
    embedded), ``done``, ``error`` (a Chinese message when it failed), ``wait``."""

    def __init__(self, documents: Sequence[str] = ()):
        self.documents: tuple[str, ...] = tuple(documents)
        self.error: str | None = None
        self.pid: int | None = None  # the child process doing the work (None: a thread of this one)
        self._done = threading.Event()
        self._counts = (0, 0)
        self._callbacks: list[Callable[["Indexing"], None]] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = "failed" if self.error else "done" if self.done else f"{self.progress:.0%}"
        return f"Indexing({', '.join(self.documents) or '-'}: {state})"

    @property
    def progress(self) -> float:
        """The share of the new documents' passages and sentences embedded (1.0 once swapped in)."""
        if self._done.is_set():
            return 1.0
        done, total = self._counts
        return min(done / total, 0.99) if total else 0.0

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work is finished (True) or ``timeout`` seconds have passed (False)."""
        return self._done.wait(timeout)

    def add_done_callback(self, fn: Callable[["Indexing"], None]) -> None:
        """Call ``fn(self)`` when the work ends (at once when it has ended)."""
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(fn)
                return
        fn(self)

    # ---------------------------------------------------------------- the worker's side
    def extend(self, documents: Sequence[str]) -> None:
        self.documents = tuple(dict.fromkeys((*self.documents, *documents)))

    def started(self, pid: int) -> None:
        self.pid = pid

    def update(self, done: int, total: int) -> None:
        self._counts = (int(done), int(total))

    def finish(self, error: str | None = None) -> None:
        """Record the outcome, run the callbacks, then wake the waiters (who so see their effect)."""
        self.error = error
        while True:
            with self._lock:
                callbacks, self._callbacks = self._callbacks, []
                if not callbacks:
                    self._done.set()
                    return
            for fn in callbacks:
                fn(self)


def split_entry(doc: Document, settings: SplitterSettings) -> DocumentEntry:
    """``doc``'s passages, sentences and BM25 tokens under a pending key ("pending:" + its content
    key), without vectors: the keyword step's pure work (read, split, tokenize), which a child
    process does for a running app (``qa.indexworker.split_in_child``)."""
    chunks = tuple(chunk_document(doc, settings))
    sentences = tuple((i, s, e) for i, c in enumerate(chunks) for s, e in sentence_spans(c.text, c.start))
    return DocumentEntry(doc.id, PENDING + content_key(doc), chunks, sentences, passage_tokens(doc, chunks),
                         None, None)


def keyword_entry(doc: Document, settings: SplitterSettings, like: IndexData,
                  split: DocumentEntry | None = None) -> DocumentEntry:
    """``doc``'s entry as :func:`split_entry` makes it (or ``split``, made already), with zero vectors
    shaped as ``like``'s (the running catalogue): searchable by keywords, never taken as embedded;
    the full build embeds its passages without splitting them again."""
    split = split or split_entry(doc, settings)
    n, m = len(split.chunks), len(split.sentences)

    def zeros(vectors: np.ndarray | None, rows: int) -> np.ndarray | None:
        return None if vectors is None else np.zeros((rows, vectors.shape[1]), np.float32)

    return replace(split, passage_vectors=zeros(like.passage_vectors, n),
                   sentence_vectors=zeros(like.sentence_vectors, m),
                   cross_passage_vectors=zeros(like.cross_passage_vectors, n),
                   cross_sentence_vectors=zeros(like.cross_sentence_vectors, m))


def keyword_catalogue(data: IndexData, docs: Sequence[Document], new: Sequence[Document],
                      settings: SplitterSettings, split: dict[str, DocumentEntry] | None = None) -> IndexData:
    """The catalogue of ``docs`` (in that order): ``data``'s entries for the documents it holds
    (vectors and all), keyword entries for ``new`` ones (from ``split``, by id, when made already).
    Its manifest keeps ``data``'s corpus fingerprints, so the next full build reuses every entry
    but the pending ones."""
    split = split or {}
    entries = data.entries()
    for doc in new:
        entries[doc.id] = keyword_entry(doc, settings, data, split.get(doc.id))
    manifest = {k: v for k, v in data.manifest.items() if k != "checksums"}
    return assemble([entries[d.id] for d in docs], manifest)


def release_memory() -> None:
    """Collect garbage and return freed heap pages to the OS (glibc ``malloc_trim``): after a
    build or a refresh, the freed arrays and strings would otherwise stay in the resident set."""
    import gc

    tokenizer_for.cache_clear()  # per-document jieba dictionaries of the build (the engine keeps its own)
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
