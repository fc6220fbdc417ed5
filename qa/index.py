"""Build, save and load the index: passage and sentence vectors (FAISS) plus chunk records.

Layout of the index folder::

    index/CURRENT            name of the live version folder (replaced atomically)
    index/v-…/manifest.json  format, model, dimension, splitter settings, corpus and file checksums
    index/v-…/chunks.json    the passages and their sentence units (plain JSON, never pickle)
    index/v-…/passages.faiss, sentences.faiss            the main model's vectors
    index/v-…/xpassages.faiss, xsentences.faiss          the cross-lingual encoder's, when installed

A build writes a new version folder, then swaps CURRENT with ``os.replace``: a crash at any moment
leaves the previous index intact and live.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .chunking import SplitterSettings, chunk_document
from .embedding import Embedder, embed_for_index
from .errors import IndexFileError
from .types import Chunk, Document

FORMAT_VERSION = 1
_SENTENCE = re.compile(r".*?(?:[。！？；!?;]+[”’）)]*|$)", re.S)
MIN_SENTENCE = 8
FILES = ("chunks.json", "passages.faiss", "sentences.faiss")
CROSS_FILES = ("xpassages.faiss", "xsentences.faiss")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexData:
    """Everything search needs: chunks, their sentence units and both vector sets."""

    chunks: tuple[Chunk, ...]
    sentences: tuple[tuple[int, int, int], ...]  # (chunk index, start, end) in document offsets
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    manifest: dict
    cross_passage_vectors: np.ndarray | None = None   # cross-lingual (English queries), optional
    cross_sentence_vectors: np.ndarray | None = None

    @property
    def files(self) -> tuple[str, ...]:
        return FILES + (CROSS_FILES if self.cross_passage_vectors is not None else ())


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence ranges of ``text`` (split after 。！？；), short ones merged into the next."""
    spans: list[tuple[int, int]] = []
    pending = None
    for m in _SENTENCE.finditer(text):
        if m.start() == m.end():
            continue
        s, e = m.start(), m.end()
        if pending is not None:
            s = pending
            pending = None
        if e - s < MIN_SENTENCE and e < len(text):
            pending = s
            continue
        spans.append((offset + s, offset + e))
    if pending is not None:
        if spans:
            spans[-1] = (spans[-1][0], offset + len(text))
        else:
            spans.append((offset + pending, offset + len(text)))
    return spans


def passage_input(chunk: Chunk, context: bool) -> str:
    """The text embedded for a passage: its context (section path) and the passage."""
    return f"{chunk.context}：{chunk.text}" if context and chunk.context else chunk.text


def manifest_for(fingerprints: dict[str, str], embedder: Embedder, settings: SplitterSettings,
                 cross=None) -> dict:
    """The manifest fields an index must match to be reused (checksums are added on save)."""
    return {
        "format": FORMAT_VERSION,
        "model": embedder.name,
        "cross_model": cross.name if cross is not None else None,
        "query_prompt": embedder.query_prompt,
        "document_prompt": embedder.document_prompt,
        "splitter": settings.as_dict(),
        "corpus": dict(sorted(fingerprints.items())),
    }


def build_index(docs: Sequence[Document], fingerprints: dict[str, str], embedder: Embedder,
                settings: SplitterSettings = SplitterSettings(),
                progress: Callable[[int, int], None] | None = None, cross=None) -> IndexData:
    """Chunk every document and embed passages and sentences (also with ``cross``, a
    cross-lingual encoder, when given)."""
    chunks = tuple(c for d in docs for c in chunk_document(d, settings))
    sentences = tuple((i, s, e) for i, c in enumerate(chunks)
                      for s, e in sentence_spans(c.text, c.start))
    texts = [passage_input(c, settings.context) for c in chunks]
    doc_text = {d.id: d.text for d in docs}
    sent_texts = [doc_text[chunks[i].doc_id][s:e] for i, s, e in sentences]
    vectors = embed_for_index(embedder, texts, sent_texts, cross=cross,
                              cross_passages=[c.text for c in chunks], progress=progress)
    pv, sv, xpv, xsv = vectors.passages, vectors.sentences, vectors.cross_passages, vectors.cross_sentences
    manifest = manifest_for(fingerprints, embedder, settings, cross)
    manifest.update(dim=int(pv.shape[1]), n_chunks=len(chunks), n_sentences=len(sentences),
                    built=time.strftime("%Y-%m-%dT%H:%M:%S"))
    return IndexData(chunks, sentences, pv, sv, manifest, xpv, xsv)


# ---------------------------------------------------------------- persistence

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_faiss(vectors: np.ndarray, path: Path) -> None:
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(path))


def _read_faiss(path: Path) -> np.ndarray:
    import faiss

    index = faiss.read_index(str(path))
    return index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)


def save_index(data: IndexData, folder: str | Path) -> Path:
    """Write ``data`` as a new version under ``folder`` and make it live atomically."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
    try:
        records = {"chunks": [asdict(c) for c in data.chunks], "sentences": [list(s) for s in data.sentences]}
        (tmp / "chunks.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        _write_faiss(data.passage_vectors, tmp / "passages.faiss")
        _write_faiss(data.sentence_vectors, tmp / "sentences.faiss")
        if data.cross_passage_vectors is not None:
            _write_faiss(data.cross_passage_vectors, tmp / "xpassages.faiss")
            _write_faiss(data.cross_sentence_vectors, tmp / "xsentences.faiss")
        manifest = dict(data.manifest, checksums={f: _sha256(tmp / f) for f in data.files})
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        for f in (*data.files, "manifest.json"):
            with open(tmp / f, "rb") as fh:
                os.fsync(fh.fileno())
        version = root / f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{tmp.name[-6:]}"
        os.rename(tmp, version)
        pointer = root / f".CURRENT.{os.getpid()}"
        pointer.write_text(version.name, encoding="utf-8")
        os.replace(pointer, root / "CURRENT")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove_old_versions(root, keep=version.name)
    return version


def _remove_old_versions(root: Path, keep: str) -> None:
    for p in root.iterdir():
        if p.is_dir() and p.name != keep and (p.name.startswith("v-") or p.name.startswith(".build-")):
            shutil.rmtree(p, ignore_errors=True)
        elif p.is_file() and p.name.startswith(".CURRENT."):  # pointer left by a killed build
            p.unlink(missing_ok=True)


def current_version(folder: str | Path) -> Path | None:
    root = Path(folder)
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexFileError(f"cannot read {root / 'CURRENT'}: {exc}") from None
    if not re.fullmatch(r"v-[\w.-]+", name) or not (root / name).is_dir():
        raise IndexFileError(f"{root / 'CURRENT'} points to a missing index version {name!r}")
    return root / name


def read_manifest(folder: str | Path) -> dict | None:
    """The live index's manifest, or None when there is no index yet."""
    version = current_version(folder)
    if version is None:
        return None
    try:
        return json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexFileError(f"corrupt index manifest in {version}: {exc}") from None


def stale_reason(manifest: dict | None, expected: dict) -> str | None:
    """Why an index with ``manifest`` cannot serve ``expected`` (None when it can)."""
    if manifest is None:
        return "no index yet"
    for key in ("format", "model", "cross_model", "query_prompt", "document_prompt", "splitter", "corpus"):
        if manifest.get(key) != expected.get(key):
            return f"{key} changed"
    return None


def load_index(folder: str | Path) -> IndexData:
    """Load the live index, verifying every file against the manifest's checksums."""
    version = current_version(folder)
    if version is None:
        raise IndexFileError(f"no index in {folder}")
    manifest = read_manifest(folder)
    sums = manifest.get("checksums") or {}
    cross = bool(manifest.get("cross_model"))
    for f in FILES + (CROSS_FILES if cross else ()):
        path = version / f
        if not path.is_file():
            raise IndexFileError(f"index file missing: {path}")
        if sums.get(f) != _sha256(path):
            raise IndexFileError(f"index file damaged (checksum mismatch): {path}")
    try:
        records = json.loads((version / "chunks.json").read_text(encoding="utf-8"))
        chunks = tuple(Chunk(**{**c, "section": tuple(c["section"]), "paragraph": tuple(c["paragraph"])})
                       for c in records["chunks"])
        sentences = tuple(tuple(s) for s in records["sentences"])
        pv = _read_faiss(version / "passages.faiss")
        sv = _read_faiss(version / "sentences.faiss")
        xpv = _read_faiss(version / "xpassages.faiss") if cross else None
        xsv = _read_faiss(version / "xsentences.faiss") if cross else None
    except Exception as exc:  # noqa: BLE001 - any decoding failure means a damaged index
        raise IndexFileError(f"cannot read index in {version}: {type(exc).__name__}: {exc}") from None
    if len(pv) != len(chunks) or len(sv) != len(sentences) or pv.shape[1] != manifest.get("dim"):
        raise IndexFileError(f"index in {version} is inconsistent (sizes do not match the manifest)")
    if cross and (len(xpv) != len(chunks) or len(xsv) != len(sentences)):
        raise IndexFileError(f"index in {version} is inconsistent (cross-lingual vectors)")
    return IndexData(chunks, sentences, pv, sv, manifest, xpv, xsv)
