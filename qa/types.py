"""Frozen values that flow between the pipeline stages."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .places import Region


def _num(value: object) -> object:
    try:
        return float(value)  # numpy scalars are not JSON serialisable
    except (TypeError, ValueError):
        return str(value)


@dataclass(frozen=True)
class Document:
    """A cleaned source document. All offsets elsewhere index into ``text``.

    ``format`` is the reader's ("txt", "md", "docx", "pdf", "html"), ``source`` the file name,
    ``report_year``/``plan_year`` the years it reports on and plans for (None if not found),
    ``genre`` its kind of report (a key of ``qa.periods.GENRES``: "work_report", "plan_report",
    "budget_report", "five_year_plan", "communique"; "" if not recognised),
    ``headings`` the (line start, level) of lines the file marks as headings by style,
    ``region`` the place it is about (``qa.places.region_of``; None if it names none).
    """

    id: str
    title: str
    text: str
    path: str = ""
    format: str = ""
    source: str = ""
    report_year: int | None = None
    plan_year: int | None = None
    headings: tuple[tuple[int, int], ...] = ()
    genre: str = ""
    region: Region | None = None


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)``; ``kind`` is "sentence" or "term"."""

    start: int
    end: int
    kind: str = "sentence"

    def to_dict(self) -> dict:
        return {"start": int(self.start), "end": int(self.end), "kind": self.kind}


@dataclass(frozen=True)
class Section:
    """A node of a document's outline: its heading path and the text range it covers."""

    path: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A passage of a document. ``doc.text[start:end] == text`` always holds.

    ``paragraph`` is the (start, end) of the paragraph the passage lies in;
    ``context`` is extra text (section path, lead sentence) indexed with it, never shown.
    """

    doc_id: str
    section: tuple[str, ...]
    start: int
    end: int
    text: str
    paragraph: tuple[int, int] = (0, 0)
    context: str = ""


@dataclass(frozen=True)
class Hit:
    """One search result: a passage, its score and the spans (inside ``text``) that answer the query."""

    text: str
    score: float
    doc_id: str
    section: tuple[str, ...]
    start: int
    end: int
    highlights: tuple[Span, ...] = ()
    paragraph: tuple[int, int] = (0, 0)
    scores: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def sentences(self) -> tuple[Span, ...]:
        return tuple(s for s in self.highlights if s.kind == "sentence")

    @property
    def terms(self) -> tuple[Span, ...]:
        return tuple(s for s in self.highlights if s.kind == "term")

    def to_dict(self) -> dict:
        """Plain JSON: text, score, doc_id, section, start, end, highlights (with their text),
        paragraph, scores."""
        return {
            "text": self.text,
            "score": float(self.score),
            "doc_id": self.doc_id,
            "section": list(self.section),
            "start": int(self.start),
            "end": int(self.end),
            "highlights": [dict(s.to_dict(), text=self.text[s.start:s.end]) for s in self.highlights],
            "paragraph": [int(self.paragraph[0]), int(self.paragraph[1])],
            "scores": {str(k): _num(v) for k, v in (self.scores or {}).items()},
        }


@dataclass(frozen=True)
class Citation:
    """A numbered reference from an answer to a passage (document offsets ``start``/``end``).

    ``hit`` is the index of that passage in ``Answer.hits``; ``sentence`` the (start, end)
    document offsets of the sentence the cited statement was taken from ((0, 0) if none);
    ``label`` names the report (title, region, year) when more than one document is loaded.
    """

    n: int
    doc_id: str
    section: tuple[str, ...]
    start: int
    end: int
    text: str
    hit: int = -1
    sentence: tuple[int, int] = (0, 0)
    label: str = ""

    def to_dict(self) -> dict:
        return {"n": int(self.n), "doc_id": self.doc_id, "section": list(self.section),
                "start": int(self.start), "end": int(self.end), "text": self.text,
                "hit": int(self.hit), "sentence": list(self.sentence), "label": self.label}


@dataclass(frozen=True)
class Answer:
    """A composed answer: markdown ``text`` with [n] markers matching ``citations``.

    ``covered`` is False when nothing scored high enough: ``hits`` are then only closest matches.
    """

    question: str
    text: str
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    covered: bool = True
    kind: str = "fact"
    understood: str = ""  # the question as understood, when that differs from what was asked
    # the analysed question (qa.query.AnalyzedQuery) the answer was composed for: what retrieval
    # decided (route, periods, expansions) travels with the answer, never derived again
    query: object = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict:
        """Plain JSON: question, text (markdown with [n]), covered, kind, understood, citations,
        hits, and the analysed question (``query``)."""
        return {
            "question": self.question,
            "text": self.text,
            "covered": bool(self.covered),
            "kind": self.kind,
            "understood": self.understood,
            "citations": [c.to_dict() for c in self.citations],
            "hits": [h.to_dict() for h in self.hits],
            "query": self.query.to_dict() if hasattr(self.query, "to_dict") else None,
        }


@dataclass(frozen=True)
class Retrieval:
    """What retrieval decided: the analysed question (``qa.query.AnalyzedQuery``) and the
    passages found for it, best first."""

    query: object
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class DocumentEntry:
    """Everything a store keeps about one document; ``key`` is the sha256 of its cleaned text.

    Sentences are ``(chunk ordinal within this document, start, end)`` in document offsets.
    """

    doc_id: str
    key: str
    chunks: tuple[Chunk, ...]
    sentences: tuple[tuple[int, int, int], ...]
    tokens: tuple[tuple[str, ...], ...]          # per passage, for BM25
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    cross_passage_vectors: np.ndarray | None = None
    cross_sentence_vectors: np.ndarray | None = None
