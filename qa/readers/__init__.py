"""One reader per file format behind one interface: bytes in, cleaned text and blocks out.

Every reader is a pure function ``read(data: bytes, name: str, limits: Limits) -> Reading``; it
checks the limits that bound its work (what a .docx decompresses to, a PDF's pages and content
streams, characters) before doing that work, and refuses past them with a CorpusError. The
cleaned text has one block (paragraph, heading or table row) per line, so
``Reading.text[b.start:b.end]`` is each block's text exactly, and every later offset (chunks,
hits, citations) indexes into that text.
"""
from __future__ import annotations

from pathlib import PurePath
from typing import Callable

from ..errors import CorpusError
from ..limits import Limits
from .common import Block, Reading, assemble

# bump a format's version when its reader's output changes for the same bytes (stales indexes)
READER_VERSIONS = {"txt": 3, "md": 3, "docx": 3, "pdf": 4, "html": 3}

FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".docx": "docx", ".pdf": "pdf",
           ".html": "html", ".htm": "html"}
SUFFIXES = tuple(FORMATS)


def format_of(name: str) -> str | None:
    """The format name ("txt", "md", "docx", "pdf", "html") of a file name, or None."""
    return FORMATS.get(PurePath(name).suffix.lower())


_CONVERT = {".doc": "请用 Word 或 WPS 另存为 .docx", ".wps": "请用 WPS 另存为 .docx", ".rtf": "请另存为 .docx",
            ".odt": "请另存为 .docx", ".mht": "请在浏览器中另存为 .html", ".mhtml": "请在浏览器中另存为 .html"}


def conversion_hint(name: str) -> str:
    """"；请…另存为 .docx" for a format that converts to a supported one, else ""."""
    hint = _CONVERT.get(PurePath(name).suffix.lower())
    return f"；{hint}" if hint else ""


def unsupported_reason(name: str) -> str:
    """Why a file name is not read, with how to convert it when that is known."""
    return f"unsupported file type (supported: {', '.join(SUFFIXES)})" + conversion_hint(name)


def _reader(fmt: str) -> Callable[[bytes, str, Limits], Reading]:
    # imported lazily: python-docx, pypdfium2 and trafilatura load only when a file needs them
    if fmt in ("txt", "md"):
        from . import text
        return text.read_markdown if fmt == "md" else text.read_text
    if fmt == "docx":
        from . import docx
        return docx.read
    if fmt == "pdf":
        from . import pdf
        return pdf.read
    if fmt == "html":
        from . import html
        return html.read
    raise CorpusError(f"{fmt}: 不支持的格式")


def read(data: bytes, name: str, limits: Limits | None = None) -> Reading:
    """Read one file's bytes by the format its ``name`` says, within ``limits`` (default: the
    defaults of ``qa.Limits``). Raises CorpusError with a message that names the file and, where
    there is one, the fix (or the limit and how to raise it)."""
    fmt = format_of(name)
    if fmt is None:
        raise CorpusError(f"{name}: {unsupported_reason(name)}")
    limits = limits or Limits()
    reading = _reader(fmt)(data, name, limits)
    limits.check(name, "max_chars", len(reading.text))
    return reading


__all__ = ["Block", "Reading", "assemble", "read", "format_of", "FORMATS", "SUFFIXES", "READER_VERSIONS",
           "unsupported_reason", "conversion_hint"]
