"""compose() on excerpts of another region's report (the 2026 Shandong government work report,
../shared/corpora/gov2026): the figure sentence, a comparison's difference, a unit the report
does not give, and questions the pinyin corrector must leave alone."""
import re

import pytest

from qa.answer import compose
from qa.answer.text import difference, figure_value
from qa.lexical import tokenizer_for
from qa.lexicon import PinyinCorrector
from qa.multilingual import looks_english
from qa.periods import DocumentYears
from qa.query import COMPARE, Vocabulary, analyse, answer_type
from qa.types import Document, Hit, Retrieval, Span

DONE = ("一、2025年及“十四五”时期工作回顾",)
PLAN = ("三、2026年重点工作安排",)  # the report's heading, with a plan word (安排) as any reader reads it
JOBS = ("（六）民生福祉改善迈出坚实步伐。就业方面，城镇新增就业124.9万人，以工代赈带动就业16.4万人，"
        "新就业形态人员职业伤害保障试点惠及165.3万人。")
ROADS = ("——基础设施建设实现新跃升。建设全国首个交通强国省域示范区，高铁里程由2110公里增至3055公里，"
         "高速公路由7473公里增至9310公里、八车道里程全国第一。")
GROWTH = ("（一）经济增长迈出坚实步伐。地区生产总值增长5.5%、达到10.3万亿元，成为全国第三个、北方第一个过10万亿元省份。"
          "规上工业增加值增长7.6%，高于全国1.7个百分点；社会消费品零售总额增长5.1%，高于全国1.4个百分点。")
TARGETS = ("综合考虑各方面因素，建议经济社会发展主要预期目标为：地区生产总值增长5%以上，在实际工作中努力争取更好结果；"
           "一般公共预算收入增长2%，居民收入增长和经济增长同步；城镇调查失业率控制在5.5%左右，城镇新增就业110万人以上；"
           "居民消费价格保持合理水平。")
RAIL = ("铁路方面，积极推动莱临、德商、日照至五莲、聊邯长铁路纳规，具备条件后加快推进前期工作；抓好6条续建高铁建设，"
        "今年建成雄商、济滨高铁，高铁里程突破3400公里，2027年、2028年分别建成津潍、潍宿高铁。")
ROAD = "公路方面，新开工晏城至表白寺等2个项目，提速庆云至章丘等23个续建项目，建成通车济南至宁津等5个项目，高速公路里程突破9500公里。"
AIR = "机场方面，推动济南、青岛协同打造区域航空双枢纽，加快建设济南机场二期，投用枣庄机场，提速聊城机场前期工作。"
FIVE_YEARS = ("——经济实力实现新跃升。全省地区生产总值年均增长5.9%、高于全国0.5个百分点；经济总量连续跨过3个万亿元大关，"
              "占全国比重由2020年的7.2%提升至7.4%。")
REPORT = "\n".join([DONE[0], JOBS, ROADS, GROWTH, FIVE_YEARS, PLAN[0], TARGETS, RAIL, ROAD, AIR]) + "\n"
YEARS = DocumentYears(2025, 2026, frozenset({2025, 2026}))
DOCS = {"report": Document("report", "2026年山东省政府工作报告", REPORT)}
TOKENIZER = tokenizer_for(())
VOCAB = Vocabulary(years=YEARS, text=REPORT, tokenize=TOKENIZER.words, looks_english=looks_english,
                   places=TOKENIZER.places)


def hit(passage, section, *, dense=0.8, match=0.6):
    start = REPORT.index(passage)
    return Hit(text=passage, score=0.5, doc_id="report", section=section, start=start, end=start + len(passage),
               highlights=(Span(0, len(passage), "sentence"),), paragraph=(start, start + len(passage)),
               scores={"dense": dense, "match": match})


def ask(question, hits):
    return compose(Retrieval(analyse(question, VOCAB), tuple(hits)), documents=DOCS, years=YEARS)


def plain(text):
    return re.sub(r"\*\*|\\", "", text)


# ---------------------------------------------------------------- figures and differences


def test_figure_value_reads_magnitudes_and_units():
    assert figure_value("4.93万亿元") == (4.93e12, "元", "万亿")
    assert figure_value("5.5％左右")[:2] == (5.5, "%")
    assert figure_value("110万人以上") == (1.1e6, "人", "万")
    assert figure_value("三千亩") is None  # a figure in words is not computed


@pytest.mark.parametrize("a, b, said", [
    ("5.6%", "5%以上", "低0.6个百分点"),
    ("4.1%", "4.5%左右", "高出0.4个百分点"),
    ("3.68万亿元", "4.93万亿元", "高出1.25万亿元"),
    ("7473公里", "9310公里", "高出1837公里"),
    ("5.3％", "5.3%", "持平"),
])
def test_difference_of_two_figures(a, b, said):
    assert difference(a, b) == said


def test_figures_of_other_units_are_not_subtracted():
    assert difference("124.9万人", "5.5%") is None
    assert difference("1.7个百分点", "1.4个百分点") is None  # differences of rates: not a level


def test_figure_answer_is_the_clause_with_the_asked_unit_not_the_lead():
    answer = ask("去年以工代赈带动就业多少人？", [hit(JOBS, DONE)])
    assert answer.covered and "**16.4万人**" in answer.text
    assert not answer.text.startswith("（六）民生福祉改善迈出坚实步伐")  # the passage's lead is no answer


def test_comparison_of_a_target_with_last_year_gives_both_figures_and_the_difference():
    q = "今年城镇新增就业目标和去年实际新增的比起来是多还是少？"
    assert answer_type(q, analyse(q, VOCAB).periods) == COMPARE
    answer = ask(q, [hit(TARGETS, PLAN), hit(JOBS, DONE)])
    text = plain(answer.text)
    assert "110万人以上" in text and "124.9万人" in text
    line = text.split("对比：")[1]
    # each figure cited where it stands: the plan passage [2], last year's [1]
    assert line.startswith("110万人以上 [2]比124.9万人 [1]低14.9万人")


def test_a_clause_moving_between_two_figures_gives_the_change():
    answer = ask("高速公路里程这五年从多少增加到了多少？", [hit(ROADS, DONE)])
    text = plain(answer.text)
    assert "9310公里" in text and "由7473公里到9310公里，高出1837公里" in text


def test_a_question_about_one_year_gets_that_year_s_figure_not_the_five_year_average():
    hits = [hit(FIVE_YEARS, DONE), hit(GROWTH, DONE)]
    last_year = plain(ask("去年地区生产总值增长了多少？", hits).text)
    assert "增长5.5%" in last_year and "5.9%" not in last_year
    five_years = plain(ask("这五年地区生产总值年均增长多少？", hits).text)
    assert "年均增长5.9%" in five_years and "5.5%" not in five_years


def test_a_figure_question_without_comparison_computes_nothing():
    answer = ask("去年地区生产总值是多少？增长了多少？", [hit(GROWTH, DONE)])
    assert answer.covered and "10.3万亿元" in plain(answer.text) and "对比" not in answer.text


# ---------------------------------------------------------------- abstention


def test_a_quantity_the_report_gives_in_another_unit_is_not_covered_and_says_so():
    answer = ask("去年社会消费品零售总额是多少亿元？", [hit(GROWTH, DONE)])
    assert not answer.covered
    assert "亿元" in answer.text and "%" in answer.text  # what is asked, what the report gives


def test_the_asked_unit_present_is_covered():
    answer = ask("去年高速公路有多少公里？", [hit(ROADS, DONE)])
    assert answer.covered and "9310公里" in plain(answer.text)


# ---------------------------------------------------------------- pinyin slips over other reports


@pytest.mark.parametrize("question", ["五年前和现在各是多少？", "今年要建多少个县级养老服务中心？"])
def test_the_corrector_leaves_words_of_grammar_alone(question):
    corpus = "全省各市推进养老服务。要件齐全。各市要建立机制。"
    corrector = PinyinCorrector(set(TOKENIZER.words(corpus)) | {"各市", "要件"}, corpus, TOKENIZER.cut,
                                TOKENIZER.is_word)
    assert corrector.correct(question) == (question, ())


def test_the_corrector_still_mends_a_slip():
    corpus = "持续推进老旧小区改造，完成改造14个。"
    corrector = PinyinCorrector(set(TOKENIZER.words(corpus)), corpus, TOKENIZER.cut, TOKENIZER.is_word)
    assert corrector.correct("老旧小区该造去年完成了几个？")[1] == (("该造", "改造"),)


# ---------------------------------------------------------------- follow-ups without words of their own


@pytest.mark.parametrize("question", ["今年的目标是多少？", "年底能到多少？"])
def test_a_question_naming_no_subject_leans_on_the_one_before(question):
    q = analyse(question, VOCAB, ["去年城镇新增就业多少人？"])
    assert q.follow_up and "城镇新增就业" in q.text
    assert not analyse("城镇调查失业率的目标是多少？", VOCAB, ["去年城镇新增就业多少人？"]).follow_up


# ---------------------------------------------------------------- lists


def test_a_list_gathers_the_items_of_every_passage_that_enumerates_them():
    answer = ask("今年要建成哪些铁路和公路？", [hit(RAIL, PLAN), hit(ROAD, PLAN), hit(AIR, PLAN)])
    text = plain(answer.text)
    assert answer.kind == "list" and text.startswith("1. ")
    assert "今年建成雄商、济滨高铁 [1]" in text and "建成通车济南至宁津等5个项目 [2]" in text
    assert "枣庄机场" not in text  # the passage that names neither


def test_an_english_abbreviation_inside_a_chinese_question_finds_its_lexicon_terms():
    from qa.lexicon import default_lexicon

    assert "地区生产总值" in default_lexicon().terms("去年GDP是多少？")
    assert default_lexicon().matches("GDPR") == []  # a longer word is another word


def test_a_comparison_of_progress_quotes_sentences_and_computes_nothing():
    answer = ask("就业去年和今年分别是什么进度？", [hit(TARGETS, PLAN), hit(JOBS, DONE)])
    assert answer.kind == "comparison" and "对比" not in answer.text
    assert "**124.9万人**" not in answer.text  # sentences quoted, no figure picked


def test_figures_in_latin_units_and_counted_units_are_figures():
    from qa.answer.evidence import has_figure
    from qa.answer.text import FIGURE
    # Anhui's and Gansu's computing power, a port's containers, livestock, life expectancy
    for text, unit in [("新增智能算力1.7万P", "P"), ("算力规模突破15万P", "P"), ("集装箱吞吐量500万TEU", "TEU"),
                       ("生猪出栏3000万头", "头"), ("人均预期寿命达到79.5岁", "岁")]:
        assert FIGURE.search(text).group("unit") == unit, text
    # a generation of mobile networks, a grade or a year is no figure
    assert not has_figure("加快5G基站建设") and not has_figure("创建4A级景区") and not has_figure("2026年")
