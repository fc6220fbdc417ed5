"""Split paragraphs into passages of at most ~200 characters (about 130 on average) with exact offsets.

Splitting uses langchain-text-splitters' recursive splitter with Chinese separators; passages never
cross a paragraph (hence never a section) boundary, and ``doc.text[start:end] == chunk.text``.
"""
from __future__ import annotations

from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .structure import Paragraph, parse
from .types import Chunk, Document

SEPARATORS = ("\n", "。", "！", "？", "；", "，", "、", "")


@dataclass(frozen=True)
class SplitterSettings:
    """Splitter parameters; they are recorded in the index manifest."""

    chunk_size: int = 200
    min_chunk: int = 40
    context: bool = True  # index the section path and lead sentence with each passage

    def as_dict(self) -> dict:
        return {"chunk_size": self.chunk_size, "min_chunk": self.min_chunk, "context": self.context,
                "separators": list(SEPARATORS)}


def _splitter(settings: SplitterSettings) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        separators=list(SEPARATORS), chunk_size=settings.chunk_size, chunk_overlap=0,
        keep_separator="end", strip_whitespace=False, length_function=len,
    )


def split_paragraph(text: str, settings: SplitterSettings = SplitterSettings()) -> list[tuple[int, int]]:
    """(start, end) ranges of the passages of one paragraph, covering it without gaps.

    A trailing piece shorter than ``min_chunk`` is merged into the passage before it.
    """
    pieces = _splitter(settings).split_text(text) if len(text) > settings.chunk_size else [text]
    ranges: list[tuple[int, int]] = []
    cursor = 0
    for piece in pieces:
        at = text.find(piece, cursor)
        if at < 0:  # the splitter never rewrites text; guard anyway
            raise ValueError("splitter returned text that is not in the paragraph")
        ranges.append((cursor, at + len(piece)))
        cursor = at + len(piece)
    if ranges and cursor < len(text):
        ranges[-1] = (ranges[-1][0], len(text))
    if len(ranges) > 1 and ranges[-1][1] - ranges[-1][0] < settings.min_chunk:
        ranges[-2:] = [(ranges[-2][0], ranges[-1][1])]
    return ranges


def context_of(paragraph: Paragraph) -> str:
    """What is indexed beside a passage: its section path (lead sentence included)."""
    return " ".join(paragraph.section)


def chunk_document(doc: Document, settings: SplitterSettings = SplitterSettings()) -> list[Chunk]:
    """All passages of a document, in reading order; heading lines are context, not passages."""
    chunks: list[Chunk] = []
    for para in parse(doc.text, doc.headings):
        if para.heading:
            continue
        body = doc.text[para.start:para.end]
        context = context_of(para) if settings.context else ""
        for s, e in split_paragraph(body, settings):
            start, end = para.start + s, para.start + e
            chunks.append(Chunk(doc_id=doc.id, section=para.section, start=start, end=end,
                                text=doc.text[start:end], paragraph=(para.start, para.end),
                                context=context))
    return chunks
