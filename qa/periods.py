"""Periods: which year a report reviews and which it plans, read from the document itself, and
which of them a question asks about (2023年, 去年, 今年, 前三季度, "last year" …).

There is one notion of period, ``Period``: a year (or None) and a phase, "done" for results
reported or "plan" for targets and measures, plus, for questions, the part of the year asked
about (1-11月, 前三季度, 上半年). No year is written in this code: every year comes from a
document's title and top headings (``document_years``) or from the question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

DONE, PLAN = "done", "plan"

# wording of a heading or title that reviews a year, or that plans one
_DONE_WORDS = ("执行情况", "完成情况", "工作总结", "总结", "回顾", "成效", "工作报告")
_PLAN_WORDS = ("计划", "目标", "措施", "安排", "任务", "展望", "工作要点")
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?!\d)(?!\.\d)\s*年?")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|#\s)")

# a question's words for results or plans (no year: years are resolved separately)
_DONE_CUES = re.compile(r"去年|上一年|上年|过去一年|完成了|完成得|取得|进展|成效|成绩|做了|建成了|办过|有哪些成果|"
                        r"怎么样了|到哪|已经|实现了|干了|开了|建了|落地了|"
                        r"\blast year\b|\bachieved\b|\bcompleted\b|\bdid\b|\bhad\b|\bwas\b|\bwere\b|\bopened\b|"
                        r"\bbuilt\b|\brenovated\b", re.I)
_PLAN_CUES = re.compile(r"今年|明年|下一年|计划|打算|将要|准备|目标|安排|要做|未来|下一步|将|要干|要建|要实现|力争|争取|"
                        r"\bthis year\b|\bnext year\b|\bplan|\bwill\b|\btarget|\bgoal|\baim", re.I)
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
    ``explicit`` when a question names it (2023年, 去年) rather than implies it (做了, 打算)."""

    year: int | None
    phase: str | None
    part: str = ""
    explicit: bool = False  # named by a year or 去年/今年, not only by words such as 计划 or 做了

    @property
    def label(self) -> str:
        """"2023年进展" for results, "2024年安排" for plans."""
        when = f"{self.year}年" if self.year else ""
        if self.phase == DONE:
            return f"{when}进展"
        if self.phase == PLAN:
            return f"{when}安排"
        return when or "其他"

    @property
    def words(self) -> str:
        """How the period reads in a sentence: "2023年", "2024年（计划）"."""
        return f"{self.year}年" if self.year else ("计划" if self.phase == PLAN else "")


@dataclass(frozen=True)
class DocumentYears:
    """The year a report reviews and the year it plans (either None), and every year it names."""

    report_year: int | None = None
    plan_year: int | None = None
    mentioned: frozenset[int] = frozenset()

    def period(self, phase: str | None) -> Period | None:
        if phase == DONE:
            return Period(self.report_year, DONE)
        if phase == PLAN:
            return Period(self.plan_year, PLAN)
        return None

    def phase_of(self, year: int) -> str | None:
        if year == self.report_year:
            return DONE
        if year == self.plan_year:
            return PLAN
        return None

    def covers(self, year: int) -> bool:
        """Whether the documents speak of ``year`` at all."""
        return year in (self.report_year, self.plan_year) or year in self.mentioned


def phase_of_heading(heading: str) -> str | None:
    """"done" for a heading that reviews (…执行情况), "plan" for one that plans (…计划, 主要措施)."""
    if any(w in heading for w in _DONE_WORDS):
        return DONE
    if any(w in heading for w in _PLAN_WORDS):
        return PLAN
    return None


def document_years(title: str, text: str) -> DocumentYears:
    """The reporting and plan years of a document, from its title and top headings.

    "关于…2023年…计划执行情况与2024年…计划的报告" → report 2023, plan 2024. Each year is read with
    the words that follow it up to the next year: a year followed by 执行情况 is reviewed, one
    followed by 计划/目标/措施 is planned. When only one is found the other is the next or
    previous year.
    """
    lines = [title] + [line for line in text.splitlines() if _HEADING.match(line.strip())]
    report = plan = None
    for line in lines:
        found = list(_YEAR.finditer(line))
        for m, nxt in zip(found, found[1:] + [None]):
            words = line[m.end(): nxt.start() if nxt else len(line)]
            phase = phase_of_heading(words)
            year = int(m.group(1))
            if phase == DONE and report is None:
                report = year
            elif phase == PLAN and plan is None and year != report:
                plan = year
    if report is None and plan is not None:
        report = plan - 1
    if plan is None and report is not None:
        plan = report + 1
    mentioned = frozenset(int(m.group(1)) for m in _YEAR.finditer(text) if m.group(0).endswith("年"))
    return DocumentYears(report, plan, mentioned)


def merge_years(years: Iterable[DocumentYears]) -> DocumentYears:
    """One reading for several documents: the latest report/plan years, all years mentioned."""
    years = list(years)
    if not years:
        return DocumentYears()
    reports = [y.report_year for y in years if y.report_year]
    plans = [y.plan_year for y in years if y.plan_year]
    mentioned = frozenset().union(*(y.mentioned for y in years))
    return DocumentYears(max(reports, default=None), max(plans, default=None),
                         mentioned | frozenset(reports) | frozenset(plans))


def section_phase(section: Sequence[str]) -> str | None:
    """"done" or "plan" for a passage, from the wording of its top heading (None: neither)."""
    return phase_of_heading(section[0]) if section else None


def section_period(section: Sequence[str], years: DocumentYears) -> Period | None:
    """The period of a passage from its top heading: "一、2023年…执行情况" → Period(2023, done)."""
    if not section:
        return None
    phase = phase_of_heading(section[0])
    if phase is None:
        return None
    m = _YEAR.search(section[0])
    return Period(int(m.group(1)) if m else years.period(phase).year, phase)


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


def _clause_phases(clause: str, years: DocumentYears) -> list[tuple[str, bool]]:
    """(phase, explicit) pairs a clause asks about: its years and 去年/今年 words, else the
    words for results or plans."""
    out: list[tuple[str, bool]] = []
    for m in _YEAR.finditer(clause):
        phase = years.phase_of(int(m.group(1)))
        if phase and (phase, True) not in out:
            out.append((phase, True))
    if _LAST_YEAR.search(clause) and (DONE, True) not in out:
        out.append((DONE, True))
    if _THIS_YEAR.search(clause) and (PLAN, True) not in out:
        out.append((PLAN, True))
    if out:
        return out
    done, plan = bool(_DONE_CUES.search(clause)), bool(_PLAN_CUES.search(clause))
    if done != plan:
        return [(DONE if done else PLAN, False)]
    return []


def question_periods(text: str, years: DocumentYears) -> tuple[Period, ...]:
    """The periods a question asks about, in order, resolved against the documents' years.

    Each clause (split on ，。？；) is read on its own: its years and 去年/今年/明年 first, then
    words for results (完成了, 进展) or plans (计划, 目标). "去年做了什么，今年有什么计划" asks
    about both periods. A period named in one clause is not overridden by another's words.
    """
    part = question_part(text)
    found: dict[str, bool] = {}
    for clause in re.split(r"[，,。？?！!；;]|\band\b", text):
        for phase, explicit in _clause_phases(clause, years):
            found[phase] = found.get(phase, False) or explicit
    if any(found.values()):  # words such as 计划 do not add a period to one named
        found = {p: e for p, e in found.items() if e}
    if part and not found:  # 前三季度 figures are the reviewed year's
        found[DONE] = True
    return tuple(Period(years.period(phase).year, phase, part if phase == DONE else "", explicit)
                 for phase, explicit in found.items())


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
    year = f"{new[0].year}年"
    replaced, n = re.subn(r"(?<![\d.])(?:19|20)\d{2}(?!\d)\s*年", year, text)
    if n == 0:
        replaced, n = re.subn(r"去年|今年|明年|上一年|过去一年", year, text)
    if n == 0:
        replaced = year + text
    if new[0].phase == DONE:  # a plan question asked about the past: its plan words no longer fit
        replaced = re.sub(r"打算|计划|准备|将要|要", "", replaced)
    return replaced
