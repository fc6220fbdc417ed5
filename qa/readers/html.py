"""Web pages (e.g. a government site's page saved from a browser): the main text only.

trafilatura (Apache-2.0) finds the main content and drops navigation, footers and boilerplate;
its XML output keeps headings, paragraphs, list items and tables, which become blocks here.
"""
from __future__ import annotations

import logging

from ..errors import CorpusError
from ..limits import MB, Limits
from .common import Reading, assemble, clean_line, table_lines
from .furniture import furniture
from .text import decode

logging.getLogger("trafilatura").setLevel(logging.ERROR)


def _text(el) -> str:
    return clean_line("".join(el.itertext()))


def _items(el, title: str):
    """(kind, line, level) items of trafilatura's XML element tree, in document order."""
    for child in el:
        tag = child.tag
        if tag == "head":
            text = _text(child)
            rend = child.get("rend", "h2")
            depth = int(rend[1]) - 1 if len(rend) == 2 and rend[1].isdigit() else 1
            # the page's own title stays a body line, as the title line of a .txt does
            yield ("paragraph", text, None) if text == title else ("heading", text, min(depth, 3))
        elif tag == "table":
            rows = [[_text(c) for c in row.iter("cell")] for row in child.iter("row")]
            width = max((len(r) for r in rows), default=0)
            rows = [r + [""] * (width - len(r)) for r in rows]
            yield from (("row", line, None) for line in table_lines(rows))
        elif tag == "list":
            yield from (("paragraph", _text(item), None) for item in child.iter("item"))
        elif tag in ("p", "quote", "code"):
            yield ("paragraph", _text(child), None)
        elif len(child):
            yield from _items(child, title)
        else:
            yield ("paragraph", _text(child), None)


def read(data: bytes, name: str, limits: Limits) -> Reading:
    limits.check(name, "max_html_mb", len(data) / MB)  # trafilatura's time grows with the page
    import trafilatura
    from lxml import etree

    page = decode(data, name)
    xml = trafilatura.extract(page, output_format="xml", include_tables=True, include_comments=False,
                              include_formatting=False, favor_recall=True, with_metadata=True)
    if not xml:
        raise CorpusError(f"{name}: 网页中没有找到正文；请在浏览器中复制正文另存为 .txt")
    root = etree.fromstring(xml.encode("utf-8"))
    title = clean_line(root.get("title") or "")
    main = root.find("main")
    items = list(_items(main if main is not None else root, title))
    # what trafilatura left of the page's furniture; the title heads the lines furniture() reads
    lines = [line for _kind, line, _level in items]
    first = 0 if lines and lines[0] == title else 1
    drop = furniture(([] if first == 0 else [title]) + lines)
    return assemble((item for i, item in enumerate(items, first) if i not in drop), title=title)
