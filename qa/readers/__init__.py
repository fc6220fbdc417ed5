"""One reader per file format behind one interface: bytes in, cleaned text and blocks out.

Every reader is a pure function ``read(data: bytes, name: str) -> Reading``. The cleaned text has
one block (paragraph, heading or table row) per line, so ``Reading.text[b.start:b.end]`` is each
block's text exactly, and every later offset (chunks, hits, citations) indexes into that text.
"""
from __future__ import annotations

from pathlib import PurePath
from typing import Callable

from ..errors import CorpusError
from .common import Block, Reading, assemble

READER_VERSION = 2  # bump when a reader's output changes for the same bytes (stales indexes)

FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".docx": "docx", ".pdf": "pdf",
           ".html": "html", ".htm": "html"}
SUFFIXES = tuple(FORMATS)


def format_of(name: str) -> str | None:
    """The format name ("txt", "md", "docx", "pdf", "html") of a file name, or None."""
    return FORMATS.get(PurePath(name).suffix.lower())


def _reader(fmt: str) -> Callable[[bytes, str], Reading]:
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


def read(data: bytes, name: str) -> Reading:
    """Read one file's bytes by the format its ``name`` says. Raises CorpusError with a message
    that names the file and, where there is one, the fix."""
    fmt = format_of(name)
    if fmt is None:
        raise CorpusError(f"{name}: 不支持的文件类型（支持：{', '.join(SUFFIXES)}）")
    return _reader(fmt)(data, name)


__all__ = ["Block", "Reading", "assemble", "read", "format_of", "FORMATS", "SUFFIXES", "READER_VERSION"]
