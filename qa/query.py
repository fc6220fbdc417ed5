"""Validate and clean what users type before it reaches the engine."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import InputError

MAX_QUERY_CHARS = 500
MAX_K = 100
_HAS_WORD = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Query:
    """A cleaned query; ``truncated`` says it was cut to ``MAX_QUERY_CHARS``."""

    text: str
    original_length: int
    truncated: bool = False

    @property
    def notice(self) -> str:
        return (f"query truncated to its first {MAX_QUERY_CHARS} of {self.original_length} characters"
                if self.truncated else "")


def prepare_query(raw: object) -> Query:
    """Strip control and zero-width characters, fold white space, cut overly long queries.

    Raises InputError for a non-string, an empty query or one with nothing to search for
    (only punctuation or emoji).
    """
    if not isinstance(raw, str):
        raise InputError(f"query must be text, not {type(raw).__name__}")
    text = "".join(" " if ch.isspace() else ch for ch in raw
                   if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf"))
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise InputError("empty query: type a question about the report")
    if not _HAS_WORD.search(text):
        raise InputError("the query has no words to search for (only punctuation or symbols)")
    truncated = len(text) > MAX_QUERY_CHARS
    return Query(text[:MAX_QUERY_CHARS].strip() if truncated else text, len(raw), truncated)


def check_k(k: object) -> int:
    """``k`` as an int in 1..MAX_K, or InputError naming the bad value."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise InputError(f"k must be a whole number, not {k!r}")
    if not 1 <= k <= MAX_K:
        raise InputError(f"k must be between 1 and {MAX_K}, not {k}")
    return k
