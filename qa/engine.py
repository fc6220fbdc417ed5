"""The Engine: corpus, index, lexical and dense retrieval, highlights and answers behind one object."""
from __future__ import annotations

import logging
import os
import sys
import threading
from dataclasses import replace
from typing import Sequence

import numpy as np

from .chunking import SplitterSettings
from .corpus import Limits, load_corpus
from .embedding import Embedder, load_embedder
from .errors import IndexFileError, QAError
from .highlight import highlight, shared_terms
from .index import (IndexData, build_index, load_index, manifest_for, read_manifest, save_index,
                    stale_reason)
from .lexical import BM25, abbreviation_phrases, mine_terms, tokenizer_for
from .multilingual import MultilingualEncoder, is_available, looks_english
from .query import Query, check_k, prepare_query
from .search import Ranked, SearchParams, dense_scores, rank, time_intent
from .structure import period
from .types import Answer, Document, Hit

log = logging.getLogger(__name__)


class _ProgressBar:
    """A tqdm bar with an ETA for ``progress(done, total)`` callbacks (on a terminal, or with
    QA_PROGRESS=1)."""

    def __init__(self):
        self._bar = None

    def __call__(self, done: int, total: int) -> None:
        if not (sys.stderr.isatty() or os.environ.get("QA_PROGRESS") == "1"):
            return
        if self._bar is None:
            from tqdm import tqdm
            self._bar = tqdm(total=total, desc="embedding", unit="text", file=sys.stderr,
                             dynamic_ncols=True, mininterval=0.5)
        self._bar.update(done - self._bar.n)
        if done >= total:
            self._bar.close()


class Engine:
    """Search and answer over one corpus. Build with :func:`open`; safe to share between threads."""

    def __init__(self, docs: Sequence[Document], data: IndexData, embedder: Embedder,
                 params: SearchParams = SearchParams(), cross=None, user_dictionary: bool = True):
        self._docs = {d.id: d for d in docs}
        self._texts = [d.text for d in docs]
        self.data = data
        self.embedder = embedder
        self.cross = cross if data.cross_passage_vectors is not None else None
        self.params = params
        self._lock = threading.Lock()
        chunks = data.chunks
        self.tokenizer = tokenizer_for(tuple(mine_terms(d.text for d in docs)) if user_dictionary else ())
        self._context_cache: dict[str, list[str]] = {}
        self._chunk_tokens = [self.tokenizer.words(f"{c.context} {c.text}") for c in chunks]
        self.bm25 = BM25(self._chunk_tokens)
        self._sentence_chunk = np.array([i for i, _s, _e in data.sentences], dtype=np.int64)
        self._chunk_sentences: list[list[int]] = [[] for _ in chunks]
        self._sentence_tokens: list[frozenset[str]] = []
        self._is_lead: list[bool] = []
        for j, (i, s, e) in enumerate(data.sentences):
            chunk, text = chunks[i], self._docs[chunks[i].doc_id].text[s:e]
            self._chunk_sentences[i].append(j)
            # a sentence is read with its passage's context: "交通…" under "与北三县一体化…"
            # answers 北三县交通
            self._sentence_tokens.append(frozenset(self.tokenizer.words(text))
                                         | frozenset(self._context_tokens(chunk.context)))
            # a paragraph's lead sentence is its sub-heading (already in the section path): it is
            # highlighted only when a passage has nothing else
            self._is_lead.append(bool(chunk.section) and text.rstrip("。！？") == chunk.section[-1])
        self._periods = [period(c.section) for c in chunks]

    # ------------------------------------------------------------------ public API
    @property
    def documents(self) -> list[Document]:
        return list(self._docs.values())

    def document(self, doc_id: str) -> Document:
        try:
            return self._docs[doc_id]
        except KeyError:
            raise QAError(f"no document {doc_id!r} (have: {', '.join(self._docs)})") from None

    def warm_up(self) -> "Engine":
        """Load the embedding model now rather than on the first query."""
        self.embedder.embed_query("预热")
        return self

    def search(self, query: str, k: int = 5, *, params: SearchParams | None = None) -> list[Hit]:
        """The ``k`` passages that best answer ``query``, best first, with highlights."""
        k = check_k(k)
        q = prepare_query(query)
        return self._search(q, k, params or self.params)

    def ask(self, question: str, k: int = 5, *, history=()) -> Answer:
        """A short answer composed from the best passages, with numbered citations."""
        from .answer import compose

        q = prepare_query(question)
        return compose(q.text, self._search(q, check_k(k), self.params))

    # ------------------------------------------------------------------ internals
    def _context_tokens(self, context: str) -> list[str]:
        return self._context_cache.setdefault(context, self.tokenizer.words(context))

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

    def scores(self, q: Query, params: SearchParams, tokens: Sequence[str] | None = None,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Dense, BM25 and match scores per passage, and similarity per sentence."""
        if tokens is None:
            tokens = self.query_tokens(q.text, params.expand_abbreviations)
        if self.crosslingual(q, params):  # English question, Chinese report
            with self._lock:
                qv = self.cross.embed([q.text], kind="query")[0]
            passage_sim = self.data.cross_passage_vectors @ qv
            sentence_sim = self.data.cross_sentence_vectors @ qv
        else:
            with self._lock:  # one encoder call at a time: torch on 2 cores gains nothing from more
                qv = self.embedder.embed_query(q.text)
            passage_sim = self.data.passage_vectors @ qv
            sentence_sim = self.data.sentence_vectors @ qv
        dense = dense_scores(passage_sim, sentence_sim, self._sentence_chunk, params.sentence_weight)
        return dense, self.bm25.scores(tokens), self.bm25.match(tokens), sentence_sim

    def crosslingual(self, q: Query, params: SearchParams) -> bool:
        """Whether ``q`` is an English question answered through the cross-lingual encoder."""
        return self.cross is not None and params.use_cross and looks_english(q.text)

    def _search(self, q: Query, k: int, params: SearchParams) -> list[Hit]:
        tokens = self.query_tokens(q.text, params.expand_abbreviations)
        dense, bm25, match, sentence_sim = self.scores(q, params, tokens)
        if self.crosslingual(q, params) and params.fusion != "bm25":
            # English words never match the Chinese text: BM25 would only add noise from numbers
            # (29 English questions: hit@5 0.97 → 1.00, MRR 0.82 → 0.87 with dense alone)
            params = replace(params, fusion="dense")
        ranked = rank(dense, bm25, match, self._periods, params, time_intent(q.text), k=k)
        return [self._hit(r, sentence_sim, tokens, q.text) for r in ranked]

    def _sentence_relevance(self, j: int, sim: float, tokens: Sequence[str]) -> float:
        toks = set(tokens)
        if self._is_lead[j]:
            return sim - 1.0
        if not toks:
            return sim
        idf, top = self.bm25.idf, self.bm25.max_idf
        total = sum(idf.get(t, top) for t in toks)
        have = sum(idf.get(t, top) for t in toks if t in self._sentence_tokens[j])
        return sim + 0.5 * have / total

    def _hit(self, r: Ranked, sentence_sim: np.ndarray, tokens: Sequence[str], query: str) -> Hit:
        c = self.data.chunks[r.index]
        sents = self._chunk_sentences[r.index]
        spans = [(self.data.sentences[j][1] - c.start, self.data.sentences[j][2] - c.start) for j in sents]
        rel = [self._sentence_relevance(j, float(sentence_sim[j]), tokens) for j in sents]
        terms = shared_terms(query, c.text, tokens) + list(tokens)
        return Hit(text=c.text, score=r.score, doc_id=c.doc_id, section=c.section, start=c.start,
                   end=c.end, highlights=highlight(c.text, spans, rel, terms), paragraph=c.paragraph,
                   scores={"dense": r.dense, "bm25": r.bm25, "match": r.match})


def open(corpus: str | os.PathLike = "corpus", index: str | os.PathLike = "index",  # noqa: A001
         model: str | None = None, *, rebuild: bool = True, embedder: Embedder | None = None,
         settings: SplitterSettings = SplitterSettings(), params: SearchParams = SearchParams(),
         progress: bool = True, force: bool = False, cross="auto", limits: Limits | None = None,
         ) -> Engine:
    """Open the engine over ``corpus``, loading the index in ``index`` or (re)building it when it is
    missing, stale (corpus, model or settings changed) or damaged. With ``rebuild=False`` a missing,
    stale or damaged index raises IndexFileError instead; ``force=True`` always rebuilds.

    ``cross`` is the cross-lingual encoder for English questions: "auto" uses the multilingual
    encoder when its package is installed (and no custom ``embedder`` was given); None disables it.
    ``limits`` are the per-file size limits (default: ``qa.Limits.from_env()``).
    """
    docs, fingerprints = load_corpus(corpus, limits)
    if cross == "auto":
        cross = MultilingualEncoder() if embedder is None and is_available() else None
    embedder = embedder or load_embedder(model)
    expected = manifest_for(fingerprints, embedder, settings, cross)
    try:
        reason = stale_reason(read_manifest(index), expected)
        reason = "rebuild forced" if force else reason
        data = load_index(index) if reason is None else None
    except IndexFileError as exc:
        reason, data = str(exc), None
    if data is None:
        if not rebuild:
            raise IndexFileError(f"index in {index} cannot be used ({reason}); "
                                 "run `python -m qa index` to rebuild it")
        log.info("building index in %s (%s)", index, reason)
        data = build_index(docs, fingerprints, embedder, settings,
                           progress=_ProgressBar() if progress else None, cross=cross)
        try:
            save_index(data, index)
        except OSError as exc:  # e.g. a read-only folder: serve from memory
            log.warning("cannot save the index to %s (%s); using it from memory", index, exc)
    return Engine(docs, data, embedder, params, cross)

