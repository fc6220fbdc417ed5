"""Answers without an LLM: compose a cited markdown answer from ranked hits.

``compose`` is pure (question and hits in, ``Answer`` out). It picks a shape from the question:

- list questions (有哪些, 哪几…): a numbered list of distinct items from the answering sentences;
- figure questions (多少, 几个, 百分之几…): the sentences holding the figure, figure in bold;
- other (fact, why) questions: the best one to three answering sentences.

Only passages about as relevant as the best one are quoted (``_selected``): relevance is the
engine's ``match``, the IDF-weighted share of the question's terms a passage (with its section
path) holds, so sharing a generic word (项目) or the topic alone (北三县) is not enough when the
best passage also holds the specific one (交通). The sentences quoted are the ones the engine
highlighted as answering.

Every statement ends with an ``[n]`` marker; citations are numbered in the order the text first
cites a passage. When the passages mix periods (2023 results, 2024 plans), the answer is grouped
under period labels. When no passage supports the question (see ``compose``), the answer says the
report does not seem to cover it and lists the closest passages instead. The markdown is
CommonMark: a blank line after each label, each numbered list starting at 1, bold that closes.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from . import structure
from .multilingual import looks_english
from .search import time_intent
from .types import Answer, Citation, Hit

LIST, FIGURE, FACT, NOT_COVERED = "list", "figure", "fact", "not_covered"

# Coverage: some hit must be semantically close (dense >= min_score) and share weighted terms with
# the question (match >= min_match). m3e-small for Chinese questions; English ones are embedded by
# the multilingual USE encoder (another scale) and share no words with a Chinese report.
# Rechecked with 200-char passages and weighted fusion on ../shared/eval/dev.jsonl and
# tests/data/own.jsonl (65 Chinese, 5 English) and 50 out-of-scope questions (41 Chinese, 9
# English): the two sets overlap (dense 0.66-0.78 both), so this is a trade-off. Covered: every
# in-scope question whose retrieval found the answer (the closest one sits at 0.692 for 0.685),
# 31/41 and 7/9 out-of-scope questions not covered. Covering the last two in-scope questions too
# (top hits without the answer: dense 0.6690, English 0.245) would take 0.665 / 0.24 and let 16/41
# and 3/9 out-of-scope questions through, with a wrong answer for those two.
MIN_SCORE, MIN_MATCH = 0.685, 0.02
CROSSLINGUAL_MIN_SCORE, CROSSLINGUAL_MIN_MATCH = 0.25, 0.0
LIST_PASSAGES = 5  # passages a list answer may quote
FACT_PASSAGES = 3  # passages a fact or figure answer may quote
# A passage beyond the best is quoted when it is of the period asked about and
MATCH_RATIO = 0.8  # ... holds this share of the match of its period's best passage,
PERIOD_RATIO = 0.6  # ... which holds this share of the best match overall (a question about 2023
# and 2024 gets the best of each year),
SCORE_RATIO = 0.7  # ... and its fused score is this share of the best one's.
WEAK_MATCH = 0.2  # when no passage holds this share of the question's weighted terms, the words
# tell little about relevance and only the best passage is quoted
MIN_OVERLAP = 0.1  # a fact sentence shares at least this with the question (see _overlap)
MAX_ITEMS = 16  # a list answer takes no further sentence once it has this many items
MAX_SENTENCES = 3  # sentences in a fact answer
MAX_FIGURES = 2  # sentences in a figure answer
EXCERPT_CHARS = 120  # longer sentences are cut to the clauses around the relevant one
ITEM_CHARS = 60  # ... and list items of one numbered point (一是…) to its first clauses
MIN_ITEM_CHARS = 6  # a shorter clause is joined to the next one rather than listed alone
MIN_ENUM_PART = 12  # a clause is split on 、 only when every part is at least this long
DUPLICATE = 0.6  # char-bigram Jaccard from which two items count as the same
CONTAINED = 0.8  # ... or this share of the shorter item's bigrams inside the longer one
MIN_SNIPPET_CHARS = 20  # closest matches shown for an uncovered question skip shorter passages

_LIST_CUE = re.compile(
    r"哪些|哪几|哪[两二三四五六七八九十]|什么项目|有啥|都有什么|列举|"
    r"\bwhat are\b|\bwhat (?:projects|measures|steps|plans)\b|\blist\b|"
    r"\bwhich\s+(?!is\b|was\b|has\b|does\b)\w+s\b",
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
_LEAD_IN = ("按照", "围绕", "通过", "随着", "依托", "借助", "面对", "对照", "针对", "基于", "为了", "根据")
_ORDINAL = re.compile(r"^(?:——|[一二三四五六七八九十]+是|（[一二三四五六七八九十\d]+）|\(\d+\)|\d+[.、）)]|[①-⑩])")
_SENTENCE_END = "。！？!?\n"
_CLAUSE_END = "，,；;：:。！？!?\n"
_OPEN_END = "，,；;：:、"  # punctuation a quote should not end on
_PUNCT = "，,；;：:。！？!?、 \t\n"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


@dataclass(frozen=True)
class _Sentence:
    """An answering sentence: its text, the index of the hit (rank) it comes from, its period, and
    whether it announces what follows (ends with a colon: 建议主要指标安排如下：)."""

    text: str
    rank: int
    period: tuple[int, int] | None
    announces: bool = False


# ---------------------------------------------------------------- question and section analysis


def question_kind(question: str) -> str:
    """"list", "figure" or "fact" (which covers why-questions), from cue words in the question."""
    if _LIST_CUE.search(question):
        return LIST
    if _FIGURE_CUE.search(question):
        return FIGURE
    return FACT


def _period_key(section: Sequence[str]) -> tuple[int, int] | None:
    """(year or 0, 0 for results / 1 for plans) of a section, None when it is neither."""
    phase = structure.period(tuple(section))
    if phase is None:
        return None
    return structure.section_year(tuple(section)) or 0, 0 if phase == "done" else 1


def _label(key: tuple[int, int] | None) -> str:
    if key is None:
        return "其他"
    year, phase = key
    when = f"{year}年" if year else ""
    return f"{when}进展" if phase == 0 else f"{when}安排"


def period(section: Sequence[str]) -> str | None:
    """"2023年进展" for a section reporting results, "2024年安排" for plans, else None.

    Built on ``structure.period`` (results or plans, from the top heading's wording) and
    ``structure.section_year``, the same reading the search uses for its period boost.
    """
    key = _period_key(section)
    return None if key is None else _label(key)


def _covers(hit: Hit, min_score: float, min_match: float) -> bool:
    """A hit supports the question: semantically close and sharing enough of its weighted terms."""
    dense, match = hit.scores.get("dense", hit.score), hit.scores.get("match", 1.0)
    return dense >= min_score and match >= min_match


# ---------------------------------------------------------------- choosing the passages to quote


def _relevance(hit: Hit, english: bool) -> float:
    """How much of the question a hit holds: its IDF-weighted ``match`` (its similarity for an
    English question, which shares no words with a Chinese report)."""
    key = "dense" if english else "match"
    return hit.scores.get(key, hit.score)


def _phase(hit: Hit) -> int | None:
    key = _period_key(hit.section)
    return None if key is None else key[1]


def _asks_both_periods(question: str) -> bool:
    """The question asks about results in one clause and plans in another (去年…，今年…？)."""
    clauses = re.split(r"[，,。？?！!；;]", question)
    return {time_intent(c) for c in clauses} >= {"done", "plan"}


def _selected(question: str, hits: Sequence[Hit], ranks: Sequence[int], limit: int) -> list[int]:
    """The best hit of ``ranks`` and, of the next ones up to ``limit``, those about as relevant:
    of the period the question asks about (any when it asks about both or neither), with a fused
    score of at least SCORE_RATIO x the best's and a relevance (``_relevance``) of at least
    MATCH_RATIO x the highest. So a passage sharing only the topic (北三县) or a generic word (项目)
    with the question is left out when another also holds its specific term (交通).

    For a question about both results and plans, "the highest" is that of the passage's own period
    (when at least PERIOD_RATIO x the overall one), so each period gets its best passage. When no
    passage reaches WEAK_MATCH, the shared words say little and only the best hit is quoted.
    """
    if not ranks:
        return []
    english = looks_english(question)
    wanted = {"done": 0, "plan": 1}.get(time_intent(question) or "")
    by_period = _asks_both_periods(question)
    pool = list(ranks[:limit])
    rel = {r: _relevance(hits[r], english) for r in pool}
    best_score, best_rel = hits[pool[0]].score, max(rel.values())
    if not english and best_rel < WEAK_MATCH:
        return pool[:1]
    phase = {r: _phase(hits[r]) for r in pool}
    period_best = {p: max(rel[r] for r in pool if phase[r] == p) for p in set(phase.values())}
    chosen = pool[:1]
    for r in pool[1:]:
        ref = period_best[phase[r]] if by_period else best_rel
        ref = ref if ref >= PERIOD_RATIO * best_rel else best_rel
        if (wanted is None or phase[r] == wanted) and hits[r].score >= SCORE_RATIO * best_score \
                and rel[r] >= MATCH_RATIO * ref:
            chosen.append(r)
    return chosen


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
    """How much of the question ``text`` shares: the mean of the shares of its characters and of
    its char bigrams found there (characters catch abbreviations: 征拆 for 征地拆迁)."""
    q_chars = {c for c in question.lower() if c.isalnum()}
    q_pairs = _bigrams(question)
    if not q_chars:
        return 0.0
    chars = len(q_chars & set(text.lower())) / len(q_chars)
    pairs = len(q_pairs & _bigrams(text)) / len(q_pairs)
    return (chars + pairs) / 2


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


def _hit_sentences(question: str, hit: Hit, enumeration: bool = False) -> list[str]:
    """The hit's highlighted sentences; without highlights, its sentence closest to the question.
    With ``enumeration``, also the sentences after them that go on enumerating (一是…, ——…)."""
    spans = sorted(hit.sentences, key=lambda s: s.start)
    found = [hit.text[s.start:s.end].strip() for s in spans]
    if enumeration and spans:
        for sentence in _split_after(hit.text[spans[-1].end:], _SENTENCE_END):
            if not _ORDINAL.match(sentence.strip()):
                break
            found.append(sentence.strip())
    found = [s for s in found if s.strip(_PUNCT)]
    if found:
        return found
    sentences = _split_after(hit.text, _SENTENCE_END)
    return [max(sentences, key=lambda s: _overlap(question, s)).strip()] if sentences else []


def _sentences(question: str, hits: Sequence[Hit], ranks: Sequence[int],
               enumeration: bool = False) -> list[_Sentence]:
    out: list[_Sentence] = []
    for rank in ranks:
        key = _period_key(hits[rank].section)
        out.extend(_Sentence(text.rstrip(_OPEN_END), rank, key, text.endswith(("：", ":")))
                   for text in _hit_sentences(question, hits[rank], enumeration))
    return out


def _continued(hits: Sequence[Hit], chosen: list[int], pool: Sequence[int]) -> list[int]:
    """``chosen`` with, after each hit, the hits of ``pool`` that carry on its enumeration."""
    others = [r for r in pool if r not in chosen]
    out: list[int] = []
    for rank in chosen:
        while rank is not None and rank not in out:
            out.append(rank)
            rank = _continuation(hits, rank, others)
    return out


def _continuation(hits: Sequence[Hit], rank: int, candidates: Sequence[int]) -> int | None:
    """The candidate that starts where hit ``rank`` ends in the document, with an ordinal or a dash
    (the ——地区生产总值… lines after 建议主要指标安排如下：), if any."""
    end, doc = hits[rank].end, hits[rank].doc_id
    return next((r for r in candidates if hits[r].doc_id == doc
                 and 0 <= hits[r].start - end <= 2 and _ORDINAL.match(hits[r].text)), None)


def _close(question: str, sentences: list[_Sentence]) -> list[_Sentence]:
    """The best hit's sentences, and those of further hits sharing with the question at least what
    the best hit's closest sentence shares (and MIN_OVERLAP at all): a fact answer quotes a
    further passage only for a part of the question the best one does not answer as well. For a
    question about both results and plans, this holds within each period."""
    if not _asks_both_periods(question):
        return _close_within(question, sentences)
    groups: dict[tuple[int, int] | None, list[_Sentence]] = {}
    for s in sentences:
        groups.setdefault(s.period, []).append(s)
    kept = [s for group in groups.values() for s in _close_within(question, group)]
    return sorted(kept, key=sentences.index)


def _close_within(question: str, sentences: list[_Sentence]) -> list[_Sentence]:
    if not sentences:
        return []
    first = sentences[0].rank
    best = max(_overlap(question, s.text) for s in sentences if s.rank == first)
    bar = max(MIN_OVERLAP, best)
    return [s for s in sentences if s.rank == first or _overlap(question, s.text) >= bar]


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


_Entry = tuple[_Sentence, str]  # a sentence and the text quoted from it


def _groups(entries: list[_Entry]) -> list[tuple[str | None, list[_Entry]]]:
    """Entries grouped under period labels (results before plans), or one unlabelled group."""
    keys = {s.period for s, _ in entries}
    if len(keys - {None}) < 2:
        return [(None, entries)]
    order = sorted(keys, key=lambda k: (k is None, k or (0, 0)))
    return [(_label(k), [e for e in entries if e[0].period == k]) for k in order]


def _render(entries: list[_Entry], citer: _Citer, numbered: bool) -> str:
    """Markdown ``text [n]`` as a numbered list or as paragraphs, under period labels if mixed.

    A label is followed by a blank line and each group's list starts at 1: CommonMark only lets a
    list that starts at 1 interrupt a paragraph, and a list needs a blank line to end one.
    """
    blocks = []
    for label, group in _groups(entries):
        lines = [f"{f'{n}. ' if numbered else ''}{text} {citer.mark(sentence.rank)}"
                 for n, (sentence, text) in enumerate(group, 1)]
        body = "\n".join(lines) if numbered else "\n\n".join(lines)
        blocks.append(f"**{label}**\n\n{body}" if label else body)
    return "\n\n".join(blocks)


# ---------------------------------------------------------------- the three shapes


def list_items(sentence: str) -> list[str]:
    """Readable items of an enumerating sentence.

    Splits on ；，。 (keeping lead-in clauses such as "按照…" or very short ones with the next),
    then on 、 only where every part is a clause of its own rather than a noun in a series.
    A sentence that is one numbered point (二是…, ——…) is one item, cut to ITEM_CHARS.
    """
    point = _numbered_point(sentence)
    if point is not None:
        return [_excerpt(point, 0, ITEM_CHARS).strip(_PUNCT)] if point else []
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


def _numbered_point(sentence: str) -> str | None:
    """The text of a sentence that is one numbered point (一是…, ——…), without its number; None
    for other sentences, including series of points (一是…；二是…)."""
    text = sentence.strip(_PUNCT)
    point = _ORDINAL.sub("", text, count=1)
    more = any(_ORDINAL.match(c.strip(_PUNCT)) for c in _split_after(point, _CLAUSE_END))
    if point == text or more:
        return None
    return point.strip(_PUNCT)


def _split_enumeration(clause: str) -> list[str]:
    parts = [p.strip() for p in clause.split("、")]
    if len(parts) > 1 and all(len(p) >= MIN_ENUM_PART for p in parts):
        return parts
    return [clause]


def _list_answer(question: str, hits: Sequence[Hit], ranks: list[int], citer: _Citer) -> str:
    """Distinct items of the answering sentences, most relevant passage first, each sentence's
    items in their order; whole sentences are taken until there are MAX_ITEMS items. A sentence
    announcing an enumeration that is quoted after it is left out (its items are the answer)."""
    sentences = _sentences(question, hits, ranks, enumeration=True)
    entries: list[_Entry] = []
    for sentence, after in zip(sentences, sentences[1:] + [None]):
        if len(entries) >= MAX_ITEMS:
            break
        if sentence.announces and after is not None and _ORDINAL.match(after.text):
            continue
        for item in list_items(sentence.text):
            if not any(_same(item, seen) for _, seen in entries):
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


def _is_punct(ch: str) -> bool:
    """Unicode punctuation or symbol, as CommonMark's flanking rules read it."""
    return unicodedata.category(ch)[0] in "PS"


def _strong(figure: str, after: str) -> str:
    """``**figure**``, or the figure plain where CommonMark would not close the bold: after
    punctuation (5%) followed by a letter, as in ``增长**5%**左右``."""
    if _is_punct(figure[-1]) and after and not (after.isspace() or _is_punct(after)):
        return _md(figure)
    return f"**{_md(figure)}**"


def _bold_figures(text: str) -> str:
    """Markdown-escaped ``text`` with each figure (number and unit) in bold that renders."""
    out, last = [], 0
    for m in _FIGURE.finditer(text):
        out += [_md(text[last:m.start()]), _strong(m.group(), text[m.end():m.end() + 1])]
        last = m.end()
    return "".join(out + [_md(text[last:])])


def _figure_answer(question: str, hits: Sequence[Hit], ranks: list[int],
                   citer: _Citer) -> str | None:
    """Sentences holding a figure, best first: the asked unit, then closeness to the question."""
    unit = _asked_unit(question)
    candidates = []
    for sentence in _close(question, _sentences(question, hits, ranks)):
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
    for score, _, sentence, text in candidates:  # one excerpt per sentence
        if len(chosen) < MAX_FIGURES and score >= 0.5 * candidates[0][0] \
                and not any(s is sentence or _same(text, seen) for s, seen in chosen):
            chosen.append((sentence, text))
    return _render([(s, _bold_figures(t)) for s, t in chosen], citer, numbered=False)


def _fact_answer(question: str, hits: Sequence[Hit], ranks: list[int], citer: _Citer) -> str:
    """The best hit's answering sentences and further ones as close to the question, up to
    MAX_SENTENCES (the closest first), shown in rank order."""
    candidates = _close(question, _sentences(question, hits, ranks))
    chosen: list[_Sentence] = []
    for s in sorted(candidates, key=lambda s: _overlap(question, s.text), reverse=True):
        if len(chosen) < MAX_SENTENCES and not any(_same(s.text, c.text) for c in chosen):
            chosen.append(s)
    chosen.sort(key=candidates.index)
    return _render([(s, _md(_focused(question, s.text))) for s in chosen], citer, numbered=False)


def _not_covered(hits: Sequence[Hit], citer: _Citer) -> str:
    """Says the report does not seem to cover the question; lists the closest passages with text
    (not bare titles or headings: short, or outside any section) as such, not as an answer."""
    text = "报告中似乎没有涉及这个问题。(The report does not seem to cover this question.)"
    nearest = [r for r, h in enumerate(hits)
               if h.section and len(h.text.strip()) >= MIN_SNIPPET_CHARS]
    nearest = (nearest or list(range(len(hits))))[:FACT_PASSAGES]
    if not nearest:
        return text
    lines = [text, "", "**最接近的段落 (closest matches)：**", ""]
    for rank in nearest:
        hit = hits[rank]
        where = f"〔{hit.section[-1]}〕" if hit.section else ""
        lines.append(f"- {_md(where + _excerpt(hit.text, 0, limit=80))} {citer.mark(rank)}")
    return "\n".join(lines)


def _shaped(question: str, hits: Sequence[Hit], ranks: list[int], citer: _Citer) -> tuple[str, str]:
    """(kind, markdown) of the answer from the quotable hits ``ranks``: a list, a figure or a fact
    answer, falling back to a fact answer when a list or figure has nothing to show."""
    kind = question_kind(question)
    top = _selected(question, hits, ranks, FACT_PASSAGES)
    text = None
    if kind == LIST:
        chosen = _selected(question, hits, ranks, LIST_PASSAGES)
        text = _list_answer(question, hits, _continued(hits, chosen, ranks[:LIST_PASSAGES]), citer)
    elif kind == FIGURE:
        text = _figure_answer(question, hits, top, citer)
    if text:
        return kind, text
    return FACT, _fact_answer(question, hits, top, citer)


def compose(question: str, hits: Sequence[Hit], *, min_score: float | None = None,
            min_match: float | None = None) -> Answer:
    """Compose a cited markdown answer to ``question`` from ``hits`` (best first), without an LLM.

    The question is covered when some hit has ``scores["dense"] >= min_score`` and
    ``scores["match"] >= min_match``. Otherwise the answer is of kind "not_covered" and cites the
    closest passages as such. Left None, the thresholds are MIN_SCORE/MIN_MATCH, or the
    CROSSLINGUAL_ ones for a question that looks English (which the engine embeds with its
    cross-lingual encoder).

    A covered question is answered from the hits about as relevant as the best (``_selected``):
    for a Chinese question any hit, in the engine's order; for an English one only the hits that
    pass the thresholds (its fused order leans on stray shared tokens such as "2023").
    """
    english = looks_english(question)
    if min_score is None:
        min_score = CROSSLINGUAL_MIN_SCORE if english else MIN_SCORE
    if min_match is None:
        min_match = CROSSLINGUAL_MIN_MATCH if english else MIN_MATCH
    hits = tuple(hits)
    citer = _Citer(hits)
    passing = [i for i, h in enumerate(hits) if _covers(h, min_score, min_match)]
    if not passing:
        text = _not_covered(hits, citer)
        return Answer(question, text, citer.citations(), hits, covered=False, kind=NOT_COVERED)
    ranks = passing if english else list(range(len(hits)))
    kind, text = _shaped(question, hits, ranks, citer)
    return Answer(question, text, citer.citations(), hits, covered=True, kind=kind)
