"""Optional LLM answers from the retrieved passages, streamed from an OpenAI-compatible server.

Configured by the environment: ``QA_LLM_BASE_URL`` (e.g. ``http://127.0.0.1:8000/v1``) and
``QA_LLM_MODEL``; optional ``QA_LLM_API_KEY``, ``QA_LLM_TIMEOUT`` (seconds to wait for the server
to connect or send the next piece, default 30) and ``QA_LLM_TOTAL_TIMEOUT`` (seconds for the whole
answer, default 180). Only the standard library is used: ``urllib`` and server-sent events.

The model sees the passages numbered [1]..[n] and is told to answer in Chinese from them only,
citing with [n]. Markers naming no given passage are dropped while streaming.
"""
from __future__ import annotations

import ipaddress
import json
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

from .errors import InputError, QAError
from .types import Answer, Citation, Hit

DEFAULT_TIMEOUT = 30.0
DEFAULT_TOTAL_TIMEOUT = 180.0

SYSTEM_PROMPT = (
    "你是一个报告问答助手。只根据用户给出的编号段落回答问题，不要使用段落以外的知识。"
    "请用中文简洁作答；每句话后用方括号标注所依据段落的编号，例如[1]或[2][3]。"
    "如果段落中没有答案，就直接说明报告中没有涉及这个问题。"
)

_CITATION = re.compile(r"[\[【]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]】]")
_OPEN_CITATION = re.compile(r"[\[【][\d\s,，、]*$")  # a marker that may still be cut mid-stream
_MAX_OPEN = 24  # an "open marker" longer than this is plain text, not a citation


class LLMError(QAError):
    """The LLM server cannot be reached, refuses, times out or answers something unreadable."""


@dataclass(frozen=True)
class LLMConfig:
    """Where and how to ask the LLM. Timeouts are in seconds."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = DEFAULT_TIMEOUT  # to connect, and between two pieces of the stream
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT  # for the whole answer
    temperature: float = 0.2
    max_tokens: int = 1024

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not value > 0:
        raise InputError(f"{name} must be more than 0 seconds, not {raw!r}")
    return value


def llm_config_from_env(env: Mapping[str, str] | None = None) -> LLMConfig | None:
    """The configuration from the ``QA_LLM_*`` variables; None when base URL or model is unset."""
    env = os.environ if env is None else env
    base_url = env.get("QA_LLM_BASE_URL", "").strip()
    model = env.get("QA_LLM_MODEL", "").strip()
    if not base_url or not model:
        return None
    parsed = urllib.parse.urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(f"QA_LLM_BASE_URL must be an http(s) URL such as "
                         f"http://127.0.0.1:8000/v1, not {base_url!r}")
    return LLMConfig(
        base_url=base_url,
        model=model,
        api_key=env.get("QA_LLM_API_KEY", "").strip() or None,
        timeout=_seconds(env, "QA_LLM_TIMEOUT", DEFAULT_TIMEOUT),
        total_timeout=_seconds(env, "QA_LLM_TOTAL_TIMEOUT", DEFAULT_TOTAL_TIMEOUT),
    )


# ---------------------------------------------------------------- prompt


def build_messages(question: str, hits: Sequence[Hit]) -> list[dict]:
    """Chat messages: the rules, then the passages numbered [1]..[n] and the question."""
    passages = []
    for n, hit in enumerate(hits, 1):
        where = " > ".join(hit.section)
        passages.append(f"[{n}]（{where}）\n{hit.text}" if where else f"[{n}]\n{hit.text}")
    user = "段落：\n\n" + "\n\n".join(passages) + f"\n\n问题：{question}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


# ---------------------------------------------------------------- citations


def check_citations(text: str, n_passages: int) -> str:
    """``text`` with citation markers normalised to [n] and those naming no passage 1..n dropped.

    ``[1,9]`` becomes ``[1]``, ``【2】`` becomes ``[2]``, ``[9]`` disappears when n_passages < 9.
    """
    def keep(match: re.Match) -> str:
        numbers = [int(x) for x in re.findall(r"\d+", match.group(1))]
        return "".join(f"[{n}]" for n in dict.fromkeys(numbers) if 1 <= n <= n_passages)

    return _CITATION.sub(keep, text)


def cited_numbers(text: str) -> list[int]:
    """Passage numbers cited in ``text`` (as checked), in order of first citation."""
    return list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", text)))


class CitationFilter:
    """``check_citations`` for a stream: holds back a marker cut between two pieces."""

    def __init__(self, n_passages: int):
        self.n_passages = n_passages
        self._pending = ""

    def feed(self, piece: str) -> str:
        text = self._pending + piece
        cut = _OPEN_CITATION.search(text)
        if cut and len(text) - cut.start() <= _MAX_OPEN:
            text, self._pending = text[:cut.start()], text[cut.start():]
        else:
            self._pending = ""
        return check_citations(text, self.n_passages)

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return check_citations(text, self.n_passages)


# ---------------------------------------------------------------- transport


def _is_loopback(url: str) -> bool:
    host = urllib.parse.urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _open(config: LLMConfig, body: dict):
    """POST ``body`` as JSON to the chat endpoint; the open response, or an LLMError."""
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    request = urllib.request.Request(config.url, data=json.dumps(body).encode("utf-8"),
                                     headers=headers, method="POST")
    handlers = [urllib.request.ProxyHandler({})] if _is_loopback(config.url) else []
    opener = urllib.request.build_opener(*handlers)
    try:
        return opener.open(request, timeout=config.timeout)
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace").strip()
        raise LLMError(f"the LLM server at {config.url} answered HTTP {exc.code} {exc.reason}"
                       + (f": {detail}" if detail else "")) from None
    except (TimeoutError, socket.timeout):
        raise LLMError(f"the LLM server at {config.url} did not answer within "
                       f"{config.timeout:g} s (QA_LLM_TIMEOUT)") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise LLMError(f"the LLM server at {config.url} did not answer within "
                           f"{config.timeout:g} s (QA_LLM_TIMEOUT)") from None
        raise LLMError(f"cannot reach the LLM server at {config.url}: {exc.reason}") from None
    except OSError as exc:
        raise LLMError(f"cannot reach the LLM server at {config.url}: {exc}") from None


def _events(response, config: LLMConfig) -> Iterator[dict]:
    """The JSON payloads of a server-sent event stream, up to ``data: [DONE]``."""
    deadline = time.monotonic() + config.total_timeout
    data: list[str] = []
    while True:
        if time.monotonic() > deadline:
            raise LLMError(f"the LLM answer took longer than {config.total_timeout:g} s "
                           "(QA_LLM_TOTAL_TIMEOUT)")
        try:
            raw = response.readline()
        except (TimeoutError, socket.timeout):
            raise LLMError(f"the LLM server at {config.url} stopped sending for "
                           f"{config.timeout:g} s (QA_LLM_TIMEOUT)") from None
        except OSError as exc:
            raise LLMError(f"the connection to the LLM server broke: {exc}") from None
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
            continue
        if line or not data:  # comments, other fields; or a blank line with nothing pending
            if not raw:
                return  # the server closed the stream without [DONE]
            continue
        payload, data = "\n".join(data), []
        if payload.strip() == "[DONE]":
            return
        try:
            event = json.loads(payload)
        except json.JSONDecodeError:
            raise LLMError(f"the LLM server sent something that is not JSON: "
                           f"{payload[:200]!r}") from None
        if isinstance(event, dict) and event.get("error"):
            error = event["error"]
            message = error.get("message", error) if isinstance(error, dict) else error
            raise LLMError(f"the LLM server reported an error: {message}")
        yield event


def _content(event: dict) -> str:
    """The text a chat-completion chunk adds (``choices[0].delta.content``), else ""."""
    try:
        delta = event["choices"][0].get("delta") or event["choices"][0].get("message") or {}
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else ""


def stream_answer(question: str, hits: Sequence[Hit], config: LLMConfig) -> Iterator[str]:
    """Stream the LLM's answer to ``question`` from ``hits`` only, as pieces of markdown text.

    A generator: the request is sent on the first ``next()``, and every failure (connection
    refused, HTTP error, time-out, unreadable stream) is raised as an ``LLMError`` from it.
    Citation markers naming no passage are dropped.
    """
    if not hits:
        raise InputError("an LLM answer needs at least one passage")
    body = {"model": config.model, "messages": build_messages(question, hits), "stream": True,
            "temperature": config.temperature, "max_tokens": config.max_tokens}
    checker = CitationFilter(len(hits))
    with _open(config, body) as response:
        for event in _events(response, config):
            piece = checker.feed(_content(event))
            if piece:
                yield piece
    tail = checker.flush()
    if tail:
        yield tail


def llm_answer(question: str, hits: Sequence[Hit], config: LLMConfig) -> Answer:
    """The whole streamed answer as an ``Answer``; [n] keeps naming the n-th of ``hits``."""
    hits = tuple(hits)
    text = "".join(stream_answer(question, hits, config)).strip()
    cited = [(n, hits[n - 1]) for n in sorted(cited_numbers(text))]
    citations = tuple(Citation(n, h.doc_id, h.section, h.start, h.end, h.text) for n, h in cited)
    return Answer(question, text, citations, hits, covered=True, kind="llm")
