"""Load a corpus folder: each file through its format's reader (qa.readers) into a Document.

Per file: a size check from the file system before reading (a warning over the soft limit, a
refusal over the hard one), the reader (held to the other limits of ``qa.limits.Limits`` before the
work they bound), a check that some body text is left and that it is within ``max_chars``. A file that fails is
skipped with its reason; the others still load.
"""
from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CorpusError
from .limits import CHARS_PER_SECOND, MB, Limits  # noqa: F401  (Limits is public here too)
from .periods import document_years
from .places import region_of
from .readers import READER_VERSIONS, SUFFIXES, format_of, read, unsupported_reason
from .readers.text import clean_text, decode  # noqa: F401  (public helpers, kept importable here)
from .types import Document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class Corpus:
    """What :func:`scan_corpus` found: documents, a content hash per document id, skipped files
    with their reasons, and warnings about the loaded ones."""

    documents: tuple[Document, ...]
    fingerprints: dict[str, str] = field(default_factory=dict)
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()


def title_of(text: str, fallback: str) -> str:
    """The document title: its first line when it looks like one, else ``fallback``."""
    first = text.split("\n", 1)[0].lstrip("#").strip()
    return first if 0 < len(first) <= 120 and not first.endswith("。") else fallback


def fingerprint(data: bytes, fmt: str = "txt") -> str:
    """The content hash of a file as read by the reader of ``fmt`` (its version included: a reader
    that changes its output makes indexes built with the old one stale)."""
    return hashlib.sha256(b"qa-readers-%d\0" % READER_VERSIONS.get(fmt, 0) + data).hexdigest()


def has_body(text: str, headings=()) -> bool:
    """Whether the text has a line that is not a heading (else it yields no passage)."""
    from .structure import parse
    return any(not p.heading for p in parse(text, headings))


def read_document(path: Path, doc_id: str, limits: Limits) -> tuple[Document, str, list[str]]:
    """One file to a Document, with its content hash and warnings. Raises CorpusError (the reason
    names the file) when it is too big, unreadable, garbled or without body text."""
    warnings = []
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CorpusError(f"{doc_id}: cannot read ({exc.strerror or exc})") from None
    note = limits.check_size(size, doc_id)
    if note:
        warnings.append(note)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{doc_id}: cannot read ({exc.strerror or exc})") from None
    try:
        reading = read(data, doc_id, limits)
    except CorpusError:
        raise
    except Exception as exc:  # a file no reader foresaw: skip it with the reason, keep the rest
        log.debug("reading %s failed", doc_id, exc_info=True)
        raise CorpusError(f"{doc_id}: 无法读取（{type(exc).__name__}: {exc}）；文件可能已损坏") from None
    warnings += reading.warnings
    if not reading.text:
        raise CorpusError(f"{doc_id}: no text（文件中没有文字）")
    if not has_body(reading.text, reading.headings):
        raise CorpusError(f"{doc_id}: 只有标题，没有正文段落")
    note = limits.check_text(len(reading.text), doc_id)
    if note:
        warnings.append(note)
    title = title_of(reading.text, reading.title or path.stem)
    years = document_years(title, reading.text)
    doc = Document(id=doc_id, title=title, text=reading.text, path=str(path), format=format_of(path.name) or "",
                   source=path.name, report_year=years.report_year, plan_year=years.plan_year,
                   headings=reading.headings, genre=years.genre, region=region_of(title, reading.text))
    return doc, fingerprint(data, doc.format), warnings


def _page_asset(root: Path, path: Path) -> bool:
    """Whether ``path`` lies in the "NAME_files" folder a browser saves beside NAME.html."""
    folder = path.parent
    while folder != root and folder.is_relative_to(root):
        stem = folder.name.removesuffix("_files")
        if stem != folder.name and any((folder.parent / f"{stem}{ext}").is_file() for ext in (".html", ".htm")):
            return True
        folder = folder.parent
    return False


def corpus_files(folder: str | Path) -> list[Path]:
    """The loadable files of a corpus folder, sorted; unsupported files are skipped with a warning,
    and so are symbolic links that lead outside the folder (a corpus never reads beyond its root).
    Hidden files and the "NAME_files" folder of a web page saved as NAME.html are passed over."""
    root = Path(folder)
    if not root.is_dir():
        raise CorpusError(f"corpus folder not found: {root}")
    real_root = root.resolve()
    files = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if any(part.startswith(".") for part in path.relative_to(root).parts) or _page_asset(root, path):
            continue
        real = path.resolve()
        if not real.is_relative_to(real_root):
            log.warning("skipping %s: it links to %s, outside the corpus folder", path, real)
            continue
        if path.suffix.lower() in SUFFIXES:
            files.append(path)
        else:
            log.warning("skipping %s: %s", path, unsupported_reason(path.name))
    return files


def scan_corpus(folder: str | Path, limits: Limits | None = None) -> Corpus:
    """Read every file of ``folder``; a file that fails is skipped with its reason, a file whose
    bytes repeat an earlier one is skipped too. Raises CorpusError only for a missing folder."""
    limits = limits or Limits.from_env()
    root = Path(folder)
    docs: list[Document] = []
    prints: dict[str, str] = {}
    skipped: list[Skipped] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for path in corpus_files(root):
        doc_id = path.relative_to(root).as_posix()
        try:
            doc, digest, notes = read_document(path, doc_id, limits)
        except CorpusError as exc:
            skipped.append(Skipped(doc_id, str(exc)))
            continue
        if digest in seen:
            skipped.append(Skipped(doc_id, f"same content as {seen[digest]}"))
            continue
        seen[digest] = doc_id
        prints[doc_id] = digest
        docs.append(doc)
        warnings += notes
    return Corpus(tuple(docs), prints, tuple(skipped), tuple(warnings))


def load_corpus(folder: str | Path, limits: Limits | None = None) -> tuple[list[Document], dict[str, str]]:
    """Load and clean every document of ``folder``.

    Returns the documents and a content hash per document id. Skipped files and warnings are
    logged. Raises CorpusError for a missing folder or when no document could be loaded.
    """
    corpus = scan_corpus(folder, limits)
    for s in corpus.skipped:
        log.warning("skipping %s", s.reason if s.reason.startswith(s.path) else f"{s.path}: {s.reason}")
    for w in corpus.warnings:
        log.warning("%s", w)
    if not corpus.documents:
        why = "; ".join(s.reason for s in corpus.skipped[:5])
        raise CorpusError(f"no documents in {folder} (supported: {', '.join(SUFFIXES)})"
                          + (f": {why}" if why else ""))
    return list(corpus.documents), corpus.fingerprints


def corpus_state(folder: str | os.PathLike) -> tuple:
    """Names, sizes and modification times of the files under ``folder``: cheap to take and compare
    (a stat per file, no reading), so a running app can check it on every request."""
    root = Path(folder)
    try:
        paths = sorted(p for p in root.rglob("*") if not p.name.startswith("."))
        out = []
        for p in paths:
            st = p.stat()
            if p.is_file():
                out.append((p.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns))
        return tuple(out)
    except OSError:
        return ("unreadable",)
