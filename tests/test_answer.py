"""compose() on hand-made hits over a small synthetic report, from an analysed question."""
import re
from dataclasses import replace

import pytest

from qa import answer as answer_module
from qa.answer import compose, list_items
from qa.answer.abstain import CROSSLINGUAL_MIN_SCORE, MIN_SCORE
from qa.lexical import tokenizer_for
from qa.multilingual import looks_english
from qa.periods import DocumentYears
from qa.query import CROSSLINGUAL, DENSE, Vocabulary, analyse, answer_type
from qa.types import Document, Hit, Retrieval, Span

DONE = ("一、2023年计划执行情况",)
PLAN = ("三、实现2024年计划的主要措施",)

REPORT = """一、2023年计划执行情况
道路网络更加完善。全年新建学校3所，城市道路总长度达607公里，公路里程达2485公里。
文体活动丰富多彩。成功举办城市副中心马拉松、运河半程马拉松、水上嘉年华等潮流赛事，“通通来运动”品牌愈发响亮。
安全基石持续筑牢，城市安全风险综合监测预警平台一期投入运行。
当前还存在三个方面的差距。一是经济发展水平还有差距。经济体量占全市比重仅为3%左右，消费活力尚显不足。二是公共服务还有差距。在公共服务上仍然存在供给不足、质量不高等问题。三是改革创新的步子还有差距。
三、实现2024年计划的主要措施
加快打造文体设施，实现区体育场升级改造，梨园美术馆、工人文化宫等竣工，推进一批体育特色公园建设。
梨园美术馆、工人文化宫等竣工，实现区体育场升级改造；新建城市运动中心等文体设施。
持续完善城市公共安全风险综合监测预警平台功能，加大征拆拔钉力度，为项目落地实施创造先决条件。
新增普惠托位1180个，新建学校覆盖率达到60%。
与北三县一体化发展更加深入。交通互联互通加快推进，地铁22号线通州段首个盾构区间双向贯通、河北段盾构机施工全面开启，厂通路主体工程、跨潮白河大桥下部结构基本完成。
加快建设交通“一张网”，实现厂通路及跨潮白河大桥通车，开工建设石小路，大力推进地铁22号线建设，不断优化跨境公交线路。
依据上述思路，建议主要指标安排如下：
——地区生产总值比上年增长5%左右；
"""
YEARS = DocumentYears(2023, 2024, frozenset({2023, 2024}))
DOCS = {"report": Document("report", "报告", REPORT)}
TOKENIZER = tokenizer_for(())
VOCAB = Vocabulary(years=YEARS, text=REPORT, tokenize=TOKENIZER.words, looks_english=looks_english,
                   places=TOKENIZER.places)


def line_of(passage):
    return next(line for line in REPORT.splitlines() if passage in line)


def make_hit(passage, section, sentences=(), *, match=0.8, dense=0.75, score=0.5):
    """A Hit on REPORT for ``passage`` (its whole line is the paragraph)."""
    start = REPORT.index(passage)
    line = line_of(passage)
    p0 = REPORT.index(line)
    spans = [Span(passage.index(s), passage.index(s) + len(s), "sentence") for s in sentences]
    return Hit(text=passage, score=score, doc_id="report", section=section, start=start,
               end=start + len(passage), highlights=tuple(spans), paragraph=(p0, p0 + len(line)),
               scores={"match": match, "dense": dense})


def ask(question, hits, history=(), vocab=VOCAB):
    return compose(Retrieval(analyse(question, vocab, history), tuple(hits)), documents=DOCS, years=YEARS)


def markers(text):
    return [int(n) for n in re.findall(r"(?<!\\)\[(\d+)\]", text)]


def assert_citations_consistent(answer):
    """Markers are numbered 1..n in order of first use; each Citation names its hit and a
    sentence of the document inside that hit's paragraph."""
    cited = list(dict.fromkeys(markers(answer.text)))
    assert cited == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        hit = answer.hits[c.hit]
        assert REPORT[c.start:c.end] == c.text == hit.text and c.section == hit.section
        if c.sentence != (0, 0):
            assert hit.paragraph[0] <= c.sentence[0] < c.sentence[1] <= hit.paragraph[1]


# ---------------------------------------------------------------- analysis read, not re-derived


@pytest.mark.parametrize("question, kind", [
    ("2024年通州打算建成哪些文化体育场馆类项目？", "list"),
    ("北三县交通有哪些项目", "list"),
    ("城市道路总长度有多少公里？", "figure"),
    ("How many schools were built?", "figure"),
    ("通州为什么要推进征地拆迁？", "reasons"),
    ("公共服务还有哪些差距？", "reasons"),
    ("地区生产总值去年增长了多少，今年目标是多少？", "comparison"),
    ("孩子上学这块，去年做了什么，今年有什么计划？", "topic"),
    ("监测预警平台是哪一年投入运行的", "fact"),
])
def test_answer_type(question, kind):
    assert answer_type(question, analyse(question, VOCAB).periods) == kind


def test_an_english_question_without_a_cross_lingual_encoder_is_held_to_the_chinese_threshold():
    roads = line_of("道路网络更加完善")
    hit = make_hit(roads, DONE, [roads], dense=(CROSSLINGUAL_MIN_SCORE + MIN_SCORE) / 2)
    dense_route = analyse("How long are the city roads?", VOCAB)
    assert dense_route.route == DENSE  # no encoder: embedded by the main model
    assert not compose(Retrieval(dense_route, (hit,)), documents=DOCS).covered
    cross = Vocabulary(years=YEARS, text=REPORT, tokenize=TOKENIZER.words, looks_english=looks_english,
                       crosslingual=True)
    routed = analyse("How long are the city roads?", cross)
    assert routed.route == CROSSLINGUAL
    assert compose(Retrieval(routed, (hit,)), documents=DOCS).covered


# ---------------------------------------------------------------- lists


def test_list_items_split_clauses_but_keep_noun_series():
    items = list_items("加快打造文体设施，实现区体育场升级改造，梨园美术馆、工人文化宫等竣工。")
    assert items == ["加快打造文体设施", "实现区体育场升级改造", "梨园美术馆、工人文化宫等竣工"]
    assert list_items("一是走好创新发展之路；二是走好绿色发展之路；三是走好协同发展之路。") == [
        "走好创新发展之路", "走好绿色发展之路", "走好协同发展之路"]
    assert list_items("按照目标导向原则，建立重点项目清单。") == ["按照目标导向原则，建立重点项目清单"]


def test_list_answer_drops_near_duplicates_and_cites_each_item():
    first, second = line_of("加快打造文体设施"), line_of("新建城市运动中心")
    answer = ask("2024年打算建成哪些文体设施？", [make_hit(first, PLAN, [first]), make_hit(second, PLAN, [second])])
    assert answer.kind == "list" and answer.covered
    assert answer.text.count("梨园美术馆") == 1 and answer.text.count("区体育场") == 1
    assert "新建城市运动中心等文体设施 [2]" in answer.text
    assert answer.text.startswith("1. ")
    assert_citations_consistent(answer)


NORTH = ("与北三县一体化发展更加深入",)  # the lead sentence, a sub-heading in the section path
NORTH_PLAN = ("持续深化与北三县一体化发展",)  # the plan passage's sub-heading in the report


def test_list_answer_groups_items_by_period():
    done, plan = line_of("交通互联互通"), line_of("加快建设交通")
    answer = ask("北三县交通有哪些项目", [make_hit(plan, PLAN + NORTH_PLAN, [plan]), make_hit(done, DONE + NORTH, [done])])
    text = answer.text
    assert text.index("**2023年进展**") < text.index("盾构") < text.index("**2024年安排**") < text.index("石小路")
    assert "与北三县一体化发展更加深入 [" not in text  # a sub-heading is no item
    assert "**2023年进展**\n\n1. " in text and "**2024年安排**\n\n1. " in text  # CommonMark lists
    assert answer.citations[0].start == REPORT.index(done)  # cited first, though ranked second
    assert_citations_consistent(answer)


def test_max_items_caps_a_list(monkeypatch):
    monkeypatch.setattr(answer_module, "MAX_ITEMS", 2)
    plan = line_of("加快建设交通")
    assert len(markers(ask("北三县交通有哪些项目", [make_hit(plan, PLAN, [plan])]).text)) == 2


# ---------------------------------------------------------------- figures


def test_figure_answer_quotes_the_clause_with_the_asked_unit_in_bold():
    roads = line_of("道路网络更加完善")
    answer = ask("城市道路总长度有多少公里？", [make_hit(roads, DONE, [roads])])
    assert answer.kind == "figure" and "**607公里**" in answer.text
    assert_citations_consistent(answer)
    both = ask("城市道路总长度有多少公里？公路里程又是多少？", [make_hit(roads, DONE, [roads])])
    assert "**607公里**" in both.text and "**2485公里**" in both.text


def test_the_sentence_quoted_is_the_one_with_the_figure_even_outside_the_highlight():
    roads = line_of("道路网络更加完善")
    answer = ask("2023年新建学校多少所？", [make_hit(roads, DONE, ["道路网络更加完善。"])])
    assert "**3所**" in answer.text
    c = answer.citations[0]
    assert REPORT[c.sentence[0]:c.sentence[1]].startswith("全年新建学校3所")


def test_a_figure_the_report_does_not_give_for_the_asked_year_is_not_covered():
    roads, plan = line_of("道路网络更加完善"), line_of("新增普惠托位")
    hits = [make_hit(roads, DONE, [roads]), make_hit(plan, PLAN, [plan])]
    answer = ask("2024年要新增多少条城市道路？", hits)
    assert not answer.covered and answer.text.startswith("报告没有给出2024年")
    assert "相关内容" in answer.text and answer.citations  # the nearest passages still shown


# ---------------------------------------------------------------- reasons, comparisons, topics


def test_reasons_answer_quotes_the_whole_point_under_the_matching_lead():
    gaps = line_of("当前还存在三个方面的差距")
    answer = ask("公共服务为什么还不够好？", [make_hit(gaps, DONE, [gaps])])
    assert answer.kind == "reasons"
    assert "二是公共服务还有差距" in answer.text and "供给不足、质量不高" in answer.text
    assert "消费活力" not in answer.text  # another point
    whole = ask("报告说还有哪些方面的差距？", [make_hit(gaps, DONE, [gaps])])
    for point in ("一是经济发展水平", "二是公共服务", "三是改革创新"):
        assert point in whole.text


def test_comparison_puts_both_periods_side_by_side():
    done, plan = line_of("交通互联互通"), line_of("加快建设交通")
    answer = ask("厂通路2023年建到什么程度，2024年要做到什么？", [make_hit(done, DONE, [done]), make_hit(plan, PLAN, [plan])])
    assert answer.kind == "comparison"
    text = answer.text
    assert text.index("**2023年进展**") < text.index("厂通路主体工程") < text.index("**2024年安排**") \
        < text.index("实现厂通路及跨潮白河大桥通车")


# ---------------------------------------------------------------- abstention


def test_another_district_and_an_uncovered_year_are_not_covered_and_say_what_is_missing():
    roads = line_of("道路网络更加完善")
    hits = [make_hit(roads, DONE, [roads])]
    year = ask("2025年城市道路总长度有多少公里？", hits)
    assert not year.covered and year.text.startswith("报告没有涉及2025年") and year.kind == "not_covered"
    place = ask("大兴区的城市道路有多少公里？", hits)
    assert not place.covered and "大兴区" in place.text.splitlines()[0]
    assert "相关内容" in place.text and place.citations


def test_a_district_named_with_its_suffix_must_be_in_the_report_in_that_form():
    from qa.query import unknown_places
    text = "与西城、朝阳、海淀三区结对，通州区新落地项目50个。"
    assert unknown_places(["朝阳区"], text) == ("朝阳区",)  # 朝阳 is there, 朝阳区 is not
    assert unknown_places(["通州区", "朝阳", "海淀"], text) == ()
    assert unknown_places(["大兴区"], text) == ("大兴区",)
    hits = [make_hit(line_of("道路网络更加完善"), DONE, [line_of("道路网络更加完善")])]
    vocab = replace(VOCAB, text=REPORT + "与西城、朝阳、海淀三区结对。")
    place = ask("朝阳区的城市道路有多少公里？", hits, vocab=vocab)
    assert not place.covered and "朝阳区" in place.text.splitlines()[0]


def test_figure_head_is_the_noun_before_how_many():
    from qa.query import figure_head
    tag = TOKENIZER.tag
    assert figure_head("通州的离婚率是多少？", tag) == "离婚率"
    assert figure_head("2024年全区汽车保有量是多少？", tag) == "保有量"
    assert figure_head("城市道路总长度有多少公里？", tag) == "总长度"
    assert figure_head("2023年新增了多少个托位？", tag) is None  # a verb before 多少: no head
    assert figure_head("梨园美术馆竣工了吗？", tag) is None


def test_a_figure_whose_quantity_the_report_never_names_is_not_covered():
    roads = line_of("道路网络更加完善")
    hits = [make_hit(roads, DONE, [roads])]
    known = lambda w: w in REPORT or (w == "路长" and "城市道路" in REPORT)  # a lexicon bridge
    vocab = replace(VOCAB, tag=TOKENIZER.tag, known=known)
    absent = ask("2023年城市道路的平均车速是多少？", hits, vocab=vocab)
    assert not absent.covered and "车速" in absent.text.splitlines()[0]
    assert analyse("2023年城市道路的平均车速是多少？", vocab).absent == ("车速",)
    assert ask("2023年城市道路总长度有多少公里？", hits, vocab=vocab).covered
    assert analyse("2023年城市路长是多少？", vocab).absent == ()  # through the lexicon
    assert analyse("2023年城市道路的平均车速是多少？", VOCAB).absent == ()  # no tagger: rule off


def test_low_scores_are_not_covered():
    roads = line_of("道路网络更加完善")
    assert not ask("城市道路总长度有多少公里？", [make_hit(roads, DONE, [roads], dense=MIN_SCORE - 0.01)]).covered
    assert not ask("城市道路总长度有多少公里？", [make_hit(roads, DONE, [roads], match=0.0)]).covered


def test_a_typo_is_not_out_of_scope():
    from qa.lexicon import PinyinCorrector
    corrector = PinyinCorrector(set(TOKENIZER.words(REPORT)), REPORT, TOKENIZER.cut, TOKENIZER.is_word)
    vocab = Vocabulary(years=YEARS, text=REPORT, tokenize=TOKENIZER.words, looks_english=looks_english,
                       correct=corrector.correct)
    typo = analyse("监测预竟平台进展如何？", vocab)  # 预竟 for 预警: same pinyin, one character off
    assert typo.text == "监测预警平台进展如何？" and typo.corrections == (("预竟", "预警"),)
    assert typo.understood == typo.text
    platform = line_of("安全基石持续筑牢")
    answer = compose(Retrieval(typo, (make_hit(platform, DONE, [platform]),)), documents=DOCS)
    assert answer.covered and "一期投入运行" in answer.text and answer.text.startswith("理解为：")
    assert analyse("梨园美属馆", vocab).corrections == ()  # nothing sounds like it: left alone


# ---------------------------------------------------------------- follow-ups


def test_a_follow_up_is_answered_as_understood_and_says_so():
    roads, plan = line_of("道路网络更加完善"), line_of("新增普惠托位")
    hits = [make_hit(plan, PLAN, [plan]), make_hit(roads, DONE, [roads])]
    answer = ask("那去年呢？", hits, history=["2024年新建学校多少所？"])
    assert answer.understood == "2023年新建学校多少所？"
    assert answer.text.startswith("理解为：2023年新建学校多少所？")
    assert "**3所**" in answer.text


# ---------------------------------------------------------------- markdown


def test_answers_render_as_commonmark():
    from markdown_it import MarkdownIt
    render = MarkdownIt("commonmark").render
    plan = line_of("——地区生产总值")
    html = render(ask("地区生产总值比上年增长多少？", [make_hit(plan, PLAN, [plan])]).text)
    assert "<strong>" not in html or "</strong>" in html
    done, later = line_of("交通互联互通"), line_of("加快建设交通")
    html = render(ask("北三县交通有哪些项目", [make_hit(later, PLAN + NORTH_PLAN, [later]), make_hit(done, DONE + NORTH, [done])]).text)
    assert html.count("<ol>") == 2 and "<strong>2023年进展</strong>" in html
