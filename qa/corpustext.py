"""The corpus text, searchable for short strings without scanning it for every question.

Question analysis asks "does the corpus ever write X?" for a handful of short strings per question
(an unknown two-character token, a place name, an everyday word) and the pinyin corrector counts
the corpus's two-character words. Over one report a scan is instant; over a thousand (16.6 M
characters) each scan costs milliseconds and a count per vocabulary word minutes. The distinct
character bigrams of the corpus, with their counts, in one sorted array answer two-character
strings exactly and rule out almost every absent longer one; only a string whose every bigram occurs
is looked for in the text itself.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

_BLOCK = 1 << 20  # characters per pass when counting bigrams (bounds the temporary arrays)


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _bigrams(codes: np.ndarray) -> np.ndarray:
    return (codes[:-1] << np.uint64(32)) | codes[1:]


def bigram_counts(texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct character bigrams of ``texts`` (as ``first << 32 | second`` code points, sorted)
    and how often each occurs; bigrams never span two texts."""
    keys, counts, block, size = [], [], [], 0

    def flush():
        if block:
            k, c = np.unique(np.concatenate(block), return_counts=True)
            keys.append(k)
            counts.append(c)
            block.clear()

    for text in texts:
        if len(text) > 1:
            block.append(_bigrams(_codes(text)))
            size += len(text)
            if size >= _BLOCK:
                flush()
                size = 0
    flush()
    if not keys:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    if len(keys) == 1:
        return keys[0], counts[0].astype(np.int64)
    merged, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    return merged, np.bincount(inverse, weights=np.concatenate(counts), minlength=len(merged)).astype(np.int64)


class CorpusText:
    """``s in corpus`` and ``corpus.count(s)`` for short strings, fast at any corpus size."""

    def __init__(self, texts: Iterable[str]):
        texts = list(texts)
        self.text = "\n".join(texts)
        self._keys, self._counts = bigram_counts(texts)

    def _found(self, s: str) -> np.ndarray:
        """For each bigram of ``s``, its position in the sorted keys (or -1 when absent)."""
        wanted = _bigrams(_codes(s))
        if not len(self._keys):
            return np.full(len(wanted), -1)
        at = np.minimum(np.searchsorted(self._keys, wanted), len(self._keys) - 1)
        return np.where(self._keys[at] == wanted, at, -1)

    def __contains__(self, s: str) -> bool:
        if len(s) < 2:
            return s in self.text
        found = self._found(s)
        if (found < 0).any():
            return False
        return len(s) == 2 or s in self.text

    def count(self, s: str) -> int:
        """Occurrences of ``s`` (overlapping ones too for a two-character string such as 哈哈)."""
        if len(s) != 2:
            return self.text.count(s)
        at = int(self._found(s)[0])
        return 0 if at < 0 else int(self._counts[at])

    def pair_counts(self, pairs: list[str]) -> np.ndarray:
        """``count`` of each two-character string of ``pairs``, in one pass (the corrector counts
        the whole vocabulary: one search of the sorted bigrams, not one per word)."""
        if not pairs or not len(self._keys):
            return np.zeros(len(pairs), np.int64)
        codes = _codes("".join(pairs)).reshape(-1, 2)
        wanted = (codes[:, 0] << np.uint64(32)) | codes[:, 1]
        at = np.minimum(np.searchsorted(self._keys, wanted), len(self._keys) - 1)
        return np.where(self._keys[at] == wanted, self._counts[at], 0)

    def __len__(self) -> int:
        return len(self.text)
