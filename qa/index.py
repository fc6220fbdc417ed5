"""Build, save and load the index: per-document passages, sentence units, vectors and tokens.

Layout of the index folder::

    index/CURRENT            name of the live version folder (replaced atomically)
    index/v-…/manifest.json  format, model, dimension, splitter settings, corpus and file checksums,
                             and per document its content key (sha256 of its cleaned text)
    index/v-…/chunks.json    the passages and their sentence units, column by column (plain JSON,
                             never pickle; numbers as base64 little-endian integer arrays)
    index/v-…/tokens.json    each passage's BM25 tokens (jieba, with the document's own dictionary),
                             as positions in a list of the distinct tokens
    index/v-…/passages.faiss, sentences.faiss            the main model's vectors
    index/v-…/xpassages.faiss, xsentences.faiss          the cross-lingual encoder's, when installed

Vectors live in FAISS storage: a loaded set stays in the index read from disk, a built one is
assembled straight into a new ``IndexFlatIP``; numpy sees them through read-only views
(:func:`faiss_vectors`), so each set is held once, and saving writes that index as it is.

Incremental: everything stored for a document depends only on its text (and the settings in the
manifest), so a rebuild reuses the entries of unchanged documents by content key and embeds only new
or changed ones; a removed document's passages are simply not carried over.

A build writes a new version folder, then swaps CURRENT with ``os.replace``: a crash at any moment
leaves the previous index intact and live. Writers take an exclusive lock on the folder; a reader
whose version is deleted by a writer while it loads retries with the new CURRENT.
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .structure import sentence_spans  # noqa: F401  (the one sentence splitter)
from .chunking import SplitterSettings, chunk_document
from .embedding import Embedder, embed_for_index
from .errors import IndexFileError
from .lexical import mine_terms, tokenizer_for
from .places import region_words
from .types import Chunk, Document, DocumentEntry

FORMAT_VERSION = 5  # 3: columnar chunks.json and tokens.json (numbers as base64 arrays); 4: passage
# vectors composed from their sentences' and context's (each text encoded once); 5: unnumbered parts
# that name a period are headings (qa.structure)
TOKENIZER = "jieba-search/document-dictionary/own-region/v2"  # how tokens.json was made (in the manifest)
FILES = ("chunks.json", "tokens.json", "passages.faiss", "sentences.faiss")
CROSS_FILES = ("xpassages.faiss", "xsentences.faiss")
LOAD_ATTEMPTS = 5

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexData:
    """The catalogue search needs: chunks, their sentence units, tokens and (FAISS store) vectors.

    Documents are contiguous and in corpus order; so are each chunk's sentences.
    """

    chunks: tuple[Chunk, ...]
    sentences: tuple[tuple[int, int, int], ...]  # (chunk index, start, end) in document offsets
    passage_vectors: np.ndarray | None
    sentence_vectors: np.ndarray | None
    manifest: dict
    cross_passage_vectors: np.ndarray | None = None   # cross-lingual (English queries), optional
    cross_sentence_vectors: np.ndarray | None = None
    tokens: tuple[tuple[str, ...], ...] = ()          # per chunk, BM25 tokens

    @property
    def files(self) -> tuple[str, ...]:
        return FILES + (CROSS_FILES if self.cross_passage_vectors is not None else ())

    @cached_property
    def chunk_docs(self) -> np.ndarray:
        """Document id of each chunk (object array, for filters)."""
        return np.array([c.doc_id for c in self.chunks], dtype=object)

    @cached_property
    def sentence_chunk(self) -> np.ndarray:
        return np.array([i for i, _s, _e in self.sentences], dtype=np.int64)

    @cached_property
    def sentence_bounds(self) -> np.ndarray:
        """``[first, end)`` sentence positions of each chunk, shape (n_chunks, 2)."""
        first = np.searchsorted(self.sentence_chunk, np.arange(len(self.chunks)), side="left")
        end = np.searchsorted(self.sentence_chunk, np.arange(len(self.chunks)), side="right")
        return np.stack([first, end], axis=1).astype(np.int64) if len(self.chunks) else np.zeros((0, 2), np.int64)

    @cached_property
    def doc_ranges(self) -> dict[str, tuple[int, int]]:
        """Chunk range ``[first, end)`` of each document."""
        out: dict[str, list[int]] = {}
        for i, c in enumerate(self.chunks):
            out.setdefault(c.doc_id, [i, i])[1] = i + 1
        return {d: (a, b) for d, (a, b) in out.items()}

    def entries(self) -> dict[str, DocumentEntry]:
        """This catalogue cut back into per-document entries (by document id)."""
        keys = self.manifest.get("documents") or {}
        out = {}
        for doc_id, (a, b) in self.doc_ranges.items():
            sa, sb = (int(self.sentence_bounds[a][0]), int(self.sentence_bounds[b - 1][1]))
            vec = lambda v, lo, hi: None if v is None else v[lo:hi]  # noqa: E731
            out[doc_id] = DocumentEntry(
                doc_id, keys.get(doc_id, ""), self.chunks[a:b],
                tuple((i - a, s, e) for i, s, e in self.sentences[sa:sb]), tuple(self.tokens[a:b]),
                vec(self.passage_vectors, a, b), vec(self.sentence_vectors, sa, sb),
                vec(self.cross_passage_vectors, a, b), vec(self.cross_sentence_vectors, sa, sb))
        return out


def passage_units(doc: Document, chunks: Sequence[Chunk], sentences: Sequence[tuple[int, int, int]],
                  context: bool) -> tuple[list, list]:
    """What each passage's vector is composed of, for the main model and the cross-lingual one:
    (text, weight) pairs — its sentences and (main model, ``context``) its section path, each
    weighted by its length in characters. A passage without sentence units is its own unit."""
    own: list[list[tuple[str, float]]] = [[] for _ in chunks]
    for i, s, e in sentences:
        own[i].append((doc.text[s:e], float(e - s)))
    main, cross = [], []
    for c, parts in zip(chunks, own):
        parts = parts or [(c.text, float(len(c.text)))]
        cross.append(parts)
        main.append(([(c.context, float(len(c.context)))] if context and c.context else []) + parts)
    return main, cross


def passage_input(chunk: Chunk, context: bool) -> str:
    """The text embedded for a passage: its context (section path) and the passage."""
    return f"{chunk.context}：{chunk.text}" if context and chunk.context else chunk.text


SETTINGS = ("format", "model", "cross_model", "query_prompt", "document_prompt", "splitter", "tokenizer",
            "store")  # a change in any of these makes every stored entry unusable


def content_key(doc: Document) -> str:
    """What a document's stored entry is keyed by: the sha256 of its cleaned text."""
    return hashlib.sha256(doc.text.encode("utf-8")).hexdigest()


def manifest_for(fingerprints: dict[str, str], embedder: Embedder, settings: SplitterSettings,
                 cross=None, store: str = "faiss") -> dict:
    """The manifest fields an index must match to be reused (checksums are added on save)."""
    return {
        "format": FORMAT_VERSION,
        "model": embedder.name,
        "cross_model": cross.name if cross is not None else None,
        "query_prompt": embedder.query_prompt,
        "document_prompt": embedder.document_prompt,
        "splitter": settings.as_dict(),
        "tokenizer": TOKENIZER,
        "store": store,
        "corpus": dict(sorted(fingerprints.items())),
    }


def passage_tokens(doc: Document, chunks: Sequence[Chunk]) -> tuple[tuple[str, ...], ...]:
    """BM25 tokens of each passage (with its section path), with the dictionary of names the
    document itself puts in quotes: a document's tokens depend on its own text only. The words
    naming the document's own region (通州, 通州区 in Tongzhou's report) say where, not what:
    they are no tokens of that document (``qa.places.region_words``)."""
    tok = tokenizer_for(tuple(mine_terms([doc.text])))
    own = region_words(getattr(doc, "region", None))
    return tuple(tuple(sys.intern(t) for t in tok.words(f"{c.context} {c.text}") if t not in own) for c in chunks)


PENDING = "pending:"  # a stored key "pending:<content key>": split and tokenized, not embedded yet


def embed_documents(docs: Sequence[Document], embedder: Embedder,
                    settings: SplitterSettings = SplitterSettings(), *, cross=None,
                    progress: Callable[[int, int], None] | None = None,
                    split: dict[str, DocumentEntry] | None = None) -> list[DocumentEntry]:
    """Chunk, tokenize and embed ``docs`` (all of them in one batched pass per vector kind);
    ``split`` holds entries already split and tokenized (by id), which are only embedded."""
    if not docs:
        return []
    split = split or {}
    parts = []
    for doc in docs:
        if doc.id in split:
            chunks, sentences = split[doc.id].chunks, split[doc.id].sentences
        else:
            chunks = tuple(chunk_document(doc, settings))
            sentences = tuple((i, s, e) for i, c in enumerate(chunks) for s, e in sentence_spans(c.text, c.start))
        parts.append((doc, chunks, sentences))
    sent_texts = [d.text[s:e] for d, _c, sentences in parts for _i, s, e in sentences]
    units = [passage_units(d, chunks, sentences, settings.context) for d, chunks, sentences in parts]
    vectors = embed_for_index(embedder, [u for doc_units in units for u in doc_units[0]], sent_texts,
                              cross=cross, cross_passages=[u for doc_units in units for u in doc_units[1]],
                              progress=progress)
    pv, sv, xpv, xsv = vectors.passages, vectors.sentences, vectors.cross_passages, vectors.cross_sentences
    out, a, sa = [], 0, 0
    for doc, chunks, sentences in parts:
        b, sb = a + len(chunks), sa + len(sentences)
        tokens = split[doc.id].tokens if doc.id in split else passage_tokens(doc, chunks)
        out.append(DocumentEntry(doc.id, content_key(doc), chunks, sentences, tokens,
                                 pv[a:b], sv[sa:sb], None if xpv is None else xpv[a:b],
                                 None if xsv is None else xsv[sa:sb]))
        a, sa = b, sb
    return out


def assemble(entries: Sequence[DocumentEntry], manifest: dict) -> IndexData:
    """One catalogue from per-document entries, in the given order (vectors kept only when every
    entry has them)."""
    chunks, sentences, tokens = [], [], []
    for e in entries:
        base = len(chunks)
        chunks += e.chunks
        sentences += [(base + i, s, t) for i, s, t in e.sentences]
        tokens += e.tokens

    def stack(name):
        arrays = [getattr(e, name) for e in entries]
        if not arrays or any(a is None for a in arrays):
            return None
        return faiss_stack(arrays)

    pv = stack("passage_vectors")
    dim = int(pv.shape[1]) if pv is not None else manifest.get("dim")
    manifest = dict(manifest, dim=dim, n_chunks=len(chunks), n_sentences=len(sentences),
                    documents={e.doc_id: e.key for e in entries})
    return IndexData(tuple(chunks), tuple(sentences), pv, stack("sentence_vectors"), manifest,
                     stack("cross_passage_vectors"), stack("cross_sentence_vectors"), tuple(tokens))


def build_index(docs: Sequence[Document], fingerprints: dict[str, str], embedder: Embedder,
                settings: SplitterSettings = SplitterSettings(),
                progress: Callable[[int, int], None] | None = None, cross=None,
                previous: IndexData | None = None, store: str = "faiss") -> IndexData:
    """The index of ``docs``: entries of ``previous`` (an index built with the same settings) are
    reused for documents whose text has not changed; the others are embedded."""
    old = previous.entries() if previous is not None and previous.passage_vectors is not None else {}
    fresh = [d for d in docs if d.id not in old or old[d.id].key != content_key(d)]
    split = {d.id: old[d.id] for d in fresh if d.id in old and old[d.id].key == PENDING + content_key(d)}
    made = {e.doc_id: e for e in embed_documents(fresh, embedder, settings, cross=cross, progress=progress,
                                                 split=split)}
    manifest = manifest_for(fingerprints, embedder, settings, cross, store)
    manifest.update(built=time.strftime("%Y-%m-%dT%H:%M:%S"), embedded=sorted(made))
    if not made and not old:
        manifest["dim"] = getattr(embedder, "dim", 0) or None
    return assemble([made.get(d.id) or old[d.id] for d in docs], manifest)


# ---------------------------------------------------------------- persistence

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _FaissBuffer:
    """The vectors a FAISS index stores, exposed to numpy without a copy; a numpy array made from
    it keeps the index (and so the memory) alive."""

    def __init__(self, index):
        import faiss

        flat = faiss.downcast_index(index.storage) if hasattr(index, "storage") else index
        n, d = int(flat.ntotal), int(flat.d)
        address = faiss.rev_swig_ptr(flat.get_xb(), n * d).ctypes.data
        self.index = index
        self.__array_interface__ = {"shape": (n, d), "typestr": "<f4", "data": (address, True), "version": 3}


def faiss_vectors(index) -> np.ndarray:
    """A read-only numpy view of the vectors stored in a flat or HNSW FAISS ``index`` (no copy)."""
    if index.ntotal == 0:
        return np.zeros((0, index.d), np.float32)
    return np.asarray(_FaissBuffer(index))


def faiss_stack(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """The rows of ``arrays`` in one new ``IndexFlatIP``'s storage (read-only view, see
    :func:`faiss_vectors`): one copy, which saving then writes as it is."""
    import faiss

    n, d = sum(len(a) for a in arrays), int(arrays[0].shape[1])
    if n == 0:
        return np.zeros((0, d), np.float32)
    index = faiss.IndexFlatIP(d)
    index.codes.resize(n * d * 4)  # float32 rows
    index.ntotal = n
    buffer = _FaissBuffer(index)
    buffer.__array_interface__["data"] = (buffer.__array_interface__["data"][0], False)
    out = np.asarray(buffer)
    row = 0
    for a in arrays:
        out[row:row + len(a)] = a
        row += len(a)
    out.flags.writeable = False
    return out


def faiss_owner(vectors: np.ndarray | None):
    """The FAISS index whose storage ``vectors`` is (see :func:`faiss_vectors`), else None."""
    base = vectors
    while isinstance(base, np.ndarray):
        if base.base is None:
            return None
        if isinstance(base.base, _FaissBuffer):
            whole = base.base
            same = (vectors.shape == whole.__array_interface__["shape"] and vectors.flags.c_contiguous
                    and vectors.ctypes.data == whole.__array_interface__["data"][0])
            return whole.index if same else None
        base = base.base
    return None


def _write_faiss(vectors: np.ndarray, path: Path) -> None:
    """Write the vectors as a FAISS index: the one they live in when they are its storage (no copy),
    else a new ``IndexFlatIP``."""
    import faiss

    index = faiss_owner(vectors)
    if index is None:
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    try:
        faiss.write_index(index, str(path))
    except RuntimeError as exc:  # FAISS's I/O errors, e.g. "… (No space left on device)"
        raise write_failure(exc) from exc


def _read_faiss(path: Path) -> np.ndarray:
    """The vectors of a FAISS index file, left in the index's own storage (one copy in memory)."""
    import faiss

    return faiss_vectors(faiss.read_index(str(path)))


@contextmanager
def writer_lock(root: Path):
    """An exclusive lock on the index folder for the length of a save (released if killed)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _files_of(manifest: dict) -> tuple[str, ...]:
    if manifest.get("store", "faiss") != "faiss":
        return FILES[:2]
    return FILES + (CROSS_FILES if manifest.get("cross_model") else ())


_ENOSPC, _EDQUOT, _EACCES, _EROFS, _EIO = 28, 122, 13, 30, 5


def write_failure(exc: BaseException) -> OSError:
    """A failed index write as an OSError whose ``strerror`` says, in Chinese, what happened and
    what to do, the system's reason in parentheses. FAISS reports its I/O errors as RuntimeError
    (the reason in parentheses at the end): they become OSErrors too, so a full disk is handled
    like a read-only folder (``qa.store.save_atomically``)."""
    reason = getattr(exc, "strerror", None) or ""
    if not reason:
        m = re.search(r"\(([^()]+)\)\s*$", str(exc))
        reason = m.group(1) if m else (str(exc).splitlines() or [type(exc).__name__])[0][:200]
    code = getattr(exc, "errno", None)
    if code in (_ENOSPC, _EDQUOT) or "No space left" in reason or "quota" in reason.lower():
        code = code or _ENOSPC
        text = f"磁盘空间不足（{reason}）；请清理磁盘，或用 --index（QA_INDEX）指定另一个文件夹"
    elif code in (_EACCES, _EROFS) or "Read-only" in reason or "Permission denied" in reason:
        text = f"文件夹只读或没有写权限（{reason}）；请用 --index（QA_INDEX）指定可写的文件夹"
    else:
        text = f"写入失败（{reason}）；请检查磁盘和写权限"
    return OSError(code or _EIO, text)


def save_index(data: IndexData, folder: str | Path) -> Path:
    """Write ``data`` as a new version under ``folder`` and make it live atomically. A write that
    fails (disk full, read-only folder, …) leaves the live version as it was and raises an OSError
    saying what happened and what to do (``write_failure``)."""
    try:
        return _save_index(data, folder)
    except OSError as exc:
        raise write_failure(exc) from exc


def _save_index(data: IndexData, folder: str | Path) -> Path:
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    with writer_lock(root):
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
        files = _files_of(data.manifest)
        try:
            (tmp / "chunks.json").write_text(json.dumps(pack_chunks(data.chunks, data.sentences),
                                                        ensure_ascii=False), encoding="utf-8")
            (tmp / "tokens.json").write_text(json.dumps(pack_tokens(data.tokens), ensure_ascii=False),
                                             encoding="utf-8")
            if "passages.faiss" in files:
                _write_faiss(data.passage_vectors, tmp / "passages.faiss")
                _write_faiss(data.sentence_vectors, tmp / "sentences.faiss")
            if "xpassages.faiss" in files:
                _write_faiss(data.cross_passage_vectors, tmp / "xpassages.faiss")
                _write_faiss(data.cross_sentence_vectors, tmp / "xsentences.faiss")
            manifest = dict(data.manifest, checksums={f: _sha256(tmp / f) for f in files})
            (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            for f in (*files, "manifest.json"):
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
    """Delete every other version (readers loading one retry with the new CURRENT) and what killed
    builds left behind; called with the writer lock held, so no build of another writer is live."""
    for p in root.iterdir():
        if p.is_dir() and p.name != keep and (p.name.startswith("v-") or p.name.startswith(".build-")):
            shutil.rmtree(p, ignore_errors=True)
        elif p.is_file() and p.name.startswith(".CURRENT."):  # pointer left by a killed build
            p.unlink(missing_ok=True)


def current_version(folder: str | Path) -> Path | None:
    """The live version folder (None when there is no index yet)."""
    root = Path(folder)
    for attempt in range(LOAD_ATTEMPTS):
        try:
            name = (root / "CURRENT").read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise IndexFileError(f"cannot read {root / 'CURRENT'}: {exc}") from None
        if re.fullmatch(r"v-[\w.-]+", name) and (root / name).is_dir():
            return root / name
        try:  # a writer may have swapped CURRENT and deleted this version since we read it
            moved = (root / "CURRENT").read_text(encoding="utf-8").strip() != name
        except (OSError, UnicodeDecodeError):
            moved = False
        if not moved or attempt + 1 == LOAD_ATTEMPTS:
            raise IndexFileError(f"{root / 'CURRENT'} points to a missing index version {name!r}")
    raise AssertionError("unreachable")  # pragma: no cover


_SCHEMA = {"format": int, "model": str, "splitter": dict, "corpus": dict, "checksums": dict,
           "dim": int, "n_chunks": int, "n_sentences": int, "documents": dict}


def check_manifest(manifest: object) -> dict:
    """``manifest`` if it has the expected shape; anything unexpected is damage (IndexFileError)."""
    if not isinstance(manifest, dict):
        raise IndexFileError(f"manifest is not a JSON object but {type(manifest).__name__}")
    for key, kind in _SCHEMA.items():
        value = manifest.get(key)
        if key == "checksums" and value is None:
            raise IndexFileError("manifest has no checksums")
        if not isinstance(value, kind) or isinstance(value, bool):
            raise IndexFileError(f"manifest field {key!r} is not a {kind.__name__}: {value!r:.60}")
    for key in ("corpus", "checksums", "documents"):
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in manifest[key].items()):
            raise IndexFileError(f"manifest field {key!r} must map names to strings")
    return manifest


def _read_manifest_at(version: Path) -> dict:
    try:
        raw = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexFileError(f"corrupt index manifest in {version}: {exc}") from None
    if isinstance(raw, dict) and raw.get("format") != FORMAT_VERSION:
        return raw  # an older format: stale (rebuilt), not damaged
    try:
        return check_manifest(raw)
    except IndexFileError as exc:
        raise IndexFileError(f"corrupt index manifest in {version}: {exc}") from None


def read_manifest(folder: str | Path) -> dict | None:
    """The live index's manifest, or None when there is no index yet."""
    for attempt in range(LOAD_ATTEMPTS):
        version = current_version(folder)
        if version is None:
            return None
        try:
            return _read_manifest_at(version)
        except IndexFileError:
            if attempt + 1 < LOAD_ATTEMPTS and _moved_on(folder, version):
                continue  # a writer replaced the version while we read it
            raise


def stale_reason(manifest: dict | None, expected: dict) -> str | None:
    """Why an index with ``manifest`` cannot serve ``expected`` (None when it can)."""
    if manifest is None:
        return "no index yet"
    for key in (*SETTINGS, "corpus"):
        if manifest.get(key) != expected.get(key):
            return f"{key} changed"
    return None


def _moved_on(folder: str | Path, version: Path) -> bool:
    """True when CURRENT no longer names ``version`` (a writer replaced it)."""
    try:
        return current_version(folder) != version
    except IndexFileError:
        return False


def load_index(folder: str | Path) -> IndexData:
    """Load the live index, verifying every file against the manifest's checksums. A version
    deleted by a writer while it is being read is retried with the new CURRENT."""
    for attempt in range(LOAD_ATTEMPTS):
        version = current_version(folder)
        if version is None:
            raise IndexFileError(f"no index in {folder}")
        try:
            return _load_version(version)
        except IndexFileError:
            if attempt + 1 < LOAD_ATTEMPTS and _moved_on(folder, version):
                log.info("index version %s was replaced while loading; retrying", version.name)
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _b64(values, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype=dtype).tobytes()).decode("ascii")


def _unb64(text: str, dtype: str, columns: int = 1) -> np.ndarray:
    array = np.frombuffer(base64.b64decode(text.encode("ascii"), validate=True), dtype=dtype)
    return array.reshape(-1, columns) if columns > 1 else array


def _table(values) -> tuple[list, np.ndarray]:
    """Distinct values in first-seen order, and each value's position among them."""
    seen: dict = {}
    ids = np.fromiter((seen.setdefault(v, len(seen)) for v in values), np.int64)
    return list(seen), ids


def pack_chunks(chunks: Sequence[Chunk], sentences) -> dict:
    """chunks.json: passages column by column; document ids, section paths and contexts once each,
    numbers as base64 little-endian arrays (no per-passage JSON objects to build or parse)."""
    docs, doc = _table(c.doc_id for c in chunks)
    sections, section = _table(c.section for c in chunks)
    contexts, context = _table(c.context for c in chunks)
    offsets = [(c.start, c.end, *c.paragraph) for c in chunks]
    return {"documents": docs, "sections": [list(p) for p in sections], "contexts": contexts,
            "chunks": {"text": [c.text for c in chunks], "doc": _b64(doc, "<i4"), "section": _b64(section, "<i4"),
                       "context": _b64(context, "<i4"), "offsets": _b64(np.reshape(offsets, (-1, 4)), "<i8")},
            "sentences": _b64(np.reshape(list(sentences), (-1, 3)), "<i8")}


def unpack_chunks(records: dict) -> tuple[tuple[Chunk, ...], tuple[tuple[int, int, int], ...]]:
    """The chunks and sentences of :func:`pack_chunks` (equal values share one object)."""
    columns = records["chunks"]
    texts = columns["text"]
    docs, contexts = records["documents"], records["contexts"]
    sections = [tuple(p) for p in records["sections"]]
    if not all(isinstance(x, str) for x in (*texts, *docs, *contexts)) or \
            not all(isinstance(x, str) for p in sections for x in p):
        raise ValueError("chunks.json: texts, document ids and sections must be strings")
    doc, section, context = (_unb64(columns[k], "<i4").tolist() for k in ("doc", "section", "context"))
    offsets = _unb64(columns["offsets"], "<i8", 4).tolist()
    if not len(texts) == len(doc) == len(section) == len(context) == len(offsets):
        raise ValueError("chunks.json: columns of different lengths")
    chunks = tuple(Chunk(docs[d], sections[p], a, b, t, (pa, pb), contexts[x])
                   for t, d, p, x, (a, b, pa, pb) in zip(texts, doc, section, context, offsets))
    sentences = tuple(map(tuple, _unb64(records["sentences"], "<i8", 3).tolist()))
    return chunks, sentences


def pack_tokens(tokens: Sequence[Sequence[str]]) -> dict:
    """tokens.json: the distinct tokens once, each passage's tokens as positions among them."""
    vocab: dict[str, int] = {}
    ids = np.fromiter((vocab.setdefault(t, len(vocab)) for toks in tokens for t in toks), np.int64)
    return {"vocab": list(vocab), "ids": _b64(ids, "<i4"),
            "ends": _b64(np.cumsum([len(t) for t in tokens], dtype=np.int64), "<i8")}


def unpack_tokens(records: dict) -> tuple[tuple[str, ...], ...]:
    vocab = [sys.intern(t) if isinstance(t, str) else None for t in records["vocab"]]
    if None in vocab:
        raise ValueError("tokens must be strings")
    ids, ends = _unb64(records["ids"], "<i4"), _unb64(records["ends"], "<i8")
    if len(ends) and (ends[-1] != len(ids) or (np.diff(ends) < 0).any() or ends[0] < 0) or \
            (len(ids) and (ids.min() < 0 or ids.max() >= len(vocab))):
        raise ValueError("tokens.json: positions out of range")
    out, start = [], 0
    for end in ends.tolist():
        out.append(tuple(vocab[i] for i in ids[start:end].tolist()))
        start = end
    return tuple(out)


def _load_version(version: Path) -> IndexData:
    manifest = _read_manifest_at(version)
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexFileError(f"index in {version} has format {manifest.get('format')!r}, "
                             f"not {FORMAT_VERSION}")
    sums = manifest["checksums"]
    files = _files_of(manifest)
    for f in files:
        path = version / f
        try:
            digest = _sha256(path)
        except FileNotFoundError:
            raise IndexFileError(f"index file missing: {path}") from None
        except OSError as exc:
            raise IndexFileError(f"cannot read index file {path}: {exc}") from None
        if sums.get(f) != digest:
            raise IndexFileError(f"index file damaged (checksum mismatch): {path}")
    cross = "xpassages.faiss" in files
    try:
        chunks, sentences = unpack_chunks(json.loads((version / "chunks.json").read_text(encoding="utf-8")))
        tokens = unpack_tokens(json.loads((version / "tokens.json").read_text(encoding="utf-8")))
        if "passages.faiss" in files:
            pv = _read_faiss(version / "passages.faiss")
            sv = _read_faiss(version / "sentences.faiss")
        else:
            pv = sv = None
        xpv = _read_faiss(version / "xpassages.faiss") if cross else None
        xsv = _read_faiss(version / "xsentences.faiss") if cross else None
    except Exception as exc:  # noqa: BLE001 - any decoding failure means a damaged index
        raise IndexFileError(f"cannot read index in {version}: {type(exc).__name__}: {exc}") from None
    n = len(chunks)
    if len(tokens) != n or manifest["n_chunks"] != n or manifest["n_sentences"] != len(sentences) \
            or any(not 0 <= s[0] < n for s in sentences) \
            or {c.doc_id for c in chunks} - set(manifest["documents"]):
        raise IndexFileError(f"index in {version} is inconsistent (sizes do not match the manifest)")
    if pv is not None and (len(pv) != n or len(sv) != len(sentences) or pv.shape[1] != manifest["dim"]):
        raise IndexFileError(f"index in {version} is inconsistent (sizes do not match the manifest)")
    if cross and (len(xpv) != n or len(xsv) != len(sentences)):
        raise IndexFileError(f"index in {version} is inconsistent (cross-lingual vectors)")
    return IndexData(chunks, sentences, pv, sv, manifest, xpv, xsv, tokens)
