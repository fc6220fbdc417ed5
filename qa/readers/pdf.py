"""Text PDFs with pypdfium2: lines with their geometry, page furniture dropped, paragraphs re-joined.

Ruled tables (on pages that draw lines) are found with pdfplumber and read as rows of "列名：值".
The heart is pure: ``paragraphs(pages)`` takes each page's lines (text, left, right, top, bottom,
font size) and returns the paragraphs — headers, footers and page numbers removed, lines wrapped
inside a paragraph joined without spaces between CJK characters; ``blocks(pages)`` marks the
short lines set larger than the body as headings. A paragraph starts where a line
is indented, the line before it ends short (a centred title in a larger font
excepted), the font size changes or the gap between lines grows.
"""
from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from ..errors import CorpusError
from ..limits import MB, Limits
from .common import Reading, assemble, clean_line, table_lines
from .pdfsize import content_bytes, repeated_pages

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Line:
    """One printed line; coordinates in points, y growing upwards (PDF space)."""

    text: str
    left: float
    right: float
    top: float
    bottom: float
    size: float
    table: bool = False  # a ruled table: ``text`` holds its rows, one per line


@dataclass(frozen=True)
class Page:
    lines: tuple[Line, ...]
    width: float
    height: float


_PAGE_NUMBER = re.compile(
    r"^[-－—–·•\s]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:(?:[/／]|of|共)\s*\d{1,4}\s*(?:页)?)?[-－—–·•\s]*$"
    r"|^(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_MARGIN = 0.12          # top/bottom share of the page where headers and footers live
_ASCII_WORD = re.compile(r"[A-Za-z]")
_TOC_LINE = re.compile(r"(?:\.{4,}|…{2,}|·{4,}|-{4,})\s*\d{1,4}$")


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.replace(" ", ""))


def drop_furniture(pages: Sequence[Page]) -> list[list[Line]]:
    """Each page's lines without running headers/footers and page numbers: a line in the top or
    bottom margin that is a page number, is in a smaller font than the body, or whose text (digits
    aside) recurs on at least half the pages (and on two or more)."""
    def in_margin(line: Line, page: Page) -> bool:
        return line.bottom > page.height * (1 - _MARGIN) or line.top < page.height * _MARGIN

    counts = Counter()
    for page in pages:
        counts.update({_furniture_key(l.text) for l in page.lines if in_margin(l, page)})
    recurring = {k for k, n in counts.items() if n >= 2 and n >= len(pages) / 2}
    sizes = [l.size for p in pages for l in p.lines if not l.table]
    small = 0.75 * statistics.median(sizes) if sizes else 0.0  # a running header in a smaller font
    out = []
    for page in pages:
        out.append([l for l in page.lines
                    if l.table or not (in_margin(l, page) and (_PAGE_NUMBER.match(l.text.strip())
                                                                or _furniture_key(l.text) in recurring
                                                                or l.size < small))])
    return out


def _join(a: str, b: str) -> str:
    """Re-join a wrapped line: no space, except where Latin text wraps onto a Latin word."""
    if a and b and a[-1].isascii() and a[-1].isalnum() | (a[-1] in ".,;:!?)") and _ASCII_WORD.match(b[0]):
        return f"{a} {b}"
    return a + b


def _wrapped_title(prev: Line, line: Line, left: float, right: float, em: float) -> bool:
    """Whether ``line`` goes on a centred title in a larger font that wrapped onto it."""
    def centred(l: Line) -> bool:
        return abs((l.left - left) - (right - l.right)) < em

    return (abs(line.size - prev.size) < 0.05 * em and prev.size > 1.1 * em and centred(prev)
            and centred(line) and prev.right - prev.left >= 0.7 * (right - left)
            and 0 < prev.bottom - line.bottom < 2.5 * prev.size)


def paragraphs(pages: Sequence[Page]) -> list[str]:
    """The paragraphs of a document's pages, in reading order (see the module docstring)."""
    return [text for _kind, text, _level in blocks(pages)]


def blocks(pages: Sequence[Page]) -> list[tuple[str, str, int | None]]:
    """(kind, text, level) of each paragraph, heading or table row. A short paragraph after the
    first (the title) set in a font larger than the body's is a heading, the larger the higher
    (unless such lines are too many to be headings)."""
    paras, em = _paragraphs(pages)
    big = [i for i, (text, size) in enumerate(paras)
           if i > 0 and size > 1.15 * em and len(text) <= 60 and not text.endswith("。")]
    sizes = sorted({round(paras[i][1] * 2) / 2 for i in big}, reverse=True)
    heads = set(big) if len(big) <= 0.3 * len(paras) else set()
    return [("heading", text, min(sizes.index(round(size * 2) / 2), 3)) if i in heads
            else ("row" if size == 0 else "paragraph", text, None)
            for i, (text, size) in enumerate(paras)]


def _paragraphs(pages: Sequence[Page]) -> tuple[list[tuple[str, float]], float]:
    """(text, font size of its first line; 0 for a table row) per paragraph, and the body size."""
    kept = drop_furniture(pages)
    body = [l for ls in kept for l in ls if l.text.strip() and not l.table]
    if not body:
        return [(row, 0.0) for ls in kept for l in ls for row in l.text.split("\n") if row], 10.0
    em = statistics.median(l.size for l in body) or 10.0
    left = Counter(round(l.left) for l in body).most_common(1)[0][0]
    rights = sorted(l.right for l in body)
    right = rights[int(0.9 * (len(rights) - 1))] if len(rights) >= 20 else rights[-1]  # the text's right edge
    pitches = [a.bottom - b.bottom for ls in kept for a, b in zip(ls, ls[1:]) if 0 < a.bottom - b.bottom < 4 * em]
    pitch = statistics.median(pitches) if pitches else 1.5 * em
    out: list[tuple[str, float]] = []
    prev: Line | None = None
    prev_page = -1
    for p, lines in enumerate(kept):
        for line in lines:
            if line.table:
                out += [(row, 0.0) for row in line.text.split("\n") if row]
                prev = None
                continue
            text = clean_line(line.text)
            if not text or _TOC_LINE.search(text):  # a table-of-contents line repeats a heading
                continue
            if prev is not None and _wrapped_title(prev, line, left, right, em):
                out[-1] = (_join(out[-1][0], text), out[-1][1])
                prev, prev_page = line, p
                continue
            new = (prev is None
                   or line.left > left + 0.8 * em                       # first-line indent, centred
                   or prev.right < right - 2.0 * em                     # the line before ended short
                   or abs(line.size - prev.size) > 0.15 * em            # a heading or a note
                   or (p == prev_page and prev.bottom - line.bottom > 1.4 * pitch))  # a wider gap
            if new:
                out.append((text, line.size))
            else:
                out[-1] = (_join(out[-1][0], text), out[-1][1])
            prev, prev_page = line, p
    return out, em


_CID = re.compile(r"\(cid:\d+\)")


def garbled_reason(text: str) -> str | None:
    """Why extracted text is unusable, or None: glyphs without a Unicode mapping ((cid:…), U+FFFD,
    private-use characters) or mojibake (Latin-1 letters where Chinese text should be)."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return None
    n = len(chars)
    unmapped = len(_CID.findall(text)) * 6 + sum(
        1 for c in chars if c == "\ufffd" or "\ue000" <= c <= "\uf8ff" or (ord(c) < 32))
    if unmapped / n > 0.05:
        return f"{unmapped * 100 // n}% 的字符无法识别（字体缺少 Unicode 映射）"
    latin = sum(1 for c in chars if "\u00c0" <= c <= "\u024f")
    cjk = sum(1 for c in chars if "\u4e00" <= c <= "\u9fff")
    if latin / n > 0.15 and cjk / n < 0.2:
        return f"{latin * 100 // n}% 的字符是西文重音字母（编码错乱）"
    return None


def _with_tables(lines: list[Line], tables: list[Line]) -> list[Line]:
    """``lines`` with those inside a table's box replaced by the table, where its first line was."""
    for table in tables:
        inside = [i for i, l in enumerate(lines)
                  if table.bottom - 1 <= (l.top + l.bottom) / 2 <= table.top + 1
                  and l.right > table.left and l.left < table.right]
        at = inside[0] if inside else next((i for i, l in enumerate(lines) if l.top < table.bottom), len(lines))
        lines = [l for i, l in enumerate(lines) if i not in set(inside)]
        lines.insert(min(at, len(lines)), table)
    return lines


def _ruled_tables(data: bytes, page_index: int, textpage, height: float) -> list[Line]:
    """The ruled tables of a page, found by pdfplumber (MIT), their cells read by pdfium: one
    Line per table whose text is its rows as "列名：值" lines."""
    import pdfplumber
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    out = []
    with pdfplumber.open(io.BytesIO(data), pages=[page_index + 1]) as pdf:
        for table in pdf.pages[0].find_tables():
            rows = []
            for row in table.rows:
                cells = []
                for box in row.cells:
                    if box is None:  # covered by a merged cell: given once, in its first column
                        cells.append("")
                        continue
                    x0, top, x1, bottom = box
                    text = textpage.get_text_bounded(left=x0, bottom=height - bottom, right=x1, top=height - top)
                    cells.append(re.sub(r"\s*[\r\n]+\s*", "", text))
                rows.append(cells)
            x0, top, x1, bottom = table.bbox
            lines = table_lines(rows)
            if lines:
                out.append(Line("\n".join(lines), x0, x1, height - top, height - bottom, 0.0, table=True))
    return out


TABLE_OBJECTS = 5000  # a page drawing more objects is a chart, not a table: pdfminer would take long


def _pages(data: bytes, name: str, limits: Limits) -> tuple[list[Page], str]:
    """Each page's lines, and the title in the metadata. Before pdfium parses any page: the page
    count and the content streams' size (``qa.readers.pdfsize``) against ``limits``; while
    extracting: the characters."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise CorpusError(f"{name}: 无法打开 PDF（{exc}）；文件可能已损坏或加了密码") from None
    try:
        if len(pdf) > limits.max_pages:
            refusal = limits.refusal(name, "max_pages", len(pdf))
            if repeated_pages(data):
                refusal = CorpusError(f"{refusal}；它的各页内容完全相同（重复页面）")
            raise refusal
        content = content_bytes(data, int(limits.max_content_mb * MB))
        if content is not None:
            limits.check(name, "max_content_mb", content / MB)
        title = clean_line((pdf.get_metadata_dict().get("Title") or ""))
        pages = []
        extracted = 0
        for page in pdf:
            width, height = page.get_size()
            tp = page.get_textpage()
            extracted += tp.count_chars()
            limits.check(name, "max_chars", extracted)
            lines: list[Line] = []
            chars: list[str] = []
            boxes: list[tuple[float, float, float, float, float]] = []

            def flush():
                if chars and any(not c.isspace() for c in chars):
                    ink = [b for c, b in zip(chars, boxes) if not c.isspace()]
                    lines.append(Line("".join(chars), min(b[0] for b in ink), max(b[2] for b in ink),
                                      max(b[3] for b in ink), min(b[1] for b in ink),
                                      statistics.median(b[4] for b in ink)))
                chars.clear()
                boxes.clear()

            for i in range(tp.count_chars()):
                code = raw.FPDFText_GetUnicode(tp.raw, i)
                if code in (10, 13):
                    if code == 10:
                        flush()
                    continue
                ch = chr(code) if code else "\ufffd"
                l, b, r, t = tp.get_charbox(i, loose=True)
                if boxes and not ch.isspace() and not raw.FPDFText_IsGenerated(tp.raw, i):
                    last = next((x for c, x in zip(reversed(chars), reversed(boxes)) if not c.isspace()), None)
                    if last and (b >= last[3] or t <= last[1]):  # wholly above or below: a new line
                        flush()
                chars.append(ch)
                boxes.append((l, b, r, t, raw.FPDFText_GetFontSize(tp.raw, i) or (t - b)))
            flush()
            if not any(True for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=1)):
                pass  # no lines drawn: no ruled table
            elif raw.FPDFPage_CountObjects(page.raw) > TABLE_OBJECTS:
                log.warning("%s: page %d: tables not read (over %d objects)", name, len(pages) + 1, TABLE_OBJECTS)
            else:
                try:
                    lines = _with_tables(lines, _ruled_tables(data, len(pages), tp, height))
                except Exception as exc:  # pdfminer cannot parse it: the lines stay as they are
                    log.warning("%s: page %d: tables not read (%s)", name, len(pages) + 1, exc)
            pages.append(Page(tuple(lines), width, height))
            tp.close()
            page.close()
        return pages, title
    finally:
        pdf.close()


def repeated(pages: Sequence[Page]) -> bool:
    """Whether every page (two or more) prints the same lines, page numbers aside."""
    keys = {tuple(_furniture_key(l.text) for l in p.lines) for p in pages}
    return len(pages) >= 2 and len(keys) == 1 and keys != {()}


def read(data: bytes, name: str, limits: Limits) -> Reading:
    pages, title = _pages(data, name, limits)
    text = "\n".join(l.text for p in pages for l in p.lines)
    if not text.strip():
        raise CorpusError(f"{name}: PDF 中没有可提取的文字（可能是扫描件）；请先用 OCR 工具"
                          "（如 ocrmypdf）生成带文字层的 PDF，或改用原始的 .docx/.txt")
    reason = garbled_reason(text)
    if reason:
        raise CorpusError(f"{name}: PDF 文字提取乱码：{reason}；请改用原始的 .docx/.txt，"
                          "或用 OCR 工具（如 ocrmypdf --force-ocr）重新生成文字层")
    warnings = []
    if repeated(pages):  # its lines would all be taken for running headers: read the page once
        warnings.append(f"{name}: 全部 {len(pages)} 页内容相同（重复页面），只读取了第 1 页")
        pages = pages[:1]
    empty = [str(i + 1) for i, p in enumerate(pages) if not p.lines]
    if empty:
        warnings.append(f"{name}: 第 {'、'.join(empty[:10])} 页没有文字（可能是图片），已跳过")
    return assemble(blocks(pages), title=title, warnings=warnings)
