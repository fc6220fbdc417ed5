"""The Engine: corpus, index, lexical and dense retrieval, highlights and answers behind one object."""
from __future__ import annotations

import logging
import os
import re
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from .chunking import SplitterSettings
from .corpus import Limits, load_corpus
from .corpustext import CorpusText
from .embedding import Embedder, load_embedder
from . import settings as qa_settings
from .errors import InputError
from .highlight import highlight, shared_terms
from .index import IndexData
from .lexical import abbreviation_phrases, mine_terms, tokenizer_for
from .multilingual import MultilingualEncoder, is_available, looks_english
from .lexicon import PinyinCorrector, default_lexicon
from .periods import DocumentYears, document_years, merge_years, section_phase
from .query import DEFAULT_K, AnalyzedQuery, Query, Vocabulary, analyse, check_documents, check_k, unknown_documents
from .search import Ranked, SearchParams, rank
from .store import Store, StoreConfig, Where, as_store, open_store, store_config
from .store.base import where_mask
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
    """Many searches at once, or one refresh swapping the corpus state."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def reading(self):
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
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


NEIGHBOURS, NEIGHBOUR_SIM = 3, 0.82  # nearest corpus words added for an unknown word, and how near
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")


class Engine:
    """Search and answer over one corpus. Build with :func:`open`; safe to share between threads."""

    def __init__(self, docs: Sequence[Document], data: "IndexData | Store", embedder: Embedder,
                 params: SearchParams = SearchParams(), cross=None, user_dictionary: bool = True):
        store = as_store(data)
        self.embedder = embedder
        self.params = params
        self._lock = threading.Lock()
        self._rw = _ReadWriteLock()
        self._refreshing = threading.Lock()
        self._opened: dict | None = None  # how open() made this engine (for refresh)
        self._install(docs, store, cross, user_dictionary)

    def _install(self, docs: Sequence[Document], store: "Store", cross, user_dictionary: bool = True) -> None:
        """Take ``docs`` and ``store`` as the engine's corpus state."""
        if not user_dictionary:  # ablation: tokens without the dictionary mined from the corpus
            plain = tokenizer_for(())
            data = store.data
            data = replace(data, tokens=tuple(tuple(plain.words(f"{c.context} {c.text}")) for c in data.chunks),
                           manifest=dict(data.manifest, tokenizer="jieba-search/plain"))  # never reused as is
            store = as_store(data)
        self._docs = {d.id: d for d in docs}
        self._texts = [d.text for d in docs]
        self.store = store
        self.cross = cross if store.data.manifest.get("cross_model") and cross is not None else None
        self.tokenizer = tokenizer_for(tuple(mine_terms(d.text for d in docs)) if user_dictionary else ())
        self.bm25 = store.lexicon
        self._context_cache: dict[str, list[str]] = {}
        self._sentence_cache: dict[int, tuple[frozenset[str], bool]] = {}
        # periods are read from the documents (report and plan years); question analysis needs
        # them, the corpus text (is a place or year there?) and the pinyin of its words
        # (each document's own, for 今年/去年 and the period of its passages, and one reading of all)
        self.document_years = {d.id: _years_of(d) for d in docs}
        self.years = merge_years(self.document_years.values())
        self._phases = [section_phase(c.section, self.document_years.get(c.doc_id)) for c in store.data.chunks]
        self._corpus = CorpusText(self._texts)
        self._corrector = PinyinCorrector(self.bm25.idf, self._corpus, self.tokenizer.cut,
                                          self.tokenizer.is_word)

    @property
    def data(self) -> IndexData:
        """The catalogue: chunks, sentences, tokens (and vectors with the FAISS store)."""
        return self.store.data

    # ------------------------------------------------------------------ public API
    @property
    def documents(self) -> list[Document]:
        return list(self._docs.values())

    def document(self, doc_id: str) -> Document:
        try:
            return self._docs[doc_id]
        except (KeyError, TypeError):  # TypeError: an unhashable id
            raise InputError(unknown_documents([doc_id], list(self._docs))) from None

    def warm_up(self) -> "Engine":
        """Load the embedding model now rather than on the first query."""
        self.embedder.embed_query("预热")
        return self

    def analyse(self, question: str | Query, *, history: Sequence[str] = (),
                params: SearchParams | None = None, documents: Sequence[str] | None = None) -> AnalyzedQuery:
        """The question analysed once against this corpus (see ``qa.query.AnalyzedQuery``), its
        years against ``documents`` (ids) when the question is about those only.
        A single string given as ``history`` is one earlier question, not a sequence of characters."""
        history = (history,) if isinstance(history, str) else tuple(history or ())
        return analyse(question, self.vocabulary(params or self.params, documents), history)

    def vocabulary(self, params: SearchParams | None = None, documents: Sequence[str] | None = None) -> Vocabulary:
        """What question analysis needs to know of this corpus, under ``params``' levers; the
        years (今年, 去年 …) are those of ``documents`` (ids) when given, else of every document."""
        params = params or self.params
        doc_years = self.document_years
        if documents is not None:
            chosen = [documents] if isinstance(documents, str) else documents
            doc_years = {d: self.document_years[d] for d in chosen if d in self.document_years} or doc_years
        return Vocabulary(
            years=merge_years(doc_years.values()) if doc_years is not self.document_years else self.years,
            text=self._corpus, tokenize=self.tokenizer.words,
            expand=lambda text, tokens: self._expansions(text, tokens, params),
            correct=self._corrector.correct if params.use_pinyin else None,
            crosslingual=self.cross is not None and params.use_cross, looks_english=looks_english,
            places=self.tokenizer.places, tag=self.tokenizer.tag, known=self._known,
            documents=doc_years,
            library={d.id: d.region for d in self._docs.values()} if params.use_places else None,
            cut=self.tokenizer.cut)

    def _known(self, word: str) -> bool:
        """Whether the corpus uses ``word``, or a term the genre lexicon gives for it (letters in
        any case)."""
        word = word.lower()
        return any(self._writes(t) for t in (word, *default_lexicon().entries.get(word, ())))

    def _writes(self, s: str) -> bool:
        """``s`` occurs in the corpus; Latin letters in any case (GDP, gdp)."""
        if s.lower() == s.upper():  # nothing to fold: Chinese, digits
            return s in self._corpus
        corpus = self._corpus
        if getattr(self, "_lower", (None, ""))[0] is not corpus:
            self._lower = (corpus, corpus.text.lower())
        return s.lower() in self._lower[1]

    def retrieve(self, question: str | Query, k: int = DEFAULT_K, *, history: Sequence[str] = (),
                 documents: Sequence[str] | None = None, params: SearchParams | None = None) -> Retrieval:
        """The analysed question and the ``k`` passages that best answer it, best first.

        ``history`` holds the earlier questions (oldest first) an elliptical follow-up leans on;
        ``documents`` (ids) limits the search to those documents. Without it, a question that
        names places searches the documents they route to (``AnalyzedQuery.scopes``): the best
        passages of each place in turn when it names several."""
        k = check_k(k)
        check_documents(documents, self._docs)  # before the work, again in _search (the corpus may change)
        params = params or self.params
        q = self.analyse(question, history=history, params=params, documents=documents)
        if q.asks_place and len(self._docs) > 1 and not q.scopes:
            return self._by_report(q, k, params, documents)
        if documents is not None or not q.scopes:
            return Retrieval(q, tuple(self._search(q, k, params, documents=documents)))
        lists = [self._search(q, k, params, documents=scope) for scope in q.scopes]
        return Retrieval(q, tuple(_interleave(lists, k)))

    def _by_report(self, q: AnalyzedQuery, k: int, params: SearchParams,
                   documents: Sequence[str] | None) -> Retrieval:
        """A question whose answer is places (哪些省份提出了…): the best passage of each of the ``k``
        reports that answer it best, each report a scope of its own (answered side by side)."""
        hits, best = self._search(q, max(4 * k, 20), params, documents=documents), {}
        for h in hits:
            best.setdefault(h.doc_id, h)
        chosen = list(best.values())[:k]
        if not all(self._docs[h.doc_id].region is not None for h in chosen):
            return Retrieval(q, tuple(hits[:k]))
        q = replace(q, places=tuple(self._docs[h.doc_id].region for h in chosen),
                    scopes=tuple((h.doc_id,) for h in chosen))
        return Retrieval(q, tuple(chosen))

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
        from .answer import compose

        r = self.retrieve(question, k, history=history, documents=documents, params=params)
        # the answer speaks of the periods of the documents it answers from
        r = replace(r, query=r.query.for_documents({h.doc_id for h in r.hits}))
        return compose(r, documents=self._docs, idf=self.bm25.idf, years=self.document_years)

    def refresh(self) -> bool:
        """Pick up corpus changes (files added, changed or removed) in a running app: a cheap check
        of the corpus files' names, sizes and modification times, and when they changed, an
        incremental update (only new or changed documents are embedded). True when it changed."""
        opened = self._opened
        if opened is None or corpus_state(opened["corpus"]) == opened["state"]:
            return False
        with self._refreshing:
            if corpus_state(opened["corpus"]) == self._opened["state"]:
                return False  # another thread refreshed meanwhile
            fresh = open(**{k: v for k, v in opened.items() if k != "state"}, progress=False,
                         reuse=self.store.data)
            with self._rw.writing():
                self._install(fresh.documents, fresh.store, fresh.cross)
                self._opened = fresh._opened
                with self._lock:
                    self._vocab = None  # the old vocabulary's vectors (rebuilt on first use)
            del fresh
        release_memory()  # the previous state is garbage now: hand its pages back to the OS
        return True

    # ------------------------------------------------------------------ internals
    def _context_tokens(self, context: str) -> list[str]:
        return self._context_cache.setdefault(context, self.tokenizer.words(context))

    def _expansions(self, text: str, tokens: Sequence[str], params: SearchParams) -> list[str]:
        """Corpus words a question also searches: for the everyday words of the genre lexicon
        that the corpus does not use, its words for them (上学 → 教育 学位); the words of the
        corpus phrases its unknown abbreviations stand for (违建 → 违法 建设)."""
        extra = self.query_tokens(text, params.expand_abbreviations)[len(self.tokenizer.words(text)):]
        if params.use_lexicon:
            idf, lexicon = self.bm25.idf, default_lexicon()
            for word in lexicon.matches(text):
                if word not in idf or params.lexicon_known:
                    extra += [w for t in lexicon.entries[word] for w in self.tokenizer.words(t) if w in idf]
        if params.use_neighbours:
            lexicon = default_lexicon()
            for t in tokens:
                if len(t) >= 2 and t not in self.bm25.idf and t not in lexicon.entries \
                        and _CJK_WORD.fullmatch(t) and not self.tokenizer.is_common(t, 2000):
                    extra += self.neighbours(t)
        return [w for w in dict.fromkeys(extra) if w not in tokens]

    def neighbours(self, word: str, k: int = NEIGHBOURS, min_sim: float = NEIGHBOUR_SIM) -> list[str]:
        """The corpus words nearest ``word`` by the embedding model (its vocabulary is embedded
        once, on first use: a few seconds for a report)."""
        with self._lock:
            if getattr(self, "_vocab", None) is None or self._vocab[0] is not self.bm25.idf:
                words = [w for w in self.bm25.idf if len(w) >= 2 and _CJK_WORD.fullmatch(w)]
                self._vocab = (self.bm25.idf, words, self.embedder.embed(words) if words else None)
            _idf, words, vectors = self._vocab
            if vectors is None:
                return []
            sims = vectors @ self.embedder.embed_query(word)
        order = np.argsort(-sims, kind="stable")[:k]
        return [words[i] for i in order if sims[i] >= min_sim]

    def query_tokens(self, text: str, expand: bool = True) -> list[str]:
        """The query's tokens, plus (``expand``) the words of the corpus phrases its unknown
        abbreviations stand for: 违建 → 违法, 建设."""
        tok = self.tokenizer
        tokens = tok.words(text)
        if not expand:
            return tokens
        extra = []
        for t in tokens:
            if t in self.bm25.idf or tok.is_common(t):  # a known or everyday word is no abbreviation
                continue
            for phrase in abbreviation_phrases(t, self._texts):
                if tok.is_word(phrase[:2]) and tok.is_word(phrase[2:]):  # 违法+建设, 征地+拆迁
                    extra += [w for w in tok.words(phrase) if w in self.bm25.idf]
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
        with self._lock:  # one encoder call at a time: torch on 2 cores gains nothing from more
            qv = self.cross.embed([text], kind="query")[0] if cross else self.embedder.embed_query(text)
        space, w = ("cross" if cross else "main"), params.sentence_weight
        dense = self.store.dense(qv, candidates, space=space, sentence_weight=w, where=where)
        lexical = self.store.lexical(tokens, candidates, where=where)
        # min-max fusion normalises from the lowest score, which top lists lack: the passages
        # least like the query (nearest to -query) and a fixed sample supply it
        floor = self.store.dense(-qv, FLOOR, space=space, sentence_weight=0.0, where=where)
        ids = np.union1d(np.union1d(dense.ids, lexical.ids), np.union1d(floor.ids, self._floor_sample(where)))
        dense_s = self.store.dense_scores(qv, ids, space=space, sentence_weight=w)
        bm25 = self.store.lexical_scores(tokens, ids)
        return Scored(ids, dense_s, bm25, self.bm25.match(tokens, ids), qv, space)

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
            tokens = q.search_tokens
            hybrid = getattr(self.store, "hybrid", None)
            if hybrid is not None and params.fusion in ("weighted", "rrf") and not q.english:
                return self._server_fused(q, k, params, tokens, where)
            scored = self.scores(q, params, tokens, where=where, candidates=max(CANDIDATES, k))
            if q.english and params.fusion != "bm25":
                # English words never match the Chinese text: BM25 would only add noise from numbers
                # (29 English questions: hit@5 0.97 → 1.00, MRR 0.82 → 0.87 with dense alone);
                # the Chinese words the lexicon gives for them (forest → 森林) may weigh in
                chinese = [t for t in tokens if not t.isascii()]
                if chinese and params.english_lexical > 0:
                    scored = replace(scored, bm25=self.store.lexical_scores(chinese, scored.ids))
                    params = replace(params, fusion="weighted", dense_weight=1 - params.english_lexical)
                else:
                    params = replace(params, fusion="dense")
            periods = [self._phases[i] for i in scored.ids]
            ranked = rank(scored.dense, scored.bm25, scored.match, periods, params, self._intents(q, scored.ids), k=k)
            ranked = [replace(r, index=int(scored.ids[r.index])) for r in ranked]
            return [self._hit(r, scored, tokens, q.text) for r in ranked]

    def _server_fused(self, q: Query, k: int, params: SearchParams, tokens: Sequence[str],
                      where: Where | None) -> list[Hit]:
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
        bm25 = self.store.lexical_scores(tokens, ids)
        match = self.bm25.match(tokens, ids)
        scored = Scored(ids, dense, bm25, match, qv, "main")
        return [self._hit(Ranked(int(i), float(scores[o]), float(d), float(b), float(mt)), scored, tokens, q.text)
                for i, o, d, b, mt in zip(ids, order, dense, bm25, match)]

    def _intents(self, q: AnalyzedQuery, ids) -> "str | list[str | None] | None":
        """The period asked about (done/plan), one for all passages or, when the documents read
        the question's years differently, each passage's document's reading."""
        if not q.by_document:
            return q.intent
        return [q.intent_of(self.data.chunks[i].doc_id) for i in ids]

    def _sentence_info(self, j: int) -> tuple[frozenset[str], bool]:
        """A sentence's tokens (read with its passage's context) and whether it leads its paragraph."""
        info = self._sentence_cache.get(j)
        if info is None:
            i, s, e = self.data.sentences[j]
            chunk = self.data.chunks[i]
            text = self._docs[chunk.doc_id].text[s:e]
            # a sentence is read with its passage's context: "交通…" under "与北三县一体化…"
            # answers 北三县交通; a paragraph's lead sentence is its sub-heading (already in the
            # section path): it is highlighted only when a passage has nothing else
            info = (frozenset(self.tokenizer.words(text)) | frozenset(self._context_tokens(chunk.context)),
                    bool(chunk.section) and text.rstrip("。！？") == chunk.section[-1])
            self._sentence_cache[j] = info
        return info

    def _sentence_relevance(self, j: int, sim: float, tokens: Sequence[str]) -> float:
        toks = dict.fromkeys(tokens)  # summed in the question's order, not a set's (hash seed)
        sentence_tokens, is_lead = self._sentence_info(j)
        if is_lead:
            return sim - 1.0
        if not toks:
            return sim
        idf, top = self.bm25.idf, self.bm25.max_idf
        total = sum(idf.get(t, top) for t in toks)
        have = sum(idf.get(t, top) for t in toks if t in sentence_tokens)
        return sim + 0.5 * have / total

    def _hit(self, r: Ranked, scored: Scored, tokens: Sequence[str], query: str) -> Hit:
        c = self.data.chunks[r.index]
        first, end = self.data.sentence_bounds[r.index]
        sents = range(int(first), int(end))
        sims = self.store.sentence_scores(scored.query_vector, np.arange(first, end), space=scored.space)
        spans = [(self.data.sentences[j][1] - c.start, self.data.sentences[j][2] - c.start) for j in sents]
        rel = [self._sentence_relevance(j, float(sim), tokens) for j, sim in zip(sents, sims)]
        terms = shared_terms(query, c.text, tokens) + list(tokens)
        return Hit(text=c.text, score=r.score, doc_id=c.doc_id, section=c.section, start=c.start,
                   end=c.end, highlights=highlight(c.text, spans, rel, terms), paragraph=c.paragraph,
                   scores={"dense": r.dense, "bm25": r.bm25, "match": r.match})


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


def _years_of(doc: Document) -> DocumentYears:
    """A document's genre and years: those its reader found, else read from its title, top
    headings and opening."""
    years = document_years(doc.title, doc.text, getattr(doc, "genre", "") or None)
    return replace(years, report_year=getattr(doc, "report_year", None) or years.report_year,
                   plan_year=getattr(doc, "plan_year", None) or years.plan_year)


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


def corpus_state(folder: str | os.PathLike) -> tuple:
    """Names, sizes and modification times of the files under ``folder``: cheap to take and compare
    (a stat per file, no reading), so a running app can check it on every request."""
    root = Path(folder)
    try:
        paths = sorted(p for p in root.rglob("*") if not p.name.startswith("."))
        out = []
        for p in paths:
            st = p.stat()
            if p.is_file():
                out.append((p.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns))
        return tuple(out)
    except OSError:
        return ("unreadable",)


def open(corpus: str | os.PathLike = "corpus", index: str | os.PathLike = "index",  # noqa: A001
         model: str | None = None, *, rebuild: bool = True, embedder: Embedder | None = None,
         settings: SplitterSettings = SplitterSettings(), params: SearchParams = SearchParams(),
         progress: bool = True, force: bool = False, cross="auto", limits: Limits | None = None,
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
    st = open_store(config, docs, fingerprints, embedder, settings, cross, index, rebuild=rebuild,
                    force=force, progress=_ProgressBar() if progress else None, must_save=must_save,
                    reuse=reuse)
    release_memory()  # what parsing, embedding and indexing left behind
    engine = Engine(docs, st, embedder, params, cross)
    engine._opened = dict(corpus=corpus, index=index, model=model, rebuild=rebuild, embedder=embedder,
                          settings=settings, params=params, cross=cross, limits=limits, store=config,
                          state=state)
    return engine
