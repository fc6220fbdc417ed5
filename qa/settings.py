"""Every ``QA_*`` setting, declared once: name, type, default and help (``python -m qa --help-settings``).

Modules read a setting through :func:`get` (``get("QA_MODEL")``), never ``os.environ`` directly, so
its default, its type and the message for a bad value live here only. Settings marked ``index``
change what the index holds; the index manifest records their values (model, prompts, store) and an
index built under other values is rebuilt.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Mapping

from .errors import InputError


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(raw: str):
        value = kind(raw)
        if not 0 < value < float("inf"):
            raise ValueError(raw)
        return value
    parse.__name__ = f"positive {kind.__name__}"
    return parse


def _non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(raw)
    return value


def _choice(*options: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in options:
            raise ValueError(raw)
        return value
    parse.__name__ = " | ".join(options)
    return parse


_TYPE_WORDS = {str: "文本", _bool: "0 或 1", int: "整数", float: "数字"}


@dataclass(frozen=True)
class Setting:
    """One environment variable: ``parse`` turns its text into a value (ValueError when it cannot),
    ``default`` is used when it is unset or empty, ``index`` marks settings the index depends on."""

    name: str
    default: object
    help: str
    parse: Callable[[str], object] = str
    index: bool = False
    expects: str = ""  # what a valid value looks like, for the error message

    def read(self, env: Mapping[str, str]):
        raw = env.get(self.name, "")
        if raw is None or not str(raw).strip():
            return self.default
        try:
            return self.parse(str(raw))  # prompts keep their spaces; parsers strip what they read
        except (TypeError, ValueError):
            expects = self.expects or _TYPE_WORDS.get(self.parse, getattr(self.parse, "__name__", ""))
            raise InputError(f"环境变量 {self.name}={str(raw)[:40]!r} 无效：应为{expects}") from None


SETTINGS: tuple[Setting, ...] = (
    # where things are
    Setting("QA_CORPUS", "corpus", "corpus folder (CLI and app default)"),
    Setting("QA_INDEX", "index", "index folder (CLI and app default)"),
    Setting("QA_CACHE_DIR", None, "cache folder for the exported ONNX model (default: $XDG_CACHE_HOME/report-qa)"),
    # the model
    Setting("QA_MODEL", "m3e-small", "embedding model: m3e-small, a local sentence-transformers folder, "
            "or a Hugging Face id", index=True),
    Setting("QA_QUERY_PROMPT", "", "text put before queries (bge: 为这个句子生成表示以用于检索相关文章：)", index=True),
    Setting("QA_DOCUMENT_PROMPT", "", "text put before passages", index=True),
    Setting("QA_ALLOW_DOWNLOAD", False, "1 lets a Hugging Face id be fetched from the hub", _bool),
    Setting("QA_ENCODER", "auto", "encoder backend: auto (onnxruntime when it can), onnx or torch",
            _choice("auto", "onnx", "torch"), expects="auto、onnx 或 torch"),
    Setting("QA_QUERY_THREADS", 1, "threads that encode one query", _positive(int), expects="正整数"),
    Setting("QA_BLAS_THREADS", 1, "threads of one numpy matrix product in the web app (the vector scans of a "
            "question)", _positive(int), expects="正整数"),
    Setting("QA_ENCODE_THREADS", 0, "batches encoded at once while indexing (0: one per core)",
            _non_negative_int, expects="0 或正整数"),
    Setting("QA_INDEXING", "process", "where a running app reads and indexes new documents: process (child processes; "
            "the embedding at a lower priority, on one core) or thread (in the app's process)", _choice("process", "thread"),
            expects="process 或 thread"),
    Setting("QA_INDEXING_MEMORY_MB", 4096, "address space (MB) the indexing child process may use (0: no limit)",
            _non_negative_int, expects="0 或正整数（单位 MB）"),
    Setting("QA_PROGRESS", False, "1 shows the embedding progress bar even when stderr is not a terminal", _bool),
    # the store
    Setting("QA_STORE", "faiss", "vector store: faiss (in the index folder), qdrant or milvus",
            _choice("faiss", "qdrant", "milvus"), index=True, expects="faiss、qdrant 或 milvus"),
    Setting("QA_QDRANT_PATH", None, "Qdrant embedded local mode folder (a test double, not the engine)"),
    Setting("QA_QDRANT_URL", None, "Qdrant server or cluster URL"),
    Setting("QA_QDRANT_API_KEY", None, "Qdrant API key"),
    Setting("QA_QDRANT_COLLECTION", "report-qa", "Qdrant collection name", index=True),
    Setting("QA_MILVUS_URI", None, "Milvus server or cluster URI, e.g. http://127.0.0.1:19530"),
    Setting("QA_MILVUS_TOKEN", None, "Milvus token (user:password or API key)"),
    Setting("QA_MILVUS_COLLECTION", "report_qa", "prefix of the Milvus collections (letters, digits, _)",
            index=True),
    Setting("QA_MILVUS_INDEX", "FLAT", "Milvus vector index: FLAT (exact) or HNSW (approximate)",
            lambda raw: _choice("flat", "hnsw")(raw).upper(), expects="FLAT 或 HNSW"),
    # limits on input files
    Setting("QA_WARN_FILE_MB", 5.0, "files above this size (MB) are read with a warning", _positive(float),
            expects="正数（单位 MB）"),
    Setting("QA_MAX_FILE_MB", 20.0, "files above this size (MB) are refused", _positive(float),
            expects="正数（单位 MB）"),
    Setting("QA_MAX_CHARS", 1_000_000, "characters a document may bring into the index (and read or "
            "extract on the way)", _positive(int), expects="正整数（字数）"),
    Setting("QA_MAX_UNZIPPED_MB", 50.0, "MB a .docx's parts may decompress to", _positive(float),
            expects="正数（单位 MB）"),
    Setting("QA_MAX_XML_MB", 10.0, "MB a .docx's XML parts may decompress to", _positive(float),
            expects="正数（单位 MB）"),
    Setting("QA_MAX_PAGES", 1000, "pages a PDF may have", _positive(int), expects="正整数（页数）"),
    Setting("QA_MAX_CONTENT_MB", 10.0, "MB a PDF's content streams may decompress to (pages and the forms "
            "they draw)", _positive(float), expects="正数（单位 MB）"),
    Setting("QA_MAX_HTML_MB", 5.0, "MB a web page may have", _positive(float), expects="正数（单位 MB）"),
    # the optional LLM
    Setting("QA_LLM_BASE_URL", "", "OpenAI-compatible server for rewritten answers, e.g. http://127.0.0.1:8000/v1"),
    Setting("QA_LLM_MODEL", "", "the LLM's model name (with QA_LLM_BASE_URL)"),
    Setting("QA_LLM_API_KEY", "", "the LLM server's API key"),
    Setting("QA_LLM_TIMEOUT", 30.0, "seconds to connect and between two pieces of the stream",
            _positive(float), expects="秒数（大于 0 的数字）"),
    Setting("QA_LLM_TOTAL_TIMEOUT", 180.0, "seconds for a whole LLM answer", _positive(float),
            expects="秒数（大于 0 的数字）"),
    # the web app
    Setting("QA_WARM_UP", True, "0 skips loading the models in the background when the app starts", _bool),
    Setting("QA_STREAM_DELAY", 0.02, "seconds between streamed pieces of an extractive answer",
            lambda raw: _non_negative_float(raw), expects="非负数（秒）"),
)


def _non_negative_float(raw: str) -> float:
    value = float(raw)
    if not 0 <= value < float("inf"):
        raise ValueError(raw)
    return value


BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def get(name: str, env: Mapping[str, str] | None = None):
    """The value of setting ``name`` from ``env`` (default: the process environment), parsed;
    InputError naming the variable for a value that does not parse."""
    return BY_NAME[name].read(os.environ if env is None else env)


def describe() -> str:
    """Every setting with its default and help, for ``python -m qa --help-settings``."""
    lines = []
    for s in SETTINGS:
        default = "(unset)" if s.default in (None, "") else repr(s.default)
        flag = "  [index]" if s.index else ""
        lines.append(f"{s.name:22} default {default}{flag}\n    {s.help}")
    return "\n".join(lines)
