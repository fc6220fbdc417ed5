"""Parse a cleaned document into paragraphs that know their section path.

Levels, outermost first: 一、 parts; ——“…” markers; （一）/(一） sections; 1. items; and the short
lead sentence that opens a paragraph and acts as its sub-heading ("持续深化与北三县一体化发展。").
Web text often loses the numbers of a report's parts: a short line of its own without a clause
mark that names a period ("2026年重点工作", "“十四五”时期工作回顾") is a part too.
Markdown ``#`` headings map onto the same levels by their depth.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

_LEVELS = (
    (0, re.compile(r"^[一二三四五六七八九十]+、\S")),
    (1, re.compile(r"^——“")),
    (2, re.compile(r"^[（(][一二三四五六七八九十]+[）)]\S")),
    (3, re.compile(r"^\d{1,2}[.．、](?!\d)\s*\S")),
)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
# an unnumbered part: a period named (a year, a five-year plan) in a short line with no clause mark
_TITLE_WORD = re.compile(r"报告|公报|纲要|草案")
_PERIOD_PART = re.compile(r"^(?=[^，,；;：:。！？!?、]{4,30}$)(?=.*(?:(?:19|20)\d\d年|十[一二三四五六七八九]?五))")
_SENTENCE_END = re.compile(r"[。！？!?]")
SENTENCE_ENDS = "。！？；!?;"  # where index sentences end (；too: report sentences run long)
FULL_STOPS = "。！？!?"  # where sentences end as a reader reads them
CLAUSE_ENDS = "，,；;：:。！？!?"
MIN_SENTENCE = 8
MAX_HEADING = 60
MAX_LEAD = 20
MIN_LEAD_PARAGRAPH = 100


@dataclass(frozen=True)
class Paragraph:
    """One line of the cleaned text: ``text[start:end]``; ``heading`` lines only name sections."""

    start: int
    end: int
    section: tuple[str, ...]
    lead: str = ""
    heading: bool = False


def heading_level(line: str) -> int | None:
    """The outline level of a heading line, or None for body text."""
    md = _MD_HEADING.match(line)
    if md:
        return min(len(md.group(1)) - 1, 3)
    if len(line) > MAX_HEADING:
        return None
    for level, pattern in _LEVELS:
        if pattern.match(line):
            # a marker line is a heading only when it is one sentence (not a "——item；" list line)
            if level == 1 and line.rstrip("。").count("。") > 0:
                return None
            return level
    if _PERIOD_PART.match(line.strip()) and not re.search(r"\d", re.sub(r"\d{4}年", "", line)) \
            and not _TITLE_WORD.search(line):
        return 0  # (no figure in it: "2025年新增就业45万人" is a statement; nor the report's title)
    return None


def heading_title(line: str) -> str:
    """A heading as shown in a section path: markdown hashes and end punctuation dropped,
    half-width brackets of （一） numbers made full-width."""
    md = _MD_HEADING.match(line)
    title = md.group(2) if md else line
    title = re.sub(r"^\(([一二三四五六七八九十]+)[）)]", r"（\1）", title)
    return title.rstrip("。；;:：").strip()


def lead_sentence(line: str) -> str:
    """The short opening sentence of a long paragraph that works as its sub-heading, or ""."""
    if len(line) < MIN_LEAD_PARAGRAPH:
        return ""
    m = _SENTENCE_END.search(line)
    if m and m.end() <= MAX_LEAD + 1 and not re.search(r"\d", line[: m.end()]):
        return line[: m.end()]
    return ""


def parse(text: str, headings: Iterable[tuple[int, int]] = ()) -> list[Paragraph]:
    """Split ``text`` into paragraphs (lines) with their section paths. ``headings`` are
    (line start, level) of lines the source file marks as headings (a .docx heading style); a
    numbered heading keeps the level of its number."""
    styled = dict(headings)
    out: list[Paragraph] = []
    path: list[tuple[int, str]] = []  # (level, title)
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        level = heading_level(line)
        if level is None and start in styled and len(line) <= MAX_HEADING:
            level = styled[start]
        if level is not None:
            path = [(lv, t) for lv, t in path if lv < level] + [(level, heading_title(line))]
            out.append(Paragraph(start, end, tuple(t for _, t in path), heading=True))
            continue
        lead = lead_sentence(line)
        section = tuple(t for _, t in path) + ((heading_title(lead),) if lead else ())
        out.append(Paragraph(start, end, section, lead=lead))
    return out


def sentence_spans(text: str, offset: int = 0, *, ends: str = SENTENCE_ENDS,
                   min_len: int = MIN_SENTENCE) -> list[tuple[int, int]]:
    """The one sentence splitter: ranges of ``text`` (plus ``offset``) ending after a run of
    ``ends`` and any closing quote or bracket; a piece shorter than ``min_len`` is merged into
    the next (the last into the one before). ``ends=CLAUSE_ENDS`` gives clauses."""
    pattern = re.compile(rf".*?(?:[{re.escape(ends)}]+[”’）)]*|$)", re.S)
    spans: list[tuple[int, int]] = []
    pending = None
    for m in pattern.finditer(text):
        if m.start() == m.end():
            continue
        s, e = m.start(), m.end()
        if pending is not None:
            s = pending
            pending = None
        if e - s < min_len and e < len(text):
            pending = s
            continue
        spans.append((offset + s, offset + e))
    if pending is not None:
        if spans:
            spans[-1] = (spans[-1][0], offset + len(text))
        else:
            spans.append((offset + pending, offset + len(text)))
    return spans
