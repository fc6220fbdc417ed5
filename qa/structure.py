"""Parse a cleaned document into paragraphs that know their section path.

Levels, outermost first: 一、 parts; ——“…” markers; （一）/(一） sections; 1. items; and the short
lead sentence that opens a paragraph and acts as its sub-heading ("持续深化与北三县一体化发展。").
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
_SENTENCE_END = re.compile(r"[。！？!?]")
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


_YEAR = re.compile(r"(19|20)\d{2}")
_DONE_WORDS = ("执行情况", "完成情况", "工作总结", "回顾", "成效")
_PLAN_WORDS = ("计划", "目标", "措施", "安排", "任务", "展望")


def period(section: tuple[str, ...]) -> str | None:
    """Whether a passage reports results ("done") or sets plans ("plan"), from its top heading.

    "一、2023年…计划执行情况" → "done"; "二、2024年…主要目标", "三、实现2024年…主要措施" → "plan".
    """
    if not section:
        return None
    top = section[0]
    if any(w in top for w in _DONE_WORDS):
        return "done"
    if any(w in top for w in _PLAN_WORDS):
        return "plan"
    return None


def section_year(section: tuple[str, ...]) -> int | None:
    """The year named in a passage's top heading, if any."""
    m = _YEAR.search(section[0]) if section else None
    return int(m.group(0)) if m else None
