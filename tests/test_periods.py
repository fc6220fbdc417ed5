"""Periods read from documents and resolved in questions; no year is written in the code."""
import re
from pathlib import Path

import pytest

from qa.periods import (DONE, PLAN, DocumentYears, Period, document_years, question_part, question_periods,
                        replace_period, section_period, uncovered_years)

TITLE = "关于北京市通州区2023年国民经济和社会发展计划执行情况与2024年国民经济和社会发展计划的报告"
TEXT = "前言\n一、2023年国民经济和社会发展计划执行情况\n……\n二、2024年国民经济和社会发展主要目标\n……"
YEARS = DocumentYears(2023, 2024, frozenset({2023, 2024}))


@pytest.mark.parametrize("title, text, report, plan", [
    (TITLE, TEXT, 2023, 2024),
    ("关于2030年计划执行情况与2031年计划的报告", "", 2030, 2031),  # any years
    ("政府工作报告", "一、2019年工作回顾\n二、2020年工作安排", 2019, 2020),
    ("2040年工作要点", "", 2039, 2040),  # only the plan year: the report year is the one before
    ("说明", "没有年份", None, None),
])
def test_document_years_from_title_and_top_headings(title, text, report, plan):
    years = document_years(title, text)
    assert (years.report_year, years.plan_year) == (report, plan)


def test_section_period_reads_the_top_heading():
    assert section_period(("一、2023年国民经济和社会发展计划执行情况", "（一）x"), YEARS) == Period(2023, DONE)
    assert section_period(("三、实现2024年国民经济和社会发展计划的主要措施",), YEARS) == Period(2024, PLAN)
    assert section_period(("工作安排",), YEARS) == Period(2024, PLAN)  # no year: the document's
    assert section_period(("附件",), YEARS) is None and section_period((), YEARS) is None


@pytest.mark.parametrize("question, expected", [
    ("去年新开了几条公交线路？", [(2023, DONE)]),
    ("今年要完工几个老旧小区？", [(2024, PLAN)]),
    ("2023年前三季度GDP是多少？", [(2023, DONE)]),
    ("2024年打算新增多少托位", [(2024, PLAN)]),
    ("孩子上学这块，去年做了什么，今年又有什么计划？", [(2023, DONE), (2024, PLAN)]),
    ("What was achieved last year?", [(2023, DONE)]),
    ("地铁22号线怎么样", []),
])
def test_question_periods_resolve_against_the_document(question, expected):
    assert [(p.year, p.phase) for p in question_periods(question, YEARS)] == expected


def test_the_same_question_next_year_resolves_to_next_years():
    later = DocumentYears(2024, 2025, frozenset({2024, 2025}))
    assert [(p.year, p.phase) for p in question_periods("去年做了什么，今年有什么计划", later)] == [
        (2024, DONE), (2025, PLAN)]
    assert uncovered_years("2025年GDP目标是多少", YEARS) == (2025,)
    assert uncovered_years("2025年GDP目标是多少", later) == ()


@pytest.mark.parametrize("question, part", [
    ("1到11月税收增长了多少", "1-11月"), ("前11个月税收", "1-11月"), ("头三个季度", "前三季度"),
    ("前9个月的GDP", "前三季度"), ("上半年", "上半年"), ("全年", ""),
])
def test_partial_year_expressions(question, part):
    assert question_part(question) == part


def test_a_part_of_a_year_is_the_reviewed_year():
    assert question_periods("前三季度GDP多少", YEARS) == (Period(2023, DONE, "前三季度", explicit=True),)


def test_replace_period_for_follow_ups():
    assert replace_period("2024年打算增加多少个托位？", question_periods("那去年呢", YEARS), YEARS) == "2023年增加多少个托位？"
    assert replace_period("去年建了几所学校", question_periods("2024年呢", YEARS), YEARS) == "2024年建了几所学校"


def test_no_year_literal_in_the_code():
    root = Path(__file__).resolve().parent.parent / "qa"
    for path in root.rglob("*.py"):
        code = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                         if not line.lstrip().startswith("#"))
        code = re.sub(r'"""[\s\S]*?"""', "", code)  # docstrings may give examples
        code = re.sub(r"#.*", "", code)
        assert not re.search(r"(?<![\d.=])20[12]\d(?![\d.])", code), path  # (not a version: ==2023.6)
