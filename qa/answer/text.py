"""Text helpers for answers: clauses, excerpts, list items, near-duplicates, markdown."""
from __future__ import annotations

import re
import unicodedata

from ..structure import CLAUSE_ENDS, FULL_STOPS, sentence_spans

UNITS = (
    "个百分点|百分点|万平方米|平方公里|平方米|立方米|公里|千米|公顷|千瓦时|千瓦|兆瓦|万人次|人次|万人|人|万户|户|家次|家|万个|个|"
    "项|条|所|座|处|万套|套|辆|万吨|吨|亿吨|万亩|亩|公斤|斤|米|万元|亿元|元|倍|次|场|名|张|台|间|栋|批|届|天|小时|分钟|"
    "颗|列|艘|架次|架|标箱|位|件|岁|头|只|株|部|册|种|份|微克/立方米|毫米|千克|克|升|%|％"
)
# units written in Latin letters: computing power (1.7万P, 15 EFLOPS), storage, power, containers
# (FLOPS in any case: reports write 190Eflops as well as 15 EFLOPS)
LATIN_UNITS = r"(?i:[EPT]?flops)|P|PB|EB|TB|GW|MW|kW|KW|GWh|kWh|TEU|km|kg|Gbps|Mbps"
# a number (607, 1.3万, or a magnitude in words: 千亿) with its unit
FIGURE = re.compile(rf"(?:\d+(?:\.\d+)?(?:[万亿千百])?|[一二两三四五六七八九]?[十百千万亿]+)(?:余|多)?(?:[万亿])?"
                    rf"(?P<unit>{UNITS}|\s?(?:{LATIN_UNITS})(?![A-Za-z]))")
ORDINAL = re.compile(r"^(?:——|[一二三四五六七八九十]+是|（[一二三四五六七八九十\d]+）|\(\d+\)|\d+[.、）)]|[①-⑩]|首先|其次|再次|最后)")
LEAD_IN = ("按照", "围绕", "通过", "随着", "依托", "借助", "面对", "对照", "针对", "基于", "为了", "根据")
PUNCT = "，,；;：:。！？!?、 \t\n"
OPEN_END = "，,；;：:、"
EXCERPT_CHARS = 120  # longer sentences are cut to the clauses around the relevant one
ITEM_CHARS = 60  # list items of one numbered point (一是…) are cut to their first clauses
MIN_ITEM_CHARS = 6  # a shorter clause is joined to the next one rather than listed alone
MIN_ENUM_PART = 12  # a clause is split on 、 only when every part is at least this long
DUPLICATE = 0.6  # char-bigram Jaccard from which two items count as the same
CONTAINED = 0.8  # ... or this share of the shorter item's bigrams inside the longer one
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence ranges of ``text`` as a reader reads them (split after 。！？)."""
    return sentence_spans(text, ends=FULL_STOPS, min_len=0)


def clauses(text: str) -> list[str]:
    """``text`` cut after each clause mark, pieces keeping their punctuation."""
    return [p for s, e in sentence_spans(text, ends=CLAUSE_ENDS, min_len=0)
            if (p := text[s:e]).strip(PUNCT)]


def bigrams(text: str) -> set[str]:
    chars = [c for c in text.lower() if c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:])} or set(chars)


def same(a: str, b: str) -> bool:
    """Near-duplicates: high char-bigram Jaccard, or one almost inside the other."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return x == y
    shared = len(x & y)
    return shared / len(x | y) >= DUPLICATE or shared / min(len(x), len(y)) >= CONTAINED


def md(text: str) -> str:
    """Backslash-escape markdown syntax in quoted report text (so ``[3]`` is no citation)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def excerpt(sentence: str, focus: int | set[int], limit: int = EXCERPT_CHARS) -> str:
    """The clauses around clause(s) ``focus`` of ``sentence``, grown while under ``limit`` chars."""
    parts = clauses(sentence.strip())
    focus = {focus} if isinstance(focus, int) else set(focus)
    if len(sentence) <= limit or len(parts) < 2:
        return sentence.strip()
    focus = {min(f, len(parts) - 1) for f in focus} or {0}
    lo, hi = min(focus), max(focus)
    size = sum(len(p) for p in parts[lo:hi + 1])
    while True:
        grown = False
        for cand in (hi + 1, lo - 1):
            if 0 <= cand < len(parts) and size + len(parts[cand]) <= limit:
                size += len(parts[cand])
                lo, hi = min(lo, cand), max(hi, cand)
                grown = True
        if not grown:
            break
    text = "".join(parts[lo:hi + 1]).strip()
    if hi < len(parts) - 1:
        text = text.rstrip(PUNCT) + "…"
    return "…" + text if lo > 0 else text


def numbered_point(sentence: str) -> str | None:
    """The text of a sentence that is one numbered point (一是…, ——…), without its number; None
    for other sentences, including series of points (一是…；二是…)."""
    text = sentence.strip(PUNCT)
    point = ORDINAL.sub("", text, count=1)
    more = any(ORDINAL.match(c.strip(PUNCT)) for c in clauses(point))
    if point == text or more:
        return None
    return point.strip(PUNCT)


def _split_enumeration(clause: str) -> list[str]:
    parts = [p.strip() for p in clause.split("、")]
    if len(parts) > 1 and all(len(p) >= MIN_ENUM_PART for p in parts):
        return parts
    return [clause]


def list_items(sentence: str) -> list[str]:
    """Readable items of an enumerating sentence.

    Splits on ；，。 (keeping lead-in clauses such as "按照…" or very short ones with the next),
    then on 、 only where every part is a clause of its own rather than a noun in a series.
    A sentence that is one numbered point (二是…, ——…) is one item, cut to ITEM_CHARS.
    """
    point = numbered_point(sentence)
    if point is not None:
        return [excerpt(point, 0, ITEM_CHARS).strip(PUNCT)] if point else []
    items: list[str] = []
    pending = ""
    for clause in clauses(sentence):
        text = ORDINAL.sub("", clause.strip(PUNCT)).strip(PUNCT)
        if not text:
            continue
        if text.startswith(LEAD_IN) or len(text) < MIN_ITEM_CHARS:
            pending += text + "，"
            continue
        items.extend(_split_enumeration(pending + text))
        pending = ""
    if pending:
        items.append(pending.rstrip("，"))
    return items


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


def _strong(figure: str, after: str) -> str:
    """``**figure**``, or the figure plain where CommonMark would not close the bold: after
    punctuation (5%) followed by a letter, as in ``增长**5%**左右``."""
    if _is_punct(figure[-1]) and after and not (after.isspace() or _is_punct(after)):
        return md(figure)
    return f"**{md(figure)}**"


def bold_figures(text: str) -> str:
    """Markdown-escaped ``text`` with each figure (number and unit) in bold that renders."""
    spans: list[list[int]] = []
    for m in FIGURE.finditer(text):
        if spans and spans[-1][1] == m.start():  # 3个万亿元: one figure, not **3个****万亿元**
            spans[-1][1] = m.end()
        else:
            spans.append([m.start(), m.end()])
    out, last = [], 0
    for start, end in spans:
        out += [md(text[last:start]), _strong(text[start:end], text[end:end + 1])]
        last = end
    return "".join(out + [md(text[last:])])


def units(text: str) -> list[str]:
    return [m.group("unit").replace("％", "%") for m in FIGURE.finditer(text)]


_VALUE = re.compile(rf"(?P<num>\d+(?:\.\d+)?)(?P<mag>[万亿千百]*)(?:余|多)?(?P<unit>{UNITS})")
_MAGNITUDE = {"百": 1e2, "千": 1e3, "万": 1e4, "亿": 1e8}
_MAGNITUDE_UNITS = ("万", "亿")  # 万元, 亿吨: the magnitude is read into the value


def figure_value(figure: str) -> tuple[float, str, str] | None:
    """(value, unit, magnitude) of a figure in digits (4.93万亿元 → 4.93e12, 元, 万亿; 5.6% → 5.6, %, ""),
    None for one in words (三千) or without a unit."""
    m = _VALUE.search(figure)
    if not m:
        return None
    mag, unit = m.group("mag"), m.group("unit").replace("％", "%")
    while unit[:1] in _MAGNITUDE_UNITS and len(unit) > 1 and unit not in ("个百分点",):
        mag, unit = mag + unit[0], unit[1:]
    value = float(m.group("num"))
    for ch in mag:
        value *= _MAGNITUDE[ch]
    return value, ("%" if unit in ("%", "百分点") else unit), mag


def _number(x: float, decimals: int) -> str:
    text = f"{x:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def difference(a: str, b: str) -> str | None:
    """How figure ``b`` stands against figure ``a``, both in digits and of one unit: "高出0.5个百分点",
    "低3.2万亿元", "持平"; None when they cannot be compared (other units, a figure in words)."""
    x, y = figure_value(a), figure_value(b)
    if x is None or y is None or x[1] != y[1] or x[1] == "个百分点":
        return None
    decimals = max(len(f.split(".")[1]) if "." in f else 0
                   for f in (_VALUE.search(a).group("num"), _VALUE.search(b).group("num")))
    d = y[0] - x[0]
    if abs(d) < 1e-9:
        return "持平"
    mag = x[2] if x[2] == y[2] else ("亿" if abs(d) >= 1e8 else "万" if abs(d) >= 1e4 and x[1] != "%" else "")
    scale = 1.0
    for ch in mag:
        scale *= _MAGNITUDE[ch]
    unit = "个百分点" if x[1] == "%" else mag + x[1]
    return f"{'高出' if d > 0 else '低'}{_number(abs(d) / scale, decimals)}{unit}"


def report_place(doc) -> str:
    """The place a report is about, with its parents (北京市通州区), else ""."""
    region = getattr(doc, "region", None)
    return "".join([p.name for p in region.parents] + [region.name]) if region is not None else ""


def report_label(doc) -> str:
    """How an answer names a report: 《title》（place，year年）, what is known of it. The year is the
    last one its title names (2026年河北省政府工作报告; 关于2023年…与2024年计划的报告: 2024), else the
    year it plans for, else the year it reviews."""
    years = re.findall(r"((?:19|20)\d{2})\s*年", doc.title)
    year = years[-1] if years else getattr(doc, "plan_year", None) or getattr(doc, "report_year", None)
    about = "，".join(x for x in (report_place(doc), f"{year}年" if year else "") if x)
    return f"《{doc.title}》" + (f"（{about}）" if about else "")
