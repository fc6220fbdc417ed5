"""The embedding model as an ONNX graph run by onnxruntime: the same vectors, without torch.

A sentence-transformers model made of a transformer and mean (or CLS) pooling is exported once with
``torch.onnx.export`` (fp32, the TorchScript exporter), checked against the torch model, and cached
with its tokenizer in a folder keyed by the model folder's files (name, size, mtime). Later runs
load the cached graph with onnxruntime and the tokenizer with ``tokenizers``: neither torch nor
sentence-transformers is imported, which is most of a cold start.

Cache folder: ``$QA_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/report-qa`` (``~/.cache/report-qa``).
It holds the model, not the corpus, so every index built with the model shares one export.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from . import settings

log = logging.getLogger(__name__)

EXPORT_FORMAT = 1
MIN_COSINE = 0.9999  # an export must reproduce the torch vectors at least this closely
# texts of several lengths, one longer than any model's window: batches with padding and truncation
CHECK_TEXTS = ("北三县交通有哪些项目", "厂通路建成通车，跨河大桥主体完工。", "What are the transport projects?",
               "推进地铁22号线建设，优化跨境公交。" * 4, "全年道路总长度达到六百公里。" * 60, "样")


class UnsupportedModel(Exception):
    """The model cannot be exported (its modules are not transformer + pooling)."""


def cache_root() -> Path:
    explicit = settings.get("QA_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "report-qa"


def is_available() -> bool:
    """True if onnxruntime and tokenizers are installed (imports neither)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "tokenizers"))


def cache_folder(location: str) -> Path | None:
    """Where the export of the model folder ``location`` lives (None for a non-local model)."""
    root = Path(location)
    if not root.is_dir():
        return None
    files = sorted((str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns)
                   for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    key = hashlib.sha256(json.dumps([EXPORT_FORMAT, str(root.resolve()), files]).encode()).hexdigest()
    return cache_root() / "onnx" / f"{root.name}-{key[:16]}"


class OnnxEncoder:
    """Tokenizer + ONNX graph of an exported model; ``encode`` returns pooled, unnormalised rows.

    One onnxruntime session with ``threads`` intra-op threads (no spinning, which only burns a
    shared CPU); ``session.run`` is thread-safe, so callers may run batches in parallel.
    """

    def __init__(self, folder: str | Path, threads: int = 1):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if self.meta.get("format") != EXPORT_FORMAT:
            raise ValueError(f"export format {self.meta.get('format')} in {folder}")
        self.dim = int(self.meta["dim"])
        self.inputs = list(self.meta["inputs"])
        self.lowercase = bool(self.meta.get("lowercase"))
        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok.enable_truncation(int(self.meta["max_seq_length"]), direction=self.meta.get("truncation_side", "right"))
        tok.enable_padding(pad_id=int(self.meta["pad_id"]), pad_token=self.meta["pad_token"],
                           direction=self.meta.get("padding_side", "right"))
        self.tokenizer = tok
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, threads)
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(folder / "model.onnx"), opts,
                                            providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.lowercase:
            texts = [t.lower() for t in texts]
        enc = self.tokenizer.encode_batch(list(texts))
        feeds = {}
        for name in self.inputs:
            attr = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}[name]
            feeds[name] = np.array([getattr(e, attr) for e in enc], dtype=np.int64)
        return self.session.run(None, feeds)[0]


def _describe(st_model) -> dict:
    """What the export needs to know about a SentenceTransformer, or UnsupportedModel."""
    modules = list(st_model)
    names = [type(m).__name__ for m in modules]
    if len(modules) < 2 or names[0] != "Transformer" or names[1] != "Pooling" \
            or any(n != "Normalize" for n in names[2:]):
        raise UnsupportedModel(f"modules {names}")
    cfg = modules[1].get_config_dict()
    mode = cfg.get("pooling_mode") or ("mean" if cfg.get("pooling_mode_mean_tokens")
                                       else "cls" if cfg.get("pooling_mode_cls_token") else None)
    if mode in ("mean_tokens", "cls_token"):
        mode = mode.split("_")[0]
    if mode not in ("mean", "cls"):
        raise UnsupportedModel(f"pooling {mode!r}")
    transformer = modules[0]
    tok = transformer.tokenizer
    if not hasattr(tok, "backend_tokenizer"):
        raise UnsupportedModel("no fast tokenizer")
    inputs = [n for n in tok.model_input_names if n in ("input_ids", "attention_mask", "token_type_ids")]
    if "input_ids" not in inputs or "attention_mask" not in inputs:
        raise UnsupportedModel(f"tokenizer inputs {tok.model_input_names}")
    return {"format": EXPORT_FORMAT, "pooling": mode, "inputs": inputs,
            "max_seq_length": int(st_model.max_seq_length), "dim": int(modules[1].get_config_dict().get(
                "embedding_dimension") or transformer.auto_model.config.hidden_size),
            "lowercase": bool(getattr(transformer, "do_lower_case", False)),
            "pad_id": int(tok.pad_token_id or 0), "pad_token": str(tok.pad_token),
            "padding_side": tok.padding_side, "truncation_side": getattr(tok, "truncation_side", "right")}


def export(st_model, folder: Path) -> Path:
    """Export ``st_model`` (a loaded SentenceTransformer) into ``folder`` atomically, after checking
    that onnxruntime reproduces its vectors. Raises UnsupportedModel, ImportError or OSError."""
    import torch

    meta = _describe(st_model)
    transformer = st_model[0]
    bert, tok, names = transformer.auto_model, transformer.tokenizer, meta["inputs"]

    class Pooled(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, *args):
            feeds = dict(zip(names, args))
            h = self.model(**feeds).last_hidden_state
            if meta["pooling"] == "cls":
                return h[:, 0]
            mask = feeds["attention_mask"].unsqueeze(-1).to(h.dtype)
            return (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=folder.parent))
    try:
        sample = tok(list(CHECK_TEXTS[:2]), padding=True, return_tensors="pt")
        import warnings

        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # the tracer's notes on constant branches, deprecation
            torch.onnx.export(Pooled(bert).eval(), tuple(sample[n] for n in names), str(tmp / "model.onnx"),
                              input_names=names, output_names=["embedding"], opset_version=17, dynamo=False,
                              dynamic_axes={**{n: {0: "batch", 1: "seq"} for n in names},
                                            "embedding": {0: "batch"}})
        tok.backend_tokenizer.save(str(tmp / "tokenizer.json"))
        meta["torch"] = torch.__version__
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        # the check: the graph, fed by the tokenizers library, against sentence-transformers
        texts = list(CHECK_TEXTS)
        want = st_model.encode(texts, convert_to_numpy=True, show_progress_bar=False, batch_size=len(texts))
        got = OnnxEncoder(tmp).encode(texts)
        cos = np.sum(_unit(want) * _unit(got), axis=1)
        if float(cos.min()) < MIN_COSINE:
            raise UnsupportedModel(f"the ONNX graph differs from torch (cosine {cos.min():.6f})")
        meta["check_min_cosine"] = float(cos.min())
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / "meta.json").is_file():  # not merely another process that got there first
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
