"""Stores: where passages, vectors and lexical data live and are searched (one file per backend).

One factory opens every backend from one :class:`StoreConfig` (``open_store``); ``BACKENDS`` maps
a kind to the module and function that open it, imported only when used:

``faiss`` (default): FAISS + bm25s in memory, persisted in the index folder.
``qdrant``: a Qdrant collection (a server or cluster; the embedded local mode is a test double),
with the catalogue of passages kept in the index folder.
``milvus``: Milvus collections on a server or cluster, with the catalogue of passages kept in the
index folder.
"""
from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from typing import Callable

from .. import settings as qa_settings
from ..errors import IndexFileError, InputError
from .base import Candidates, DocumentEntry, Store, Where

__all__ = ["Store", "Where", "Candidates", "DocumentEntry", "StoreConfig", "store_config", "open_store",
           "as_store", "BACKENDS"]

log = logging.getLogger(__name__)

# kind -> (module, opener). An opener takes (config, docs, fingerprints, embedder, settings, cross,
# index, *, rebuild, force, progress, save, reuse) and returns a Store.
BACKENDS: dict[str, tuple[str, str]] = {
    "faiss": ("qa.store.faiss", "open_faiss"),
    "qdrant": ("qa.store.qdrant", "open_qdrant"),
    "milvus": ("qa.store.milvus", "open_milvus"),
}
KINDS = tuple(BACKENDS)


@dataclass(frozen=True)
class StoreConfig:
    """Which store to use: ``kind`` "faiss"; "qdrant" with ``path`` (embedded local mode) or
    ``url`` (+ ``api_key``) of a server or cluster, and the ``collection`` name; "milvus" with
    ``url`` (the server's URI), ``api_key`` (its token), ``collection`` (the prefix of its
    collections) and the vector ``index`` type (FLAT: exact; HNSW: approximate)."""

    kind: str = "faiss"
    path: str | None = None
    url: str | None = None
    api_key: str | None = None
    collection: str = "report-qa"
    index: str = "FLAT"

    def describe(self) -> str:
        """What the index manifest records (never the key)."""
        if self.kind == "faiss":
            return "faiss"
        return f"{self.kind}:{self.collection}@{self.url or os.path.abspath(self.path or '')}"


def store_config(store: "str | StoreConfig | None" = None) -> StoreConfig:
    """Resolve ``store`` (None → $QA_STORE → "faiss"); Qdrant settings from $QA_QDRANT_PATH,
    $QA_QDRANT_URL, $QA_QDRANT_API_KEY and $QA_QDRANT_COLLECTION; Milvus settings from $QA_MILVUS_URI,
    $QA_MILVUS_TOKEN, $QA_MILVUS_COLLECTION and $QA_MILVUS_INDEX."""
    if isinstance(store, StoreConfig):
        return store
    kind = (store or qa_settings.get("QA_STORE")).strip().lower()
    if kind not in BACKENDS:
        raise InputError(f"未知的存储后端 {kind!r}（可选：{', '.join(BACKENDS)}）")
    if kind == "faiss":
        return StoreConfig()
    if kind == "milvus":
        uri = qa_settings.get("QA_MILVUS_URI")
        if not uri:
            raise InputError("QA_STORE=milvus 需要 QA_MILVUS_URI（Milvus 服务器地址，例如 http://127.0.0.1:19530）")
        return StoreConfig("milvus", url=uri.strip(), api_key=qa_settings.get("QA_MILVUS_TOKEN"),
                           collection=qa_settings.get("QA_MILVUS_COLLECTION"),
                           index=qa_settings.get("QA_MILVUS_INDEX"))
    path, url = qa_settings.get("QA_QDRANT_PATH"), qa_settings.get("QA_QDRANT_URL")
    if not path and not url:
        raise InputError("QA_STORE=qdrant 需要 QA_QDRANT_PATH（本地嵌入模式的目录）或 QA_QDRANT_URL（服务器地址）")
    return StoreConfig("qdrant", path=None if url else path, url=url or None,
                       api_key=qa_settings.get("QA_QDRANT_API_KEY"),
                       collection=qa_settings.get("QA_QDRANT_COLLECTION"))


def open_store(config: StoreConfig, docs, fingerprints, embedder, settings, cross, index, *,
               rebuild: bool = True, force: bool = False, progress: Callable | None = None,
               must_save: bool = False, reuse=None) -> Store:
    """Open the store ``config`` names over ``docs``, brought in line with them (new or changed
    documents embedded, removed ones dropped), its catalogue saved in ``index``. A failure to save
    is an IndexFileError with ``must_save``, else a warning (the store serves from memory)."""
    module, name = BACKENDS[config.kind]
    opener = getattr(importlib.import_module(module), name)
    return opener(config, docs, fingerprints, embedder, settings, cross, index, rebuild=rebuild,
                  force=force, progress=progress, reuse=reuse,
                  save=lambda write: save_atomically(write, index, must_save))


def as_store(data, lexicon=None) -> Store:
    """``data`` as a store: a Store as it is, a catalogue (``qa.index.IndexData``) in the default one
    (with ``lexicon``, its BM25 index, when made already: by the indexing child)."""
    if isinstance(data, Store):
        return data
    from .faiss import FaissStore

    return FaissStore(data, lexicon=lexicon)


def save_atomically(write: Callable, index, must_save: bool) -> None:
    """``write(index)`` (each backend writes a new version, then swaps it in). OSError — a read-only
    folder, a full disk — leaves the previous version in place: an IndexFileError when saving was the
    point (``must_save``), else a warning and the store serves from memory."""
    try:
        write(index)
    except OSError as exc:
        if must_save:
            raise IndexFileError(f"无法保存索引到 {index}：{exc.strerror or exc}") from None
        log.warning("cannot save the index to %s (%s); using it from memory", index, exc)
