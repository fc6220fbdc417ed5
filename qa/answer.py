"""Answers without an LLM: compose a cited markdown answer from ranked hits.

``compose`` is pure (question and hits in, ``Answer`` out). It picks a shape from the question:

- list questions (有哪些, 哪几…): a numbered list of distinct items from the top passages;
- figure questions (多少, 几个, 百分之几…): the sentences holding the figure, figure in bold;
- other (fact, why) questions: the best one to three answering sentences.

Every statement ends with an ``[n]`` marker; citations are numbered in the order the text first
cites a passage. When the passages mix periods (2023 results, 2024 plans), the answer is grouped
under period labels. When even the best passage supports the question too weakly, the answer says
the report does not seem to cover it and lists the closest passages instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .types import Answer, Citation, Hit

LIST, FIGURE, FACT, NOT_COVERED = "list", "figure", "fact", "not_covered"

MIN_SCORE = 0.5  # support (see ``support``) the best hit needs for the question to count as covered
CLOSE = 0.85  # a further hit joins a fact/figure answer when its support is at least CLOSE x the best
LIST_PASSAGES = 5  # passages a list answer gathers items from
FACT_PASSAGES = 3  # passages a fact or figure answer draws sentences from
MAX_ITEMS = 12  # items in a list answer
MAX_SENTENCES = 3  # sentences in a fact answer
MAX_FIGURES = 2  # sentences in a figure answer
EXCERPT_CHARS = 120  # longer sentences are cut to the clauses around the relevant one
MIN_ITEM_CHARS = 6  # a shorter clause is joined to the next one rather than listed alone
MIN_ENUM_PART = 8  # a clause is split on 、 only when every part is at least this long
DUPLICATE = 0.6  # char-bigram Jaccard from which two items count as the same
CONTAINED = 0.8  # ... or this share of the shorter item's bigrams inside the longer one

_LIST_CUE = re.compile(
    r"哪些|哪几|哪[两二三四五六七八九十]|什么项目|有啥|都有什么|列举|"
    r"\bwhat are\b|\bwhat (?:projects|measures|steps|plans)\b|\bwhich\s+\w+s\b|\blist\b",
    re.I,
)
_UNITS = (
    "个百分点|百分点|平方公里|平方米|公里|千米|公顷|千瓦|兆瓦|人次|人|户|家|个|项|条|所|座|处|套|"
    "辆|吨|亩|米|元|倍|次|场|名|张|台|间|栋|批|届|天|小时|分钟|%|％"
)
_FIGURE_CUE = re.compile(
    rf"多少|(?<!哪)几(?:万|亿)?(?:{_UNITS})|百分之几|百分比|比例|占比|比重|增速|增长率|贡献率|"
    r"\bhow (?:many|much)\b|\bwhat (?:percentage|percent|share|proportion)\b",
    re.I,
)
_FIGURE = re.compile(rf"\d+(?:\.\d+)?(?:[万亿千百])?(?:余|多)?(?:[万亿])?(?P<unit>{_UNITS})")
_ASKED_UNIT = re.compile(rf"(?:多少|几)(?:[万亿])?(?P<unit>{_UNITS})")
_PERCENT_CUE = re.compile(r"百分之几|百分比|比例|占比|比重|增速|增长率|贡献率|percent", re.I)
_YEAR = re.compile(r"(?:19|20)\d{2}")
_DONE_CUES = ("执行情况", "完成情况", "完成", "回顾", "总结", "进展", "成效", "results", "review", "progress")
_PLAN_CUES = ("目标", "计划", "措施", "安排", "任务", "打算", "思路", "plan", "target", "goal", "measure")
_LEAD_IN = ("按照", "围绕", "通过", "随着", "依托", "借助", "面对", "对照", "针对", "基于", "为了", "根据")
_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+是|（[一二三四五六七八九十\d]+）|\(\d+\)|\d+[.、）)]|[①-⑩])")
_SENTENCE_END = "。！？!?\n"
_CLAUSE_END = "，,；;：:。！？!?\n"
_OPEN_END = "，,；;：:、"  # punctuation a quote should not end on
_PUNCT = "，,；;：:。！？!?、 \t\n"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


@dataclass(frozen=True)
class _Sentence:
    """An answering sentence: its text and the index of the hit (rank) it comes from."""

    text: str
    rank: int
    period: tuple[int, int] | None


# ---------------------------------------------------------------- question and section analysis


def question_kind(question: str) -> str:
    """"list", "figure" or "fact" (which covers why-questions), from cue words in the question."""
    if _LIST_CUE.search(question):
        return LIST
    if _FIGURE_CUE.search(question):
        return FIGURE
    return FACT


def _period_key(section: Sequence[str]) -> tuple[int, int] | None:
    """(year, 0 for results / 1 for plans) of the first heading, top down, that names both."""
    for heading in section:
        lowered = heading.lower()
        cues = [(lowered.rfind(c) + len(c), phase)
                for phase, words in ((0, _DONE_CUES), (1, _PLAN_CUES)) for c in words if c in lowered]
        years = list(_YEAR.finditer(heading))
        if not cues or not years:
            continue
        cue_end, phase = max(cues)  # the head noun comes last: "…计划执行情况" is a report of results
        before = [y for y in years if y.end() <= cue_end]
        return int((before[-1] if before else years[0]).group()), phase
    return None


def period(section: Sequence[str]) -> str | None:
    """"2023年进展" for a results section, "2024年安排" for a plan section, else None."""
    key = _period_key(section)
    return None if key is None else _label(key)


def _label(key: tuple[int, int] | None) -> str:
    if key is None:
        return "其他"
    year, phase = key
    return f"{year}年进展" if phase == 0 else f"{year}年安排"


def support(hit: Hit) -> float:
    """How well a hit supports the question, 0..1: the larger of its lexical match and dense score.

    Either alone can carry a question: lexical match a Chinese question with the report's words,
    dense similarity a paraphrase or an English question. Hits without those scores use ``score``.
    """
    parts = [hit.scores[k] for k in ("match", "dense") if hit.scores.get(k) is not None]
    return max(parts) if parts else hit.score


# ---------------------------------------------------------------- text helpers


def _split_after(text: str, ends: str) -> list[str]:
    """``text`` cut after each character in ``ends``, pieces keep their punctuation."""
    pieces, start = [], 0
    for i, ch in enumerate(text):
        if ch in ends:
            pieces.append(text[start:i + 1])
            start = i + 1
    pieces.append(text[start:])
    return [p for p in pieces if p.strip(_PUNCT)]


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text.lower() if c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:])} or set(chars)


def _overlap(question: str, text: str) -> float:
    """Share of the question's char bigrams found in ``text``."""
    q = _bigrams(question)
    return len(q & _bigrams(text)) / len(q) if q else 0.0


def _same(a: str, b: str) -> bool:
    """Near-duplicates: high char-bigram Jaccard, or one almost inside the other."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return x == y
    shared = len(x & y)
    return shared / len(x | y) >= DUPLICATE or shared / min(len(x), len(y)) >= CONTAINED


def _md(text: str) -> str:
    """Backslash-escape markdown syntax in quoted report text (so ``[3]`` is no citation)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _excerpt(sentence: str, focus: int, limit: int = EXCERPT_CHARS) -> str:
    """The clauses around clause ``focus`` of ``sentence``, grown while under ``limit`` chars."""
    clauses = _split_after(sentence.strip(), _CLAUSE_END)
    if len(sentence) <= limit or len(clauses) < 2:
        return sentence.strip()
    lo = hi = min(focus, len(clauses) - 1)
    size = len(clauses[lo])
    while True:
        grown = False
        for cand in (hi + 1, lo - 1):
            if 0 <= cand < len(clauses) and size + len(clauses[cand]) <= limit:
                size += len(clauses[cand])
                lo, hi = min(lo, cand), max(hi, cand)
                grown = True
        if not grown:
            break
    text = "".join(clauses[lo:hi + 1]).strip()
    if hi < len(clauses) - 1:
        text = text.rstrip(_PUNCT) + "…"
    return "…" + text if lo > 0 else text


def _focused(question: str, sentence: str) -> str:
    """``sentence``, cut to the clauses around the one closest to the question when long."""
    clauses = _split_after(sentence, _CLAUSE_END)
    best = max(range(len(clauses)), key=lambda i: _overlap(question, clauses[i])) if clauses else 0
    return _excerpt(sentence, best)


# ---------------------------------------------------------------- gathering sentences


def _hit_sentences(question: str, hit: Hit) -> list[str]:
    """The hit's highlighted sentences; without highlights, its sentence closest to the question."""
    spans = sorted(hit.sentences, key=lambda s: s.start)
    found = [hit.text[s.start:s.end].strip().rstrip(_OPEN_END) for s in spans]
    found = [s for s in found if s.strip(_PUNCT)]
    if found:
        return found
    sentences = _split_after(hit.text, _SENTENCE_END)
    return [max(sentences, key=lambda s: _overlap(question, s)).strip()] if sentences else []


def _supporting(hits: Sequence[Hit], min_score: float, limit: int) -> list[int]:
    """Ranks of the first ``limit`` hits whose support reaches ``min_score``."""
    return [i for i, h in enumerate(hits) if support(h) >= min_score][:limit]


def _sentences(question: str, hits: Sequence[Hit], ranks: Sequence[int]) -> list[_Sentence]:
    out: list[_Sentence] = []
    for rank in ranks:
        key = _period_key(hits[rank].section)
        out.extend(_Sentence(text, rank, key) for text in _hit_sentences(question, hits[rank]))
    return out


def _close_ranks(hits: Sequence[Hit], ranks: Sequence[int]) -> list[int]:
    """The best supporting hit, plus those nearly as good or of a period the best one lacks."""
    best = max(support(hits[i]) for i in ranks)
    first = ranks[0]
    seen = {_period_key(hits[first].section)}
    keep = [first]
    for i in ranks[1:]:
        key = _period_key(hits[i].section)
        if support(hits[i]) >= CLOSE * best or (key is not None and key not in seen):
            keep.append(i)
            seen.add(key)
    return keep


# ---------------------------------------------------------------- citations and layout


class _Citer:
    """Hands out [n] markers, numbering passages in the order the text first cites them."""

    def __init__(self, hits: Sequence[Hit]):
        self._hits = hits
        self._numbers: dict[int, int] = {}

    def mark(self, rank: int) -> str:
        return f"[{self._numbers.setdefault(rank, len(self._numbers) + 1)}]"

    def citations(self) -> tuple[Citation, ...]:
        ordered = sorted(self._numbers.items(), key=lambda kv: kv[1])
        return tuple(Citation(n, self._hits[r].doc_id, self._hits[r].section, self._hits[r].start,
                              self._hits[r].end, self._hits[r].text) for r, n in ordered)


def _groups(entries: list[tuple[_Sentence, str]]) -> list[tuple[str | None, list[tuple[_Sentence, str]]]]:
    """Entries grouped under period labels (results before plans), or one unlabelled group."""
    keys = {s.period for s, _ in entries}
    if len(keys - {None}) < 2:
        return [(None, entries)]
    order = sorted(keys, key=lambda k: (k is None, k or (0, 0)))
    return [(_label(k), [e for e in entries if e[0].period == k]) for k in order]


def _render(entries: list[tuple[_Sentence, str]], citer: _Citer, numbered: bool) -> str:
    """Markdown lines ``text [n]``, numbered or as paragraphs, under period headings if mixed."""
    blocks, count = [], 0
    for label, group in _groups(entries):
        lines = [f"**{label}**"] if label else []
        for sentence, text in group:
            count += 1
            lead = f"{count}. " if numbered else ""
            lines.append(f"{lead}{text} {citer.mark(sentence.rank)}")
        blocks.append("\n".join(lines) if numbered else "\n\n".join(lines))
    return "\n\n".join(blocks)


# ---------------------------------------------------------------- the three shapes


def list_items(sentence: str) -> list[str]:
    """Readable items of an enumerating sentence.

    Splits on ；，。 (keeping lead-in clauses such as "按照…" or very short ones with the next),
    then on 、 only where every part is a clause of its own rather than a noun in a series.
    """
    items: list[str] = []
    pending = ""
    for clause in _split_after(sentence, _CLAUSE_END):
        text = _ORDINAL.sub("", clause.strip(_PUNCT)).strip(_PUNCT)
        if not text:
            continue
        if text.startswith(_LEAD_IN) or len(text) < MIN_ITEM_CHARS:
            pending += text + "，"
            continue
        items.extend(_split_enumeration(pending + text))
        pending = ""
    if pending:
        items.append(pending.rstrip("，"))
    return items


def _split_enumeration(clause: str) -> list[str]:
    parts = [p.strip() for p in clause.split("、")]
    if len(parts) > 1 and all(len(p) >= MIN_ENUM_PART for p in parts):
        return parts
    return [clause]


def _list_answer(question: str, hits: Sequence[Hit], ranks: list[int], citer: _Citer) -> str:
    entries: list[tuple[_Sentence, str]] = []
    for sentence in _sentences(question, hits, ranks):
        for item in list_items(sentence.text):
            if len(entries) < MAX_ITEMS and not any(_same(item, seen) for _, seen in entries):
                entries.append((sentence, item))
    return _render([(s, _md(t)) for s, t in entries], citer, numbered=True)


def _unit(unit: str) -> str:
    return unit.replace("％", "%")


def _asked_unit(question: str) -> str | None:
    """The unit a figure question asks for: 公里 in 多少公里, % in 百分之几, else None."""
    found = _ASKED_UNIT.search(question)
    if found:
        return _unit(found.group("unit"))
    return "%" if _PERCENT_CUE.search(question) else None


def _bold_figures(text: str) -> str:
    """Markdown-escaped ``text`` with each figure (number and unit) in bold."""
    out, last = [], 0
    for m in _FIGURE.finditer(text):
        out += [_md(text[last:m.start()]), f"**{_md(m.group())}**"]
        last = m.end()
    return "".join(out + [_md(text[last:])])


def _figure_answer(question: str, hits: Sequence[Hit], ranks: list[int], citer: _Citer) -> str | None:
    """Sentences holding a figure, best first: the asked unit, then closeness to the question."""
    unit = _asked_unit(question)
    candidates = []
    for sentence in _sentences(question, hits, _close_ranks(hits, ranks)):
        clauses = _split_after(sentence.text, _CLAUSE_END)
        for i, clause in enumerate(clauses):
            units = [_unit(m.group("unit")) for m in _FIGURE.finditer(clause)]
            if units:
                score = _overlap(question, clause) + (1.0 if unit in units else 0.0)
                candidates.append((score, -sentence.rank, sentence, _excerpt(sentence.text, i)))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
    chosen: list[tuple[_Sentence, str]] = []
    for score, _, sentence, text in candidates:
        if len(chosen) < MAX_FIGURES and score >= 0.5 * candidates[0][0] \
                and not any(_same(text, seen) for _, seen in chosen):
            chosen.append((sentence, text))
    return _render([(s, _bold_figures(t)) for s, t in chosen], citer, numbered=False)


def _fact_answer(question: str, hits: Sequence[Hit], ranks: list[int], citer: _Citer) -> str:
    """The best sentences: each period's first, then the rest in rank order, up to three."""
    sentences = _sentences(question, hits, _close_ranks(hits, ranks))
    chosen: list[_Sentence] = []
    for pick_new_period in (True, False):
        for s in sentences:
            new_period = all(c.period != s.period for c in chosen)
            if len(chosen) < MAX_SENTENCES and (new_period or not pick_new_period) \
                    and not any(_same(s.text, c.text) for c in chosen):
                chosen.append(s)
    chosen.sort(key=sentences.index)
    return _render([(s, _md(_focused(question, s.text))) for s in chosen], citer, numbered=False)


def _not_covered(question: str, hits: Sequence[Hit], citer: _Citer) -> str:
    text = "报告中似乎没有涉及这个问题。(The report does not seem to cover this question.)"
    if not hits:
        return text
    lines = [text, "", "**最接近的段落 (closest matches)：**", ""]
    for rank, hit in enumerate(hits[:FACT_PASSAGES]):
        where = f"〔{hit.section[-1]}〕" if hit.section else ""
        snippet = _excerpt(hit.text, 0, limit=80)
        lines.append(f"- {_md(where + snippet)} {citer.mark(rank)}")
    return "\n".join(lines)


def compose(question: str, hits: Sequence[Hit], *, min_score: float = MIN_SCORE) -> Answer:
    """Compose a cited markdown answer to ``question`` from ``hits`` (best first), without an LLM.

    The question counts as covered when some hit's ``support`` reaches ``min_score``; only hits
    that reach it are quoted. Otherwise the answer is of kind "not_covered" and cites the closest
    passages as such.
    """
    hits = tuple(hits)
    citer = _Citer(hits)
    ranks = _supporting(hits, min_score, LIST_PASSAGES)
    if not ranks:
        text = _not_covered(question, hits, citer)
        return Answer(question, text, citer.citations(), hits, covered=False, kind=NOT_COVERED)
    kind = question_kind(question)
    text = None
    if kind == LIST:
        text = _list_answer(question, hits, ranks, citer)
    elif kind == FIGURE:
        text = _figure_answer(question, hits, ranks[:FACT_PASSAGES], citer)
    if not text:
        kind = FACT
        text = _fact_answer(question, hits, ranks[:FACT_PASSAGES], citer)
    return Answer(question, text, citer.citations(), hits, covered=True, kind=kind)
