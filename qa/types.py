"""Frozen values that flow between the pipeline stages."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """A cleaned source document. All offsets elsewhere index into ``text``.

    ``format`` is the reader's ("txt", "md", "docx", "pdf", "html"), ``source`` the file name,
    ``report_year``/``plan_year`` the years it reports on and plans for (None if not found),
    ``headings`` the (line start, level) of lines the file marks as headings by style.
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


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)``; ``kind`` is "sentence" or "term"."""

    start: int
    end: int
    kind: str = "sentence"


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


@dataclass(frozen=True)
class Citation:
    """A numbered reference from an answer to a passage (document offsets)."""

    n: int
    doc_id: str
    section: tuple[str, ...]
    start: int
    end: int
    text: str


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
