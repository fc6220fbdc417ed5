"""Stores: where passages, vectors and lexical data live and are searched (one file per backend).

``faiss`` (default): FAISS + bm25s in memory, persisted in the index folder.
``qdrant``: a Qdrant collection (embedded local mode or a server/cluster), with the catalogue of
passages kept in the index folder.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from .base import Candidates, DocumentEntry, Store, Where

__all__ = ["Store", "Where", "Candidates", "DocumentEntry", "StoreConfig", "store_config"]

KINDS = ("faiss", "qdrant")


@dataclass(frozen=True)
class StoreConfig:
    """Which store to use: ``kind`` "faiss", or "qdrant" with ``path`` (embedded local mode) or
    ``url`` (+ ``api_key``) of a server or cluster, and the ``collection`` name."""

    kind: str = "faiss"
    path: str | None = None
    url: str | None = None
    api_key: str | None = None
    collection: str = "report-qa"

    def describe(self) -> str:
        """What the index manifest records (never the key)."""
        if self.kind == "faiss":
            return "faiss"
        return f"qdrant:{self.collection}@{self.url or os.path.abspath(self.path or '')}"


def store_config(store: "str | StoreConfig | None" = None) -> StoreConfig:
    """Resolve ``store`` (None → $QA_STORE → "faiss"); Qdrant settings from $QA_QDRANT_PATH,
    $QA_QDRANT_URL, $QA_QDRANT_API_KEY and $QA_QDRANT_COLLECTION."""
    from ..errors import InputError

    if isinstance(store, StoreConfig):
        return store
    kind = (store or os.environ.get("QA_STORE") or "faiss").strip().lower()
    if kind not in KINDS:
        raise InputError(f"未知的存储后端 {kind!r}（可选：{', '.join(KINDS)}）")
    if kind == "faiss":
        return StoreConfig()
    path, url = os.environ.get("QA_QDRANT_PATH"), os.environ.get("QA_QDRANT_URL")
    if not path and not url:
        raise InputError("QA_STORE=qdrant 需要 QA_QDRANT_PATH（本地嵌入模式的目录）或 QA_QDRANT_URL（服务器地址）")
    return StoreConfig("qdrant", path=None if url else path, url=url or None,
                       api_key=os.environ.get("QA_QDRANT_API_KEY") or None,
                       collection=os.environ.get("QA_QDRANT_COLLECTION") or "report-qa")
