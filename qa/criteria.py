"""Questions across reports: the condition a "which places" question sets on each report's figure,
and the words that frame a question across reports rather than say what is asked about.

Pure functions:
- ``criterion(text)``: the condition of 哪些省份今年GDP增长目标定在4.5%左右 (the figure said so:
  4.5%左右), …放宽到5.5%以上 (a threshold: above 5.5%), …给的是一个区间 (a range), or None;
- ``holds(criterion, figure, clause)``: whether a report's figure (as a clause says it) meets it;
- ``part_text(text, criterion)``: the question as asked of one report (its figure or statement):
  without the condition, the 哪些省份 / 各是多少 / 谁更快 frame.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Criterion", "criterion", "holds", "part_text", "figure_range"]

_NUM = r"\d+(?:\.\d+)?"
_UNIT = r"个百分点|%|％|万人|万元|亿元|万亿元|亿斤|万吨|吨|元|人|个|家|项|公里"
_QUAL = r"以上|以下|以内|左右|上下|及以上"
# a threshold: a verb that moves or compares before the figure (放宽到5.5%以上, 高于5%, 超过100万人)
_ABOVE_VERB = r"超过|高于|大于|多于|不低于|不少于|放宽到|放宽至|提高到|提高至|提升到|提升至|上调到|上调至"
_BELOW_VERB = r"低于|少于|小于|不到|不足|不超过|不高于|下调到|下调至|压降到|降到|降至"
_THRESHOLD = re.compile(rf"(?P<verb>{_ABOVE_VERB}|{_BELOW_VERB})“?(?P<num>{_NUM})(?P<unit>{_UNIT})?”?(?P<qual>{_QUAL})?")
# a figure said as it is (定在4.5%左右, 用“5%以上”这种提法, 增长5%的)
_LITERAL = re.compile(rf"“?(?P<num>{_NUM})(?P<unit>{_UNIT})(?P<qual>{_QUAL})?”?")
# asking for a figure given as a range: said of the figure (是一个区间, 给的是范围), not the noun of a
# phrase (政策范围内, 覆盖范围)
_RANGE_ASK = re.compile(r"(?:是|为|给(?:的|出)?(?:是)?|一个)(?:一个)?(?:区间|范围|幅度)(?![内外])"
                        r"(?:而不是|而非|不是)?(?:一个)?(?:单一|单个|具体)?(?:数字|数值|数)?")
# a range as reports write it: 5%—5.5%, 4.5-5%, 5.5%～6%, 5%到5.5%
_RANGE = re.compile(rf"({_NUM})(?:%|％)?\s*(?:—|–|－|-|~|～|至|到)\s*({_NUM})")
# the frame of a question across reports: which places, each/both, who is higher, the difference
_FRAME = re.compile(
    r"(?:哪些|哪几个|哪几|哪个|哪一个|什么|多少个|几个)(?:省份|省区|省市|省|自治区|地区|地方|城市|市|区县|县|区)|"
    r"(?:谁|哪个|哪一个|哪[省家地])(?:更|最|比较|要)?[高低快慢多少大小强弱好]?|"
    r"各是|各自|各为|分别|[两二三四五六七八九十几多]+(?:地|省份?|省区|个省份?|个地方|家|市)|"
    r"对比一下|比较一下|对比|比较|相比|差多少|差距|相差|之间|这种提法|提法|的是")


@dataclass(frozen=True)
class Criterion:
    """The condition on each report's figure: ``kind`` is "equal" (the figure as said: number,
    unit and qualifier), "above" or "below" (a threshold ``value``; ``qualifier`` 以上/以下 makes
    it inclusive of a report saying the same) or "range" (a figure given as a span)."""

    kind: str
    value: float | None = None
    unit: str = ""
    qualifier: str = ""
    span: tuple[int, int] = (0, 0)  # where the question says it


def _unit(u: str | None) -> str:
    return (u or "").replace("％", "%")


def criterion(text: str) -> Criterion | None:
    """The condition a question across reports sets on each report's figure, or None."""
    found = _RANGE_ASK.search(text)
    if found and re.search(r"区间|范围|幅度", found.group()):
        return Criterion("range", span=found.span())
    found = _THRESHOLD.search(text)
    if found:
        below = re.fullmatch(_BELOW_VERB, found.group("verb")) is not None
        qual = found.group("qual") or ""
        if qual in ("以下", "以内"):
            below = True
        elif qual in ("以上", "及以上"):
            below = False
        return Criterion("below" if below else "above", float(found.group("num")), _unit(found.group("unit")),
                         qual, found.span())
    found = _LITERAL.search(text)
    if found:
        return Criterion("equal", float(found.group("num")), _unit(found.group("unit")), found.group("qual") or "",
                         found.span())
    return None


def figure_range(clause: str) -> tuple[float, float] | None:
    """The span a clause gives (5%—5.5% → (5.0, 5.5)), or None."""
    found = _RANGE.search(clause)
    if not found:
        return None
    a, b = float(found.group(1)), float(found.group(2))
    return (a, b) if a < b else None


_FIGURE = re.compile(rf"(?P<num>{_NUM})(?P<unit>{_UNIT})?(?P<qual>{_QUAL})?")


def holds(c: Criterion, figure: str, clause: str = "") -> bool:
    """Whether a report's ``figure`` (5.5%左右, as its answer gives it; ``clause``: the words around
    it, for a range) meets criterion ``c``."""
    if c.kind == "range":
        return figure_range(clause or figure) is not None
    found = _FIGURE.search(figure or "")
    if not found:
        return False
    value, unit, qual = float(found.group("num")), _unit(found.group("unit")), found.group("qual") or ""
    if c.unit and unit and unit != c.unit:
        return False
    spans = figure_range(clause) if clause else None
    if c.kind == "equal":
        return spans is None and value == c.value and qual == c.qualifier
    low, high = spans if spans else (value, value)
    if c.kind == "above":
        return low > c.value or (low == c.value and qual in ("以上", "及以上"))
    return high < c.value or (high == c.value and qual in ("以下", "以内"))


def part_text(text: str, c: Criterion | None = None) -> str:
    """``text`` as asked of one report: the condition ``c`` and the across-reports frame left out
    (each replaced by a comma, so no word is made of what is left on either side)."""
    if c is not None and c.span != (0, 0):
        text = text[:c.span[0]] + "，" + text[c.span[1]:]
    return _FRAME.sub("，", text)
