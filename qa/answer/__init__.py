"""Answers without an LLM: a cited markdown answer composed from what retrieval decided.

``compose(retrieval)`` is pure: the analysed question and its hits in (plus, optionally, the
documents, to quote sentences whole, and the corpus IDF to weigh the question's terms), an
``Answer`` out. It never re-derives what the engine decided (language route, periods, answer
type): it reads ``retrieval.query``.

One skeleton for every answer type:
1. gather the sentences of the hits, each scored against the question (``evidence``);
2. decide whether the report answers it (``abstain.verdict``); if not, say what is missing in
   Chinese and show the nearest passages;
3. pick items with the answer type's record (``SHAPES``): figure, list, topic, reasons,
   comparison or fact, falling back to fact when a shape finds nothing;
4. render the items, grouped under period labels when they mix periods, each citing the
   passage its sentence came from ([n]); a follow-up or corrected question first says how it
   was understood (理解为：…).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Mapping, Sequence

from ..lexicon import default_lexicon
from ..periods import DONE, ONE_YEAR, PLAN, Period, paragraph_period
from ..query import COMPARE, FACT, FIGURE, LIST, REASONS, TOPIC, expected_unit
from ..types import Answer, Citation, Hit, Retrieval
from . import abstain
from .abstain import CROSSLINGUAL_MIN_SCORE, MIN_SCORE, passing, verdict
from .evidence import Sentence, Terms, gather, is_lead, is_point, question_terms
from .text import FIGURE as FIGURE_TEXT, OPEN_END, PUNCT, bigrams, bold_figures, clauses, difference, excerpt, figure_value, \
    list_items, md, report_label, report_place, same, units

__all__ = ["compose", "SHAPES", "Shape", "list_items", "MIN_SCORE", "CROSSLINGUAL_MIN_SCORE"]

NOT_COVERED = "not_covered"
RELEVANT = 0.45  # a passage is quoted when its best sentence holds this much of what the best one holds
MAX_PASSAGES = {FIGURE: 3, FACT: 3, LIST: 5, TOPIC: 5, REASONS: 3, COMPARE: 5}
MAX_ITEMS = 16  # list items
LIST_SHARE = 0.5  # a list quotes the sentences holding this much of what the best one holds
MAX_TOPIC_SENTENCES = 3  # sentences per period in a topic answer
TOPIC_NEIGHBOURS = 4  # and sentences of the best one's paragraph next to it (fitted leave-one-report-out)
MAX_FACT_SENTENCES = 3
MAX_FIGURES = 3  # figure sentences (one per part of the question)
MAX_POINT_DETAIL = 3  # sentences under a numbered point (二是…) in a reasons answer
TOPIC_CHARS = 160
SAID_BONUS = 0.5  # and a sentence that says what kind of reason is asked (困难, 挑战; 在于, 得益于) (fitted)
SAID_WORDS = 3  # in this many distinct words
POINT_BONUS = 0.2  # a reasons answer prefers a numbered point (三是…差距) to another sentence
SPAN_PENALTY = 0.15  # a figure over several years (年均, 累计, 五年来) for a question about one, or the reverse (fitted)
STATES_SHARE = 0.8  # 哪些省份提出了…: a report says it when its best sentence holds this much of what the best report's holds (set, not fitted)
SAID_SPAN_PENALTY = 0.15  # and as much again when the figure's clause itself says so, for a question about one year (fitted)
SPAN_LEAD = 16  # characters of a passage that say it reviews a span (这五年，…)
LIKE_ENOUGH = 0.3  # two figure clauses this alike (bigram Jaccard, figures left out) name one indicator
SAME_INDICATOR = 0.25  # a comparison's second figure: weight of its clause's likeness to the first one's (fitted)
NEAREST = 3  # passages shown when the report does not answer
# RELEVANT and LIST_SHARE (and abstain.MIN_FIGURE_SHARE) fitted leave-one-report-out on the answer
# sets of 8 reports (benchmarks/compose_fit.py): chosen on 7 of 8 folds; Tongzhou dev unchanged.
# TOPIC_NEIGHBOURS, SAID_BONUS and SAME_INDICATOR the same way (compose_fit.MORE), chosen on 7 of 8
# folds; only one report's questions tell their values apart (left out: 0.875 against 0.887 fitted).


@dataclass(frozen=True)
class Item:
    """One statement of an answer: markdown text, the sentence it came from and, for a figure
    answer, the figure (number and unit) that answers."""

    text: str
    source: Sentence
    figure: str = ""


@dataclass
class Context:
    """What every shape reads: the question, hits, scored sentences and quotable passages."""

    q: object
    hits: Sequence[Hit]
    sentences: list[Sentence]
    terms: Terms
    ranks: list[int]  # passages to quote from, best first

    def of(self, rank: int, in_hit: bool = True) -> list[Sentence]:
        return [s for s in self.sentences if s.rank == rank and (s.in_hit or not in_hit)]

    def quotable(self, in_hit: bool = True) -> list[Sentence]:
        return [s for r in self.ranks for s in self.of(r, in_hit)]

    def content(self, sentences: list[Sentence]) -> list[Sentence]:
        """``sentences`` but the leads of their paragraphs (加强托育养老体系建设。), unless nothing else."""
        kept = [s for s in sentences if not is_lead(s.text, s.order, self.count(s))]
        return kept or sentences

    def count(self, s: Sentence) -> int:
        return sum(1 for t in self.sentences if t.rank == s.rank and t.paragraph == s.paragraph)

    def paragraph(self, s: Sentence) -> list[Sentence]:
        """The sentences of ``s``'s paragraph, in order (from the first hit that holds it)."""
        same_para = [t for t in self.sentences if t.doc_id == s.doc_id and t.paragraph == s.paragraph]
        first = min(t.rank for t in same_para)
        return sorted((t for t in same_para if t.rank == first), key=lambda t: t.start)


@dataclass(frozen=True)
class Shape:
    """The record that drives the skeleton for one answer type: how items are picked, whether
    they are numbered, and whether they are grouped by period."""

    name: str
    pick: Callable[[Context], list[Item]]
    numbered: bool = False
    by_period: bool = True


# ---------------------------------------------------------------- choosing passages


def _relevance(ctx_sentences: list[Sentence], rank: int) -> float:
    return max((s.share for s in ctx_sentences if s.rank == rank and s.in_hit), default=0.0)


def _ranks(q, hits: Sequence[Hit], sentences: list[Sentence], allowed: list[int], limit: int) -> list[int]:
    """The best passage and those about as relevant (RELEVANT × its best sentence's score) among
    the first ``limit``; for a question about one period, only passages of that period beyond
    the best one."""
    pool = [r for r in range(min(limit, len(hits))) if r in allowed] or allowed[:1]
    if not pool:
        return []
    phases = {p.phase for p in q.periods if p.explicit}
    if len(phases) == 1:  # a question about one period: its passages first
        period_of = {r: next((s.period for s in sentences if s.rank == r), None) for r in pool}
        pool = [r for r in pool if period_of[r] is None or period_of[r].phase in phases] or pool
        asked = next((p for p in q.periods if p.explicit and p.year and p.until is None and p.phase == DONE), None)
        if asked is not None and not _SPAN.search(q.text):
            # one year's results asked (去年): not the passages that open on the five years to it (这五年…)
            pool = [r for r in pool if paragraph_period(asked, hits[r].text[:SPAN_LEAD]).until is None] or pool
    rel = {r: _relevance(sentences, r) for r in pool}
    best = pool[0] if rel[pool[0]] >= RELEVANT * max(rel.values()) else max(pool, key=lambda r: (rel[r], -r))
    out = [best]
    for r in pool:
        if r == best or rel[r] < RELEVANT * rel[best]:
            continue
        period = next((s.period for s in sentences if s.rank == r), None)
        if len(phases) == 1 and period is not None and period.phase not in phases:
            continue
        out.append(r)
    return sorted(out, key=lambda r: (-rel[r], r)) if q.answer_type != LIST else sorted(out)


# ---------------------------------------------------------------- shapes


def _wanted_phase(q, s: Sentence) -> bool:
    phases = {p.phase for p in q.periods if p.explicit}
    return len(phases) != 1 or s.period is None or s.period.phase in phases


def _focus(terms: Terms, sentence: str) -> int:
    parts = clauses(sentence)
    return max(range(len(parts)), key=lambda i: terms.share(parts[i])) if parts else 0


def _fact(ctx: Context) -> list[Item]:
    """The best sentences (up to MAX_FACT_SENTENCES) of the quotable passages, each cut to the
    clauses around the one closest to the question, in rank then text order."""
    cands = sorted(ctx.content([s for s in ctx.quotable() if _wanted_phase(ctx.q, s)]), key=lambda s: -s.score)
    if not cands:
        return []
    bar = max(abstain.MIN_SHARE, 0.6 * cands[0].share)
    chosen: list[Sentence] = []
    for s in cands:
        if len(chosen) < MAX_FACT_SENTENCES and (not chosen or s.share >= bar) \
                and not any(same(s.text, c.text) for c in chosen):
            chosen.append(s)
    chosen.sort(key=lambda s: (s.rank, s.start))
    return [Item(md(excerpt(s.text, _focus(ctx.terms, s.text))), s) for s in chosen]


def _sub_questions(text: str) -> list[str]:
    parts = [p for p in re.split(r"[？?；;。]", text) if len(p.strip(PUNCT)) >= 2]
    return parts or [text]


# a figure, or a question, over several years: 年均增长5.9%, 累计引进, 五年来, “十四五”时期, 这几年
_SPAN = re.compile(r"年均|累计|[两二三四五六七八九十几\d]年(?:来|间|里|中|以来)|过去[两二三四五几\d]年|这[两二三四五几些]年|"
                   r"[十]?[一二三四五]五|以来|期间")


# a question asking how much a figure changed, and a clause saying a change by a figure
_ASKS_CHANGE = re.compile(r"比(?:上一?年|去年|前一?年|上年|上期)[^，,。？?]{0,6}?(?:多|少|增|减|高|低)|"
                          r"(?:多|少|增加|减少)了多少|增量|增加量")
_CHANGE_SAID = re.compile(r"(?:增加|增长|增量|增|多|减少|减|少|提高|下降|降低)了?(?:\d|[一二两三四五六七八九十百千]+[万亿])")
KIND_BONUS = 0.4  # a clause giving the kind of figure asked: the asked unit, a change for a change (set, not fitted)


def _figure_clauses(ctx: Context, sub: str, pool: list[Sentence]) -> list[tuple[float, Sentence, int]]:
    """(score, sentence, clause) for every clause with a figure: the sub-question's terms in it
    and the clause before, the asked unit, the asked part of the year; a figure over several
    years counts less for a question about one year, and the reverse."""
    unit = expected_unit(sub) or (ctx.q.unit if sub == ctx.q.text or len(_sub_questions(ctx.q.text)) == 1 else None)
    low = sub.lower()  # terms are lower case (gdp)
    sub_terms = ctx.terms.but(lambda t: t in low or any(a in low for a in ctx.terms.expansions.get(t, ())))
    part = next((p.part for p in ctx.q.periods if p.part), "")
    span = bool(_SPAN.search(ctx.q.text))
    change = bool(_ASKS_CHANGE.search(sub))  # 比上一年多打了多少: the increase, not the total
    # one year asked (2025年, 去年): a passage about the five years to it (这五年…) is a span too
    one_year = not span and any(p.explicit and p.year and p.until is None for p in ctx.q.periods)
    out = []
    for s in pool:
        parts = clauses(s.text)
        spans = bool(_SPAN.search(_lead_of(ctx, s)))  # under 五年来，我们…。: every figure is of the five years
        for i, clause in enumerate(parts):
            found = units(clause)
            if not found:
                continue
            named = _named(clause)
            window = "".join(parts[max(0, i - 1):i]) + named
            if i >= 1 and not sub_terms.share(window) and sub_terms.share(parts[0]) >= abstain.MIN_FIGURE_SHARE:
                # a clause naming nothing of the question (增量39.7亿斤) speaks of its sentence's
                # topic (粮食总产再创历史新高，连续16年…，增量…): the topic is its subject, when it
                # holds what a figure's sentence must hold of the question
                named = window = parts[0] + named
            # the clause's own words count as much as those of the clause before it with it
            # (城镇调查失业率控制在5%左右，城镇新增就业50万人: 新增就业 is the second's)
            score = 0.5 * (sub_terms.share(named, specific=True) + sub_terms.share(window, specific=True)) \
                + 0.5 * sub_terms.share(s.text) + 0.2 * s.score
            score += KIND_BONUS if unit and _unit_fits(unit, found) else 0.0
            score += KIND_BONUS if change and _CHANGE_SAID.search(named) else 0.0
            score += 0.2 if part and part in s.text else 0.0
            said = spans or bool(_SPAN.search(window))  # its own words: 年均增长, 较“十三五”末, 五年来
            spanned = said or (one_year and s.period is not None and s.period.until is not None)
            score -= SPAN_PENALTY if spanned != span else 0.0
            # one year asked and the figure's own words say several (a section's period is only a
            # guess: 2025年工作回顾和“十四五”成就 holds both)
            score -= SAID_SPAN_PENALTY if one_year and said else 0.0
            out.append((score, s, i))
    return out


# the base of a ratio (工业增加值占地区生产总值比重, 单位GDP能耗): its words name no quantity of the clause
_BASE = re.compile(r"(?<=占)[^，,；;。、：:占]{1,16}?(?=比重|比例|份额)|(?<=单位)(?:GDP|地区生产总值|国内生产总值|工业增加值)")
# units that count things (5个国家区域医疗中心: what is counted follows the figure), not measures
_COUNTERS = frozenset("个 家 所 项 条 座 处 套 辆 名 张 台 间 栋 批 届 颗 列 艘 架 位 件 部 种 份 场 次 户 只 头 株 册".split())


def _named(clause: str) -> str:
    """The words of ``clause`` that may name the quantity of its figures: a quantity is said before
    its measure (生产碳酸锂16.9万吨), so what follows the last figure in a measure (…2万吨高质碳酸锂项目)
    qualifies something else; and the base of a ratio is left out."""
    figures = list(FIGURE_TEXT.finditer(clause))
    if figures and figures[-1].group("unit").strip().lstrip("万亿") not in _COUNTERS:
        clause = clause[:figures[-1].end()]
    return _BASE.sub(" ", clause)


def _lead_of(ctx: Context, s: Sentence) -> str:
    """The lead of ``s``'s paragraph (五年来，我们扎实推动闽台融合。), "" when it has none or is it."""
    para = ctx.paragraph(s)
    first = para[0] if para else s
    lead = first.text if first.start != s.start and is_lead(first.text, 0, len(para)) else ""
    return "" if ONE_YEAR.search(lead) else lead  # 刚刚过去的一年，是“十四五”收官之年。: one year's


def _unit_fits(unit: str, found) -> bool:
    """A clause's units (``found``) give the asked one: a growth rate (%) may be said in times
    (增长17.2倍)."""
    return unit in found or (unit == "%" and "倍" in found)


def _figure(ctx: Context) -> list[Item]:
    """For each part of the question (…多少？…呢？), the clause with a figure that best answers
    it, quoted with its neighbours; the figure in bold."""
    pool = [s for s in ctx.quotable() if _wanted_phase(ctx.q, s)] or ctx.quotable()
    focus: dict[Sentence, set[int]] = {}
    figures: dict[Sentence, str] = {}
    for sub in _sub_questions(ctx.q.text)[:MAX_FIGURES]:
        cands = _figure_clauses(ctx, sub, pool)
        if cands:
            _score, s, i = max(cands, key=lambda c: (c[0], -c[1].rank))
            focus.setdefault(s, set()).add(i)
            figures.setdefault(s, _asked_figure(ctx, sub, clauses(s.text)[i]))
    ordered = sorted(focus, key=lambda s: (s.rank, s.start))
    return [Item(bold_figures(excerpt(s.text, focus[s])), s, figures[s]) for s in ordered]


def _asked_figure(ctx: Context, sub: str, clause: str) -> str:
    """The figure of ``clause`` that answers: the first of the asked unit, else the first."""
    unit = expected_unit(sub) or ctx.q.unit
    found = [(m.group() + (_QUALIFIER.match(clause, m.end()) or _EMPTY).group(), m.group("unit").replace("％", "%"))
             for m in FIGURE_TEXT.finditer(clause)]
    if len(found) >= 2 and _FROM_TO.search(clause):  # 由7473公里增至9310公里: the figure it reached
        found = found[::-1]
    return next((f for f, u in found if u == unit), found[0][0] if found else "")


_QUALIFIER = re.compile(r"以上|以下|以内|左右|上下")  # 110万人以上: said with its figure
_EMPTY = re.compile("").match("")


def _list(ctx: Context) -> list[Item]:
    """Distinct items of the quotable passages' relevant sentences, passage by passage, each
    sentence's items in order, until MAX_ITEMS. A sentence announcing the enumeration that
    follows (…如下：) is left out."""
    sents = ctx.content([s for s in ctx.quotable() if _wanted_phase(ctx.q, s) and not _is_heading(ctx, s)])
    if not sents:
        return []
    best = max(s.share for s in sents)
    keep = [s for s in sents if s.share >= LIST_SHARE * best]
    items: list[Item] = []
    for s in keep:
        if len(items) >= MAX_ITEMS:
            break
        if s.text.rstrip().endswith(("：", ":")):
            continue
        for item in list_items(s.text.rstrip(OPEN_END)):
            if not any(same(item, seen.text) for seen in items):
                items.append(Item(md(item), s))
    return [Item(i.text, i.source) for i in items[:MAX_ITEMS]]


def _is_heading(ctx: Context, s: Sentence) -> bool:
    """A paragraph's lead sentence that is also its sub-heading (与北三县一体化发展更加深入。)."""
    return s.text.rstrip("。；;") in ctx.hits[s.rank].section


def _topic(ctx: Context) -> list[Item]:
    """For each period the question asks about (or every period of the quotable passages), its
    most relevant sentences, quoted around their relevant clauses; a paragraph's lead only when
    nothing else answers."""
    sents = ctx.content(ctx.quotable())
    phases = [p.phase for p in ctx.q.periods if p.explicit] or sorted(
        {s.period.phase for s in sents if s.period}, key=[DONE, PLAN].index)
    out: list[Item] = []
    for phase in phases or [None]:
        group = sorted((s for s in sents if phase is None or (s.period and s.period.phase == phase)),
                       key=lambda s: -s.score)
        if not group:
            continue
        bar = 0.5 * group[0].share
        chosen: list[Sentence] = []
        for s in group:
            if len(chosen) < MAX_TOPIC_SENTENCES and s.share >= bar and not any(same(s.text, c.text) for c in chosen):
                chosen.append(s)
        chosen += _neighbours(ctx, group[0], chosen, phase)
        out += [Item(md(excerpt(s.text, _focus(ctx.terms, s.text), TOPIC_CHARS)), s)
                for s in sorted(chosen, key=lambda s: (s.rank, s.start))]
    return out


def _neighbours(ctx: Context, best: Sentence, chosen: list[Sentence], phase) -> list[Sentence]:
    """The sentences that follow the best one in its paragraph (a report's paragraph is one
    topic: 推动贸易创新发展。打响…品牌。深化…培育工程。), then those before it, up to
    TOPIC_NEIGHBOURS: a topic answer summarises the paragraph that answers, not only the
    sentences sharing the question's words. Leads, sentences of another period and sentences
    already chosen are left out."""
    para = [s for s in ctx.content(ctx.paragraph(best))
            if phase is None or s.period is None or s.period.phase == phase]
    i = next((k for k, s in enumerate(para) if s.start == best.start), None)
    if i is None:
        return []
    order = para[i + 1:] + para[:i][::-1]
    out: list[Sentence] = []
    for s in order:
        if len(out) >= TOPIC_NEIGHBOURS:
            break
        if not any(same(s.text, c.text) or s.start == c.start for c in chosen + out):
            out.append(s)
    return out


# what a reasons question asks for, and how a report says it: problems (面临一些困难和挑战，主要是：…不够强)
# or causes (得益于, 根本在于, 既衔接…也考虑了)
_ASKS_PROBLEMS = re.compile(r"问题|困难|挑战|不足|短板|差距|难点|毛病|症结|风险|不利|压力|\bproblems?\b|\bchallenges?\b|"
                            r"\bshortcomings?\b|\bdifficult", re.I)
_SAYS_PROBLEMS = re.compile(r"困难|挑战|不足|短板|差距|压力|瓶颈|制约|滞后|不够|不强|不高|难题|冲击|依然|仍然|仍较|不容忽视")
_ASKS_CAUSES = re.compile(r"为什么|为何|原因|怎么回事|凭什么|依据|\bwhy\b", re.I)
_SAYS_CAUSES = re.compile(r"因为|由于|在于|得益于|源于|归功于|考虑|衔接|依据|基于|有利于|是为了")


def _says(question: str):
    """How the answer to a reasons question is said (a pattern), None when the question says not."""
    if _ASKS_PROBLEMS.search(question):
        return _SAYS_PROBLEMS
    return _SAYS_CAUSES if _ASKS_CAUSES.search(question) else None


def _said_bonus(said, text: str) -> float:
    """SAID_BONUS for a sentence saying it in SAID_WORDS words or more (an enumeration of problems
    says it many times), less for fewer."""
    if said is None:
        return 0.0
    return SAID_BONUS * min(len(set(said.findall(text))), SAID_WORDS) / SAID_WORDS


_GIVEN = re.compile(r"(?<![\d.])(?!(?:19|20)\d\d(?!\d))\d+(?:\.\d+)?")  # a figure the question gives (not a year)
JUSTIFY_GAP = 200  # characters between a figure's statement and the sentence that justifies it, at most (set, not fitted)


def _justification(ctx: Context) -> Sentence | None:
    """Why a figure the question gives (为什么把增长目标定在4.5%左右): the sentence stating it is the
    premise, not the answer; the answer is the sentence after it that gives causes (提出这些预期目标，
    是综合考虑…; 确定4.5%左右的增长目标，…衔接), None when there is none."""
    given = _GIVEN.findall(ctx.q.text.split("（接上文：")[0])
    if not given:
        return None
    stating = [s for s in ctx.sentences if all(g in s.text for g in given) and not _SAYS_CAUSES.search(s.text)]
    if not stating:
        return None
    premise = max(stating, key=lambda s: (s.score, -s.rank))
    after = sorted((s for s in ctx.sentences if s.doc_id == premise.doc_id and 0 <= s.start - premise.end <= JUSTIFY_GAP),
                   key=lambda s: s.start)
    return next((s for s in after if _SAYS_CAUSES.search(s.text)), None)


def _reasons(ctx: Context) -> list[Item]:
    """The enumeration under the sentence that best matches the question: a numbered point
    (二是…) with the sentences that explain it, or a lead sentence with all the points that
    follow it (一是…六是…); a very short lead (成绩来之不易。) with the sentence before it."""
    sents = ctx.quotable()
    if not sents:
        return []
    justified = _justification(ctx)
    if justified is not None:
        return [Item(md(justified.text), justified)]
    said = _says(ctx.q.text)
    lead = max(sents, key=lambda s: (s.score, -s.rank))
    para = ctx.paragraph(lead)
    i = next(k for k, s in enumerate(para) if s.start == lead.start)
    if i + 1 < len(para) and is_point(para[i + 1].text):  # the lead of an enumeration: all of it
        points = [s for s in para[i + 1:] if is_point(s.text)]
        return [Item(md(lead.text), lead)] + [Item(md(excerpt(s.text, 0, 80)), s) for s in points]
    best = max(sents, key=lambda s: (s.score + (POINT_BONUS if is_point(s.text) else 0.0) + _said_bonus(said, s.text),
                                     -s.rank))
    para = ctx.paragraph(best)
    i = next(k for k, s in enumerate(para) if s.start == best.start)
    # a sentence inside a point: start from the point
    j = i
    while j > 0 and not is_point(para[j].text) and i - j < MAX_POINT_DETAIL:
        j -= 1
    if is_point(para[j].text):
        body = [para[j]]
        for s in para[j + 1:]:
            if is_point(s.text) or len(body) > MAX_POINT_DETAIL:
                break
            body.append(s)
        return [Item(md(s.text), s) for s in body]
    following = para[i + 1:]
    if following and is_point(following[0].text):
        points = [s for s in following if is_point(s.text)]
        return [Item(md(best.text), best)] + [Item(md(excerpt(s.text, 0, 80)), s) for s in points]
    chosen = [best]
    if len(best.text) < 20 and i > 0:
        chosen.insert(0, para[i - 1])
    # the best sentence of another passage that explains it too
    others = sorted((s for s in sents if s.rank != best.rank and s.share >= 0.8 * best.share),
                    key=lambda s: -s.score)
    chosen += others[:1]
    return [Item(md(excerpt(s.text, _focus(ctx.terms, s.text), TOPIC_CHARS)), s) for s in chosen]


def _compare(ctx: Context) -> list[Item]:
    """Each asked period's answer side by side: its best figure clause when the question asks
    for a figure, else its best sentence."""
    figure = bool(ctx.q.unit) or any(c in ctx.q.text for c in ("多少", "几")) or bool(_MORE_OR_LESS.search(ctx.q.text))
    picks: dict[int, Item] = {}
    figured: dict[int, list] = {}
    for n, period in enumerate(ctx.q.periods):
        group = [s for s in ctx.sentences if s.period and s.period.phase == period.phase and s.in_hit]
        if not group:
            continue
        if figure:
            cands = [c for sub in _sub_questions(ctx.q.text) for c in _figure_clauses(ctx, sub, group)]
            if cands:
                figured[n] = cands
                continue
        s = max(group, key=lambda s: (s.score, -s.rank))
        picks[n] = Item(md(excerpt(s.text, _focus(ctx.terms, s.text))), s)
    if figured:
        # two sides whose best figures are of two indicators: the pair that answers best together, a
        # pair of clauses worded alike (常住人口城镇化率达到40% / …达到41%) counting more
        best = {n: max(cands, key=lambda c: (c[0], -c[1].rank)) for n, cands in figured.items()}
        if len(figured) == 2:
            (m, xs), (n, ys) = figured.items()
            words = {id(c): _indicator(clauses(c[1].text)[c[2]]) for c in xs + ys}
            if _likeness(words[id(best[m])], words[id(best[n])]) < LIKE_ENOUGH:  # two indicators: the pair
                best[m], best[n] = max(((x, y) for x in xs for y in ys), key=lambda p: (
                    p[0][0] + p[1][0] + SAME_INDICATOR * _likeness(words[id(p[0])], words[id(p[1])]),
                    -p[0][1].rank - p[1][1].rank))
        for n, (_score, s, i) in best.items():
            picks[n] = Item(bold_figures(excerpt(s.text, i)), s, _asked_figure(ctx, ctx.q.text, clauses(s.text)[i]))
    return [picks[n] for n in sorted(picks)]


def _indicator(clause: str) -> set[str]:
    """The words of a figure clause without its figures: the bigrams naming the indicator."""
    return bigrams(FIGURE_TEXT.sub(" ", clause.strip(PUNCT)))


def _likeness(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


# a question that compares: 比…高/低, 相比, 哪个…快, 从多少…到多少
_COMPARES = re.compile(r"(?<![占对])比(?![重例率])|相比|对比|比较|还是|哪个|谁|变化|[从由]多少|差多少|差距|各是|分别")
# a comparison of quantities: 多还是少, 哪个涨得快 (not 分别是什么进度)
_MORE_OR_LESS = re.compile(r"[高低多少快慢大小]还是[高低多少快慢大小]|[快慢高低]得?[多些]?[？?]?$|涨得快|增长快|高出|差多少")
# a clause that moves from one figure to another: 由31%提升至54%, 从380元提高到1000元
_FROM_TO = re.compile(r"[由从][^，。；]*?[至到]")


def _comparison(q, terms: Terms, items: list[Item]) -> tuple[str, list[Item]] | None:
    """The difference of two figures of one unit the answer gives, when the question compares:
    the two items' figures (earlier period first), or the figures a clause moves between
    (由31%提升至54%). (text, items it cites) or None."""
    if q.answer_type != COMPARE and not _COMPARES.search(q.text):
        return None
    pairs = [i for i in items if i.figure]
    if len(pairs) >= 2:
        a, b = sorted(pairs[:2], key=lambda i: 0 if i.source.period and i.source.period.phase == DONE else 1)
        diff = difference(a.figure, b.figure)
        if diff:
            return f"{md(b.figure)} {{0}}比{md(a.figure)} {{1}}{diff}", [b, a]
    moves = []  # (share of the question's terms, clause, item): the clause that matches best
    for item in items:
        parts = clauses(item.source.text)
        for i, clause in enumerate(parts):
            found = [m.group() for m in FIGURE_TEXT.finditer(clause)]
            if _FROM_TO.search(clause) and len(found) >= 2 and difference(found[0], found[1]):
                moves.append((terms.share("".join(parts[max(0, i - 1):i + 1])), found, item))
    if moves:
        _share, found, item = max(moves, key=lambda m: m[0])
        return f"由{md(found[0])}到{md(found[1])}，{difference(found[0], found[1])} {{0}}", [item]
    return None


SHAPES: dict[str, Shape] = {
    FIGURE: Shape(FIGURE, _figure),
    LIST: Shape(LIST, _list, numbered=True),
    TOPIC: Shape(TOPIC, _topic, numbered=True),
    REASONS: Shape(REASONS, _reasons, numbered=True, by_period=False),
    COMPARE: Shape(COMPARE, _compare),
    FACT: Shape(FACT, _fact),
}


# ---------------------------------------------------------------- citations and layout


class _Citer:
    """Hands out [n] markers, numbering passages in the order the text first cites them; each
    citation remembers the sentences cited from its passage."""

    def __init__(self, hits: Sequence[Hit], labels: Mapping[str, str] | None = None):
        self._hits = hits
        self._labels = labels or {}
        self._numbers: dict[int, int] = {}
        self._sentences: dict[int, list[tuple[int, int]]] = {}

    def mark(self, rank: int, sentence: tuple[int, int] | None = None) -> str:
        n = self._numbers.setdefault(rank, len(self._numbers) + 1)
        if sentence is not None and sentence not in self._sentences.setdefault(rank, []):
            self._sentences[rank].append(sentence)
        return f"[{n}]"

    def citations(self) -> tuple[Citation, ...]:
        out = []
        for rank, n in sorted(self._numbers.items(), key=lambda kv: kv[1]):
            h = self._hits[rank]
            sentence = (self._sentences.get(rank) or [(0, 0)])[0]
            out.append(Citation(n, h.doc_id, h.section, h.start, h.end, h.text, hit=rank, sentence=sentence,
                                label=self._labels.get(h.doc_id, "")))
        return tuple(out)

    def sources(self) -> str:
        """The reports cited, each once with its markers: 来源：《A》（河北省，2026年）[1][2]；《B》[3]
        ("" when no labels: one document loaded)."""
        if not self._labels:
            return ""
        marks: dict[str, list[int]] = {}
        for rank, n in sorted(self._numbers.items(), key=lambda kv: kv[1]):
            marks.setdefault(self._hits[rank].doc_id, []).append(n)
        parts = [f"{md(self._labels.get(d, d))}{''.join(f'[{n}]' for n in ns)}" for d, ns in marks.items()]
        return f"\n\n来源：{'；'.join(parts)}" if parts else ""


def _render(items: list[Item], shape: Shape, citer: _Citer, places: Mapping[str, str] | None = None) -> str:
    """Markdown ``text [n]`` as a numbered list or paragraphs, under period labels when the items
    mix periods. A label is followed by a blank line and each group's list starts at 1
    (CommonMark: only a list starting at 1 interrupts a paragraph). Items from several reports
    start with the place of theirs (``places``: document id → place)."""
    if places and len({i.source.doc_id for i in items}) > 1:
        items = [Item(f"**{md(places[i.source.doc_id])}**：{i.text}", i.source) if places.get(i.source.doc_id)
                 else i for i in items]
    groups: list[tuple[str | None, list[Item]]] = [(None, items)]
    keys = {(i.source.period.year, i.source.period.phase) if i.source.period else None for i in items}
    if shape.by_period and len(keys - {None}) >= 2:
        order = sorted(keys, key=lambda k: (k is None, k[1] != DONE if k else 0, k[0] or 0 if k else 0))
        groups = [(Period(*k).label if k else "其他",
                   [i for i in items if ((i.source.period.year, i.source.period.phase) if i.source.period else None) == k])
                  for k in order]
    blocks = []
    for label, group in groups:
        numbered = shape.numbered and len(group) > 1
        lines = [f"{f'{n}. ' if numbered else ''}{i.text} {citer.mark(i.source.rank, (i.source.start, i.source.end))}"
                 for n, i in enumerate(group, 1)]
        body = "\n".join(lines) if numbered else "\n\n".join(lines)
        blocks.append(f"**{label}**\n\n{body}" if label else body)
    return "\n\n".join(blocks)


def _not_covered(reason: str, hits: Sequence[Hit], citer: _Citer) -> str:
    """What is missing, in Chinese, then the nearest passages with text (not bare headings)."""
    nearest = [r for r, h in enumerate(hits) if h.section and len(h.text.strip()) >= 20]
    nearest = (nearest or list(range(len(hits))))[:NEAREST]
    if not nearest:
        return f"{reason}。"
    lines = [f"{reason}；相关内容：", ""]
    for rank in nearest:
        hit = hits[rank]
        where = f"〔{hit.section[-1]}〕" if hit.section else ""
        lines.append(f"- {md(where + excerpt(hit.text, 0, limit=80))} {citer.mark(rank)}")
    return "\n".join(lines)


def compose(retrieval: Retrieval, *, documents: Mapping[str, object] | None = None,
            idf: Mapping[str, float] | None = None, years=None, k: int | None = None) -> Answer:
    """Compose a cited markdown answer from ``retrieval`` (the analysed question and its hits).

    ``documents`` (id → Document) lets sentences be quoted whole; ``idf`` weighs the question's
    terms (else by length); ``years`` (qa.periods.DocumentYears, or one per document id) places
    passages whose top heading names no year. A question across reports (several scopes) is
    answered report by report (see ``_across``); its hits are then the passages cited first, ``k``
    at least."""
    q = retrieval.query
    if len(getattr(q, "scopes", ())) > 1 and documents is not None:
        return _across(retrieval, documents, idf, years, k)
    return _compose(retrieval, documents, idf, years)[0]


def _compose(retrieval: Retrieval, documents: Mapping[str, object] | None, idf, years,
             limit: int | None = None) -> tuple[Answer, list[Item]]:
    """The answer and the items it states (none when the documents do not answer); ``limit``:
    passages quoted from, at most (MAX_PASSAGES of the answer type without it)."""
    from ..periods import DocumentYears

    q, hits = retrieval.query, tuple(retrieval.hits)
    years = years or DocumentYears(*(p.year for p in _phase_years(q.periods)))
    terms = question_terms(q, idf, default_lexicon())
    sentences = gather(hits, terms, years, documents)
    several = documents is not None and len(documents) > 1
    citer = _Citer(hits, {d: report_label(doc) for d, doc in documents.items()} if several else None)
    v = verdict(q, hits, sentences, terms)
    head = f"理解为：{md(q.understood)}\n\n" if q.understood else ""
    if not v.covered:
        return Answer(q.asked, head + _not_covered(v.reason, hits, citer) + citer.sources(), citer.citations(), hits,
                      covered=False, kind=NOT_COVERED, understood=q.understood, query=q), []
    allowed = (passing(q, hits) or list(range(len(hits)))) if q.route == "crosslingual" else list(range(len(hits)))
    kind = q.answer_type
    shape = SHAPES[kind]
    ctx = Context(q, hits, sentences, terms, _ranks(q, hits, sentences, allowed, limit or MAX_PASSAGES[kind]))
    items = shape.pick(ctx)
    wider = abstain.near(q, hits) if q.route == "crosslingual" else []
    if not items and kind != FACT and set(wider) - set(allowed):
        # an English question whose passing passages lack the shape (no figure): those near it too
        allowed = sorted(set(allowed) | set(wider))
        ctx.ranks = _ranks(q, hits, sentences, allowed, MAX_PASSAGES[kind])
        items = shape.pick(ctx)
    if not items and kind != FACT:
        kind, shape = FACT, SHAPES[FACT]
        items = shape.pick(ctx)
    if not items:
        ctx.ranks = allowed[:1]
        items = SHAPES[FACT].pick(ctx) or [Item(md(excerpt(s.text, 0)), s) for s in ctx.quotable()[:1]]
    places = {d: report_place(doc) for d, doc in documents.items()} if several else None
    body = _render(items, shape, citer, places)
    compared = _comparison(q, terms, items)
    if compared:
        text, cited = compared
        body += "\n\n对比：" + text.format(*(citer.mark(i.source.rank, (i.source.start, i.source.end)) for i in cited))
    lacked = f"\n\n文档库里没有{'、'.join(q.lacked)}的报告。" if getattr(q, "lacked", ()) else ""
    return Answer(q.asked, head + body + lacked + citer.sources(), citer.citations(), hits,
                  covered=True, kind=kind, understood=q.understood, query=q), items


_MARK = re.compile(r"\[(\d+)\]")
_COMPARE_ASK = re.compile(r"相比|比较|对比|相差|差多少|差距|高多少|低多少|多多少|少多少|谁更|哪个更|哪个高|哪个低|谁高|谁低|\bcompare")


def _part_query(q, criterion):
    """The question as asked of one report: the across-reports frame and the condition left out
    (qa.criteria.part_text), the tokens of what is left; a figure for each report when the
    question asks for figures or sets a condition on one, a statement when it asks which places."""
    from ..criteria import part_text
    from ..query import asks_figure

    text = part_text(q.text, criterion)
    tokens = tuple(t for t in q.tokens if t in text) or q.tokens
    kind = q.answer_type
    if (kind in (LIST, COMPARE) or q.asks_place) and (asks_figure(q.text) or criterion is not None):
        kind = FIGURE
    elif q.asks_place and kind == LIST:
        kind = FACT
    return replace(q, text=text, asked=text, tokens=tokens, answer_type=kind, asks_place=False)


def _clause_of(sentence: str, figure: str) -> str:
    """The clause of ``sentence`` that says ``figure`` (its number), else the sentence."""
    number = re.match(r"[\d.]+", figure or "")
    for clause in clauses(sentence):
        if number and number.group() in clause:
            return clause
    return sentence


def _across(retrieval: Retrieval, documents: Mapping[str, object], idf, years, k: int | None = None) -> Answer:
    """A question about several places (广东和浙江的GDP增长目标分别是多少) or whose answer is
    places (哪些省份…): each report answers for itself, composed from its own passages alone and
    cited to it, then side by side; a comparison of two figures of one unit states their
    difference; a "which places" question lists the places whose report meets its condition
    (qa.criteria: 定在4.5%左右, 高于5%, 一个区间) or, without one, answers it at all."""
    from ..criteria import holds

    q, hits = retrieval.query, tuple(retrieval.hits)
    criterion = getattr(q, "criterion", None)
    part_q = _part_query(q, criterion)
    labels = {d: report_label(doc) for d, doc in documents.items()}
    blocks, citations, covered, kinds, values = [], [], False, set(), []
    parts = []
    for place, scope in zip(q.places, q.scopes):
        ranks = [r for r, h in enumerate(hits) if h.doc_id in scope]
        one = replace(part_q, scopes=(scope,), places=(place,))
        # a "which places" question reads every passage found for each report (few: its best
        # by both orders); a comparison the first of its place's passages, as any question
        part, items = _compose(Retrieval(one, tuple(hits[r] for r in ranks)),
                               {d: documents[d] for d in scope}, idf, years, len(ranks) if q.asks_place else None)
        figure = next((i for i in items if i.figure), None) if part.covered else None
        if q.asks_place:  # which places…: those whose report answers (and meets the condition)
            if not part.covered or (criterion is not None and (figure is None or not holds(
                    criterion, figure.figure, _clause_of(figure.source.text, figure.figure)))):
                continue
        parts.append((place, ranks, part, items, figure))
    if q.asks_place and criterion is None and parts:
        # no condition (哪些省份提出了…): the reports that say it, i.e. whose best sentence holds
        # about as much of the question as the best report's (STATES_SHARE of it)
        # (of either alternative when it names two: 免陪照护或“免陪护”病房, each report saying one)
        alternatives = _alternatives(question_terms(part_q, idf, default_lexicon()), part_q.text)
        said = {id(p): max((i.source.share if alternatives is None else max(a.share(i.source.text) for a in alternatives)
                            for i in p[3]), default=0.0) for p in parts}
        best = max(said.values())
        parts = [p for p in parts if said[id(p)] >= STATES_SHARE * best]
    for place, ranks, part, items, figure in parts:
        shift = len(citations)
        text = _MARK.sub(lambda m: f"[{int(m.group(1)) + shift}]", part.text)
        for c in part.citations:
            citations.append(replace(c, n=c.n + shift, hit=ranks[c.hit] if 0 <= c.hit < len(ranks) else -1,
                                     label=labels.get(c.doc_id, "")))
        sources = sorted({labels[c.doc_id] for c in part.citations if c.doc_id in labels})
        cited = f"（{'；'.join(sources)}）" if sources else ""
        blocks.append(f"**{md(place.name)}**：{cited}\n\n{text}")
        covered |= part.covered
        kinds.add(part.kind)
        values.append((place.name, figure.figure) if figure is not None else None)
    if getattr(q, "lacked", ()):
        blocks.append(f"文档库里没有{'、'.join(q.lacked)}的报告。")
    if q.asks_place and blocks:
        named = [b.split("**")[1] for b in blocks if b.startswith("**")]
        blocks.insert(0, f"{'、'.join(named)}的报告谈到了这一点：")
    elif q.asks_place:
        return compose(Retrieval(replace(q, scopes=(), asks_place=False), hits[:1]), documents=documents,
                       idf=idf, years=years)
    found = [(name, figure_value(f)) for name, f in (v for v in values if v)] if len(values) == 2 and all(values) else []
    if len(found) == 2 and all(v for _n, v in found) and found[0][1][1] == found[1][1][1] \
            and _COMPARE_ASK.search(q.text):
        (a, (x, unit, _m)), (b, (y, _u, _m2)) = found
        unit = "个百分点" if unit == "%" else unit
        diff = round(abs(x - y), 4)
        blocks.append(f"相差 **{diff:g}{unit}**" + (f"（{a if x > y else b}较高）" if diff else "（相同）")
                      + "，以上各报告中的数字相比而得。")
    kind = next(iter(kinds)) if len(kinds) == 1 else COMPARE
    head = f"理解为：{md(q.understood)}\n\n" if q.understood else ""
    hits, citations = _cited_first(hits, citations, k)
    return Answer(q.asked, head + "\n\n".join(blocks), tuple(citations), hits, covered=covered,
                  kind=kind if covered else NOT_COVERED, understood=q.understood, query=q)


_OR = re.compile(r"或者|或是|或")


def _alternatives(terms: Terms, text: str) -> list[Terms] | None:
    """The question's terms split where it says 或 (A或B: the terms of each side), None when it
    does not or a side holds none of them."""
    sides = [side.lower() for side in _OR.split(text)]
    if len(sides) < 2:
        return None
    alts = [terms.but(lambda t, side=side: t in side) for side in sides]
    if any(a.weights is terms.weights or a.weights == terms.weights for a in alts):
        return None
    return alts


def _cited_first(hits: Sequence[Hit], citations: list[Citation], k: int | None) -> tuple[tuple[Hit, ...], list[Citation]]:
    """The hits with the passages cited first (each report's first, in citation order, then each
    one's second…), then the others, ``k`` at least when given (every cited passage stays); the
    citations pointing at their new ranks."""
    cited = list(dict.fromkeys(c.hit for c in citations if 0 <= c.hit < len(hits)))
    count: dict[str, int] = {}
    turn: dict[int, int] = {}  # each report's first cited passage, then each one's second…
    for r in cited:
        turn[r] = count.get(hits[r].doc_id, 0)
        count[hits[r].doc_id] = turn[r] + 1
    cited.sort(key=turn.__getitem__)  # stable: citation order within a turn
    order = cited + [r for r in range(len(hits)) if r not in cited]
    if k is not None:
        order = order[:max(k, len(cited))]
    new = {r: i for i, r in enumerate(order)}
    return tuple(hits[r] for r in order), [replace(c, hit=new.get(c.hit, -1)) for c in citations]


def _phase_years(periods) -> tuple[Period, Period]:
    done = next((p for p in periods if p.phase == DONE), Period(None, DONE))
    plan = next((p for p in periods if p.phase == PLAN), Period(None, PLAN))
    return done, plan
