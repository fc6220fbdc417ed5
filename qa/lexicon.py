"""Bridges from the words people use to the words reports use.

- ``Lexicon``: a data file for the genre (qa/data/lexicon.tsv, its source stated there):
  everyday words, abbreviations and English terms → report terms (上学 → 教育 学位).
- ``PinyinCorrector``: a character typed for another with the same pinyin (an IME slip: 该造 for
  改造) is corrected to the corpus's spelling.
Both are pure over the corpus text they are built from.
"""
from __future__ import annotations

import re
import threading
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Iterable

LEXICON = Path(__file__).with_name("data") / "lexicon.tsv"
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


class Lexicon:
    """Everyday word → report terms. ``terms(text)`` gives the terms of every entry in ``text``
    (Chinese entries as substrings, English ones as whole words)."""

    def __init__(self, entries: dict[str, tuple[str, ...]]):
        self.entries = entries
        zh = sorted((w for w in entries if not w.isascii()), key=len, reverse=True)
        en = sorted(w for w in entries if w.isascii())
        self._zh = re.compile("|".join(map(re.escape, zh))) if zh else None
        # whole words among Latin letters, also inside Chinese text (云南去年GDP是多少: no \b there)
        self._en = re.compile(r"(?<![A-Za-z])(?:" + "|".join(map(re.escape, en)) + r")(?![A-Za-z])", re.I) if en else None

    @classmethod
    def load(cls, path: str | Path = LEXICON) -> "Lexicon":
        entries: dict[str, tuple[str, ...]] = {}
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            word, _, terms = line.partition("\t")
            key = word.strip().lower()  # GDP and gdp are one entry: their terms together
            entries[key] = tuple(dict.fromkeys(entries.get(key, ()) + tuple(terms.split())))
        return cls(entries)

    def matches(self, text: str) -> list[str]:
        found = [m.group(0) for m in self._zh.finditer(text)] if self._zh else []
        found += [m.group(0).lower() for m in self._en.finditer(text)] if self._en else []
        return list(dict.fromkeys(found))

    def terms(self, text: str) -> list[str]:
        return list(dict.fromkeys(t for w in self.matches(text) for t in self.entries[w]))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon.load()


_PINYIN: dict[str, tuple[str, ...]] = {}  # word → toneless pinyin, shared by every corrector
PINYIN_CACHE = 200_000  # words kept (a library's two-character words; cleared past it)


def _pinyin(chars: str) -> tuple[str, ...]:
    found = _PINYIN.get(chars)
    if found is None:
        from pypinyin import lazy_pinyin

        found = tuple(lazy_pinyin(chars))
        remember_pinyin({chars: found})
    return found


def pinyin_table(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The pinyin of the two-character Chinese ``words`` (what a ``PinyinCorrector`` looks up):
    made where the CPU is cheap (the indexing child) and handed to :func:`remember_pinyin`."""
    return {w: _pinyin(w) for w in dict.fromkeys(words) if len(w) == 2 and _CJK_RUN.fullmatch(w)}


def remember_pinyin(table: dict[str, tuple[str, ...]]) -> None:
    """Keep ``table`` (word → pinyin) for the correctors of this process."""
    if len(_PINYIN) + len(table) > PINYIN_CACHE:
        _PINYIN.clear()
    _PINYIN.update(table)


# characters of grammar (是, 的, 各, 要…): a token holding one is more likely two words the
# tokenizer joined (各是多少 → 各是, 要建多少 → 要建) than a slip (各是 is no 各市, 要建 no 要件)
GRAMMAR_CHARS = frozenset("是的了着过在有和与及或都也还就要会能可把被给对向从到为以于而且并各每几多少个这那哪什么谁吗呢吧啊呀嘛")


class PinyinCorrector:
    """Corrects pinyin-IME slips against the corpus vocabulary. An IME slip (该造 for 改造, 安真 for
    安贞) leaves a two-character token no dictionary knows (jieba's HMM joins it): when it is not
    in the corpus and sounds like a corpus word differing in one character (toneless pinyin),
    it is replaced by that word. A token with a character of grammar is left alone (各是多少 stays:
    各市 sounds the same, but 各 and 是 are words of the question, not a slip)."""

    def __init__(self, vocabulary: Iterable[str], corpus_text, cut=None, is_word=None):
        """``corpus_text``: a str or a ``qa.corpustext.CorpusText`` (``in`` and ``count``)."""
        self._vocabulary = [w for w in vocabulary if len(w) == 2 and _CJK_RUN.fullmatch(w)]
        self._text = corpus_text
        self._cut = cut or list
        self._is_word = is_word or (lambda w: False)
        self._index: dict[tuple[str, ...], Counter] | None = None
        self._lock = threading.Lock()

    def prepare(self) -> "PinyinCorrector":
        """Build the pinyin index now (else the first ``correct`` does; once, whatever the threads)."""
        with self._lock:
            if self._index is None:
                index: dict[tuple[str, ...], Counter] = {}
                counts = getattr(self._text, "pair_counts", None)  # a CorpusText counts all at once
                counts = counts(self._vocabulary) if counts else [self._text.count(w) for w in self._vocabulary]
                for word, n in zip(self._vocabulary, counts):
                    index.setdefault(_pinyin(word), Counter())[word] += int(n)
                self._index = index
        return self

    def correct(self, text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """(corrected text, ((typed, corrected), …))."""
        if self._index is None:
            self.prepare()
        out, fixes = [], []
        tokens = self._cut(text)
        for piece in tokens:
            if len(piece) == 2 and _CJK_RUN.fullmatch(piece) and piece not in self._text \
                    and not self._is_word(piece) and not GRAMMAR_CHARS.intersection(piece):
                cands = [w for w, _n in self._index.get(_pinyin(piece), Counter()).most_common()
                         if sum(x != y for x, y in zip(w, piece)) == 1]
                if cands:
                    out.append(cands[0])
                    fixes.append((piece, cands[0]))
                    continue
            out.append(piece)
        return "".join(out), tuple(fixes)
