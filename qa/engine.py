"""The Engine: corpus, index, lexical and dense retrieval, highlights and answers behind one object."""
from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .chunking import SplitterSettings
from .corpus import Limits, corpus_files, corpus_state, load_corpus, read_document
from .corpustext import CorpusText
from .embedding import Embedder, load_embedder
from . import settings as qa_settings
from .errors import CorpusError, InputError, QAError
from .highlight import highlight, shared_terms
from .index import IndexData
from .lexical import abbreviation_phrases, mine_terms, tokenizer_for
from .multilingual import MultilingualEncoder, is_available, looks_english
from .lexicon import PinyinCorrector, default_lexicon, remember_pinyin
from .bilingual import translator
from .periods import DocumentYears, document_years, merge_years, section_phase
from .query import DEFAULT_K, AnalyzedQuery, Query, Vocabulary, analyse, check_documents, check_k, unknown_documents
from .indexing import Indexing, keyword_catalogue, release_memory
from .indexworker import build_in_child, prestart, split_in_child
from .search import Ranked, SearchParams, impute_dense, rank
from .store import Store, StoreConfig, Where, as_store, open_store, store_config
from .store.base import DenseQuery, where_mask
from .types import Answer, Document, Hit, Retrieval

log = logging.getLogger(__name__)


class _ProgressBar:
    """A tqdm bar with an ETA for ``progress(done, total)`` callbacks (on a terminal, or with
    QA_PROGRESS=1)."""

    def __init__(self):
        self._bar = None

    def __call__(self, done: int, total: int) -> None:
        if not (sys.stderr.isatty() or qa_settings.get("QA_PROGRESS")):
            return
        if self._bar is None:
            from tqdm import tqdm
            self._bar = tqdm(total=total, desc="embedding", unit="text", file=sys.stderr,
                             dynamic_ncols=True, mininterval=0.5)
        self._bar.update(done - self._bar.n)
        if done >= total:
            self._bar.close()


# a "which places" question: each report's best passages answered from (fused order, and by BM25
# alone), candidates scored per report
PER_REPORT, PER_REPORT_LEXICAL, PER_REPORT_POOL = 3, 2, 25
CANDIDATES = 100  # passages taken from each signal (dense, lexical) before fusion
FLOOR = 20          # and the passages least like the query (where min-max normalisation starts)
FLOOR_SAMPLE = 64   # and a fixed sample of passages (the same, for approximate indexes)


@dataclass(frozen=True)
class Scored:
    """The candidate passages of one query (union of the dense and lexical top lists) with their
    exact dense, BM25 and match scores; ``query_vector`` in ``space`` scores their sentences."""

    ids: np.ndarray
    dense: np.ndarray
    bm25: np.ndarray
    match: np.ndarray
    query_vector: np.ndarray
    space: str = "main"


class _ReadWriteLock:
    """Many searches at once, or one refresh swapping the corpus state in (a few attribute
    assignments: everything slow is prepared before). Reading is reentrant per thread (``ask``
    reads through ``retrieve``), so a waiting writer never deadlocks a nested read."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._local = threading.local()

    @contextmanager
    def reading(self):
        depth = getattr(self._local, "depth", 0)
        if depth:  # this thread already reads: the state cannot change under it
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._readers += 1
        self._local.depth = 1
        try:
            yield
        finally:
            self._local.depth = 0
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self):
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._writing = True
            while self._readers:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class Scope:
    """What a question is read and scored against: the documents it is asked about (every document
    without a filter) and their statistics: BM25 (IDF, the match weights), their text (is a word,
    a place, a year there?), the dictionary mined from their quoted names, their years, the
    vocabulary of pinyin corrections and neighbour words. So adding other documents to the library
    changes nothing in an answer asked of some documents (issue 20 item 6)."""

    def __init__(self, docs: Sequence[Document], lexicon, years: dict[str, DocumentYears],
                 user_dictionary: bool = True):
        self.documents = tuple(d.id for d in docs)
        self.texts = [d.text for d in docs]
        self.lexicon = lexicon  # qa.lexical.BM25 of these documents' passages
        self.tokenizer = tokenizer_for(tuple(mine_terms(self.texts)) if user_dictionary else ())
        self.document_years = {d.id: years[d.id] for d in docs}  # each document's own reading
        self.years = merge_years(self.document_years.values())  # and one of them all
        self.corpus = CorpusText(self.texts)
        self.corrector = PinyinCorrector(lexicon.idf, self.corpus, self.tokenizer.cut, self.tokenizer.is_word)
        self.context_cache: dict[str, list[str]] = {}
        self.sentence_cache: dict[int, tuple[frozenset[str], bool]] = {}
        self.vocab = None  # (words, vectors): the neighbour words, embedded on first use
        self.lower: str | None = None  # the text in lower case, made on first use

    @property
    def idf(self) -> dict[str, float]:
        return self.lexicon.idf


SCOPES = 4  # scopes of several documents asked about kept besides the whole library's
# and scopes of one document: a question naming a place is asked of its report, and a library's
# reports are asked about in turn, so each one's is kept once made, up to this many (a report's:
# ~0.5 MB, its tokenizer reading jieba's dictionary through; building one costs ~20-60 ms)
DOCUMENT_SCOPES = 32
QUERY_VECTORS = 16  # question vectors kept (a question across reports embeds its text once)
NEIGHBOURS, NEIGHBOUR_SIM = 3, 0.82  # nearest corpus words added for an unknown word, and how near
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")


class Engine:
    """Search and answer over one corpus. Build with :func:`open`; safe to share between threads.

    Lock policy, the only one: every public read (``search``, ``ask``, ``retrieve``, ``documents``,
    ``document``) holds the read side of ``_rw`` for its whole run, so it sees one corpus state; a
    refresh prepares the new state without any lock held and swaps it in under the write side (a
    few assignments). ``_lock`` only serialises encoder calls and the lazy vocabulary vectors;
    ``_refreshing`` lets one refresh prepare at a time. Callers need no lock of their own."""

    def __init__(self, docs: Sequence[Document], data: "IndexData | Store", embedder: Embedder,
                 params: SearchParams = SearchParams(), cross=None, user_dictionary: bool = True):
        store = as_store(data)
        self.embedder = embedder
        self.params = params
        self._lock = threading.Lock()
        self._rw = _ReadWriteLock()
        self._refreshing = threading.RLock()
        self._indexing: Indexing | None = None  # the background embedding under way
        self._scopes_lock = threading.Lock()
        self._vectors: OrderedDict[tuple[bool, str], np.ndarray] = OrderedDict()  # question vectors (_query_vector)
        self._opened: dict | None = None  # how open() made this engine (for refresh)
        self._seen: tuple = ()  # the corpus files' state the documents show (refresh_in_background)
        self._install(self._prepare(docs, store, cross, user_dictionary))

    def _prepare(self, docs: Sequence[Document], store: "Store", cross, user_dictionary: bool = True,
                 pending: Sequence[str] = ()) -> dict:
        """The engine's corpus state for ``docs`` and ``store`` (slow: tokenizer, BM25, pinyin),
        built without touching the live one; ``pending`` documents have no vectors yet."""
        if not user_dictionary:  # ablation: tokens without the dictionary mined from the corpus
            plain = tokenizer_for(())
            data = store.data
            data = replace(data, tokens=tuple(tuple(plain.words(f"{c.context} {c.text}")) for c in data.chunks),
                           manifest=dict(data.manifest, tokenizer="jieba-search/plain"))  # never reused as is
            store = as_store(data)
        pending = frozenset(pending)
        # periods are read from the documents (report and plan years); question analysis needs
        # them, the corpus text (is a place or year there?) and the pinyin of its words
        # (each document's own, for 今年/去年 and the period of its passages, and one reading of all):
        # of the documents asked about (a Scope), the whole library's without a filter
        document_years = {d.id: _years_of(d) for d in docs}
        library = Scope(docs, store.lexicon, document_years, user_dictionary)
        return dict(
            _docs={d.id: d for d in docs}, store=store,
            cross=cross if store.data.manifest.get("cross_model") and cross is not None else None,
            _user_dictionary=user_dictionary, document_years=document_years,
            _phases=[section_phase(c.section, document_years.get(c.doc_id)) for c in store.data.chunks],
            _library=library, _scopes=OrderedDict(),
            tokenizer=library.tokenizer, bm25=library.lexicon, years=library.years,
            _texts=library.texts, _corpus=library.corpus, _corrector=library.corrector,
            pending=pending,
            _pending_mask=np.isin(store.data.chunk_docs, list(pending)) if pending else None)

    def _install(self, state: dict) -> None:
        """Make ``state`` (from ``_prepare``) the engine's corpus state (held by the write lock,
        or before the engine is shared)."""
        self.__dict__.update(state)
        self._prepared = state
        self._vectors = OrderedDict()  # the encoders may have changed with the store

    @property
    def data(self) -> IndexData:
        """The catalogue: chunks, sentences, tokens (and vectors with the FAISS store)."""
        return self.store.data

    # ------------------------------------------------------------------ public API
    @property
    def documents(self) -> list[Document]:
        with self._rw.reading():
            return list(self._docs.values())

    def document(self, doc_id: str) -> Document:
        with self._rw.reading():
            try:
                return self._docs[doc_id]
            except (KeyError, TypeError):  # TypeError: an unhashable id
                raise InputError(unknown_documents([doc_id], list(self._docs))) from None

    def passage_counts(self) -> dict[str, int]:
        """Passages per document id."""
        with self._rw.reading():
            return {d: b - a for d, (a, b) in self.data.doc_ranges.items()}

    def warm_up(self, *, crosslingual: bool = True) -> "Engine":
        """Load and exercise the models now rather than on the first question: the main encoder,
        the whole answer path (tokenizer, scoring, composition), then the cross-lingual encoder
        (it loads under its own lock, so a Chinese question asked meanwhile does not wait); and
        start the server the indexing children are forked from (``qa.indexworker.prestart``)."""
        if self._opened is not None and self._in_child(self._opened):
            prestart()  # the children that index uploads start from it at once
        if hasattr(self.embedder, "warm_up"):
            self.embedder.warm_up()
        self.ask("预热", k=1)
        if crosslingual:
            self.warm_up_crosslingual()
        return self

    def warm_up_crosslingual(self) -> "Engine":
        """Load the cross-lingual encoder and search once through it, which builds the
        English–Chinese dictionary too (qa.bilingual; nothing without the encoder)."""
        cross = self.cross
        if cross is not None:
            if hasattr(cross, "warm_up"):
                cross.warm_up()
            self.search("warm up", k=1)
        return self

    @property
    def corpus(self) -> Path | None:
        """The corpus folder this engine reads (None when it was built from documents in memory)."""
        return None if self._opened is None else Path(self._opened["corpus"])

    @property
    def indexing(self) -> "Indexing | None":
        """The background embedding under way (None when every document has its vectors)."""
        job = self._indexing
        return job if job is not None and not job.done else None

    def analyse(self, question: str | Query, *, history: Sequence[str] = (),
                params: SearchParams | None = None, documents: Sequence[str] | None = None) -> AnalyzedQuery:
        """The question analysed once against this corpus, or against the ``documents`` (ids) it
        is asked about (see ``qa.query.AnalyzedQuery``).
        A single string given as ``history`` is one earlier question, not a sequence of characters."""
        history = (history,) if isinstance(history, str) else tuple(history or ())
        return analyse(question, self.vocabulary(params or self.params, documents), history)

    def vocabulary(self, params: SearchParams | None = None, documents: Sequence[str] | None = None) -> Vocabulary:
        """What question analysis needs to know of this corpus (or of ``documents``, ids: their
        text, words and years, 今年/去年 each document's own), under ``params``' levers."""
        params = params or self.params
        scope = self.scope(documents)
        tok = scope.tokenizer
        return Vocabulary(
            years=scope.years, text=scope.corpus, tokenize=tok.words,
            expand=lambda text, tokens: self._expansions(text, tokens, params, scope),
            correct=scope.corrector.correct if params.use_pinyin else None,
            crosslingual=self.cross is not None and params.use_cross, looks_english=looks_english,
            places=tok.places, tag=tok.tag, known=lambda word: self._known(word, scope),
            documents=scope.document_years,
            library={d: self._docs[d].region for d in scope.documents} if params.use_places else None,
            cut=tok.cut, translate=translator(lambda w: w in scope.corpus) if params.use_dictionary else None)

    def scope(self, documents: Sequence[str] | None = None) -> Scope:
        """The documents a question is asked about (ids; None: all) with their statistics, made on
        first use (the last ``SCOPES`` of several documents and ``DOCUMENT_SCOPES`` of one kept).
        Unknown ids are refused."""
        where = self.where(documents)
        if where is None or where.documents == frozenset(self._docs):
            return self._library
        key = where.documents
        with self._scopes_lock:
            found = self._scopes.get(key)
            if found is not None:
                self._scopes.move_to_end(key)
                return found
        lexicons = getattr(self.store, "lexicons", None)
        lexicon = lexicons.of(where) if lexicons is not None else self.store.lexicon
        scope = Scope([d for d in self._docs.values() if d.id in key], lexicon, self.document_years,
                      self._user_dictionary)
        with self._scopes_lock:
            scope = self._scopes.setdefault(key, scope)
            _evict(self._scopes, lambda k: len(k) == 1, DOCUMENT_SCOPES)
            _evict(self._scopes, lambda k: len(k) > 1, SCOPES)
        return scope

    def _known(self, word: str, scope: Scope | None = None) -> bool:
        """Whether the corpus (the documents of ``scope``) uses ``word``, or a term the genre
        lexicon gives for it (letters in any case)."""
        word = word.lower()
        scope = scope or self._library
        return any(self._writes(t, scope) for t in (word, *default_lexicon().entries.get(word, ())))

    @staticmethod
    def _writes(s: str, scope: Scope) -> bool:
        """``s`` occurs in the scope's text; Latin letters in any case (GDP, gdp)."""
        if s.lower() == s.upper():  # nothing to fold: Chinese, digits
            return s in scope.corpus
        if scope.lower is None:
            scope.lower = scope.corpus.text.lower()
        return s.lower() in scope.lower

    def retrieve(self, question: str | Query, k: int = DEFAULT_K, *, history: Sequence[str] = (),
                 documents: Sequence[str] | None = None, params: SearchParams | None = None) -> Retrieval:
        """The analysed question and the ``k`` passages that best answer it, best first.

        ``history`` holds the earlier questions (oldest first) an elliptical follow-up leans on;
        ``documents`` (ids) limits the search to those documents. Without it, a question that
        names places searches the documents they route to (``AnalyzedQuery.scopes``): the best
        passages of each place in turn when it names several. A question whose answer is places
        (哪些省份…) searches every report asked about, each for its own best passages."""
        return self._retrieve(question, check_k(k), history=history, documents=documents, params=params)

    def _retrieve(self, question: str | Query, k: int, *, history: Sequence[str] = (),
                  documents: Sequence[str] | None = None, params: SearchParams | None = None,
                  every_place: bool = False) -> Retrieval:
        """``retrieve``; with ``every_place``, a question across reports keeps each report's ``k``
        (PER_REPORT for a "which places" question) best passages, interleaved, not ``k`` in all:
        the answer is composed report by report from them (``Engine.ask``)."""
        params = params or self.params
        with self._rw.reading():
            documents = check_documents(documents, self._docs)  # checked and normalised before the work
            q = self.analyse(question, history=history, params=params, documents=documents)
            asked = self._docs if documents is None else documents
            if q.asks_place and len(asked) > 1 and not q.scopes:  # several reports asked about
                return self._by_report(q, k, params, documents, every_place)
            if documents is not None or not q.scopes:
                return Retrieval(q, tuple(self._search(q, k, params, documents=documents)))
            lists = [self._search(q, k, params, documents=scope) for scope in q.scopes]
            return Retrieval(q, tuple(_interleave(lists, k * len(lists) if every_place else k)))

    def _by_report(self, q: AnalyzedQuery, k: int, params: SearchParams,
                   documents: Sequence[str] | None, every_place: bool = False) -> Retrieval:
        """A question whose answer is places (哪些省份提出了…): every report asked about searched for
        its own best passages (one scoring over all of them, PER_REPORT_POOL candidates per
        report, then each report's PER_REPORT best), each report a scope of its own (answered side
        by side, the places whose report meets the question's condition listed). Without
        ``every_place``, the best passage of each of the ``k`` best reports."""
        where, scope = self.where(documents), self.scope(documents)
        asked = list(self._docs) if documents is None else list(documents)
        tokens = q.search_tokens
        scored = self.scores(q, params, tokens, where=where,
                             candidates=max(CANDIDATES, PER_REPORT_POOL * len(asked)))
        periods = [self._phases[i] for i in scored.ids]
        ranked = rank(scored.dense, scored.bm25, scored.match, periods, params, self._intents(q, scored.ids),
                      k=len(scored.ids))
        best: dict[str, list[Ranked]] = {}
        for r in ranked:
            index = int(scored.ids[r.index])
            found = best.setdefault(self.data.chunks[index].doc_id, [])
            if len(found) < PER_REPORT:
                found.append(replace(r, index=index))
        # and each report's passages with the most of the question's own words (BM25 without the
        # expansions), which the fused order may leave out when a lexicon term pulls common
        # passages up (低空经济: 经济 → 地区生产总值)
        own = self.store.lexical_scores(list(q.tokens), scored.ids, where=where) if q.tokens else scored.bm25
        lexical: dict[str, list[Ranked]] = {}
        for r in sorted(ranked, key=lambda r: -float(own[r.index])):
            index = int(scored.ids[r.index])
            doc = self.data.chunks[index].doc_id
            found = lexical.setdefault(doc, [])
            if len(found) < PER_REPORT_LEXICAL and all(b.index != index for b in best.get(doc, ())):
                found.append(replace(r, index=index))
        for doc, extra in lexical.items():
            best[doc] = best[doc] + extra
        chosen = list(best) if every_place else list(best)[:k]
        if not chosen or any(self._docs[d].region is None for d in chosen):  # reports of no known place
            return Retrieval(q, tuple(self._search(q, k, params, documents=documents)))
        lists = [[self._hit(r, scored, tokens, q.text, scope) for r in (best[d] if every_place else best[d][:1])]
                 for d in chosen]
        q = replace(q, places=tuple(self._docs[d].region for d in chosen), scopes=tuple((d,) for d in chosen))
        return Retrieval(q, tuple(_interleave(lists, sum(map(len, lists)))))

    def search(self, query: str, k: int = DEFAULT_K, *, history: Sequence[str] = (),
               documents: Sequence[str] | None = None, params: SearchParams | None = None) -> list[Hit]:
        """The ``k`` passages that best answer ``query``, best first, with highlights; with
        ``documents`` (ids), only passages of those documents."""
        return list(self.retrieve(query, k, history=history, documents=documents, params=params).hits)

    def ask(self, question: str, k: int = DEFAULT_K, *, history: Sequence[str] = (),
            documents: Sequence[str] | None = None, params: SearchParams | None = None) -> Answer:
        """A short answer composed from the best passages, with numbered citations.

        ``history``: the earlier questions of the conversation, oldest first (an elliptical
        follow-up such as 那2023年呢？ is read against them; ``Answer.understood`` says how)."""
        with self._rw.reading():
            documents = check_documents(documents, self._docs)
            r = self._retrieve(question, check_k(k), history=history, documents=documents, params=params,
                               every_place=True)
            return self._compose(r, documents, k)

    def _compose(self, r: Retrieval, documents: Sequence[str] | None, k: int) -> Answer:
        """``ask``'s answer from its retrieval (``_retrieve`` with ``every_place``)."""
        from .answer import compose

        with self._rw.reading():
            # the answer speaks of the periods of the documents it answers from
            r = replace(r, query=r.query.for_documents([h.doc_id for h in r.hits]))
            # the documents asked about: an answer names its report only when several are asked
            # about, and nothing else in the library changes it
            asked = self._docs if documents is None else {d: self._docs[d] for d in documents}
            # the question's terms weigh as in the documents searched: those asked about, or those
            # its places route to
            routed = documents if documents is not None or len(r.query.scopes) != 1 else r.query.scopes[0]
            return compose(r, documents=asked, idf=self.scope(routed).idf, years=self.document_years, k=k)

    def refresh(self) -> bool:
        """Pick up corpus changes (files added, changed or removed) and wait until new documents
        are embedded: a cheap check of the corpus files' names, sizes and modification times, then
        :meth:`refresh_in_background` and its wait. True when something changed; a failure is a
        QAError (the engine keeps serving what it had)."""
        job = self.refresh_in_background()
        if job is None:
            return False
        job.wait()
        if job.error:
            raise QAError(job.error)
        return True

    def refresh_in_background(self, *, wait: bool = True) -> Indexing | None:
        """Pick up corpus changes without waiting for embedding. On return, new or changed documents
        are searchable by keywords (their dense scores estimated from BM25, ``qa.search.impute_dense``)
        and removed ones are gone; their embedding runs in a background thread at a lower CPU
        priority, and the full state is swapped in when it ends (answers then use both signals).
        Returns the handle on that work (progress, done, error), None when nothing changed.
        ``wait=False`` (a question noticing changes): when another thread is picking changes up
        (reading an upload), return at once rather than wait for it.

        Nothing here holds the read/write lock while it works: searches go on meanwhile."""
        opened = self._opened
        if opened is None or corpus_state(opened["corpus"]) == self._seen:
            return self.indexing
        if not self._refreshing.acquire(blocking=wait):
            return self.indexing  # the refresh under way shows its changes when it has read them
        try:
            state = corpus_state(opened["corpus"])
            if state == self._seen:
                return self.indexing  # another thread picked it up meanwhile
            new = self._show_changes(self._opened, state)
            self._seen = state
            job = self._indexing
            if job is None or job.done:
                job = self._indexing = Indexing(new)
                threading.Thread(target=self._embed_pending, args=(job,), name="qa-indexing",
                                 daemon=True).start()
            else:
                job.extend(new)  # the running worker takes it in its next round
            return job
        finally:
            self._refreshing.release()

    def _show_changes(self, opened: dict, state: tuple) -> tuple[str, ...]:
        """Swap in a state where the corpus files' changes show (FAISS store): new or changed
        documents read, split and tokenized (by a child process with QA_INDEXING=process), with
        zero vectors, removed ones gone. Returns the new or changed document ids. Another store
        waits for the full build (nothing swapped here)."""
        corpus = Path(opened["corpus"])
        before = {e[0]: e[1:] for e in self._seen if isinstance(e, tuple)}
        now = {e[0]: e[1:] for e in state if isinstance(e, tuple)}
        try:
            files = {p.relative_to(corpus).as_posix(): p for p in corpus_files(corpus)}
        except CorpusError:
            return ()  # the full build says what is wrong
        changed = [name for name in files if before.get(name) != now.get(name)]
        if self.data.passage_vectors is None:
            return tuple(changed)
        limits = opened.get("limits") or Limits.from_env()
        new, split = [], {}
        if changed and self._in_child(opened):  # the CPU of reading and tokenizing is not the chat's
            try:
                made = split_in_child([(files[name], name) for name in changed], opened["settings"], limits)
            except QAError as err:  # not shown yet: the full build (a child too) says what is wrong
                log.warning("reading %s failed: %s", ", ".join(changed), err)
            else:
                for reason in made.skipped:
                    log.warning("skipping %s", reason)
                new, split = list(made.docs), {e.doc_id: e for e in made.entries}
                remember_pinyin(made.pinyin)
        else:
            for name in changed:
                try:
                    new.append(read_document(files[name], name, limits)[0])
                except CorpusError as err:
                    log.warning("skipping %s", err)
        by_id = {d.id: d for d in self._docs.values() if d.id in files and d.id not in changed}
        by_id.update((d.id, d) for d in new)
        docs = [by_id[name] for name in files if name in by_id]
        if not docs:
            return ()  # an empty corpus: the full build says so
        store = as_store(keyword_catalogue(self.data, docs, new, opened["settings"], split))
        pending = (set(self.pending) | {d.id for d in new}) & set(by_id)
        prepared = _ready(self._prepare(docs, store, opened["cross"], pending=pending))
        with self._rw.writing():
            self._install(prepared)
        return tuple(d.id for d in new)

    @staticmethod
    def _in_child(opened: dict) -> bool:
        """Whether a refresh reads and embeds in child processes (FAISS store, QA_INDEXING=process)."""
        return (qa_settings.get("QA_INDEXING") == "process"
                and getattr(opened["store"], "kind", "faiss") == "faiss")

    def _embed_pending(self, job: Indexing) -> None:
        """The background worker: the full incremental build (only pending documents are embedded),
        swapped in when the corpus did not change meanwhile, else another round. With the FAISS
        store and ``QA_INDEXING=process`` (the default) the build runs in a child process
        (``qa.indexworker``) and only its result is installed here; else in this thread."""
        reuse = None
        in_child = self._in_child(self._opened)
        if not in_child:  # the build runs here. In a child, this thread only installs its result,
            _lower_priority()  # holding the interpreter lock: not at a priority that preempts it meanwhile
        try:
            while True:
                with self._refreshing:
                    opened, target = self._opened, self._seen
                    if not in_child:
                        reuse = reuse or self.store.data
                if in_child:  # the child reuses the index on disk
                    built = build_in_child(opened, progress=job.update, started=job.started)
                    store = as_store(built.data, lexicon=built.lexicon)  # its BM25 made by the child
                    prepared = _ready(self._prepare(built.docs, store, opened["cross"]))
                    del store
                    state = built.state
                    del built
                else:
                    fresh = open(**{k: v for k, v in opened.items() if k != "state"}, progress=job.update,
                                 reuse=reuse)
                    prepared, state = _ready(fresh._prepared), fresh._opened["state"]
                with self._refreshing:
                    if self._seen != target:  # changed again meanwhile: what was embedded is reused
                        if not in_child:
                            reuse = fresh.store.data
                        continue
                    with self._rw.writing():
                        self._install(prepared)
                        self._opened = dict(opened, state=state)
                    self._seen = state
                    job.finish()
                    break
        except Exception as err:  # noqa: BLE001 - said on the handle; the engine keeps serving
            log.warning("indexing failed: %s", err, exc_info=not isinstance(err, QAError))
            with self._refreshing:
                self._indexing = None  # a refresh started by a callback (an undo) is new work
                job.finish(f"新文档未能建立索引：{err}")
        finally:
            del reuse
            release_memory()  # the previous state is garbage now: hand its pages back to the OS

    # ------------------------------------------------------------------ internals
    def _expansions(self, text: str, tokens: Sequence[str], params: SearchParams, scope: Scope) -> list[str]:
        """Corpus words a question also searches: for the everyday words of the genre lexicon
        that the corpus (the scope's documents) does not use, its words for them (上学 → 教育 学位);
        the words of the corpus phrases its unknown abbreviations stand for (违建 → 违法 建设)."""
        tok, idf = scope.tokenizer, scope.idf
        extra = self._query_tokens(text, params.expand_abbreviations, scope)[len(tok.words(text)):]
        if params.use_lexicon:
            lexicon = default_lexicon()
            for word in lexicon.matches(text):
                if word not in idf or params.lexicon_known:
                    extra += [w for t in lexicon.entries[word] for w in tok.words(t) if w in idf]
        if params.use_neighbours:
            lexicon = default_lexicon()
            for t in tokens:
                if len(t) >= 2 and t not in idf and t not in lexicon.entries \
                        and _CJK_WORD.fullmatch(t) and not tok.is_common(t, 2000):
                    extra += self._neighbours(t, NEIGHBOURS, NEIGHBOUR_SIM, scope)
        return [w for w in dict.fromkeys(extra) if w not in tokens]

    def neighbours(self, word: str, k: int = NEIGHBOURS, min_sim: float = NEIGHBOUR_SIM, *,
                   documents: Sequence[str] | None = None) -> list[str]:
        """The corpus words (of ``documents``, ids) nearest ``word`` by the embedding model (their
        vocabulary is embedded once, on first use: a few seconds for a report)."""
        return self._neighbours(word, k, min_sim, self.scope(documents))

    def _neighbours(self, word: str, k: int, min_sim: float, scope: Scope) -> list[str]:
        with self._lock:
            if scope.vocab is None:
                words = [w for w in scope.idf if len(w) >= 2 and _CJK_WORD.fullmatch(w)]
                scope.vocab = (words, self.embedder.embed(words) if words else None)
            words, vectors = scope.vocab
            if vectors is None:
                return []
            sims = vectors @ self.embedder.embed_query(word)
        order = np.argsort(-sims, kind="stable")[:k]
        return [words[i] for i in order if sims[i] >= min_sim]

    def query_tokens(self, text: str, expand: bool = True, *,
                     documents: Sequence[str] | None = None) -> list[str]:
        """The query's tokens, plus (``expand``) the words of the corpus phrases (of ``documents``,
        ids) its unknown abbreviations stand for: 违建 → 违法, 建设."""
        return self._query_tokens(text, expand, self.scope(documents))

    @staticmethod
    def _query_tokens(text: str, expand: bool, scope: Scope) -> list[str]:
        tok, idf = scope.tokenizer, scope.idf
        tokens = tok.words(text)
        if not expand:
            return tokens
        extra = []
        for t in tokens:
            if t in idf or tok.is_common(t):  # a known or everyday word is no abbreviation
                continue
            for phrase in abbreviation_phrases(t, scope.texts):
                if tok.is_word(phrase[:2]) and tok.is_word(phrase[2:]):  # 违法+建设, 征地+拆迁
                    extra += [w for w in tok.words(phrase) if w in idf]
        return tokens + [w for w in dict.fromkeys(extra) if w not in tokens]

    def scores(self, q: AnalyzedQuery, params: SearchParams, tokens: Sequence[str] | None = None, *,
               where: Where | None = None, candidates: int = CANDIDATES) -> Scored:
        """The candidate passages for ``q``: the top ``candidates`` of the dense and of the lexical
        signal (within ``where``), each scored exactly on both, plus the match score. The encoder
        follows the route analysis chose (``q.english``: the cross-lingual one)."""
        if tokens is None:
            tokens = q.search_tokens
        cross = q.english and self.cross is not None  # English question, Chinese report
        text = _dense_text(q, params)
        qv = self._query_vector(text, cross)
        space, w = ("cross" if cross else "main"), params.sentence_weight
        # min-max fusion normalises from the lowest score, which top lists lack: the passages
        # least like the query (nearest to -query, scored as the candidates are) and a fixed
        # sample supply it; both dense queries go together (a server-backed store sends them as
        # one search of two vectors)
        dense, floor = self.store.dense_many([DenseQuery(qv, candidates, space, w, where),
                                              DenseQuery(-qv, FLOOR, space, w, where)])
        lexical = self.store.lexical(tokens, candidates, where=where)
        ids = np.union1d(np.union1d(dense.ids, lexical.ids), np.union1d(floor.ids, self._floor_sample(where)))
        dense_s = self.store.dense_scores(qv, ids, space=space, sentence_weight=w)
        # BM25 and match with the statistics of the documents asked about (store.base.Lexicons)
        bm25 = self.store.lexical_scores(tokens, ids, where=where)
        if self._pending_mask is not None:  # documents without vectors yet: estimated from keywords
            dense_s = impute_dense(dense_s, bm25, self._pending_mask[ids])
        return Scored(ids, dense_s, bm25, self._lexicon(where).match(tokens, ids), qv, space)

    def _query_vector(self, text: str, cross: bool) -> np.ndarray:
        """The question's vector by the main or the cross-lingual encoder, the last QUERY_VECTORS
        kept: a question across reports searches each report with the same text."""
        key = (cross, text)
        with self._lock:  # one encoder call at a time: torch on 2 cores gains nothing from more
            qv = self._vectors.get(key)
            if qv is None:
                qv = self.cross.embed([text], kind="query")[0] if cross else self.embedder.embed_query(text)
                self._vectors[key] = qv
                while len(self._vectors) > QUERY_VECTORS:
                    self._vectors.popitem(last=False)
            else:
                self._vectors.move_to_end(key)
        return qv

    def _lexicon(self, where: Where | None):
        """The BM25 statistics of the documents ``where`` names (all without a filter)."""
        lexicons = getattr(self.store, "lexicons", None)
        return self.bm25 if lexicons is None else lexicons.of(where)

    def _floor_sample(self, where: Where | None) -> np.ndarray:
        """FLOOR_SAMPLE evenly spaced passages (within ``where``), scored with the candidates."""
        allowed = where_mask(self.data, self.store.periods, where)
        pool = np.arange(len(self.data.chunks)) if allowed is None else np.flatnonzero(allowed)
        if len(pool) <= FLOOR_SAMPLE:
            return pool
        return pool[np.linspace(0, len(pool) - 1, FLOOR_SAMPLE).astype(np.int64)]

    def where(self, documents: Sequence[str] | None = None) -> Where | None:
        """The store filter for ``documents`` (ids); what is not a non-empty list of known ids is
        refused (``qa.query.check_documents``)."""
        ids = check_documents(documents, self._docs)
        return None if ids is None else Where.of(documents=ids)

    def _search(self, q: AnalyzedQuery | Query, k: int, params: SearchParams, *,
                documents: Sequence[str] | None = None) -> list[Hit]:
        if not isinstance(q, AnalyzedQuery):
            q = self.analyse(q, params=params)
        with self._rw.reading():
            where = self.where(documents)
            scope = self.scope(documents)
            tokens = q.search_tokens
            hybrid = getattr(self.store, "hybrid", None)
            # server-side fusion scores with the whole collection's IDF: a question asked of some
            # documents is fused here, with theirs (see Scope), however many the collection holds
            if hybrid is not None and params.fusion in ("weighted", "rrf") and not q.english \
                    and (where is None or where.documents is None):
                return self._server_fused(q, k, params, tokens, where, scope)
            scored = self.scores(q, params, tokens, where=where, candidates=max(CANDIDATES, k))
            if q.english and params.fusion != "bm25":
                # English words never match the Chinese text: BM25 would only add noise from numbers
                # (29 English questions: hit@5 0.97 → 1.00, MRR 0.82 → 0.87 with dense alone);
                # the Chinese words the lexicon gives for them (forest → 森林) may weigh in
                chinese = [t for t in tokens if not t.isascii()]
                if chinese and params.english_lexical > 0:
                    scored = replace(scored, bm25=self.store.lexical_scores(chinese, scored.ids, where=where))
                    params = replace(params, fusion="weighted", dense_weight=1 - params.english_lexical)
                else:
                    params = replace(params, fusion="dense")
            periods = [self._phases[i] for i in scored.ids]
            ranked = rank(scored.dense, scored.bm25, scored.match, periods, params, self._intents(q, scored.ids), k=k)
            ranked = [replace(r, index=int(scored.ids[r.index])) for r in ranked]
            return [self._hit(r, scored, tokens, q.text, scope) for r in ranked]

    def _server_fused(self, q: Query, k: int, params: SearchParams, tokens: Sequence[str],
                      where: Where | None, scope: Scope) -> list[Hit]:
        """Fusion done by the store (Qdrant's Query API), then the period boost and exact scores."""
        with self._lock:
            qv = self.embedder.embed_query(_dense_text(q, params))
        fused = self.store.hybrid(qv, tokens, max(CANDIDATES, k), where=where,
                                  fusion="rrf" if params.fusion == "rrf" else "dbsf")
        scores = fused.scores.copy()
        intents = self._intents(q, fused.ids)
        if params.use_intent and intents:
            intents = [intents] * len(fused.ids) if isinstance(intents, str) else intents
            scores *= np.array([1 + params.intent_boost if it and self._phases[i] == it else 1.0
                                for i, it in zip(fused.ids, intents)])
        order = np.argsort(-scores, kind="stable")[:k]
        ids = fused.ids[order]
        dense = self.store.dense_scores(qv, ids, sentence_weight=params.sentence_weight)
        bm25 = self.store.lexical_scores(tokens, ids, where=where)
        match = self._lexicon(where).match(tokens, ids)
        scored = Scored(ids, dense, bm25, match, qv, "main")
        return [self._hit(Ranked(int(i), float(scores[o]), float(d), float(b), float(mt)), scored, tokens,
                          q.text, scope)
                for i, o, d, b, mt in zip(ids, order, dense, bm25, match)]

    def _intents(self, q: AnalyzedQuery, ids) -> "str | list[str | None] | None":
        """The period asked about (done/plan), one for all passages or, when the documents read
        the question's years differently, each passage's document's reading."""
        if not q.by_document:
            return q.intent
        chunks, by_doc = self.data.chunks, {}  # read once per document, not per passage
        return [by_doc[d] if (d := chunks[i].doc_id) in by_doc else by_doc.setdefault(d, q.intent_of(d))
                for i in ids]

    def _sentence_info(self, j: int, scope: Scope) -> tuple[frozenset[str], bool]:
        """A sentence's tokens (read with its passage's context, by the scope's tokenizer) and
        whether it leads its paragraph."""
        info = scope.sentence_cache.get(j)
        if info is None:
            i, s, e = self.data.sentences[j]
            chunk = self.data.chunks[i]
            text = self._docs[chunk.doc_id].text[s:e]
            # a sentence is read with its passage's context: "交通…" under "与北三县一体化…"
            # answers 北三县交通; a paragraph's lead sentence is its sub-heading (already in the
            # section path): it is highlighted only when a passage has nothing else
            context = scope.context_cache.setdefault(chunk.context, scope.tokenizer.words(chunk.context))
            info = (frozenset(scope.tokenizer.words(text)) | frozenset(context),
                    bool(chunk.section) and text.rstrip("。！？") == chunk.section[-1])
            scope.sentence_cache[j] = info
        return info

    def _sentence_relevance(self, j: int, sim: float, tokens: Sequence[str], scope: Scope) -> float:
        toks = dict.fromkeys(tokens)  # summed in the question's order, not a set's (hash seed)
        sentence_tokens, is_lead = self._sentence_info(j, scope)
        if is_lead:
            return sim - 1.0
        if not toks:
            return sim
        idf, top = scope.idf, scope.lexicon.max_idf
        total = sum(idf.get(t, top) for t in toks)
        have = sum(idf.get(t, top) for t in toks if t in sentence_tokens)
        return sim + 0.5 * have / total

    def _hit(self, r: Ranked, scored: Scored, tokens: Sequence[str], query: str, scope: Scope) -> Hit:
        c = self.data.chunks[r.index]
        first, end = self.data.sentence_bounds[r.index]
        sents = range(int(first), int(end))
        sims = self.store.sentence_scores(scored.query_vector, np.arange(first, end), space=scored.space)
        spans = [(self.data.sentences[j][1] - c.start, self.data.sentences[j][2] - c.start) for j in sents]
        rel = [self._sentence_relevance(j, float(sim), tokens, scope) for j, sim in zip(sents, sims)]
        terms = shared_terms(query, c.text, tokens) + list(tokens)
        return Hit(text=c.text, score=r.score, doc_id=c.doc_id, section=c.section, start=c.start,
                   end=c.end, highlights=highlight(c.text, spans, rel, terms), paragraph=c.paragraph,
                   scores={"dense": r.dense, "bm25": r.bm25, "match": r.match})


def _evict(cache: OrderedDict, kind: Callable[[frozenset], bool], keep: int) -> None:
    """Drop the least recently used entries of ``cache`` whose key is of ``kind`` beyond ``keep``."""
    keys = [k for k in cache if kind(k)]
    for k in keys[:max(0, len(keys) - keep)]:
        del cache[k]


def _dense_text(q, params: SearchParams) -> str:
    """The text embedded for a question: as understood, or without the place names that scope
    it (``params.place_in_dense`` off)."""
    return q.text if params.place_in_dense else (getattr(q, "content", "") or q.text)


def _interleave(lists: Sequence[Sequence[Hit]], k: int) -> list[Hit]:
    """The first of each list, then the second of each…, each passage once, ``k`` at most."""
    out, seen = [], set()
    for rank in range(max(map(len, lists), default=0)):
        for hits in lists:
            if rank < len(hits) and (hits[rank].doc_id, hits[rank].start) not in seen:
                seen.add((hits[rank].doc_id, hits[rank].start))
                out.append(hits[rank])
    return out[:k]


def _ready(prepared: dict) -> dict:
    """``prepared`` (``Engine._prepare``) with what the first question would build made now, in
    the refresh's thread: the BM25 index and the pinyin corrector of the whole library."""
    prepared["store"].lexicon.prepare()
    prepared["_library"].corrector.prepare()
    return prepared


def _years_of(doc: Document) -> DocumentYears:
    """A document's genre and years: those its reader found, else read from its title, top
    headings and opening."""
    years = document_years(doc.title, doc.text, getattr(doc, "genre", "") or None)
    return replace(years, report_year=getattr(doc, "report_year", None) or years.report_year,
                   plan_year=getattr(doc, "plan_year", None) or years.plan_year)


INDEXING_NICE = 10  # the background indexing thread's niceness: questions get the CPU first


def _lower_priority() -> None:
    """Lower this thread's CPU priority (Linux: per thread; threads it starts inherit it)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), INDEXING_NICE)
    except (OSError, AttributeError):  # another OS, or not allowed
        pass


def open(corpus: str | os.PathLike = "corpus", index: str | os.PathLike = "index",  # noqa: A001
         model: str | None = None, *, rebuild: bool = True, embedder: Embedder | None = None,
         settings: SplitterSettings = SplitterSettings(), params: SearchParams = SearchParams(),
         progress: "bool | Callable[[int, int], None]" = True, force: bool = False, cross="auto", limits: Limits | None = None,
         store: "str | StoreConfig | None" = None, must_save: bool = False,
         reuse: IndexData | None = None) -> Engine:
    """Open the engine over ``corpus``, loading the index in ``index`` or (re)building it when it is
    missing, stale (corpus, model or settings changed) or damaged. After a corpus change only new
    or changed documents are embedded. With ``rebuild=False`` a missing, stale or damaged index
    raises IndexFileError instead; ``force=True`` always rebuilds everything. ``must_save=True``
    makes a failure to save the index an IndexFileError (otherwise it is served from memory).

    ``cross`` is the cross-lingual encoder for English questions: "auto" uses the multilingual
    encoder when its package is installed (and no custom ``embedder`` was given); None disables it.
    ``limits`` are the per-file size limits (default: ``qa.Limits.from_env()``).
    ``store`` is "faiss" (default) or "qdrant", or a :class:`qa.store.StoreConfig`; None reads
    $QA_STORE (see ``qa.store.store_config``).
    ``reuse`` is a catalogue already in memory (a running engine's ``data``) whose entries serve the
    unchanged documents instead of the index on disk, when it was built with the same settings:
    what ``Engine.refresh`` passes, so an update neither reads nor holds a second copy of the index.
    """
    config = store_config(store)
    state = corpus_state(corpus)
    docs, fingerprints = load_corpus(corpus, limits)
    if cross == "auto":
        cross = MultilingualEncoder() if embedder is None and is_available() else None
    embedder = embedder or load_embedder(model)
    progress = progress if callable(progress) else _ProgressBar() if progress else None
    st = open_store(config, docs, fingerprints, embedder, settings, cross, index, rebuild=rebuild,
                    force=force, progress=progress, must_save=must_save,
                    reuse=reuse)
    release_memory()  # what parsing, embedding and indexing left behind
    engine = Engine(docs, st, embedder, params, cross)
    engine._opened = dict(corpus=corpus, index=index, model=model, rebuild=rebuild, embedder=embedder,
                          settings=settings, params=params, cross=cross, limits=limits, store=config,
                          state=state)
    engine._seen = state
    return engine
