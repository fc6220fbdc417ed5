"""The document reader: a whole document as one page, with its outline, scrolled to a passage.

Built from offsets only: ``start``/``end`` of the passage and the answering sentences' ranges are
document offsets, the outline comes from :func:`qa.structure.parse`. Works for any document.
"""
from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files

from ..structure import parse
from ..types import Document
from .cards import esc, section_path

__all__ = ["parse_offset", "parse_marks", "reader_page", "not_found_page"]

_CSS = files(__package__).joinpath("static", "reader.css")


MAX_MARKS = 50


def parse_offset(value: str | None, limit: int) -> int:
    """A document offset from the URL: ASCII digits (not "²", "٣" or a 5,000-digit number) within
    ``[0, limit]``, else -1 (ignored, as anything malformed)."""
    if not value or len(value) > len(str(limit)) or not (value.isascii() and value.isdigit()):
        return -1
    n = int(value)
    return n if n <= limit else -1


def parse_marks(value: str | None, limit: int) -> tuple[tuple[int, int], ...]:
    """``"a-b,c-d"`` as ranges inside ``[0, limit]`` (at most MAX_MARKS); anything malformed is ignored."""
    out = []
    for part in (value or "").split(",", MAX_MARKS)[:MAX_MARKS]:
        a, _, b = part.partition("-")
        a, b = parse_offset(a, limit), parse_offset(b, limit)
        if 0 <= a < b:
            out.append((a, b))
    return tuple(out)


def _runs(text: str, offset: int, passage: tuple[int, int], marks: Sequence[tuple[int, int]],
          anchor: list[bool]) -> str:
    """``text`` (at document ``offset``) with the passage wrapped and the marks in ``<mark>``."""
    n = len(text)
    cuts = {0, n}
    for a, b in (passage, *marks):
        cuts.update(x - offset for x in (a, b) if 0 < x - offset < n)
    out, edges = [], sorted(cuts)
    for i, j in zip(edges, edges[1:]):
        pos = offset + i
        piece = esc(text[i:j])
        if any(a <= pos < b for a, b in marks):
            piece = f"<mark>{piece}</mark>"
        if passage[0] <= pos < passage[1]:
            ident = ' id="qa-here"' if not anchor[0] else ""
            anchor[0] = True
            piece = f'<span class="passage"{ident}>{piece}</span>'
        out.append(piece)
    return "".join(out)


def reader_page(doc: Document, start: int = -1, end: int = -1,
                marks: Sequence[tuple[int, int]] = ()) -> str:
    """The reader page for ``doc``; ``[start, end)`` is the passage, ``marks`` answering sentences."""
    text = doc.text
    passage = (start, end) if 0 <= start < end <= len(text) else (-1, -1)
    paragraphs = parse(text, getattr(doc, "headings", ()))
    outline, body, anchor, here = [], [], [False], ""
    for p in paragraphs:
        line = text[p.start:p.end]
        if p.heading:
            level = min(len(p.section), 4)
            outline.append(f'<li class="lv{level}"><a href="#h{p.start}">{esc(p.section[-1])}</a></li>')
            body.append(f'<h{level + 1} id="h{p.start}">{_runs(line, p.start, passage, marks, anchor)}'
                        f'</h{level + 1}>')
        else:
            if p.start <= passage[0] < p.end + 1 and not here:
                here = section_path(p.section)
            body.append(f'<p id="p{p.start}">{_runs(line, p.start, passage, marks, anchor)}</p>')
    where = ""
    if passage[0] >= 0:
        where = (f'<p class="where" role="note">引用段落位于：{esc(here or "正文")}'
                 f'（第 {passage[0]}–{passage[1]} 字）。黄色为回答所依据的句子。</p>')
    nav = ""
    if outline:
        nav = ('<details class="outline" open><summary>目录</summary><nav aria-label="目录"><ol>'
               + "".join(outline) + "</ol></nav></details>")
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(doc.title)} · 原文</title><style>{_CSS.read_text(encoding='utf-8')}</style></head>"
        f'<body><header><p class="kicker">报告原文</p><h1>{esc(doc.title)}</h1>{where}</header>'
        f'<div class="layout">{nav}<main><article>{"".join(body)}</article></main></div></body></html>'
    )


def not_found_page(message: str) -> str:
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>未找到文档</title>'
            f'<style>{_CSS.read_text(encoding="utf-8")}</style></head>'
            f'<body><header><h1>未找到文档</h1><p class="where">{esc(message)}</p></header></body></html>')
