"""Questions across reports: the condition of a "which places" question (qa.criteria), the measure
words a figure's unit says, the five-year paragraphs under a heading of one year, and the lexicon
lines of one word in two cases."""
from dataclasses import replace

import pytest

from qa.answer import compose
from qa.answer.evidence import Terms, question_terms
from qa.criteria import Criterion, criterion, figure_range, holds, part_text
from qa.lexical import tokenizer_for
from qa.lexicon import Lexicon
from qa.periods import DONE, DocumentYears, Period, paragraph_period
from qa.query import Vocabulary, analyse, measure_unit, other_measure
from qa.types import Document, Hit, Retrieval


# ---------------------------------------------------------------- the condition of 哪些省份…

@pytest.mark.parametrize("question, kind, value, qualifier", [
    ("哪些省份今年GDP增长目标定在4.5%左右？", "equal", 4.5, "左右"),
    ("今年经济增长目标用“5%以上”这种提法的是哪几个省？", "equal", 5.0, "以上"),
    ("今年哪些地方把城镇调查失业率目标放宽到5.5%以上？", "above", 5.5, "以上"),
    ("哪些省份去年粮食产量超过800亿斤？", "above", 800.0, ""),
    ("哪些省份的城镇调查失业率低于5%？", "below", 5.0, ""),
    ("哪些省份今年的GDP增速目标给的是一个区间？", "range", None, ""),
])
def test_the_condition_a_which_places_question_sets(question, kind, value, qualifier):
    c = criterion(question)
    assert (c.kind, c.value, c.qualifier) == (kind, value, qualifier)
    assert question[c.span[0]:c.span[1]]  # where the question says it


def test_no_condition_without_a_figure_or_a_range():
    assert criterion("哪些省份提出了建设全国统一大市场？") is None


def test_a_report_s_figure_meets_the_condition_or_not():
    said = criterion("哪些省份把目标定在4.5%左右？")
    assert holds(said, "4.5%左右", "地区生产总值增长4.5%左右")
    assert not holds(said, "4.5%", "地区生产总值增长4.5%—5%")  # a range is not the figure said
    assert not holds(said, "5%左右", "地区生产总值增长5%左右")
    above = criterion("哪些省份把失业率目标放宽到5.5%以上？")
    assert holds(above, "5.7%左右") and not holds(above, "5.5%左右") and holds(above, "5.5%以上")
    assert not holds(Criterion("above", 5.0, "%"), "6万人")  # another unit
    ranged = criterion("哪些省份的目标是一个区间？")
    assert holds(ranged, "5%", "地区生产总值增长4.5-5%") and not holds(ranged, "5%左右", "增长5%左右")
    assert figure_range("增长5%—5.5%") == (5.0, 5.5) and figure_range("增长5%，就业5万人") is None


def test_the_question_asked_of_each_report_drops_the_frame_and_the_condition():
    text = "哪些省份今年GDP增长目标定在4.5%左右？"
    part = part_text(text, criterion(text))
    assert "GDP增长目标" in part and "4.5%" not in part and "省份" not in part
    assert "谁" not in part_text("去年山东和河北的GDP增速各是多少，谁更快？")
    assert "各是" not in part_text("去年山东和河北的GDP增速各是多少，谁更快？")


# ---------------------------------------------------------------- measures said by a unit

def test_a_measure_word_is_said_by_a_figure_in_its_unit_and_no_other_measure():
    assert measure_unit("增速") == "%" and measure_unit("失业率") is None  # a named rate must be named
    terms = Terms({"增速": 1.0}, {}, frozenset(), measures={"增速": "%"})
    assert terms.share("地区生产总值增长5.5%") == 1.0
    assert terms.share("占全国比重由7.2%提升至7.4%") == 0.0  # a share, not a growth rate
    assert terms.share("粮食产量1100亿斤") == 0.0
    assert other_measure("占全国比重7.4%", "增速") and not other_measure("增速居全国第2位", "增速")
    assert terms.missing("增长5.5%") == [] and terms.missing("1100亿斤") == ["增速"]


def test_question_terms_know_their_measures():
    years = DocumentYears(2025, 2026, frozenset({2025, 2026}))
    tok = tokenizer_for(())
    q = analyse("去年地区生产总值增速是多少？", Vocabulary(years=years, text="地区生产总值增速", tokenize=tok.words))
    assert question_terms(q, None).measures == {"增速": "%"}


# ---------------------------------------------------------------- the five years under one year's heading

def test_a_paragraph_on_the_five_years_to_the_heading_s_year_is_that_span():
    year = Period(2025, DONE)
    assert paragraph_period(year, "这五年，我们坚定不移推动高质量发展") == Period(2021, DONE, until=2025)
    assert paragraph_period(year, "“十四五”时期，全省地区生产总值年均增长5.9%") == Period(2021, DONE, until=2025)
    assert paragraph_period(year, "全年地区生产总值增长5.5%") == year
    assert paragraph_period(Period(2026, "plan"), "这五年…") == Period(2026, "plan")  # plans: as headed
    assert paragraph_period(None, "这五年") is None


REPORT = ("一、2025年及“十四五”时期工作回顾\n"
          "这五年，我们推动高质量发展，综合经济实力跃上新台阶。经济总量稳步提升，地区生产总值年均增长5.9%。\n"
          "全年地区生产总值2.15万亿元、增长5.5%，一般公共预算收入增长2%。\n"
          "二、2026年主要目标\n地区生产总值增长5%左右。\n")


def _hit(passage: str, rank_score: float) -> Hit:
    start = REPORT.index(passage)
    line = next(x for x in REPORT.splitlines() if passage in x)
    p0 = REPORT.index(line)
    return Hit(text=passage, score=rank_score, doc_id="r", section=("一、2025年及“十四五”时期工作回顾",), start=start,
               end=start + len(passage), paragraph=(p0, p0 + len(line)), scores={"match": 0.8, "dense": 0.8})


def test_one_year_s_figure_comes_from_that_year_s_paragraph_not_the_five_years_to_it():
    years = DocumentYears(2025, 2026, frozenset({2025, 2026}))
    tok = tokenizer_for(())
    vocab = Vocabulary(years=years, text=REPORT, tokenize=tok.words)
    hits = (_hit(REPORT.splitlines()[1], 1.0), _hit(REPORT.splitlines()[2], 0.9))  # the five years first
    idf = {"经济": 1.5, "增长": 1.0, "总量": 3.0}  # 经济 is the report's word: its lexicon terms count less
    a = compose(Retrieval(analyse("去年经济增长了多少？", vocab), hits), documents={"r": Document("r", "报告", REPORT)},
                years=years, idf=idf)
    assert a.covered and "5.5%" in a.text and "5.9%" not in a.text
    a = compose(Retrieval(analyse("这五年经济年均增长多少？", vocab), hits),
                documents={"r": Document("r", "报告", REPORT)}, years=years, idf=idf)
    assert "5.9%" in a.text


# ---------------------------------------------------------------- the lexicon

def test_lexicon_lines_of_one_word_in_two_cases_are_one_entry(tmp_path):
    path = tmp_path / "lexicon.tsv"
    path.write_text("GDP\t地区生产总值 增长\ngdp\t地区生产总值 经济增长\n", encoding="utf-8")
    assert Lexicon.load(path).entries["gdp"] == ("地区生产总值", "增长", "经济增长")


TARGETS = ("二、2026年主要目标\n"
           "今年主要目标是：地区生产总值增长4.5%—5%，固定资产投资增长5%，进出口总额争取实现正增长。\n"
           "推进人工智能应用基地建设运营。数字经济核心产业增加值增长10%。\n")


def test_a_figure_clause_that_names_the_quantity_beats_one_sharing_a_common_word():
    """GDP stands for 地区生产总值 and, in the lexicon, for the common word 增长 too: the clause that
    names 地区生产总值 answers, not another growth figure (terms matched in any case: GDP, gdp)."""
    years = DocumentYears(2025, 2026, frozenset({2025, 2026}))
    tok = tokenizer_for(())
    vocab = Vocabulary(years=years, text=TARGETS, tokenize=tok.words)
    lines = TARGETS.splitlines()

    def hit(line, score):
        start = TARGETS.index(line)
        return Hit(text=line, score=score, doc_id="t", section=(lines[0],), start=start, end=start + len(line),
                   paragraph=(start, start + len(line)), scores={"match": 0.8, "dense": 0.8})

    idf = {"gdp": 6.0, "增长": 1.0, "增速": 4.0, "地区生产总值": 3.0}
    a = compose(Retrieval(analyse("今年的GDP增速目标是多少？", vocab), (hit(lines[2], 1.0), hit(lines[1], 0.9))),
                documents={"t": Document("t", "报告", TARGETS)}, years=years, idf=idf)
    assert a.covered and "4.5%" in a.text and "10%" not in a.text, a.text


def test_how_long_a_time_is_no_length():
    from qa.query import expected_unit

    assert expected_unit("从开建到投用花了多长时间？") is None  # not 公里
    assert expected_unit("这条路有多长？") == "公里"


def test_a_term_the_corpus_never_uses_is_said_in_full_by_its_lexicon_terms():
    """An English word (enterprises) is never in a Chinese report: its lexicon terms are how the
    report says it, whatever their IDF; a corpus term's (gdp) count as much as they are specific."""
    years = DocumentYears(2025, 2026, frozenset({2025, 2026}))
    tok = tokenizer_for(())
    lexicon = Lexicon({"enterprises": ("企业",), "gdp": ("地区生产总值", "增长")})
    idf = {"企业": 1.0, "gdp": 6.0, "增长": 1.5, "地区生产总值": 6.0}
    vocab = Vocabulary(years=years, text="企业 增长", tokenize=tok.words)
    terms = question_terms(analyse("how many enterprises", vocab), idf, lexicon)
    assert terms.share("高新技术企业1.55万家", specific=True) == terms.share("高新技术企业1.55万家") == 1.0
    terms = question_terms(analyse("GDP多少", vocab), idf, lexicon)
    assert terms.share("增长10%", specific=True) == pytest.approx(0.25 * terms.share("增长10%"))
    assert terms.share("地区生产总值增长5%", specific=True) == terms.share("地区生产总值增长5%")
