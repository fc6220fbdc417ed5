"""Stores: where passages, vectors and lexical data live and are searched (one file per backend).

``faiss`` (default): FAISS + bm25s in memory, persisted in the index folder.
``qdrant``: a Qdrant collection (a server/cluster; the embedded local mode is a test double), with
the catalogue of passages kept in the index folder.
``milvus``: Milvus collections on a server or cluster, the catalogue in the index folder.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from .base import Candidates, DocumentEntry, Store, Where

__all__ = ["Store", "Where", "Candidates", "DocumentEntry", "StoreConfig", "store_config"]

KINDS = ("faiss", "qdrant", "milvus")


@dataclass(frozen=True)
class StoreConfig:
    """Which store to use: ``kind`` "faiss"; "qdrant" with ``path`` (embedded local mode) or
    ``url`` (+ ``api_key``) of a server or cluster, and the ``collection`` name; "milvus" with
    ``url`` (the server's URI), ``api_key`` (its token), ``collection`` and the vector ``index``
    type (FLAT: exact; HNSW: approximate, for millions of vectors)."""

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
        if self.kind == "milvus":
            return f"milvus:{self.collection}@{self.url}"
        return f"qdrant:{self.collection}@{self.url or os.path.abspath(self.path or '')}"


def store_config(store: "str | StoreConfig | None" = None) -> StoreConfig:
    """Resolve ``store`` (None → $QA_STORE → "faiss"); Qdrant settings from $QA_QDRANT_PATH,
    $QA_QDRANT_URL, $QA_QDRANT_API_KEY and $QA_QDRANT_COLLECTION; Milvus settings from
    $QA_MILVUS_URI, $QA_MILVUS_TOKEN, $QA_MILVUS_COLLECTION and $QA_MILVUS_INDEX."""
    from ..errors import InputError

    if isinstance(store, StoreConfig):
        return store
    kind = (store or os.environ.get("QA_STORE") or "faiss").strip().lower()
    if kind not in KINDS:
        raise InputError(f"未知的存储后端 {kind!r}（可选：{', '.join(KINDS)}）")
    if kind == "faiss":
        return StoreConfig()
    if kind == "milvus":
        return milvus_config()
    path, url = os.environ.get("QA_QDRANT_PATH"), os.environ.get("QA_QDRANT_URL")
    if not path and not url:
        raise InputError("QA_STORE=qdrant 需要 QA_QDRANT_PATH（本地嵌入模式的目录）或 QA_QDRANT_URL（服务器地址）")
    return StoreConfig("qdrant", path=None if url else path, url=url or None,
                       api_key=os.environ.get("QA_QDRANT_API_KEY") or None,
                       collection=os.environ.get("QA_QDRANT_COLLECTION") or "report-qa")


def milvus_config() -> StoreConfig:
    """The Milvus settings from the environment (the URI is required: no server is guessed)."""
    from ..errors import InputError

    uri = (os.environ.get("QA_MILVUS_URI") or "").strip()
    if not uri:
        raise InputError("QA_STORE=milvus 需要 QA_MILVUS_URI（Milvus 服务器地址，例如 http://127.0.0.1:19530）")
    index = (os.environ.get("QA_MILVUS_INDEX") or "FLAT").strip().upper()
    if index not in ("FLAT", "HNSW"):
        raise InputError(f"QA_MILVUS_INDEX 只能是 FLAT 或 HNSW，不是 {index!r}")
    return StoreConfig("milvus", url=uri, api_key=os.environ.get("QA_MILVUS_TOKEN") or None,
                       collection=os.environ.get("QA_MILVUS_COLLECTION") or "report_qa", index=index)
