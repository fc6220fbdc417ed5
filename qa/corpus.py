"""Load source documents and clean conversion artefacts (pure ``clean_text`` at the heart)."""
from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from pathlib import Path

from .errors import CorpusError
from .types import Document

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")
_ARTEFACT = re.compile(r"\[bookmark:[^\]]*\]|\[(?:image|footnote|comment)[^\]]*\]")
_INVISIBLE = "".join(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
_END_PUNCT = "。！？；：:;!?.…”）)"
_WRAP_WIDTH = 16  # a header line at least this long without end punctuation was wrapped


def clean_text(raw: str) -> str:
    """Normalise a converted document: one paragraph per line, no artefacts, header lines re-joined.

    Removes ``[bookmark: …]`` markers, zero-width and control characters, trailing spaces and blank
    lines; joins title/subtitle lines that the converter wrapped (header block only).
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = _ARTEFACT.sub("", text)
    text = "".join(
        ch for ch in text
        if ch == "\n" or (ch not in _INVISIBLE and unicodedata.category(ch) != "Cc")
    )
    lines = [ln.replace("\u3000", " ").replace("\xa0", " ").strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    return "\n".join(_join_header(lines))


def _join_header(lines: list[str]) -> list[str]:
    """Re-join wrapped lines of the header block (the lines before the first full paragraph)."""
    out: list[str] = []
    wrapped = False
    for i, line in enumerate(lines):
        in_header = not any(l.endswith(("。", "：", ":")) for l in lines[:i])
        if out and wrapped and in_header and not line.startswith("——"):
            out[-1] += line
        else:
            out.append(line)
        wrapped = in_header and len(line) >= _WRAP_WIDTH and not line.endswith(tuple(_END_PUNCT))
    return out


def title_of(text: str, fallback: str) -> str:
    """The document title: its first line when it looks like one, else ``fallback``."""
    first = text.split("\n", 1)[0].lstrip("#").strip()
    return first if 0 < len(first) <= 120 and not first.endswith("。") else fallback


def decode(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM); fall back to GB18030, the usual legacy Chinese encoding."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{name}: not UTF-8 or GB18030 text ({exc.reason} at byte {exc.start})") from None
    log.warning("%s: not UTF-8, decoded as GB18030", name)
    return text


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def corpus_files(folder: str | Path) -> list[Path]:
    """The loadable files of a corpus folder, sorted; unsupported files are skipped with a warning,
    and so are symbolic links that lead outside the folder (a corpus never reads beyond its root)."""
    root = Path(folder)
    if not root.is_dir():
        raise CorpusError(f"corpus folder not found: {root}")
    real_root = root.resolve()
    files = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name.startswith("."):
            continue
        real = path.resolve()
        if not real.is_relative_to(real_root):
            log.warning("skipping %s: it links to %s, outside the corpus folder", path, real)
            continue
        if path.suffix.lower() in SUFFIXES:
            files.append(path)
        else:
            log.warning("skipping %s: unsupported file type (supported: %s)", path, ", ".join(SUFFIXES))
    return files


def load_corpus(folder: str | Path) -> tuple[list[Document], dict[str, str]]:
    """Load and clean every document of ``folder``.

    Returns the documents and a fingerprint (sha256 of the raw bytes) per document id. Raises
    CorpusError for a missing or empty folder; a document whose bytes repeat an earlier one is
    skipped with a warning.
    """
    root = Path(folder)
    docs: list[Document] = []
    prints: dict[str, str] = {}
    seen: dict[str, str] = {}
    for path in corpus_files(root):
        doc_id = path.relative_to(root).as_posix()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CorpusError(f"{doc_id}: cannot read ({exc.strerror or exc})") from None
        digest = fingerprint(data)
        if digest in seen:
            log.warning("skipping %s: same content as %s", doc_id, seen[digest])
            continue
        text = clean_text(decode(data, doc_id))
        if not text:
            log.warning("skipping %s: no text", doc_id)
            continue
        seen[digest] = doc_id
        prints[doc_id] = digest
        docs.append(Document(id=doc_id, title=title_of(text, path.stem), text=text, path=str(path)))
    if not docs:
        raise CorpusError(f"no documents in {root} (supported: {', '.join(SUFFIXES)})")
    return docs, prints
