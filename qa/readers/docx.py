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
from ..limits import MB, Limits
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


_CONTENT_TYPES_MAX = 1 * MB  # [Content_Types].xml: a list of part types, a few KB in a real file


def _invalid(name: str, exc: Exception) -> CorpusError:
    return CorpusError(f"{name}: 不是有效的 .docx 文件（{exc}）；请用 Word 或 WPS 打开后另存为 .docx")


def check_parts(data: bytes, name: str, limits: Limits) -> None:
    """Refuse a .docx whose parts decompress past ``limits`` (``max_unzipped_mb`` for all parts,
    ``max_xml_mb`` for the XML parts python-docx parses), read from the sizes its zip directory
    declares, before anything is decompressed (zipfile never reads past a declared size). A part is
    XML by its type in [Content_Types].xml, so a renamed part cannot pass for an image."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            limits.check(name, "max_unzipped_mb", sum(i.file_size for i in infos) / MB)
            types = next((i for i in infos if i.filename == "[Content_Types].xml"), None)
            if types is None or types.file_size > _CONTENT_TYPES_MAX:
                raise zipfile.BadZipFile("缺少或过大的 [Content_Types].xml")
            from lxml import etree
            root = etree.fromstring(z.read(types), etree.XMLParser(resolve_entities=False, no_network=True))
    except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError, OSError, EOFError) as exc:
        raise _invalid(name, exc) from None
    defaults = {el.get("Extension", "").lower(): el.get("ContentType", "") for el in root if el.tag.endswith("Default")}
    overrides = {el.get("PartName", "").lstrip("/"): el.get("ContentType", "") for el in root if el.tag.endswith("Override")}

    def is_xml(part: str) -> bool:
        kind = overrides.get(part) or defaults.get(part.rpartition(".")[2].lower(), "xml")
        return kind.endswith("xml")

    limits.check(name, "max_xml_mb", sum(i.file_size for i in infos if is_xml(i.filename)) / MB)


def _blocks(document):
    """The body's paragraphs and tables in order, as python-docx's ``iter_inner_content`` gives
    them, less the paragraphs without text (they give no block, nor a list number): passed over
    on the XML, so a million empty paragraphs cost no python-docx object each."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = document._body
    # selected by libxml2: a Python object is made only for what is kept
    for el in body._element.xpath("./w:p[.//w:t[normalize-space()]] | ./w:tbl"):
        yield Table(el, body) if el.tag == f"{_W}tbl" else Paragraph(el, body)


def read(data: bytes, name: str, limits: Limits) -> Reading:
    check_parts(data, name, limits)
    try:
        import docx
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError) as exc:  # lxml's XMLSyntaxError too
        raise _invalid(name, exc) from None
    from docx.table import Table

    from .numbering import Numbering, paragraph_style

    # the text's length in one pass over the XML, before python-docx's per-paragraph work
    limits.check(name, "max_chars", sum(len(t.text or "") for t in document.element.body.iter(f"{_W}t")))
    numbering = Numbering(document)
    items: list[tuple[str, str, int | None]] = []
    title = clean_line(document.core_properties.title or "")
    chars = 0
    for block in _blocks(document):
        if isinstance(block, Table):
            rows = _grid_rows(block)
            lines = table_lines(rows, header=_header(rows)) if rows else []
            items += [("row", line, None) for line in lines]
            chars += sum(map(len, lines))
            limits.check(name, "max_chars", chars)
            continue
        text = block.text
        if not text.strip():  # e.g. only ideographic spaces: no block, no list number
            continue
        chars += len(text)
        limits.check(name, "max_chars", chars)
        style = paragraph_style(block)
        style = style.name if style is not None else ""
        if style.lower().startswith("toc"):  # a table of contents repeats the headings: left out
            continue
        if style.lower() == "title" and not title:
            title = clean_line(text)
        level = heading_level(style, _outline_level(block))
        text = numbering.label(block) + text
        items.append(("heading", text, level) if level is not None else ("paragraph", text, None))
    reading = assemble(items, title=title)
    if not reading.text:
        raise CorpusError(f"{name}: 文档中没有文字")
    return reading
