"""Checked LLM claims: a figure an LLM writes must stand in the passage it cites.

``check_claims(text, passages)`` is pure. The text (markdown with [n] markers naming
``passages[n-1]``) is cut into sentences (``qa.structure.sentence_spans``, a marker written after
the full stop belongs to the sentence before it) and each sentence into claims, one per run of
markers: the text since the previous run, plus, for the last run, the rest of the sentence. For
each claim, its figures (numbers with a unit, percentages, years: ``figures``) are compared with
the figures of the passages it cites, by value and unit (两千个 = 2000个, 1.5万亩 = 15000亩,
百分之五 = 5%):

- every figure stands in one of the cited passages: the claim keeps the cited passages that hold
  one of its figures (all of them when it has no figure);
- a figure stands in none: the claim loses all its markers, and each such figure is followed by
  ``UNSUPPORTED`` so the reader sees it was not found;
- a claim citing nothing: a figure found in no passage at all is marked the same way.

Figures the question itself contains (``given``) are not claims and are not checked. Numbers
inside URLs and HTML tags are not figures. ``ClaimFilter`` does the same on a stream, sentence by
sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..structure import SENTENCE_ENDS, sentence_spans
from .text import UNITS

UNSUPPORTED = "（未在引用段落中找到）"

_CN_DIGITS = "〇零一二两三四五六七八九"
_CN = _CN_DIGITS + "十百千万亿"
_UNIT = rf"(?:{UNITS}|年|月|日)"
_FIGURE = re.compile(
    rf"(?P<percent>百分之)?"
    rf"(?P<number>(?<![A-Za-z0-9_.第])\d+(?:,\d{{3}})*(?:\.\d+)?(?![\d,.]?\d)[十百千万亿]*"
    rf"|(?<![第{_CN}点])[{_CN}][{_CN}点]*)"
    rf"(?:余|多)?(?P<unit>{_UNIT})?")
_YEAR = re.compile(r"(?:19|20)\d\d")  # a bare four-digit number of these is a year
_NOT_TEXT = re.compile(r"https?://\S+|<[^>\n]*>|\]\([^)\n]*\)")  # URLs, tags, link targets
_MARKERS = re.compile(r"(?:[ \t]*\[\d+\])+")
_LEADING_MARKERS = re.compile(r"(?:[ \t]*\[\d+\])+")
_OPEN_MARKER = re.compile(r"[ \t]*\[\d*$")
_SCALE_UNIT = re.compile(r"^([万亿])(.+)$")  # 万元 is yuan times 10,000
_SAME_UNIT = {"％": "%", "百分点": "个百分点"}  # and 千米 is read as 公里


@dataclass(frozen=True)
class Figure:
    """A number with its unit in a text: ``text[start:end]``, its ``value`` and its ``unit``
    ("%" for 百分之…, "年" for a bare year, scale words folded into the value)."""

    text: str
    start: int
    end: int
    value: float
    unit: str

    @property
    def key(self) -> tuple[float, str]:
        return round(self.value, 6), self.unit


@dataclass(frozen=True)
class ClaimCheck:
    """What ``check_claims`` did: the checked ``text``, the figures it marked and the passage
    numbers whose markers it dropped."""

    text: str
    unsupported: tuple[str, ...] = ()
    dropped: tuple[int, ...] = ()


def _number(text: str) -> float | None:
    """The value of 2,000 / 1.5万 / 两千 / 五点二 / 二〇二四, None when it is no number."""
    plain = text.replace(",", "")
    try:
        return float(plain)
    except ValueError:
        pass
    import cn2an  # imported here: a third of a second, paid only when an LLM answers

    try:
        return float(cn2an.cn2an(plain, "smart"))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def figures(text: str) -> list[Figure]:
    """The figures of ``text``: numbers with a unit (from the answers' unit list, plus 年/月/日),
    percentages (5%, 百分之五) and bare years (2024). A number in words needs a unit and is not
    一 alone (一个, 一批 are words) nor a lone 百/千/万/亿 (千家万户); ordinals (第三) are not
    figures; neither are numbers inside URLs, HTML tags or link targets."""
    visible = _NOT_TEXT.sub(lambda m: " " * len(m.group()), text).replace("千米", "公里")
    found = []
    for m in _FIGURE.finditer(visible):
        number, unit = m.group("number"), m.group("unit") or ""
        arabic = number[0].isdigit()
        if m.group("percent"):
            unit = "%"
        elif not unit:
            if not (arabic and _YEAR.fullmatch(number)):
                continue
            unit = "年"
        if not arabic and (number == "一" or (len(number) == 1 and number in "百千万亿")):
            continue
        value = _number(number)
        if value is None:
            continue
        scaled = _SCALE_UNIT.match(unit)
        if scaled and scaled.group(2) in UNITS.split("|"):
            value *= 1e4 if scaled.group(1) == "万" else 1e8
            unit = scaled.group(2)
        unit = _SAME_UNIT.get(unit, unit)
        found.append(Figure(text[m.start():m.end()], m.start(), m.end(), value, unit))
    return found


class _Passage:
    """A passage's figures (by value and unit) and its text, for the look-up of a figure."""

    def __init__(self, text: str):
        self.text = text
        self.keys = {f.key for f in figures(text)}

    def holds(self, figure: Figure) -> bool:
        return figure.key in self.keys or figure.text in self.text


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence ranges of an LLM answer: after 。！？；!?; and line ends, a marker run written after
    the full stop (…。[1]) kept with the sentence before it."""
    spans = sentence_spans(text, ends=SENTENCE_ENDS + "\n", min_len=0)
    out: list[tuple[int, int]] = []
    for s, e in spans:
        lead = _LEADING_MARKERS.match(text, s, e) if out else None
        if lead and not text[out[-1][1] - 1:out[-1][1]] == "\n":
            out[-1] = (out[-1][0], lead.end())
            s = lead.end()
        if s < e:
            out.append((s, e))
    return out


def check_claims(text: str, passages: Sequence[str], given: str = "") -> ClaimCheck:
    """``text`` with each claim's markers kept only where the cited passages hold its figures,
    and the figures found nowhere they could come from followed by ``UNSUPPORTED``.

    ``passages[n-1]`` is what [n] names (as the LLM saw it, headings included); markers naming
    no passage are left as they are (``qa.llm.check_citations`` drops them before)."""
    return _Checker(passages, given).check(text)


class _Checker:
    def __init__(self, passages: Iterable[str], given: str = ""):
        self.passages = [_Passage(p) for p in passages]
        self.given = {f.key for f in figures(given)}

    def check(self, text: str) -> ClaimCheck:
        parts, unsupported, dropped = [], [], []
        for s, e in sentences(text):
            part, marked, lost = self._sentence(text[s:e])
            parts.append(part)
            unsupported += marked
            dropped += lost
        return ClaimCheck("".join(parts), tuple(unsupported), tuple(dropped))

    def _found(self, figure: Figure, cited: Sequence[int]) -> list[int]:
        """The cited passages (all, when none is cited) that hold ``figure``."""
        numbers = cited or range(1, len(self.passages) + 1)
        return [n for n in numbers if 1 <= n <= len(self.passages) and self.passages[n - 1].holds(figure)]

    def _sentence(self, sentence: str) -> tuple[str, list[str], list[int]]:
        runs = list(_MARKERS.finditer(sentence))
        claims = []  # (start, end of the claim's text, its marker run or None)
        start = 0
        for i, run in enumerate(runs):
            end = len(sentence) if i == len(runs) - 1 else run.start()
            claims.append((start, end, run))
            start = run.end()
        if not runs:
            claims.append((0, len(sentence), None))
        edits = []  # (position, end of the replaced range, new text), in order
        marked, lost = [], []
        for start, end, run in claims:
            cited = [int(n) for n in re.findall(r"\d+", run.group())] if run else []
            own = [f for f in figures(sentence)
                   if start <= f.start < end and not (run and run.start() <= f.start < run.end())
                   and f.key not in self.given]
            holding = {f: self._found(f, cited) for f in own}
            missing = [f for f in own if not holding[f]]
            for f in missing:
                edits.append((f.end, f.end, UNSUPPORTED))
                marked.append(f.text)
            if run is None:
                continue
            if missing:
                keep = []
            elif own:
                keep = [n for n in cited if any(n in found for found in holding.values())]
            else:
                keep = cited
            if keep != cited:
                lost += [n for n in cited if n not in keep]
                edits.append((run.start(), run.end(), "".join(f"[{n}]" for n in keep)))
        out, at = [], 0
        for pos, end, new in sorted(edits, key=lambda x: (x[0], x[1])):
            out.append(sentence[at:pos] + new)
            at = end
        out.append(sentence[at:])
        return "".join(out), marked, lost


class ClaimFilter:
    """``check_claims`` for a stream: passes on each sentence, checked, once the next one starts
    (a marker after the full stop may still come), and the rest at ``flush``. ``unsupported``
    and ``dropped`` add up what was marked and dropped."""

    def __init__(self, passages: Sequence[str], given: str = ""):
        self._checker = _Checker(passages, given)
        self._pending = ""
        self.unsupported: list[str] = []
        self.dropped: list[int] = []

    def feed(self, piece: str) -> str:
        self._pending += piece
        settled = _OPEN_MARKER.sub("", self._pending)  # a marker still being written: wait
        spans = [(s, e) for s, e in sentences(settled) if settled[s:e].strip()]
        if len(spans) < 2:
            return ""
        cut = spans[-1][0]
        done, self._pending = self._pending[:cut], self._pending[cut:]
        return self._check(done)

    def flush(self) -> str:
        done, self._pending = self._pending, ""
        return self._check(done) if done else ""

    def _check(self, text: str) -> str:
        result = self._checker.check(text)
        self.unsupported += result.unsupported
        self.dropped += result.dropped
        return result.text
