"""compose() on hand-made hits over a small synthetic report."""
import re

import pytest

from qa import answer as answer_module
from qa.answer import (CROSSLINGUAL_MIN_SCORE, MIN_SCORE, WEAK_MATCH, compose, list_items, period,
                       question_kind)
from qa.types import Hit, Span

DONE = ("一、2023年计划执行情况",)
PLAN = ("三、实现2024年计划的主要措施",)

REPORT = """一、2023年计划执行情况
道路网络更加完善。全年新建学校3所，城市道路总长度达607公里，公路里程达2485公里。
文体活动丰富多彩。成功举办城市副中心马拉松、运河半程马拉松、水上嘉年华等潮流赛事，“通通来运动”品牌愈发响亮。
安全基石持续筑牢，城市安全风险综合监测预警平台一期投入运行。
三、实现2024年计划的主要措施
加快打造文体设施，实现区体育场升级改造，梨园美术馆、工人文化宫等竣工，推进一批体育特色公园建设。
梨园美术馆、工人文化宫等竣工，实现区体育场升级改造；新建城市运动中心等文体设施。
持续完善城市公共安全风险综合监测预警平台功能，加大征拆拔钉力度，为项目落地实施创造先决条件。
新建学校覆盖率达到60%。
新建学校3所。
一是走好创新发展之路；二是走好绿色发展之路；三是走好协同发展之路。
与北三县一体化发展更加深入。交通互联互通加快推进，地铁22号线通州段首个盾构区间双向贯通、河北段盾构机施工全面开启，厂通路主体工程、跨潮白河大桥下部结构基本完成。
产业协同深入推进，整合北三县空间资源、绘制形成招商资源地图，初步形成疏解项目在北三县生产制造的链式合作模式。
加快建设交通“一张网”，实现厂通路及跨潮白河大桥通车，开工建设石小路，大力推进地铁22号线建设，不断优化跨境公交线路。
鼓励环球主题公园丰富表演项目，积极推进环球主题公园后续项目及二期谋划研究。
依据上述思路，建议主要指标安排如下：
——地区生产总值比上年增长5%左右；
——一般公共预算收入比上年增长4%；
"""


def make_hit(passage, section, sentences=(), *, match=0.8, dense=0.7, terms=(), score=0.5):
    """A Hit on REPORT for ``passage``, highlighting the given sentences (substrings of it)."""
    start = REPORT.index(passage)
    spans = [Span(passage.index(s), passage.index(s) + len(s), "sentence") for s in sentences]
    spans += [Span(passage.index(t), passage.index(t) + len(t), "term") for t in terms]
    return Hit(text=passage, score=score, doc_id="report", section=section, start=start,
               end=start + len(passage), highlights=tuple(spans),
               paragraph=(start, start + len(passage)), scores={"match": match, "dense": dense})


def line_of(passage):
    return next(line for line in REPORT.splitlines() if passage in line)


def markers(text):
    return [int(n) for n in re.findall(r"(?<!\\)\[(\d+)\]", text)]


def first_seen(numbers):
    return list(dict.fromkeys(numbers))


def assert_citations_consistent(answer):
    """Markers are numbered 1..n in order of first use and each matches its Citation."""
    cited = first_seen(markers(answer.text))
    assert cited == list(range(1, len(answer.citations) + 1))
    hits_by_offset = {(h.start, h.end): h for h in answer.hits}
    for c in answer.citations:
        hit = hits_by_offset[(c.start, c.end)]
        assert REPORT[c.start:c.end] == c.text == hit.text
        assert c.section == hit.section


# ---------------------------------------------------------------- classification


@pytest.mark.parametrize("question, kind", [
    ("2024年通州打算建成哪些文化体育场馆类项目？", "list"),
    ("北三县交通有哪些项目", "list"),
    ("要求走好哪几条路？", "list"),
    ("推出了哪两张特色招牌？", "list"),
    ("What are the main projects for 2024?", "list"),
    ("城市道路总长度有多少公里？", "figure"),
    ("有几个项目和几家银行达成合作？", "figure"),
    ("贡献率是百分之几？", "figure"),
    ("How many schools were built?", "figure"),
    ("通州为什么要推进征地拆迁？", "fact"),
    ("Which typhoon did Tongzhou hold off?", "fact"),
    ("Which is the largest project?", "fact"),
    ("Which districts sent projects?", "list"),
    ("监测预警平台进展如何？", "fact"),
])
def test_question_kind(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize("section, label", [
    (("一、2023年国民经济和社会发展计划执行情况", "（一）城乡建设"), "2023年进展"),
    (("三、实现2024年国民经济和社会发展计划的主要措施",), "2024年安排"),
    (("二、2024年国民经济和社会发展主要目标", "——地区生产总值"), "2024年安排"),
    (("2022年工作总结",), "2022年进展"),
    (("工作计划",), "安排"),  # plans, no year
    (("附件",), None),
    (("2024年",), None),  # a year but neither results nor plans
    ((), None),
])
def test_period(section, label):
    assert period(section) == label


# ---------------------------------------------------------------- lists


def test_list_items_split_clauses_but_keep_noun_series():
    items = list_items("加快打造文体设施，实现区体育场升级改造，梨园美术馆、工人文化宫等竣工。")
    assert items == ["加快打造文体设施", "实现区体育场升级改造", "梨园美术馆、工人文化宫等竣工"]


def test_list_items_split_clause_series_and_strip_ordinals():
    assert list_items("一是走好创新发展之路；二是走好绿色发展之路；三是走好协同发展之路。") == [
        "走好创新发展之路", "走好绿色发展之路", "走好协同发展之路"]
    assert list_items("完成天然气安全型配件更换近17.5万户、320家企业安全生产标准化创建完成") == [
        "完成天然气安全型配件更换近17.5万户", "320家企业安全生产标准化创建完成"]


def test_list_items_keep_lead_in_with_its_clause():
    assert list_items("按照目标导向原则，建立重点项目清单。") == ["按照目标导向原则，建立重点项目清单"]


def test_list_answer_drops_near_duplicates_and_cites_each_item():
    first = line_of("加快打造文体设施")
    second = line_of("新建城市运动中心")  # repeats two items of the first
    hits = [make_hit(first, PLAN, [first]), make_hit(second, PLAN, [second])]
    answer = compose("2024年打算建成哪些文体设施？", hits)
    assert answer.kind == "list" and answer.covered
    lines = answer.text.splitlines()
    assert [ln.split(". ", 1)[0] for ln in lines] == ["1", "2", "3", "4", "5"]
    assert lines[1] == "2. 实现区体育场升级改造 [1]"
    assert lines[2] == "3. 梨园美术馆、工人文化宫等竣工 [1]"
    assert lines[4] == "5. 新建城市运动中心等文体设施 [2]"
    assert answer.text.count("梨园美术馆") == 1  # the second passage repeats it
    assert answer.text.count("区体育场") == 1
    assert_citations_consistent(answer)


def test_list_answer_labels_periods_when_mixed():
    done = line_of("文体活动丰富多彩")
    plan = line_of("加快打造文体设施")
    hits = [make_hit(plan, PLAN, [plan]), make_hit(done, DONE, [done])]
    answer = compose("有哪些文体活动和设施？", hits)
    text = answer.text
    assert text.index("**2023年进展**") < text.index("马拉松") < text.index("**2024年安排**") \
        < text.index("梨园美术馆")
    # The 2023 passage is cited first in the text, so it is [1] though ranked second.
    assert answer.citations[0].start == hits[1].start
    # CommonMark: a blank line after each label, and each group's list starts at 1.
    assert "**2023年进展**\n\n1. " in text and "**2024年安排**\n\n1. " in text
    assert_citations_consistent(answer)


def transport_hits():
    """The passages found for 北三县交通有哪些项目, with the engine's scores: two on transport
    (2023 results, 2024 plans) holding the topic and the specific term, then two holding only the
    topic (北三县) or a generic word (项目), so matching less of the question."""
    done, plan = line_of("交通互联互通"), line_of("加快建设交通")
    industry, park = line_of("产业协同深入推进"), line_of("环球主题公园")
    return [make_hit(plan, PLAN, [plan], match=0.49, dense=0.79, score=0.99),
            make_hit(done, DONE, [done[done.index("交通互联互通"):]], match=0.49, dense=0.78, score=0.96),
            make_hit(industry, DONE, [industry], match=0.36, dense=0.76, score=0.89),
            make_hit(park, PLAN, [park], match=0.36, dense=0.73, score=0.83)]


def test_list_answer_quotes_only_passages_as_relevant_as_the_best_with_all_their_items():
    answer = compose("北三县交通有哪些项目", transport_hits())
    assert answer.kind == "list" and answer.covered
    text = answer.text
    for item in ("地铁22号线通州段首个盾构区间双向贯通", "厂通路主体工程、跨潮白河大桥下部结构基本完成",
                 "实现厂通路及跨潮白河大桥通车", "开工建设石小路", "大力推进地铁22号线建设",
                 "不断优化跨境公交线路"):
        assert f"{item} [" in text
    assert "招商资源地图" not in text and "环球" not in text  # only 北三县 or 项目 in common
    assert text.index("**2023年进展**") < text.index("盾构") < text.index("**2024年安排**") \
        < text.index("石小路")
    assert len(answer.citations) == 2
    assert_citations_consistent(answer)


def test_the_best_sentence_is_listed_whole_and_the_cap_stops_further_ones(monkeypatch):
    monkeypatch.setattr(answer_module, "MAX_ITEMS", 3)
    text = compose("北三县交通有哪些项目", transport_hits()).text
    assert "不断优化跨境公交线路" in text  # the best passage's fifth item
    assert "盾构" not in text  # the next passage comes after the cap


def test_when_no_passage_holds_much_of_the_question_only_the_best_is_quoted():
    first, second = line_of("加快打造文体设施"), line_of("新建城市运动中心")
    weak = WEAK_MATCH / 2
    hits = [make_hit(first, PLAN, [first], match=weak),
            make_hit(second, PLAN, [second], match=weak)]
    answer = compose("2024年打算建成哪些文体设施？", hits)
    assert len(answer.citations) == 1 and "城市运动中心" not in answer.text


def test_list_follows_an_announced_enumeration_into_the_next_passages():
    intro, first, second = (line_of(x) for x in ("建议主要指标", "——地区生产总值", "——一般公共预算"))
    hits = [make_hit(intro, PLAN, [intro], match=0.4, score=1.0),
            make_hit(second, PLAN, [second], match=0.1, score=0.6),  # match little, but carry on
            make_hit(first, PLAN, [first], match=0.1, score=0.6)]   # what the best announces
    answer = compose("2024年定了哪些主要指标？", hits)
    assert answer.text == "1. 地区生产总值比上年增长5%左右 [1]\n2. 一般公共预算收入比上年增长4% [2]"
    assert_citations_consistent(answer)


def test_list_items_keep_a_numbered_point_whole():
    assert list_items("二是京津冀协同发展深度拓展，协同创新不断深化，将推动一体化发展。") == [
        "京津冀协同发展深度拓展，协同创新不断深化，将推动一体化发展"]


# ---------------------------------------------------------------- figures


def test_figure_answer_quotes_the_clause_with_the_asked_unit():
    passage = line_of("道路网络")
    hit = make_hit(passage, DONE, [passage.split("。")[1] + "。"])
    answer = compose("城市道路总长度有多少公里？", [hit])
    assert answer.kind == "figure"
    assert "**607公里**" in answer.text
    assert answer.text.endswith("[1]")
    assert_citations_consistent(answer)


def test_figure_answer_prefers_the_sentence_holding_the_asked_unit():
    roads = line_of("道路网络")
    games = line_of("文体活动丰富多彩")
    hits = [make_hit(games, DONE, [games]), make_hit(roads, DONE, [roads.split("。")[1] + "。"])]
    answer = compose("新建学校多少所？", hits)
    assert answer.kind == "figure"
    assert answer.text.startswith("全年新建学校**3所**")
    assert "马拉松" not in answer.text


def test_figure_answer_prefers_the_asked_unit_over_more_shared_words():
    share, count = "新建学校覆盖率达到60%。", "新建学校3所。"
    hit = make_hit(share + "\n" + count, DONE, [share, count])
    answer = compose("新建学校覆盖多少所？", [hit])
    assert answer.text == "新建学校**3所**。 [1]"


def test_a_bold_figure_before_chinese_text_still_closes():
    line = line_of("——地区生产总值")
    answer = compose("地区生产总值比上年增长多少？", [make_hit(line, PLAN, [line])])
    assert "增长5%左右" in answer.text  # CommonMark does not close 增长**5%**左右
    passage = line_of("新建学校覆盖率")
    assert compose("覆盖率达到多少？", [make_hit(passage, DONE, [passage])]).text \
        == "新建学校覆盖率达到**60%**。 [1]"  # closes before punctuation


def test_answers_render_as_commonmark():
    markdown_it = pytest.importorskip("markdown_it")
    render = markdown_it.MarkdownIt("commonmark").render
    html = render(compose("北三县交通有哪些项目", transport_hits()).text)
    assert html.count("<ol>") == 2 and "<ol start" not in html and "**" not in html
    assert "<strong>2023年进展</strong>" in html
    line = line_of("——地区生产总值")
    figure = render(compose("地区生产总值比上年增长多少？", [make_hit(line, PLAN, [line])]).text)
    assert "增长5%左右" in figure and "**" not in figure


def test_figure_question_without_a_figure_falls_back_to_sentences():
    passage = line_of("安全基石")
    answer = compose("监测预警平台有多少个？", [make_hit(passage, DONE, [passage])])
    assert answer.kind == "fact"
    assert "监测预警平台一期投入运行" in answer.text and "[1]" in answer.text


# ---------------------------------------------------------------- facts and periods


def test_fact_answer_labels_results_and_plans():
    done = line_of("安全基石")
    plan = line_of("持续完善城市公共安全")
    plan_sentence = "持续完善城市公共安全风险综合监测预警平台功能，"
    hits = [make_hit(plan, PLAN, [plan_sentence]), make_hit(done, DONE, [done], match=0.6)]
    answer = compose("监测预警平台2023年进展如何？2024年怎么安排？", hits)
    assert answer.kind == "fact"
    text = answer.text
    assert text.index("**2023年进展**") < text.index("一期投入运行。 [1]") \
        < text.index("**2024年安排**") < text.index("预警平台功能 [2]")
    assert_citations_consistent(answer)


def test_single_period_has_no_labels():
    plan = line_of("持续完善城市公共安全")
    why = "加大征拆拔钉力度，为项目落地实施创造先决条件。"
    answer = compose("为什么要加大征拆拔钉力度？", [make_hit(plan, PLAN, [why])])
    assert answer.text == why + " [1]"
    assert "安排" not in answer.text


def test_fact_answer_has_at_most_three_sentences_in_passage_order_without_repeats():
    section = REPORT[REPORT.index("道路网络"):REPORT.index("三、实现")].strip()
    sentences = [x + "。" for x in section.replace("\n", "").split("。") if x]
    assert len(sentences) == 5
    hits = [make_hit(section, DONE, sentences), make_hit(section, DONE, sentences)]  # twice
    answer = compose("城市道路、文体活动和安全平台怎么样？", hits)
    paragraphs = answer.text.split("\n\n")
    assert len(paragraphs) == 3 and len(set(paragraphs)) == 3
    positions = [section.index(p.removesuffix(" [1]")) for p in paragraphs]
    assert positions == sorted(positions)
    assert len(answer.citations) == 1


def test_a_further_hit_is_quoted_only_when_as_close_to_the_question_as_the_best():
    hits = [make_hit(line_of("道路网络"), DONE, ["道路网络更加完善。"]),
            make_hit(line_of("文体活动丰富多彩"), DONE, ["文体活动丰富多彩。"])]
    assert compose("道路网络怎么样？", hits).text == "道路网络更加完善。 [1]"
    both = compose("道路网络和文体活动怎么样？", hits)
    assert both.text == "道路网络更加完善。 [1]\n\n文体活动丰富多彩。 [2]"


def test_once_covered_a_relevant_hit_below_the_threshold_is_quoted():
    """Coverage is decided over all hits; what is then quoted, by relevance (the passage ranked
    first may score just under the dense threshold)."""
    hits = [make_hit(line_of("道路网络"), DONE, ["道路网络更加完善。"], dense=MIN_SCORE - 0.01),
            make_hit(line_of("文体活动丰富多彩"), DONE, ["文体活动丰富多彩。"])]
    answer = compose("道路网络和文体活动怎么样？", hits)
    assert answer.text == "道路网络更加完善。 [1]\n\n文体活动丰富多彩。 [2]"


def test_an_english_question_quotes_only_hits_close_in_meaning():
    roads, safety = line_of("道路网络"), line_of("安全基石")
    hits = [make_hit(roads, DONE, [roads], match=0.0, dense=CROSSLINGUAL_MIN_SCORE - 0.05,
                     score=1.0),
            make_hit(safety, DONE, [safety], match=0.0, dense=CROSSLINGUAL_MIN_SCORE + 0.05)]
    answer = compose("How far had the monitoring platform got?", hits)
    assert "一期投入运行" in answer.text and "道路" not in answer.text


def test_a_question_about_both_periods_gets_the_best_passage_of_each():
    plan, done = line_of("持续完善城市公共安全"), line_of("安全基石")
    hits = [make_hit(plan, PLAN, ["持续完善城市公共安全风险综合监测预警平台功能，"], match=0.6),
            make_hit(done, DONE, [done], match=0.4)]
    assert "一期投入运行" in compose("监测预警平台去年建得怎么样，今年怎么安排？", hits).text
    assert "一期投入运行" not in compose("监测预警平台怎么样？", hits).text  # matches less


def test_only_the_asked_period_is_quoted_beyond_the_best_hit():
    plan = line_of("持续完善城市公共安全")
    done = line_of("安全基石")
    hits = [make_hit(plan, PLAN, ["持续完善城市公共安全风险综合监测预警平台功能，"]),
            make_hit(done, DONE, [done])]
    answer = compose("2024年监测预警平台怎么安排？", hits)
    assert answer.text == "持续完善城市公共安全风险综合监测预警平台功能 [1]"
    both = compose("监测预警平台2023年进展如何？2024年怎么安排？", hits)
    assert "一期投入运行" in both.text


def test_hit_without_highlights_uses_its_sentence_closest_to_the_question():
    roads = line_of("道路网络")
    answer = compose("道路网络完善吗？", [make_hit(roads, DONE)])
    assert answer.text == "道路网络更加完善。 [1]"


# ---------------------------------------------------------------- not covered


def test_low_scores_are_not_covered_and_lists_closest_passages():
    roads = line_of("道路网络")
    games = line_of("文体活动丰富多彩")
    hits = [make_hit(roads, DONE, [roads], match=0.1, dense=0.3),
            make_hit(games, DONE, [games], match=0.05, dense=0.2)]
    answer = compose("通州的房价是多少？", hits, min_score=0.5)
    assert not answer.covered and answer.kind == "not_covered"
    assert "报告中似乎没有涉及" in answer.text
    assert "最接近的段落 (closest matches)" in answer.text
    assert answer.hits == tuple(hits)
    assert [c.start for c in answer.citations] == [hits[0].start, hits[1].start]
    assert "**607公里**" not in answer.text  # not presented as an answer
    assert_citations_consistent(answer)


def test_min_score_and_min_match_are_the_coverage_thresholds():
    roads = line_of("道路网络")
    hit = make_hit(roads, DONE, [roads], match=0.1, dense=0.4)
    assert not compose("道路网络怎么样？", [hit], min_score=0.45).covered
    assert compose("道路网络怎么样？", [hit], min_score=0.35).covered
    assert not compose("道路网络怎么样？", [hit], min_score=0.35, min_match=0.2).covered


def test_a_close_passage_sharing_no_term_does_not_cover_a_chinese_question():
    roads = line_of("道路网络")
    hit = make_hit(roads, DONE, [roads], match=0.0, dense=MIN_SCORE + 0.05)
    assert not compose("通州的房价是多少？", [hit]).covered
    assert compose("通州的道路有多长？", [make_hit(roads, DONE, [roads], match=0.1,
                                                dense=MIN_SCORE + 0.05)]).covered


def test_english_questions_use_the_cross_lingual_threshold_and_need_no_shared_term():
    safety = line_of("安全基石")
    close = make_hit(safety, DONE, [safety], match=0.0, dense=CROSSLINGUAL_MIN_SCORE + 0.05)
    far = make_hit(safety, DONE, [safety], match=0.0, dense=CROSSLINGUAL_MIN_SCORE - 0.05)
    answer = compose("How far had the monitoring platform got?", [close])
    assert answer.covered and answer.text.endswith("[1]")
    assert not compose("Who won the world cup?", [far]).covered


def test_no_hits_is_not_covered():
    answer = compose("通州明天天气怎么样？", [])
    assert not answer.covered and answer.kind == "not_covered"
    assert answer.citations == () and answer.hits == ()
    assert "最接近的段落" not in answer.text


def test_closest_matches_skip_bare_titles():
    title = Hit(text="北京市通州区发展和改革委员会", score=0.9, doc_id="report", section=(), start=0,
                end=14, scores={"match": 0.0, "dense": 0.5})
    heading = "关于北京市通州区2023年国民经济和社会发展计划执行情况与2024年国民经济和社会发展计划的报告"
    long_title = Hit(text=heading, score=0.8, doc_id="report", section=(), start=0,
                     end=len(heading), scores={"match": 0.0, "dense": 0.5})
    roads = make_hit(line_of("道路网络"), DONE, match=0.0, dense=0.5)
    answer = compose("通州的房价是多少？", [title, long_title, roads])
    assert "发展和改革委员会" not in answer.text and "计划的报告" not in answer.text
    assert "道路网络更加完善" in answer.text
    assert [c.start for c in answer.citations] == [roads.start]


# ---------------------------------------------------------------- markup


def test_html_in_the_question_does_not_change_the_answer():
    passage = line_of("加快打造文体设施")
    hits = [make_hit(passage, PLAN, [passage])]
    plain = compose("有哪些文体设施？", hits)
    html = compose("<b onmouseover=alert(1)>有哪些文体设施？</b>", hits)
    assert html.question == "<b onmouseover=alert(1)>有哪些文体设施？</b>"
    assert html.text == plain.text and html.kind == "list"
    assert "<b" not in html.text


def test_markdown_in_passages_is_escaped():
    text = "基金规模达*10亿元*[3]，增长_快_。"
    hit = Hit(text=text, score=1.0, doc_id="d", section=DONE, start=0, end=len(text),
              highlights=(Span(0, len(text)),), scores={"match": 0.9})
    answer = compose("基金规模怎么样？", [hit])
    assert answer.text == r"基金规模达\*10亿元\*\[3\]，增长\_快\_。 [1]"
    assert markers(answer.text) == [1]
