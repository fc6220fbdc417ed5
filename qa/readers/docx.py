"""Word .docx with python-docx: paragraphs and tables in document order.

Headings come from heading styles ("Heading 2", "标题 2") or an outline level; numbered headings
in the Normal style (一、/（一）/1./（1）, typed or Word's automatic numbering, rendered by
qa.readers.numbering) are found later by qa.structure, as in .txt.
Tables become one line per row, "列名：值，…", a merged cell given once.
"""
from __future__ import annotations

import io
import re
import zipfile

from ..errors import CorpusError
from .common import Reading, assemble, clean_line, table_lines
from .numbering import paragraph_property

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _outline_level(paragraph) -> int | None:
    """The outline level (0 = top) set on the paragraph or its style chain, else None."""
    lvl = paragraph_property(paragraph, "outlineLvl")
    if lvl is None:
        return None
    value = int(lvl.get(f"{_W}val", "9"))
    return value if value < 9 else None  # 9 is "body text"


def heading_level(style_name: str, outline: int | None) -> int | None:
    """The qa.structure level of a styled heading: Heading 1 → 0, 2 → 1, 3 → 2, deeper → 3."""
    m = _HEADING_STYLE.match(style_name.strip())
    depth = int(m.group(1)) - 1 if m else outline
    return None if depth is None else min(depth, 3)


def _grid_rows(table) -> list[list[str]]:
    """The table's rows on its column grid: a cell spanning columns gives its text once, in its
    first column; a vertically merged cell gives it in its first row only."""
    from docx.table import _Cell

    rows = []
    for tr in table._tbl.tr_lst:
        row: list[str] = []
        for tc in tr.tc_lst:
            text = "" if tc.vMerge == "continue" else _Cell(tc, table).text
            row += [text] + [""] * (tc.grid_span - 1)
        rows.append(row)
    return rows


def _header(rows: list[list[str]]) -> list[str]:
    """Column names: the first row, a spanning name carried over the columns it spans."""
    names, last = [], ""
    for value in rows[0]:
        last = value or last
        names.append(last)
    return names


def read(data: bytes, name: str) -> Reading:
    try:
        import docx
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError) as exc:  # lxml's XMLSyntaxError too
        raise CorpusError(f"{name}: 不是有效的 .docx 文件（{exc}）；请用 Word 或 WPS 打开后另存为 .docx") from None
    from docx.table import Table

    from .numbering import Numbering

    numbering = Numbering(document)
    items: list[tuple[str, str, int | None]] = []
    title = clean_line(document.core_properties.title or "")
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            rows = _grid_rows(block)
            if rows:
                items += [("row", line, None) for line in table_lines(rows, header=_header(rows))]
            continue
        style = block.style.name if block.style is not None else ""
        if style.lower().startswith("toc"):  # a table of contents repeats the headings: left out
            continue
        if style.lower() == "title" and not title:
            title = clean_line(block.text)
        level = heading_level(style, _outline_level(block))
        text = numbering.label(block) + block.text if block.text.strip() else block.text
        items.append(("heading", text, level) if level is not None else ("paragraph", text, None))
    reading = assemble(items, title=title)
    if not reading.text:
        raise CorpusError(f"{name}: 文档中没有文字")
    return reading
