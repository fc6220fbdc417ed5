"""Periods: which year a report reviews and which it plans, read from the document itself, and
which of them a question asks about (2023年, 去年, 今年, 前三季度, "last year" …).

There is one notion of period, ``Period``: a year (or None) and a phase, "done" for results
reported or "plan" for targets and measures, plus, for questions, the part of the year asked
about (1-11月, 前三季度, 上半年). No year is written in this code: every year comes from a
document's title and top headings (``document_years``) or from the question.

Reports of this family come in genres, each with its own time frame (``GENRES``): a plan report
(计划执行情况与计划草案) and a budget report (预算执行情况与预算草案) review year Y and plan Y+1;
a government work report (政府工作报告) is titled with the year it plans and reviews the one
before; a five-year plan outline (五年规划纲要) plans a span (十五五: 2026–2030) and reviews the
one before; a statistical communiqué (统计公报) reviews one year and plans none. Relative words
(今年, 去年, 过去五年, "十四五"时期) are resolved against one document's years
(``question_periods``), so with several documents loaded each resolves them its own way.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

DONE, PLAN = "done", "plan"

# genres: key -> how users name it
PLAN_REPORT, WORK_REPORT, BUDGET_REPORT = "plan_report", "work_report", "budget_report"
FIVE_YEAR_PLAN, COMMUNIQUE = "five_year_plan", "communique"
GENRES = {
    PLAN_REPORT: "计划执行情况与计划草案的报告",
    WORK_REPORT: "政府工作报告",
    BUDGET_REPORT: "预算执行情况与预算草案的报告",
    FIVE_YEAR_PLAN: "五年规划纲要",
    COMMUNIQUE: "统计公报",
}
# how a title (else the opening of the text) names its genre; the earliest match wins
_GENRE_CUES = (
    (COMMUNIQUE, re.compile(r"统计公报")),
    (FIVE_YEAR_PLAN, re.compile(r"五年规划(?:和[^，。]{0,20}远景目标)?纲要|“?十[一二三四五六七八九]五”?规划纲要|规划纲要")),
    (BUDGET_REPORT, re.compile(r"预算执行情况|预算草案|决算")),
    (PLAN_REPORT, re.compile(r"计划执行情况|计划草案|社会发展计划的报告")),
    (WORK_REPORT, re.compile(r"政府工作报告|向大会报告(?:政府)?工作")),
)
_SPAN_CHARS = 20000  # the part of a text whose heading-like lines may name a reviewed five-year span
_SENTENCE_END = re.compile(r"[。！？；]")
_HEAD_CHARS = 3000  # the opening of a text read for its genre when the title does not name one
# a five-year plan by its ordinal: 第十四个五年规划, “十五五”; the 3rd plan began in 1966, each 5 years
_FIVE_YEAR = re.compile(r"第([一二三四五六七八九十]{1,3})个五年(?:规划|计划)|“?十([一二三四五六七八九])五”?")
_FIRST_PLAN_YEAR, _FIRST_PLAN_ORDINAL = 1966, 3
# 过去五年 and its ways of saying it; 未来五年 for the span ahead
# the same in English: the 14th Five-Year Plan (period)
_FIVE_YEAR_EN = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\s+five[- ]year\s+plan\b", re.I)
_PAST_FIVE = re.compile(r"过去五年|过去的五年|这五年|五年来|近五年|\bpast five years\b|\blast five years\b", re.I)
_ONE_YEAR_LEAD = re.compile(r"过去一年|过去的一年|一年来|这一年")
_YEAR_NUMBER = re.compile(r"((?:19|20)\d{2})\s*年")
_NEXT_FIVE = re.compile(r"未来五年|今后五年|\bnext five years\b", re.I)
_TWO_YEARS_AGO = re.compile(r"前年|\btwo years ago\b", re.I)
# a session date under the title of a work report: ——2026年1月28日在…会议上
_SESSION_DATE = re.compile(r"((?:19|20)\d{2})年\d{1,2}月\d{1,2}日在")
_CN_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}年")

# wording of a heading or title that reviews a year, or that plans one
# (工作报告 names a genre, not a phase: a work report is titled with the year it plans)
_DONE_WORDS = ("执行情况", "完成情况", "工作总结", "总结", "回顾", "成效", "成就", "决算")
_PLAN_WORDS = ("计划", "目标", "措施", "安排", "任务", "展望", "工作要点", "草案", "重点工作", "预算")
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?!\d)(?!\.\d)\s*年?")
_YEAR_SPAN = re.compile(r"(?<![\d.])((?:19|20)\d{2})\s*年?\s*[-–—~～至到]\s*((?:19|20)\d{2})(?!\d)\s*年")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|#\s)")

# a question's words for results or plans (no year: years are resolved separately)
_DONE_CUES = re.compile(r"去年|上一年|上年|过去一年|完成了|完成得|取得|进展|成效|成绩|做了|建成了|办过|有哪些成果|"
                        r"怎么样了|到哪|已经|实现了|干了|开了|建了|落地了|"
                        r"\blast year\b|\bachieved\b|\bcompleted\b|\bdid\b|\bhad\b|\bwas\b|\bwere\b|\bopened\b|"
                        r"\bbuilt\b|\brenovated\b", re.I)
_PLAN_CUES = re.compile(r"今年|明年|下一年|计划|打算|将要|准备|目标|安排|要做|未来|下一步|将|要干|要建|要实现|力争|争取|"
                        r"\bthis year\b|\bnext year\b|\bplan|\bwill\b|\btarget|\bgoal|\baim", re.I)
# the state now or of these years (现在, 目前, 这几年): the reviewed period when set against a plan
_NOW = re.compile(r"现在|目前|如今|当前|眼下|这几年|近几年|近年来|这些年|\bnow\b|\bcurrently\b", re.I)
_LAST_YEAR = re.compile(r"去年|上一年|过去一年|\blast year\b", re.I)
_THIS_YEAR = re.compile(r"今年|本年|明年|下一年|\bthis year\b|\bnext year\b", re.I)

# partial-year expressions, everyday ways of saying them first, as the report writes them
_PARTS = (
    (re.compile(r"前三季度|前3季度|头三个?季度|前三个季度|前9个?月|前九个月|1\s*[-到至~～—]\s*9\s*月"), "前三季度"),
    (re.compile(r"上半年|前半年|头半年|前6个?月|前六个月|1\s*[-到至~～—]\s*6\s*月"), "上半年"),
    (re.compile(r"一季度|第一季度|前三个月|1\s*[-到至~～—]\s*3\s*月"), "一季度"),
    (re.compile(r"1\s*[-到至~～—]\s*(1[01])\s*月|前(1[01]|十一?)个月"), "1-{}月"),
)


@dataclass(frozen=True)
class Period:
    """A year and a phase: "done" (results reported) or "plan" (targets, measures); ``part`` is
    the part of the year a question asks about (前三季度, 1-11月), "" for the whole year;
    ``explicit`` when a question names it (2023年, 去年) rather than implies it (做了, 打算);
    ``until`` the last year of a span (过去五年, "十五五": 2026–2030), None for one year."""

    year: int | None
    phase: str | None
    part: str = ""
    explicit: bool = False  # named by a year or 去年/今年, not only by words such as 计划 or 做了
    until: int | None = None

    @property
    def label(self) -> str:
        """"2023年进展" for results, "2024年安排" for plans, "2021–2025年进展" for a span."""
        when = self.words if self.year else ""
        if self.phase == DONE:
            return f"{when}进展"
        if self.phase == PLAN:
            return f"{when}安排"
        return when or "其他"

    @property
    def words(self) -> str:
        """How the period reads in a sentence: "2023年", "2026–2030年"."""
        if not self.year:
            return "计划" if self.phase == PLAN else ""
        if self.until and self.until != self.year:
            return f"{self.year}–{self.until}年"
        return f"{self.year}年"

    @property
    def years(self) -> range:
        return range(self.year, (self.until or self.year) + 1) if self.year else range(0)


@dataclass(frozen=True)
class DocumentYears:
    """The year a report reviews and the year it plans (either None), every year it names, and
    its genre (a key of ``GENRES``, "" when not recognised). ``plan_until`` is the last year of
    a planned span (a five-year plan outline), ``review_from`` the first of a reviewed span."""

    report_year: int | None = None
    plan_year: int | None = None
    mentioned: frozenset[int] = frozenset()
    genre: str = ""
    plan_until: int | None = None
    review_from: int | None = None

    def period(self, phase: str | None) -> Period | None:
        if phase == DONE:
            return Period(self.report_year, DONE)
        if phase == PLAN:
            return Period(self.plan_year, PLAN)
        return None

    def phase_of(self, year: int) -> str | None:
        """"done" for the reviewed year (or a year of the reviewed span), "plan" for the planned
        year (or span), else None."""
        if year == self.report_year or (self.review_from and self.report_year
                                         and self.review_from <= year <= self.report_year):
            return DONE
        if year == self.plan_year or (self.plan_until and self.plan_year
                                      and self.plan_year <= year <= self.plan_until):
            return PLAN
        return None

    def covers(self, year: int) -> bool:
        """Whether the documents speak of ``year`` at all."""
        return self.phase_of(year) is not None or year in self.mentioned

    @property
    def genre_name(self) -> str:
        return GENRES.get(self.genre, "")


def phase_of_heading(heading: str) -> str | None:
    """"done" for a heading that reviews (…执行情况), "plan" for one that plans (…计划, 主要措施)."""
    if any(w in heading for w in _DONE_WORDS):
        return DONE
    if any(w in heading for w in _PLAN_WORDS):
        return PLAN
    return None


def arabic_years(text: str) -> str:
    """``text`` with years written in Chinese numerals as digits (二〇三五年 → 2035年), by cn2an."""
    if not _CN_YEAR.search(text):
        return text
    import cn2an

    return _CN_YEAR.sub(lambda m: f"{cn2an.cn2an(m.group(0)[:-1], 'smart')}年", text)


@lru_cache(maxsize=64)
def five_year_span(ordinal: str) -> tuple[int, int] | None:
    """The years of the five-year plan of Chinese ordinal ``ordinal`` (十四 → 2021–2025), by cn2an."""
    import cn2an

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n = int(cn2an.cn2an(ordinal, "smart"))
    except (ValueError, KeyError):
        return None
    return _plan_years(n)


def five_year_spans(text: str) -> list[tuple[int, int]]:
    """The spans of the five-year plans ``text`` names ("十四五", 第十五个五年规划), in order."""
    found = [(m.start(), five_year_span(m.group(1) or f"十{m.group(2)}")) for m in _FIVE_YEAR.finditer(text)]
    found += [(m.start(), _plan_years(int(m.group(1)))) for m in _FIVE_YEAR_EN.finditer(text)]
    return list(dict.fromkeys(s for _at, s in sorted(found, key=lambda f: f[0]) if s))


def _plan_years(n: int) -> tuple[int, int] | None:
    """The years of the ``n``-th five-year plan (14 → 2021–2025)."""
    if n < _FIRST_PLAN_ORDINAL:
        return None
    start = _FIRST_PLAN_YEAR + 5 * (n - _FIRST_PLAN_ORDINAL)
    return start, start + 4


def detect_genre(title: str, text: str = "") -> str:
    """The genre of a document (a key of ``GENRES``, "" if none): the cue found earliest in its
    title, else in the opening of its text (a work report's 向大会报告工作)."""
    for where in (title, text[:_HEAD_CHARS]):
        found = [(m.start(), genre) for genre, cue in _GENRE_CUES for m in [cue.search(where)] if m]
        if found:
            return min(found)[1]
    return ""


def _heading_years(lines: Sequence[str]) -> tuple[int | None, int | None]:
    """The reviewed and planned years of title and heading lines: each year read with the words
    that follow it up to the next year (2023年…执行情况: reviewed; 2024年…计划: planned)."""
    report = plan = None
    for line in lines:
        found = list(_YEAR.finditer(line))
        for m, nxt in zip(found, found[1:] + [None]):
            phase = phase_of_heading(line[m.end(): nxt.start() if nxt else len(line)])
            year = int(m.group(1))
            if phase == DONE and report is None:
                report = year
            elif phase == PLAN and plan is None and year != report:
                plan = year
    return report, plan


def document_years(title: str, text: str, genre: str | None = None) -> DocumentYears:
    """The genre and the reviewed and planned years of a document, from its title, top headings
    and opening (``genre`` detected when None).

    - plan and budget reports: "关于2023年…计划执行情况与2024年…计划的报告" → 2023, 2024;
    - a work report is titled with the year it plans: "2026年政府工作报告" → 2025, 2026 (else
      its session date ——2026年1月28日在…, else its review heading "2025年工作回顾" + 1);
    - a five-year plan outline: "第十五个五年规划纲要" → plans 2026–2030, reviews 2021–2025;
    - a statistical communiqué reviews its title's year and plans none.
    When only one year is found the other is the next or previous one. A work report that
    reviews a five-year span (“十四五”时期…回顾) gets it as ``review_from``.
    """
    genre = detect_genre(title, text) if genre is None else genre
    title = arabic_years(title)
    headings = [arabic_years(line) for line in text.splitlines() if _HEADING.match(line.strip())]
    mentioned = frozenset(int(m.group(1)) for m in _YEAR.finditer(text) if m.group(0).endswith("年"))
    report, plan = _heading_years([title] + headings)
    plan_until = review_from = None
    if genre == WORK_REPORT:
        stated = _YEAR.search(title) or _SESSION_DATE.search(text[:_HEAD_CHARS])
        if stated:
            plan, report = int(stated.group(1)), int(stated.group(1)) - 1
    elif genre == FIVE_YEAR_PLAN:
        span = next(iter(five_year_spans(title)), None) or next(iter(five_year_spans(text[:_HEAD_CHARS])), None)
        if span:
            (plan, plan_until), report, review_from = span, span[0] - 1, span[0] - 5
    elif genre == COMMUNIQUE:
        year = _YEAR.search(title)
        report = int(year.group(1)) if year else report
        return DocumentYears(report, None, mentioned, genre)
    if report is None and plan is not None:
        report = plan - 1
    if plan is None and report is not None:
        plan = report + 1
    if review_from is None and report is not None:  # a report that looks back on a five-year plan
        short = [line for line in text[:_SPAN_CHARS].splitlines() if len(line) <= 40 and not _SENTENCE_END.search(line)]
        for heading in headings + short:
            span = next((s for s in five_year_spans(heading) if s[1] == report), None)
            if span and phase_of_heading(heading) == DONE:
                review_from = span[0]
                break
    return DocumentYears(report, plan, mentioned, genre, plan_until, review_from)


def merge_years(years: Iterable[DocumentYears]) -> DocumentYears:
    """One reading for several documents: the latest report/plan years, all years mentioned (the
    genre when they share one). Relative words are resolved per document, not against this."""
    years = list(years)
    if not years:
        return DocumentYears()
    reports = [y.report_year for y in years if y.report_year]
    plans = [y.plan_year for y in years if y.plan_year]
    mentioned = frozenset().union(*(y.mentioned for y in years))
    genres = {y.genre for y in years}
    return DocumentYears(max(reports, default=None), max(plans, default=None),
                         mentioned | frozenset(reports) | frozenset(plans),
                         genres.pop() if len(genres) == 1 else "")


def years_for(years: "DocumentYears | Mapping[str, DocumentYears] | None", doc_id: str) -> DocumentYears:
    """The years of document ``doc_id`` from a per-document mapping, or ``years`` itself."""
    if isinstance(years, DocumentYears):
        return years
    return (years or {}).get(doc_id) or DocumentYears()


def section_phase(section: Sequence[str], years: DocumentYears | None = None) -> str | None:
    """"done" or "plan" for a passage, from the wording of its top heading, else (with the
    document's ``years``) from the year it names: "三、2026年重点工作" in a 2026 work report is
    planned (None: neither)."""
    if not section:
        return None
    phase = phase_of_heading(section[0])
    if phase is None and years is not None:
        heading = arabic_years(section[0])
        found = [years.phase_of(int(m.group(1))) for m in _YEAR.finditer(heading)]
        found += [_span_phase(s, years) for s in five_year_spans(heading)]
        phases = {p for p in found if p}
        phase = phases.pop() if len(phases) == 1 else None
    return phase


def section_period(section: Sequence[str], years: DocumentYears) -> Period | None:
    """The period of a passage from its top heading: "一、2023年…执行情况" → Period(2023, done)."""
    phase = section_phase(section, years)
    if phase is None:
        return None
    heading = arabic_years(section[0])
    m = _YEAR.search(heading)
    if m:
        return Period(int(m.group(1)), phase)
    span = next(iter(five_year_spans(heading)), None)
    if span:
        return Period(span[0], phase, until=span[1])
    return Period(years.period(phase).year, phase)


# a lead that speaks of one year, though it may name the five-year plan it ends (“十四五”收官之年)
ONE_YEAR = re.compile(r"(?<![几两二三四五六七八九十\d])一年(?!来|间|以来)|之年|去年|全年")


def paragraph_period(period: Period | None, lead: str) -> Period | None:
    """The period of a paragraph under a heading of one reviewed year (一、2025年及“十四五”时期工作
    回顾) whose lead says it reviews the five years to it (这五年…, 五年来…, “十四五”时期…): that
    span, unless it names one year (“十四五”收官之年); under a heading of the five years, one whose
    lead names their last year alone (刚刚过去的2025年，…): that year; else the heading's ``period``."""
    if period is None or period.phase != DONE or not period.year:
        return period
    head = arabic_years(lead[:16])
    if period.until is not None:
        # under a heading of the five years (一、“十四五”时期经济社会发展回顾), a paragraph opening on
        # their last year alone (刚刚过去的2025年，…; 过去一年，…) reviews that year
        named = {int(y) for y in _YEAR_NUMBER.findall(head)}
        if not five_year_spans(head) and not _PAST_FIVE.search(head) and (
                _ONE_YEAR_LEAD.search(head) or named == {period.until}):
            return Period(period.until, DONE)
        return period
    if ONE_YEAR.search(head):  # under one year's heading, 刚刚过去的一年，是“十四五”收官之年: that year
        return period
    if _PAST_FIVE.search(head) or any(span[1] == period.year for span in five_year_spans(head)):
        return Period(period.year - 4, DONE, until=period.year)
    return period


def question_part(text: str) -> str:
    """The part of a year a question asks about, as reports write it: 前三季度, 1-11月, 上半年."""
    for pattern, canonical in _PARTS:
        m = pattern.search(text)
        if m:
            if "{}" in canonical:
                n = next((g for g in m.groups() if g), "11")
                return canonical.format({"十": "10", "十一": "11"}.get(n, n))
            return canonical
    return ""


def _span_phase(span: tuple[int, int], years: DocumentYears) -> str | None:
    """"done" for a span that ends by the reviewed year, "plan" for one from the planned year."""
    if years.report_year and span[1] <= years.report_year:
        return DONE
    if years.plan_year and span[0] >= years.plan_year:
        return PLAN
    return None


def relative_periods(clause: str, years: DocumentYears) -> list[Period]:
    """The periods a clause names, resolved against one document's years: its calendar years
    and spans (2021–2025年),
    去年 (the reviewed year), 今年/明年 (the planned year; the reviewed one in a communiqué, which
    plans none), 前年, 过去五年 (the five years to the reviewed one, or the reviewed span),
    未来五年, and five-year plans by name ("十四五"时期 → 2021–2025)."""
    out: list[Period] = []
    spans = list(_YEAR_SPAN.finditer(clause))  # 2021–2025年
    for m in spans:
        a, b = int(m.group(1)), int(m.group(2))
        phase = _span_phase((a, b), years) if a < b else None
        if phase:
            out.append(Period(a, phase, explicit=True, until=b))
    for m in _YEAR.finditer(clause):
        phase = years.phase_of(int(m.group(1)))
        if phase and not any(s.start() <= m.start() < s.end() for s in spans):
            out.append(Period(int(m.group(1)), phase, explicit=True))
    for a, b in five_year_spans(clause):
        phase = _span_phase((a, b), years)
        if phase:
            out.append(Period(a, phase, explicit=True, until=b))
    report, plan = years.report_year, years.plan_year
    if _PAST_FIVE.search(clause) and report:
        out.append(Period(years.review_from or report - 4, DONE, explicit=True, until=report))
    if _NEXT_FIVE.search(clause) and plan:
        out.append(Period(plan, PLAN, explicit=True, until=years.plan_until or plan + 4))
    if _TWO_YEARS_AGO.search(clause) and report and years.covers(report - 1):
        out.append(Period(report - 1, DONE, explicit=True))
    if _LAST_YEAR.search(clause):
        out.append(Period(report, DONE, explicit=True))
    if _THIS_YEAR.search(clause):
        out.append(Period(plan, PLAN, explicit=True) if plan or not report else Period(report, DONE, explicit=True))
    return out


def _clause_periods(clause: str, years: DocumentYears) -> list[Period]:
    """The periods a clause asks about: those it names, else the words for results or plans."""
    named = relative_periods(clause, years)
    if named:
        return named
    done, plan = bool(_DONE_CUES.search(clause)), bool(_PLAN_CUES.search(clause))
    if done != plan:
        phase = DONE if done else PLAN
        if phase == PLAN and years.plan_year is None and years.report_year:  # a communiqué plans nothing
            return []
        return [Period(years.period(phase).year, phase)]
    return []


def question_periods(text: str, years: DocumentYears) -> tuple[Period, ...]:
    """The periods a question asks about, in order, resolved against one document's years.

    Each clause (split on ，。？；) is read on its own: its years and 去年/今年/明年/过去五年
    first, then words for results (完成了, 进展) or plans (计划, 目标). "去年做了什么，今年有什么计划"
    asks about both periods. A period named in one clause is not overridden by another's words;
    one period per phase (the first named).
    """
    part = question_part(text)
    found: dict[str, Period] = {}
    for clause in re.split(r"[，,。？?！!；;]|\band\b", text):
        for p in _clause_periods(clause, years):
            old = found.get(p.phase)
            if old is None or (p.explicit and not old.explicit):
                found[p.phase] = p
    if any(p.explicit for p in found.values()):  # words such as 计划 do not add a period to one named
        found = {ph: p for ph, p in found.items() if p.explicit}
    plan = found.get(PLAN)
    if plan is not None and plan.explicit and DONE not in found and years.report_year \
            and any(_NOW.search(c) and not _clause_periods(c, years)
                    for c in re.split(r"[，,。？?！!；;]|\band\b", text)):
        # 现在有多少公里，今年要突破多少: "now" against this year's target is the state reported
        found = {DONE: Period(years.report_year, DONE, explicit=True), PLAN: plan}
    if part and not found:  # 前三季度 figures are the reviewed year's
        found[DONE] = Period(years.report_year, DONE, explicit=True)
    return tuple(Period(p.year, p.phase, part if p.phase == DONE and p.until is None else "", p.explicit, p.until)
                 for p in found.values())


def document_periods(text: str, years: Mapping[str, DocumentYears]) -> tuple[tuple[str, tuple[Period, ...]], ...]:
    """``question_periods`` of ``text`` for each document (id → its years), in order."""
    return tuple((doc_id, question_periods(text, y)) for doc_id, y in years.items())


def intent_of(periods: Sequence[Period]) -> str | None:
    """"done" or "plan" when ``periods`` are of one phase only, else None."""
    phases = {p.phase for p in periods}
    return phases.pop() if len(phases) == 1 else None


def asked_years(text: str) -> tuple[int, ...]:
    """The calendar years written in a question (2025年, "in 2022")."""
    return tuple(dict.fromkeys(int(m.group(1)) for m in _YEAR.finditer(text)))


def uncovered_years(text: str, years: DocumentYears) -> tuple[int, ...]:
    """Years a question names that the documents never speak of (2025 in a 2023/2024 report)."""
    return tuple(y for y in asked_years(text) if not years.covers(y))


def replace_period(text: str, new: Sequence[Period], years: DocumentYears) -> str:
    """``text`` with its year or 去年/今年 expressions replaced by those of ``new`` (for follow-ups:
    "2024年打算增加多少托位" asked again as "那去年呢" → "2023年打算增加多少托位")."""
    if not new or new[0].year is None:
        return text
    year = new[0].words  # 2023年, or a span: 2021–2025年
    replaced, n = re.subn(r"(?<![\d.])(?:19|20)\d{2}(?!\d)\s*年", year, text)
    if n == 0:
        replaced, n = re.subn(r"去年|今年|明年|前年|上一年|过去一年|过去五年|这五年|五年来|未来五年|"
                              r"“?十[一二三四五六七八九]五”?(?:时期)?", year, text)
    if n == 0:
        replaced = year + text
    if new[0].phase == DONE:  # a plan question asked about the past: its plan words no longer fit
        replaced = re.sub(r"打算|计划|准备|将要|要", "", replaced)
    return replaced


# the words of a question that name a year or span (no part of a year): what a follow-up such as
# 那去年呢 / 那过去五年呢 changes of the question before
YEAR_WORDS = re.compile(r"(?:19|20)\d{2}年?|去年|今年|明年|前年|上一年|过去一年|过去五年|这五年|五年来|未来五年|"
                        r"“?十[一二三四五六七八九]五”?(?:时期)?")

# the words of a question that name a period, not what it asks about (left out of its terms)
PERIOD_TEXT = re.compile(r"(?:(?:19|20)\d{2}\s*年?|前三季度|上半年|一季度|\d{1,2}\s*[-到至~～—]\s*\d{1,2}\s*月|"
                         r"前\d{1,2}个?月|去年|今年|明年|前年|上一年|过去五年|这五年|五年来|未来五年|"
                         r"“?十[一二三四五六七八九]五”?(?:时期)?)"
                         r"(?:末|底|期末|年底|年末|结束时?|收官时?)?")  # and its end (“十四五”末, 结束时)
_PERIOD_WORD = re.compile(r"^(?:(?:19|20)\d{2}|去年|今年|明年|前年|上年|年|前三季度|上半年|五年来|这五年|"
                          r"过去五年|未来五年|十[一二三四五六七八九]五|时期)$")


def is_period_word(token: str) -> bool:
    """Whether a question token only names a period (2023, 去年, 十四五), not what it asks about."""
    return bool(_PERIOD_WORD.match(token))
