"""Optional LLM answers from the retrieved passages, streamed from an OpenAI-compatible server.

Configured by the environment: ``QA_LLM_BASE_URL`` (e.g. ``http://127.0.0.1:8000/v1``) and
``QA_LLM_MODEL``; optional ``QA_LLM_API_KEY``, ``QA_LLM_TIMEOUT`` (seconds to wait for the server
to connect or send the next piece, default 30) and ``QA_LLM_TOTAL_TIMEOUT`` (seconds for the whole
answer, default 180, enforced on the socket). The transport is httpx; a server that ignores
``stream`` is read whole.

The model sees the passages numbered [1]..[n] and is told to answer in Chinese from them only,
citing with [n]. Markers naming no given passage are dropped while streaming. ``reword`` (what
the app shows and ``llm_answer`` returns) also checks the claims (``qa.answer.claims``): a sentence
keeps a marker only where the cited passage holds its figures (numbers with units, percentages,
years), and a figure found in no passage it could come from is marked （未在引用段落中找到）.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, replace
from typing import Iterator, Mapping, Sequence

import httpx

from . import settings
from .answer.claims import ClaimFilter
from .errors import InputError, QAError
from .types import Answer, Citation, Hit

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
DEFAULT_TOTAL_TIMEOUT = 180.0
MAX_LINE_BYTES = 1_000_000  # an event line longer than this is not a chat stream
MAX_RESPONSE_BYTES = 4_000_000  # a whole reply larger than this is refused

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


def llm_config_from_env(env: Mapping[str, str] | None = None) -> LLMConfig | None:
    """The configuration from the ``QA_LLM_*`` variables; None when neither base URL nor model
    is set. InputError (naming the variable) for anything else that is not usable: only one of
    the two set, a URL that is not http(s), a time-out that is not a positive number."""
    env = os.environ if env is None else env
    base_url = settings.get("QA_LLM_BASE_URL", env)
    model = settings.get("QA_LLM_MODEL", env)
    if not base_url and not model:
        return None
    if not model:
        raise InputError("设置了 QA_LLM_BASE_URL，但没有设置 QA_LLM_MODEL（模型名）")
    if not base_url:
        raise InputError("设置了 QA_LLM_MODEL，但没有设置 QA_LLM_BASE_URL（如 http://127.0.0.1:8000/v1）")
    parsed = urllib.parse.urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(f"QA_LLM_BASE_URL 应是 http(s) 地址，如 http://127.0.0.1:8000/v1，"
                         f"而不是 {base_url!r}")
    return LLMConfig(
        base_url=base_url,
        model=model,
        api_key=settings.get("QA_LLM_API_KEY", env) or None,
        timeout=settings.get("QA_LLM_TIMEOUT", env),
        total_timeout=settings.get("QA_LLM_TOTAL_TIMEOUT", env),
    )


# ---------------------------------------------------------------- prompt


def passage(hit: Hit) -> str:
    """A passage as the LLM sees it: its heading path in brackets, then its text."""
    where = " > ".join(hit.section)
    return f"（{where}）\n{hit.text}" if where else hit.text


def build_messages(question: str, hits: Sequence[Hit]) -> list[dict]:
    """Chat messages: the rules, then the passages numbered [1]..[n] and the question."""
    passages = [f"[{n}]" + ("" if p.startswith("（") else "\n") + p
                for n, p in enumerate(map(passage, hits), 1)]
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


class _Deadline:
    """The whole answer's time limit, enforced on the socket: when it passes, a timer shuts the
    connection down, so a read blocked on a server that trickles bytes (with or without newlines)
    returns at once. Also checked between reads."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._timer: threading.Timer | None = None

    def left(self) -> float:
        return max(self.at - time.monotonic(), 0.0)

    def trace(self, event: str, info: dict) -> None:
        """httpx's trace hook: arm on the socket as soon as it is connected, so a server that
        trickles its response headers is cut off too."""
        if event.endswith("connect_tcp.complete"):
            self.arm(info.get("return_value"))

    def arm(self, stream) -> None:
        """Start the timer on ``stream``'s socket (an httpcore network stream), once."""
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None and self._timer is None:
            self._timer = threading.Timer(self.left(), self._cut, (sock,))
            self._timer.daemon = True
            self._timer.start()

    def _cut(self, sock: socket.socket) -> None:
        self.expired = True
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def check(self) -> None:
        if self.expired or time.monotonic() > self.at:
            self.expired = True
            raise LLMError(f"the LLM answer took longer than {self.seconds:g} s (QA_LLM_TOTAL_TIMEOUT)")

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


def _bounded(chunks: Iterator[bytes], deadline: _Deadline) -> Iterator[bytes]:
    """The response's bytes, stopping at the deadline or past ``MAX_RESPONSE_BYTES``."""
    total = 0
    for chunk in chunks:
        deadline.check()
        total += len(chunk)
        if total > MAX_RESPONSE_BYTES:
            raise LLMError(f"the LLM server sent more than {MAX_RESPONSE_BYTES // 1_000_000} MB")
        yield chunk
    deadline.check()


def _sse_data(chunks: Iterator[bytes]) -> Iterator[str]:
    """The data of each server-sent event in a byte stream (other fields and comments ignored)."""
    buffer, data = b"", []
    for chunk in chunks:
        lines = (buffer + chunk).split(b"\n")
        buffer = lines.pop()
        if len(buffer) > MAX_LINE_BYTES:
            raise LLMError(f"the LLM server sent a line longer than {MAX_LINE_BYTES // 1000} kB: "
                           "not a server-sent event stream")
        for raw in lines:
            line = raw.rstrip(b"\r").decode("utf-8", "replace")
            if not line:
                if data:
                    yield "\n".join(data)
                    data = []
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
    if buffer.strip().startswith(b"data:"):
        data.append(buffer.strip()[5:].decode("utf-8", "replace").strip())
    if data:  # the server closed the stream without the final blank line
        yield "\n".join(data)


def _event(payload: str) -> dict | None:
    """A chunk's JSON, None for ``[DONE]``; LLMError for garbage or an error event."""
    if payload.strip() == "[DONE]":
        return None
    try:
        event = json.loads(payload)
    except json.JSONDecodeError:
        raise LLMError(f"the LLM server sent something that is not JSON: {payload[:200]!r}") from None
    if isinstance(event, dict) and event.get("error"):
        error = event["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise LLMError(f"the LLM server reported an error: {message}")
    return event if isinstance(event, dict) else {}


def _content(event: dict) -> str:
    """The text a chat-completion chunk adds (``choices[0].delta.content``, or ``.message.content``
    of a whole completion), else ""."""
    try:
        delta = event["choices"][0].get("delta") or event["choices"][0].get("message") or {}
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else ""


def _texts(response: httpx.Response, deadline: _Deadline) -> Iterator[str]:
    """The answer's text pieces from a streamed reply, or from a whole completion when the server
    ignored ``stream`` (logged)."""
    chunks = _bounded(response.iter_bytes(), deadline)
    if response.headers.get("content-type", "").startswith("application/json"):
        log.warning("the LLM server at %s ignored stream=true and sent its answer whole",
                    response.request.url)
        event = _event(b"".join(chunks).decode("utf-8", "replace"))
        if event:
            yield _content(event)
        return
    for payload in _sse_data(chunks):
        event = _event(payload)
        if event is None:
            return
        yield _content(event)


def _client(config: LLMConfig, deadline: _Deadline) -> httpx.Client:
    wait = min(config.timeout, deadline.seconds)
    return httpx.Client(
        timeout=httpx.Timeout(wait),
        trust_env=not _is_loopback(config.url),  # no proxy for a server on this machine
        transport=httpx.HTTPTransport(retries=1, trust_env=not _is_loopback(config.url)),
        follow_redirects=False,
    )


def _stream(config: LLMConfig, body: dict) -> Iterator[str]:
    """POST ``body``, yield the answer's text pieces; every failure is an LLMError."""
    headers = {"Accept": "text/event-stream"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    deadline = _Deadline(config.total_timeout)
    answered = False
    try:
        with _client(config, deadline) as client, \
                client.stream("POST", config.url, json=body, headers=headers,
                              extensions={"trace": deadline.trace}) as response:
            answered = True
            deadline.arm(response.extensions.get("network_stream"))
            if response.status_code >= 400:
                detail = b"".join(_bounded(response.iter_bytes(), deadline))[:300]
                detail = detail.decode("utf-8", "replace").strip()
                raise LLMError(f"the LLM server at {config.url} answered HTTP {response.status_code} "
                               f"{response.reason_phrase}" + (f": {detail}" if detail else ""))
            yield from _texts(response, deadline)
    except httpx.TimeoutException:
        deadline.check()
        if answered:
            raise LLMError(f"the LLM server at {config.url} stopped sending for "
                           f"{config.timeout:g} s (QA_LLM_TIMEOUT)") from None
        raise LLMError(f"the LLM server at {config.url} did not answer within "
                       f"{min(config.timeout, config.total_timeout):g} s (QA_LLM_TIMEOUT)") from None
    except httpx.HTTPError as exc:
        deadline.check()
        if answered:
            raise LLMError(f"the connection to the LLM server broke: {exc}") from None
        raise LLMError(f"cannot reach the LLM server at {config.url}: {exc}") from None
    finally:
        deadline.cancel()


def stream_answer(question: str, hits: Sequence[Hit], config: LLMConfig) -> Iterator[str]:
    """Stream the LLM's answer to ``question`` from ``hits`` only, as pieces of markdown text.

    A generator: the request is sent on the first ``next()``, and every failure is raised as an
    ``LLMError`` from it, and logged: connection refused, HTTP error, time-out (each read, and the
    whole answer), unreadable stream, and a reply with no text in it (only ``[DONE]``). The caller
    then falls back to the extractive answer. Citation markers naming no passage are dropped.
    """
    if not hits:
        raise InputError("LLM 回答至少需要一个段落")
    body = {"model": config.model, "messages": build_messages(question, hits), "stream": True,
            "temperature": config.temperature, "max_tokens": config.max_tokens}
    checker = CitationFilter(len(hits))
    said = False
    try:
        for text in _stream(config, body):
            piece = checker.feed(text)
            said = said or bool(piece.strip())
            if piece:
                yield piece
        tail = checker.flush()
        said = said or bool(tail.strip())
        if not said:
            raise LLMError(f"the LLM server at {config.url} answered no text")
        if tail:
            yield tail
    except LLMError as err:
        log.warning("no LLM answer, the extractive answer is used instead: %s", err)
        raise


def reword(answer: Answer, config: LLMConfig) -> Iterator[str]:
    """The LLM's wording of ``answer``, streamed sentence by sentence, its claims checked: the
    question as the engine understood it (``answer.query``, never analysed again) over the same
    hits, so [n] names ``answer.hits[n-1]``; a sentence keeps [n] only where ``answer.hits[n-1]``
    holds its figures, and figures found nowhere are marked (``qa.answer.claims``). Nothing at all
    when the engine judged the question not covered: the extractive answer, which says what is
    missing, stands."""
    if not answer.covered or not answer.hits:
        return iter(())
    question = getattr(answer.query, "text", None) or answer.question
    return _checked(stream_answer(question, answer.hits, config), answer.hits,
                    given=f"{question}\n{answer.question}")


def _checked(pieces: Iterator[str], hits: Sequence[Hit], given: str) -> Iterator[str]:
    """``pieces`` through a ``ClaimFilter`` over ``hits``; what it marked or dropped is logged."""
    claims = ClaimFilter([passage(h) for h in hits], given=given)
    for piece in pieces:
        if text := claims.feed(piece):
            yield text
    if text := claims.flush():
        yield text
    if claims.unsupported or claims.dropped:
        log.warning("LLM answer checked: figures not found in the cited passages %s, "
                    "markers dropped %s", claims.unsupported, sorted(set(claims.dropped)))


def llm_answer(answer: Answer, config: LLMConfig) -> Answer:
    """``answer`` reworded by the LLM (kind "llm"), its claims checked (``reword``) and its
    citations pointing at the hits still cited; a question the engine judged not covered keeps
    its extractive answer."""
    if not answer.covered or not answer.hits:
        return answer
    hits = answer.hits
    text = "".join(reword(answer, config)).strip()
    citations = tuple(Citation(n, hits[n - 1].doc_id, hits[n - 1].section, hits[n - 1].start,
                               hits[n - 1].end, hits[n - 1].text, hit=n - 1)
                      for n in sorted(cited_numbers(text)))
    return replace(answer, text=text, citations=citations, kind="llm")
