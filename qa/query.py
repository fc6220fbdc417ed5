"""Validate and clean what users type before it reaches the engine.

Everything here is bounded: a query is cut to a few thousand characters *before* any
per-character work, so a 30-million-character paste costs no more than a short one.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from .errors import InputError

MAX_QUERY_CHARS = 500  # what is searched
MAX_RAW_CHARS = 4 * MAX_QUERY_CHARS  # what is looked at, at most (room for dropped characters)
MAX_K = 100

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # incl. Ext. A and B–G
# kana, but not ・ and ー (U+30FB/30FC), which Chinese text uses too
_KANA = r"\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fd-\u30ff\u31f0-\u31ff\uff66-\uff9d"
_HANGUL = r"\u1100-\u11ff\u3130-\u318f\uac00-\ud7af\ua960-\ua97f\ud7b0-\ud7ff"
_SCRIPTS = {"han": re.compile(f"[{_HAN}]"), "kana": re.compile(f"[{_KANA}]"),
            "hangul": re.compile(f"[{_HANGUL}]"), "latin": re.compile(r"[A-Za-z\u00c0-\u024f]")}
_SENTENCE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+|\n|$)")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DROPPED = ("Cc", "Cf", "Cs")  # control, format (zero-width), surrogates (unencodable)

Keep = Literal["start", "last_sentence"]


@dataclass(frozen=True)
class Query:
    """A cleaned query. ``truncated`` says it was cut; ``kept`` which part: the first
    ``MAX_QUERY_CHARS`` characters ("start") or the question at the end ("last_sentence")."""

    text: str
    original_length: int
    truncated: bool = False
    kept: Keep = "start"

    @property
    def notice(self) -> str:
        if not self.truncated:
            return ""
        if self.kept == "last_sentence":
            return f"问题较长（{self.original_length} 个字符），只按最后一句检索"
        return f"问题较长（{self.original_length} 个字符），只按前 {MAX_QUERY_CHARS} 个字符检索"


def clean_text(raw: str) -> str:
    """``raw`` without control, zero-width and surrogate characters, white space folded to single
    spaces. Lone surrogates (from undecodable bytes, e.g. a command-line argument ``$'\\xff'``)
    can never be encoded and are dropped here, in one place."""
    text = "".join(" " if ch.isspace() else ch for ch in raw
                   if ch.isspace() or unicodedata.category(ch) not in _DROPPED)
    return re.sub(r"\s+", " ", text).strip()


def encodable(text: str) -> str:
    """``text`` without lone surrogates (all else kept, line breaks too): safe to encode as UTF-8
    or JSON, e.g. to echo a question as it was typed."""
    return text.encode("utf-8", "ignore").decode("utf-8") if _SURROGATE.search(text) else text


def last_sentence(text: str) -> str:
    """The question at the end of a long paste: its last sentence that ends with a question mark,
    else its last sentence with a word in it, at most ``MAX_QUERY_CHARS`` characters (its end)."""
    sentences = [s.strip() for s in _SENTENCE.findall(text) if _has_word(s)]
    if not sentences:
        return text[-MAX_QUERY_CHARS:].strip()
    questions = [s for s in sentences if s.rstrip("。；;").endswith(("?", "？"))]
    return (questions or sentences)[-1][-MAX_QUERY_CHARS:].strip()


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _unsupported_script(text: str) -> str | None:
    """An honest Chinese message when ``text`` is in a language the engine cannot search:
    Japanese (any kana), Korean (any Hangul), or letters of another script with no Chinese
    characters. Chinese and English are supported."""
    if _SCRIPTS["kana"].search(text):
        return "暂不支持日语提问：请用中文提问（英文也可以）"
    if _SCRIPTS["hangul"].search(text):
        return "暂不支持韩语提问：请用中文提问（英文也可以）"
    if _SCRIPTS["han"].search(text) or _SCRIPTS["latin"].search(text):
        return None
    if any(ch.isalpha() for ch in text):
        return "暂不支持这种文字的提问：请用中文提问（英文也可以）"
    return None


def prepare_query(raw: object, *, keep: Keep = "start") -> Query:
    """Cut, clean and check a query.

    Only the first (``keep="start"``) or last (``keep="last_sentence"``) ``MAX_RAW_CHARS``
    characters are ever looked at. Control, zero-width and unencodable characters are dropped and
    white space folded. A query still longer than ``MAX_QUERY_CHARS`` is cut to its start, or to
    its last sentence (a long paste usually ends with the question about it).

    Raises InputError (in Chinese) for a non-string, an empty query, one with nothing to search
    for (only punctuation or emoji) and one in a language the engine does not support.
    """
    if not isinstance(raw, str):
        raise InputError(f"问题必须是文本，而不是 {type(raw).__name__}")
    if keep not in ("start", "last_sentence"):
        raise InputError(f"keep 只能是 'start' 或 'last_sentence'，而不是 {keep!r}")
    head = raw[:MAX_RAW_CHARS] if keep == "start" else raw[-MAX_RAW_CHARS:]
    text = clean_text(head)
    if not text:
        raise InputError("问题是空的：请输入一个关于报告的问题")
    if not _has_word(text):
        raise InputError("问题里没有可以检索的文字（只有标点或符号）")
    unsupported = _unsupported_script(text)
    if unsupported:
        raise InputError(unsupported)
    truncated = len(raw) > MAX_RAW_CHARS or len(text) > MAX_QUERY_CHARS
    if truncated:
        text = last_sentence(text) if keep == "last_sentence" else text[:MAX_QUERY_CHARS].strip()
    return Query(text, len(raw), truncated, keep)


def check_k(k: object) -> int:
    """``k`` as an int in 1..MAX_K, or InputError (in Chinese) naming k and the bad value."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise InputError(f"k（返回的段落数）必须是整数，而不是 {_shown(k)}")
    if not 1 <= k <= MAX_K:
        raise InputError(f"k（返回的段落数）必须在 1 到 {MAX_K} 之间，而不是 {k}")
    return k


def k_from_request(value: object) -> int:
    """``k`` as it arrives over HTTP or from a form: an int, an integral float (JSON numbers) or a
    string of digits, in 1..MAX_K. Anything else ("abc", "1e3", None, [1], 2.5, True) is an
    InputError naming k."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= 10 * MAX_K:
        value = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]{1,6}\s*", value):
        value = int(value)
    return check_k(value)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"
