"""Plain text and Markdown: decode, clean conversion artefacts and web-page furniture (see
``qa.readers.furniture``), re-join a wrapped title block."""
from __future__ import annotations

import codecs
import logging
import re

from ..errors import CorpusError
from ..limits import Limits
from ..structure import FULL_STOPS
from .common import Reading, assemble
from .furniture import furniture

log = logging.getLogger(__name__)

_ARTEFACT = re.compile(r"\[bookmark:[^\]]*\]|\[(?:image|footnote|comment)[^\]]*\]")
_END_PUNCT = "。！？；：:;!?.…”）)"
_SENTENCE_END = tuple(FULL_STOPS)  # one notion of a sentence end: qa/structure.py
_WRAP_WIDTH = 16  # a header line at least this long without end punctuation was wrapped
_SESSION = re.compile(r"在[^，。]*(?:会议|大会)上$")  # a complete session line: ——2026年1月27日在…会议上
_MD_HEADING = re.compile(r"^(#{1,6})\s+\S")
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.．、](?!\d))")


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),  # before UTF-16's
          (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16/32 with a byte-order mark (Windows Notepad's
    "Unicode"); fall back to GB18030, the usual legacy Chinese encoding."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise CorpusError(f"{name}: 以 {codec.upper()} 字节顺序标记开头，但内容不是 {codec.upper()} 文本"
                                  f"（第 {exc.start} 字节）；请另存为 UTF-8 文本") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{name}: not UTF-8 or GB18030 text ({exc.reason} at byte {exc.start})；"
                          "请另存为 UTF-8 文本") from None
    log.warning("%s: not UTF-8, decoded as GB18030", name)
    return text


def clean_text(raw: str) -> str:
    """Normalise a converted document: one paragraph per line, no artefacts, header lines re-joined.

    Removes ``[bookmark: …]`` markers, zero-width and control characters, trailing spaces and blank
    lines; joins title/subtitle lines that the converter wrapped (header block only).
    """
    return _reading(raw, markdown=False).text


def _header_lines(lines: list[str]) -> list[str]:
    """Re-join wrapped lines of the header block (the lines before the first full paragraph).

    Never joined: a Markdown heading (either side), a numbered heading, a line that is a whole
    sentence (it ends with 。！？) — a title is never followed by its first paragraph.
    """
    out: list[str] = []
    wrapped = False
    in_header = True
    for line in lines:
        joinable = (not line.startswith("——") and not _MD_HEADING.match(line)
                    and not _NUMBERED.match(line) and not line.endswith(_SENTENCE_END))
        if out and wrapped and in_header and joinable:
            out[-1] += line
        else:
            out.append(line)
        in_header = in_header and not line.endswith(("。", "：", ":"))
        wrapped = (in_header and len(line) >= _WRAP_WIDTH and not line.endswith(tuple(_END_PUNCT))
                   and not _MD_HEADING.match(line) and not _SESSION.search(line))
    return out


def _reading(raw: str, markdown: bool) -> Reading:
    from .common import clean_line
    text = _ARTEFACT.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [ln for ln in (clean_line(x) for x in text.split("\n")) if ln]
    drop = furniture(lines)  # a web page's tool bars, source and date lines, captions
    lines = [ln for i, ln in enumerate(lines) if i not in drop]
    items = []
    for line in _header_lines(lines):
        md = _MD_HEADING.match(line) if markdown else None
        items.append(("heading", line, min(len(md.group(1)) - 1, 3)) if md else ("paragraph", line, None))
    title = next((ln.lstrip("#").strip() for ln in lines if _MD_HEADING.match(ln)), "") if markdown else ""
    return assemble(items, title=title)


def decode_within(data: bytes, name: str, limits: Limits) -> str:
    """``decode``, refusing a text of more than ``limits.max_chars`` characters (the file's size
    cap bounds the decoding)."""
    text = decode(data, name)
    limits.check(name, "max_chars", len(text))
    return text


def read_text(data: bytes, name: str, limits: Limits) -> Reading:
    return _reading(decode_within(data, name, limits), markdown=False)


def read_markdown(data: bytes, name: str, limits: Limits) -> Reading:
    return _reading(decode_within(data, name, limits), markdown=True)
