"""compose() and question analysis on excerpts of real 2026 government work reports of other
regions (../shared/corpora/gov2026): the classes of failure found on reports no one tuned for."""
import re

import pytest

from qa.answer import compose
from qa.lexical import tokenizer_for
from qa.multilingual import looks_english
from qa.periods import DocumentYears
from qa.periods import question_periods
from qa.query import COMPARE, FACT, FIGURE, LIST, TOPIC, Vocabulary, analyse, answer_type, expected_unit
from qa.types import Document, Hit, Retrieval, Span

PLAN = ("三、2026年重点工作",)
# 山东省 2026 report, (四) 奋力推进高水平对外开放: one paragraph, one topic, few words of a user's question
TRADE = ("（四）奋力推进高水平对外开放。发挥贯通南北、链接东西、沿黄沿海优势，在畅通双循环中拓展发展空间。推动贸易创新发展。"
         "打响“万企出海 鲁贸全球”品牌，实施工贸协同、出口品牌培育计划，打造十大专精特新外贸优品集群。"
         "全力稳住传统市场，精准定位细分市场，把握环保、智能、文化消费需求，开发替代市场。"
         "着力拓展中亚、中东、拉美、非洲、东盟等新兴市场，组织企业参加境外展洽活动500场以上。"
         "大力发展服务贸易、绿色贸易，争创国家服务贸易创新发展示范区、数字贸易示范区。")
REPORT = "\n".join([PLAN[0], TRADE]) + "\n"
YEARS = DocumentYears(2025, 2026, frozenset({2025, 2026}))
DOCS = {"report": Document("report", "2026年山东省政府工作报告", REPORT)}
TOKENIZER = tokenizer_for(())
VOCAB = Vocabulary(years=YEARS, text=REPORT, tokenize=TOKENIZER.words, looks_english=looks_english,
                   places=TOKENIZER.places)


def hit(passage, section):
    start = REPORT.index(passage)
    return Hit(text=passage, score=0.5, doc_id="report", section=section, start=start, end=start + len(passage),
               highlights=(Span(0, len(passage), "sentence"),), paragraph=(start, start + len(passage)),
               scores={"dense": 0.8, "match": 0.6})


def excerpt_hit(report, passage, section, doc_id, *, score=0.5, dense=0.8, match=0.6):
    """A hit on ``passage`` where it stands in ``report`` (whole paragraph, no highlights)."""
    start = report.index(passage)
    return Hit(text=passage, score=score, doc_id=doc_id, section=section, start=start, end=start + len(passage),
               highlights=(), paragraph=(start, start + len(passage)), scores={"dense": dense, "match": match})


def ask(question, hits):
    return compose(Retrieval(analyse(question, VOCAB), tuple(hits)), documents=DOCS, years=YEARS)


# ---------------------------------------------------------------- what is done for someone: a topic


@pytest.mark.parametrize("question", [
    "我想开一家小工厂，政府会怎么支持？",
    "农民种粮有什么补贴政策和帮扶？",
    "年轻人来这里创业，政府能给什么帮助？",
    "企业招工难，政府有什么办法？",
])
def test_a_question_about_what_is_done_for_someone_wants_a_summary(question):
    assert answer_type(question) == TOPIC


@pytest.mark.parametrize("question, kind", [
    ("政府对小企业的贷款支持有多少亿元？", FIGURE),  # a figure asked for stays a figure
    ("有哪些支持政策？", LIST),  # the list cue: items (哪些 is no measures cue by itself)
    ("支持民营企业发展是哪一年提出的？", FACT),  # 支持 as a word, not 怎么支持
])
def test_the_measures_cue_leaves_other_questions_alone(question, kind):
    assert answer_type(question) == kind


def test_a_topic_answer_summarises_the_paragraph_that_answers():
    """The user's words (外贸, 出口) are in one sentence of the paragraph; the measures that
    follow it (markets, trade fairs) answer too and are quoted with it, the lead left out."""
    ans = ask("搞外贸的企业，今年政府能给什么帮助？", [hit(TRADE, PLAN)])
    text = re.sub(r"\*\*", "", ans.text)
    assert ans.covered and ans.kind == TOPIC
    assert "万企出海" in text
    assert "境外展洽活动500场以上" in text and "开发替代市场" in text
    assert "奋力推进高水平对外开放。" not in text  # the paragraph's lead (its heading) is not an answer


# ---------------------------------------------------------------- which figure answers

# 福建省 2026 report: a paragraph under a lead that makes all its figures five-year totals, the
# 2025 paragraph, and the 2026 targets (indicators one after another)
FUJIAN_DONE = ("一、一年接着一年干，新福建建设持续取得新进展新成效",)
FUJIAN_FIVE = ("五年来，我们不断增进民生福祉。财政支出近八成投向民生领域，省级财政累计投入665亿元用于为民办实事项目。"
               "城镇新增就业265.15万人，城镇调查失业率连续5年低于全国水平。")
FUJIAN_2025 = ("就业促进更有力。推动出台高质量充分就业促进条例，城镇新增就业54.58万人，高校毕业生就业保持稳定，"
               "退役军人就业服务精准高效，13.2万脱贫人口实现稳岗就业。")
FUJIAN_TARGETS = ("今年经济社会发展的主要预期目标是：全省地区生产总值增长5%左右，在实际工作中努力争取更好结果；"
                  "城镇调查失业率控制在5%左右，城镇新增就业50万人；居民消费价格涨幅2%左右；居民收入增长与经济增长同步；"
                  "粮食产量513万吨以上。")
FUJIAN_PLAN = ("三、一鼓作气勇争先，全力推动“十五五”开好局、起好步",)
FUJIAN = "\n".join([FUJIAN_DONE[0], FUJIAN_FIVE, FUJIAN_2025, FUJIAN_PLAN[0], FUJIAN_TARGETS]) + "\n"
FUJIAN_DOCS = {"fj": Document("fj", "2026年福建省政府工作报告", FUJIAN)}


def fujian_hit(passage, section):
    return excerpt_hit(FUJIAN, passage, section, "fj")


def fujian_ask(question):
    vocab = Vocabulary(years=YEARS, text=FUJIAN, tokenize=TOKENIZER.words, looks_english=looks_english,
                       places=TOKENIZER.places)
    hits = (fujian_hit(FUJIAN_FIVE, FUJIAN_DONE), fujian_hit(FUJIAN_2025, FUJIAN_DONE),
            fujian_hit(FUJIAN_TARGETS, FUJIAN_PLAN))
    return compose(Retrieval(analyse(question, vocab), hits), documents=FUJIAN_DOCS, years=YEARS)


def test_a_figure_under_a_five_year_lead_does_not_answer_a_question_about_one_year():
    text = fujian_ask("去年全省城镇新增就业多少人？").text
    assert "**54.58万人**" in text
    assert "265.15万人" not in text


def test_a_comparison_takes_each_indicator_s_own_clause_and_computes_the_difference():
    """In a run of targets (失业率控制在5%左右，城镇新增就业50万人) the figure of 新增就业 is the
    clause that names it, not the clause before it; the difference is computed."""
    ans = fujian_ask("今年城镇新增就业的目标比去年实际新增的多还是少？")
    text = ans.text.replace("*", "")
    assert "54.58万人" in text and "50万人" in text
    assert "对比：50万人 [2]比54.58万人 [1]低4.58万人" in text


# ---------------------------------------------------------------- the state now against this year's target


@pytest.mark.parametrize("question", [
    "高铁现在通车多少公里，今年要达到多少？",
    "这几年城镇新增就业大概多少？今年的目标呢？",
    "目前有多少家养老机构，今年计划新增多少家？",
])
def test_now_set_against_this_year_s_target_asks_about_both_periods(question):
    periods = {(p.year, p.phase) for p in question_periods(question, YEARS)}
    assert periods == {(2025, "done"), (2026, "plan")}


@pytest.mark.parametrize("question", ["现在高铁有多少公里？", "今年要新建多少公里高铁？"])
def test_now_alone_or_a_plan_alone_adds_no_period(question):
    assert len(question_periods(question, YEARS)) <= 1


# 山东省 2026 report: the five-year review moves from one figure to another; the plan names a target
SD_DONE = ("一、2025年及“十四五”时期工作回顾",)
SD_ROADS = ("——基础设施建设实现新跃升。建设全国首个交通强国省域示范区，高铁里程由2110公里增至3055公里，"
            "高速公路由7473公里增至9310公里、八车道里程全国第一。")
SD_ROAD = "公路方面，新开工晏城至表白寺等2个项目，提速庆云至章丘等23个续建项目，建成通车济南至宁津等5个项目，高速公路里程突破9500公里。"
SD = "\n".join([SD_DONE[0], SD_ROADS, PLAN[0], SD_ROAD]) + "\n"


def test_a_figure_reached_is_compared_with_the_target():
    """现在 against 今年: both figures, the current one being the figure the clause reached
    (由7473公里增至9310公里), and their difference."""
    docs = {"sd": Document("sd", "2026年山东省政府工作报告", SD)}
    vocab = Vocabulary(years=YEARS, text=SD, tokenize=TOKENIZER.words, looks_english=looks_english,
                       places=TOKENIZER.places)
    hits = [excerpt_hit(SD, passage, section, "sd") for passage, section in ((SD_ROAD, PLAN), (SD_ROADS, SD_DONE))]
    ans = compose(Retrieval(analyse("高速公路现在通车多少公里？今年要突破多少公里？", vocab), tuple(hits)),
                  documents=docs, years=YEARS)
    text = ans.text.replace("*", "")
    assert ans.kind == COMPARE
    assert "9310公里" in text and "9500公里" in text
    assert "对比：9500公里 [2]比9310公里 [1]高出190公里" in text


# ---------------------------------------------------------------- a compound written apart


def test_a_compound_term_counts_when_its_words_stand_apart():
    """粮食产量 asked, 粮食总产量 written (湖北省 2026 report): the words of the compound, in order."""
    from qa.answer.evidence import Terms

    terms = Terms({"粮食产量": 1.0}, {}, frozenset({"粮食产量"}), {"粮食产量": ("粮食", "产量")})
    assert terms.share("粮食总产量稳定在550亿斤左右") > 0
    assert terms.share("产量提升，粮食安全") == 0  # not in order: another matter
    assert terms.share("高标准农田达到4808万亩") == 0


# ---------------------------------------------------------------- English questions: rates, growth


@pytest.mark.parametrize("question", [
    "What is the forest coverage rate now?",
    "What R&D intensity is planned?",
    "What was the unemployment rate last year?",
])
def test_an_english_question_about_a_rate_wants_a_percentage(question):
    assert answer_type(question) == FIGURE
    assert expected_unit(question) == "%"


def test_growth_said_in_times_answers_a_growth_question():
    """增长17.2倍 is growth as much as 增长8％ (陕西省 2026 report); not a length, not a count."""
    from qa.answer import _unit_fits

    assert _unit_fits("%", ("倍",)) and _unit_fits("%", ("%",))
    assert not _unit_fits("公里", ("倍",)) and not _unit_fits("%", ("个",))


# 西藏自治区 2026 report: last year's figure in one paragraph; this year's among the targets, and in
# the paragraph on that indicator
XZ_DONE = ("一、2025年和“十四五”时期工作回顾",)
XZ_2025 = "四是融合发展兴城镇带乡村。稳步推进新型城镇化建设，常住人口城镇化率达到40%。实施清洁能源供暖工程22个、供氧工程13个。"
XZ_TARGETS = ("今年经济社会发展主要预期目标是：地区生产总值增长7%以上，固定资产投资增长15%左右，社会消费品零售总额增长7%左右，"
              "城乡居民人均可支配收入分别增长7%左右和8%左右，城镇调查失业率控制在5%以内。")
XZ_TOWNS = "持续推进新型城镇化。支持以县城为重要载体的城镇化建设，常住人口城镇化率达到41%。高质量推进城市更新行动。"
XZ = "\n".join([XZ_DONE[0], XZ_2025, PLAN[0], XZ_TARGETS, XZ_TOWNS]) + "\n"


def test_a_comparison_whose_words_decide_nothing_gives_two_figures_of_one_indicator():
    """An English question whose words the report never writes: last year's best figure is the
    urbanisation rate (40%); this year's is the same indicator (41%), not the first target (7%)."""
    docs = {"xz": Document("xz", "2026年西藏自治区政府工作报告", XZ)}
    vocab = Vocabulary(years=YEARS, text=XZ, tokenize=TOKENIZER.words, looks_english=looks_english,
                       places=TOKENIZER.places)
    hits = [excerpt_hit(XZ, passage, section, "xz")
            for passage, section in ((XZ_2025, XZ_DONE), (XZ_TARGETS, PLAN), (XZ_TOWNS, PLAN))]
    q = analyse("What rate of people lived in towns in 2025, and what is the goal for 2026?", vocab)
    ans = compose(Retrieval(q, tuple(hits)), documents=docs, years=YEARS)
    text = ans.text.replace("*", "")
    assert "40%" in text and "41%" in text
    assert "比40% [1]高出1个百分点" in text


# ---------------------------------------------------------------- reasons: the sentence that says the kind asked

# 河北省 2026 report: a sentence sharing a word of the question (发展自己) and the one naming the problems
HB_DONE = ("一、“十四五”时期经济社会发展回顾",)
HB_OWN = ("这五年，雄安新区拔节生长，京津冀协同发展成果丰硕。"
          "我们牢牢牵住疏解北京非首都功能“牛鼻子”，在对接京津、服务京津中加快发展自己。")
HB_PROBLEMS = ("同时，我省经济社会发展还面临一些困难和挑战，主要是：产业转型任务依然紧迫，创新能力不够强，质量效益不够好，"
               "城镇化建设和农业农村现代化相对滞后，市场化和开放度不够高，资源环境约束仍较突出，就业和居民增收压力较大。"
               "我们一定正视问题，采取有力措施加以解决。")
HB = "\n".join([HB_DONE[0], HB_OWN, HB_PROBLEMS]) + "\n"


def test_a_question_about_problems_is_answered_by_the_sentence_naming_them():
    docs = {"hb": Document("hb", "2026年河北省政府工作报告", HB)}
    vocab = Vocabulary(years=YEARS, text=HB, tokenize=TOKENIZER.words, looks_english=looks_english,
                       places=TOKENIZER.places)
    hits = [excerpt_hit(HB, passage, HB_DONE, "hb") for passage in (HB_OWN, HB_PROBLEMS)]
    ans = compose(Retrieval(analyse("发展上还存在哪些问题？", vocab), tuple(hits)), documents=docs, years=YEARS)
    assert ans.kind == "reasons"
    assert "创新能力不够强" in ans.text
    assert "发展自己" not in ans.text


# ---------------------------------------------------------------- English: plans by name, passages near the question


@pytest.mark.parametrize("question, expected", [
    ("What was the forest coverage after the 14th Five-Year Plan period?", [(2021, "done", 2025)]),
    ("What does the 15th five-year plan aim for?", [(2026, "plan", 2030)]),
])
def test_an_english_five_year_plan_by_ordinal_is_its_span(question, expected):
    years = DocumentYears(2025, 2026, frozenset({2025, 2026}), review_from=2021)
    assert [(p.year, p.phase, p.until) for p in question_periods(question, years)] == expected


# 湖北省 2026 report: a passage the cross-lingual encoder ranks first (森林防火, no figure of forest) and
# the one that gives the figure, just under its threshold
HB_SAFE = ("成功应对主汛期9轮强降雨、汉江秋汛和大范围持续高温干旱，有效开展交通、消防、城镇燃气、森林防火、地质灾害等"
           "领域风险隐患排查整治，社会大局保持平稳。")
HB_GREEN = ("生态环境质量持续向好，科学划定“三区三线”，持续打好蓝天、碧水、净土保卫战，森林覆盖率提高到42.5%，"
            "国控断面水质优良比例达到95.2%。")
HUBEI = "\n".join([HB_DONE[0], HB_SAFE, HB_GREEN]) + "\n"


def test_an_english_figure_question_quotes_a_near_passage_when_the_passing_ones_hold_no_figure():
    from qa.answer.abstain import CROSSLINGUAL_MIN_SCORE, CROSSLINGUAL_NEAR

    docs = {"hb": Document("hb", "2026年湖北省政府工作报告", HUBEI)}
    vocab = Vocabulary(years=YEARS, text=HUBEI, tokenize=TOKENIZER.words, looks_english=looks_english,
                       places=TOKENIZER.places, crosslingual=True)
    hits = [excerpt_hit(HUBEI, passage, HB_DONE, "hb", score=dense, dense=dense, match=0.0)
            for passage, dense in ((HB_SAFE, CROSSLINGUAL_MIN_SCORE + 0.05), (HB_GREEN, CROSSLINGUAL_NEAR + 0.02))]
    q = analyse("How much of the land is covered by forest?", vocab)
    assert q.route == "crosslingual"
    ans = compose(Retrieval(q, tuple(hits)), documents=docs, years=YEARS)
    assert ans.covered and "42.5%" in ans.text
    assert "森林防火" not in ans.text


# ---------------------------------------------------------------- a follow-up asking of another period

XZ_VILLAGES_DONE = "四是融合发展兴城镇带乡村。深化“一抓两促”和树立农牧民新风貌行动，新建高原和美乡村180个。"
XZ_VILLAGES_PLAN = ("扎实推进乡村全面振兴。锚定农业农村现代化，学习运用“千万工程”经验，建设高原和美乡村200个，"
                    "实施农村危房改造和抗震加固8006户。")
XZV = "\n".join([XZ_DONE[0], XZ_VILLAGES_DONE, PLAN[0], XZ_VILLAGES_PLAN]) + "\n"


def test_a_follow_up_about_another_period_is_answered_with_that_period_s_figure():
    """新建 is the wording of the question before (about 2025); this year's sentence says 建设: the
    2025 sentence holding more of the words does not make the 2026 figure missing."""
    docs = {"xz": Document("xz", "2026年西藏自治区政府工作报告", XZV)}
    vocab = Vocabulary(years=YEARS, text=XZV, tokenize=TOKENIZER.words, looks_english=looks_english,
                       places=TOKENIZER.places)
    hits = [excerpt_hit(XZV, passage, section, "xz", score=0.8)
            for passage, section in ((XZ_VILLAGES_PLAN, PLAN), (XZ_VILLAGES_DONE, XZ_DONE))]
    idf = {"新建": 3.02, "高原": 1.66, "乡村": 2.65}  # as in the whole report
    q = analyse("那今年打算建多少个？", vocab, history=["去年新建了多少个高原和美乡村？"])
    assert q.follow_up
    ans = compose(Retrieval(q, tuple(hits)), documents=docs, years=YEARS, idf=idf)
    assert ans.covered and "200个" in ans.text
    asked_directly = compose(Retrieval(analyse("今年新建多少个高原和美乡村？", vocab), tuple(hits)),
                             documents=docs, years=YEARS, idf=idf)
    assert asked_directly.covered is False  # asked directly, 新建 is this question's word: as before


# 安徽省 2026 report: a review paragraph that opens ——这五年， (its figures are of the five years, its
# lead is no short sentence) and the paragraph on 2025
ANHUI_DONE = ("一、2025年工作和“十四五”发展回顾",)
ANHUI_FIVE = ("——这五年，综合实力大幅跃升，实现争先进位新跨越。人民币存款、贷款余额连跨4个万亿元台阶、双双突破9万亿元。"
              "粮食产量稳定在800亿斤以上。引江济淮工程通水通航。")
ANHUI_2025 = ("（四）强化乡村振兴和新型城镇化有机结合，城乡融合发展机制加快构建。高水平建设江淮粮仓，新建、改造高标准农田200.9万亩，"
              "耕地面积实现5连增，粮食产量838.6亿斤、再创历史新高，实现“二十二连丰”。")
ANHUI = "\n".join([ANHUI_DONE[0], ANHUI_FIVE, ANHUI_2025]) + "\n"


def test_a_figure_in_a_paragraph_opening_with_the_five_years_does_not_answer_a_question_about_one_year():
    vocab = Vocabulary(years=YEARS, text=ANHUI, tokenize=TOKENIZER.words, looks_english=looks_english,
                       places=TOKENIZER.places)

    def at(passage):
        return excerpt_hit(ANHUI, passage, ANHUI_DONE, "ah")

    docs = {"ah": Document("ah", "2026年安徽省政府工作报告", ANHUI)}
    text = compose(Retrieval(analyse("去年粮食产量有多少？", vocab), (at(ANHUI_FIVE), at(ANHUI_2025))),
                   documents=docs, years=YEARS).text
    assert "**838.6亿斤**" in text and "800亿斤" not in text
    text = compose(Retrieval(analyse("这五年粮食产量稳定在多少？", vocab), (at(ANHUI_FIVE), at(ANHUI_2025))),
                   documents=docs, years=YEARS).text
    assert "**800亿斤**" in text


# ---------------------------------------------------------------- the clause that names the quantity asked

def _one_report(doc_id, title, section, passages):
    text = "\n".join([section[0], *passages]) + "\n"
    docs = {doc_id: Document(doc_id, title, text)}
    vocab = Vocabulary(years=YEARS, text=text, tokenize=TOKENIZER.words, looks_english=looks_english,
                       places=TOKENIZER.places)
    hits = tuple(excerpt_hit(text, p, section, doc_id, score=0.8 - 0.1 * i) for i, p in enumerate(passages))
    return lambda question, idf: compose(Retrieval(analyse(question, vocab), hits), documents=docs, years=YEARS,
                                         idf=idf).text


# 贵州省 2026 report: the industry paragraph ranked first, the one with the economy's growth second.
# The report never writes GDP: its word is 地区生产总值, and 增长 alone is any indicator's growth.
GZ_DONE = ("一、2025年和“十四五”时期工作回顾",)
GZ_INDUSTRY = "规模以上工业增加值增长7%，工业增加值占地区生产总值比重提高到25.5%。"
GZ_ECONOMY = "全年地区生产总值增长4.9%，一般公共预算收入增长2.5%。"
GZ_IDF = {"增长": 1.73, "地区": 2.47, "生产": 1.8, "总值": 2.94, "生产总值": 2.94, "经济": 1.4, "工业": 2.16}


def test_a_word_the_report_never_uses_counts_through_its_most_specific_lexicon_term():
    ask_gz = _one_report("gz", "2026年贵州省政府工作报告", GZ_DONE, [GZ_INDUSTRY, GZ_ECONOMY])
    for question in ("去年GDP增长了多少？", "去年经济增长了多少？"):
        text = ask_gz(question, GZ_IDF)
        assert "**4.9%**" in text, question
        assert "7%" not in text.replace("4.9%", ""), question  # 工业增加值增长7%: 增长 alone is no GDP


# 青海省 2026 report: a project's capacity (…2万吨高质碳酸锂项目) before the year's output (生产碳酸锂16.9万吨)
QH_DONE = ("一、2025年和“十四五”时期工作回顾",)
QH_PROJECT = "中国盐湖集团组建后焕新提质，一年内就实现年产4万吨基础锂盐一体化和2万吨高质碳酸锂项目顺利投产。"
QH_OUTPUT = ("全年生产钾肥757.5万吨、增长1.1%，生产碳酸锂16.9万吨、增长25.3%，"
             "持续为保障国家粮食安全和新能源产业链供应链安全稳定作出青海贡献。")


def test_the_quantity_asked_is_the_one_named_before_its_measure():
    text = _one_report("qh", "2026年青海省政府工作报告", QH_DONE, [QH_PROJECT, QH_OUTPUT])(
        "去年碳酸锂产了多少？", {"碳酸锂": 3.89, "碳酸": 3.89, "生产": 2.17})
    assert "**16.9万吨**" in text and "2万吨" not in text


# 江西省 2026 report: GDP written once, as the base of an intensity (单位GDP能耗); the five-year
# paragraph gives the economy's size in the report's own word
JX_DONE = ("一、2025年工作及“十四五”时期发展回顾",)
JX_GREEN = ("全面完成国家生态文明试验区重点改革任务，全省域推进生态产品价值实现；森林覆盖率稳居全国第2，"
            "国务院实行最严格水资源管理制度考核连续7年优秀，单位GDP能耗累计下降16%左右，生态质量指数居全国前列。")
JX_SIZE = ("五年来，我们全力巩固经济发展量质双升的良好势头，有效应对系列超预期因素影响，经济实力迈上新台阶。"
           "面对世纪疫情、国内外形势急剧变化和多发频发的自然灾害等冲击挑战，坚决贯彻党中央部署，及时出台针对性措施，"
           "地区生产总值突破3万亿元、达3.6万亿元，人均地区生产总值突破1万美元、达1.12万美元。")


def test_the_base_of_a_ratio_names_no_quantity():
    text = _one_report("jx", "2026年江西省政府工作报告", JX_DONE, [JX_GREEN, JX_SIZE])(
        "“十四五”末GDP总量和人均GDP是多少？",
        {"gdp": 4.1, "总量": 3.76, "人均": 2.77, "地区": 2.21, "生产总值": 3.51, "能耗": 4.61, "单位": 3.76})
    assert "3.6万亿元" in text and "1.12万美元" in text
    assert "16%" not in text


# ---------------------------------------------------------------- why a figure the question gives

# 黑龙江省 and 辽宁省 2026 reports: the targets, then the paragraph that says why they were set so
HLJ_PLAN = ("三、2026年重点工作",)
HLJ_TARGETS = ('今年全省经济社会发展主要预期目标是：地区生产总值增长4.5-5%，在实际工作中争取更好结果，粮食产量1600亿斤以上，城镇新增就业30万人以上，城镇调查失业率5.7%左右，居民消费价格涨幅2%左右，城乡居民收入增长与经济增长同步，单位地区生产总值二氧化碳排放降低3.8%左右。')
HLJ_WHY = ('提出这些预期目标，是综合考虑国内国际形势，立足当前、着眼长远制定的，是深入分析我省经济增长支撑条件和有利因素综合权衡的，兼顾了需要和可能，既积极有为又切实可行，与国家预期目标相协调，与省“十五五”规划目标相衔接，与经济增长能力相匹配，资源要素条件可支撑，经过努力是可以实现的。')
LN_PLAN = ("二、“十五五”时期目标任务和2026年工作安排",)
LN_TARGETS = ('全省经济社会发展的主要预期目标是：地区生产总值增长4.5%左右，在实际工作中努力争取更好结果，一般公共预算收入增长2.5%左右，城镇新增就业45万人以上，城镇调查失业率5.5%左右，居民消费价格涨幅2%左右，居民人均可支配收入增长与经济增长基本同步，完成国家下达的单位地区生产总值二氧化碳排放降低任务。')
LN_WHY = ('确定4.5%左右的增长目标，在实际工作中努力争取更好结果，兼顾了需要与可能、当前与长远、发展与安全，既实事求是、又留有余地，为调结构、防风险、促改革留出空间；既体现贯彻落实党中央决策部署，更好服务国家经济社会发展大局，又同我省2035年远景目标和“十五五”规划目标总体衔接，是需要跳起来才能实现的。城镇新增就业45万人以上的目标，体现了就业优先的政策导向。')


@pytest.mark.parametrize("doc_id, section, targets, why, question, said", [
    ("hlj", HLJ_PLAN, HLJ_TARGETS, HLJ_WHY, "为什么认为今年4.5-5%的增长目标能实现？", "与经济增长能力相匹配"),
    ("ln", LN_PLAN, LN_TARGETS, LN_WHY, "今年为什么把增长目标定在4.5%左右？", "兼顾了需要与可能"),
])
def test_why_a_figure_the_question_gives_is_answered_by_the_sentence_justifying_it(
        doc_id, section, targets, why, question, said):
    """The sentence stating the figure holds most of the question's words, yet it is the premise:
    the answer is the sentence after it giving the causes, though ranked far below."""
    text = _one_report(doc_id, "2026年政府工作报告", section, [targets, why])(question, {"增长": 1.5, "目标": 2.0})
    assert said in text.replace("*", "")
    assert "城镇新增就业" not in text  # not the list of targets


def test_why_another_figure_of_the_same_statement_is_justified_too():
    text = _one_report("hlj", "2026年政府工作报告", HLJ_PLAN, [HLJ_TARGETS, HLJ_WHY])(
        "为什么粮食产量目标是1600亿斤以上？", {"粮食": 2.5})
    assert "提出这些预期目标" in text  # the figure given: the justification


# ---------------------------------------------------------------- units in Latin letters, in any case

GZ_PLAN = ("三、2026年工作安排", "全力打造“六大产业集群”")
GZ_COMPUTE = "深入实施“东数西算”工程，优化调整“算力券”政策，制定算电协同长效措施，全省算力规模突破190Eflops。"


def test_a_figure_in_a_latin_unit_written_in_lower_case_is_a_figure():
    text = _one_report("gz", "2026年贵州省政府工作报告", GZ_PLAN, [GZ_COMPUTE])(
        "今年全省算力规模要达到多少？", {"算力": 4.0, "规模": 2.5, "全省": 1.2})
    assert "**190Eflops**" in text


# ---------------------------------------------------------------- the end of a span; how big an amount is

@pytest.mark.parametrize("question", ["“十四五”结束时经济总量有多大？", "“十四五”末地区生产总值有多大规模？"])
def test_the_end_of_a_span_is_a_period_and_how_big_an_amount_is_no_area(question):
    from qa.answer.evidence import question_terms

    q = analyse(question, VOCAB)
    assert q.periods and q.periods[0].until is not None  # the span of the plan
    assert q.unit is None  # not 平方公里
    terms = question_terms(q, None)
    assert not {"结束", "末"} & set(terms.weights)  # words of the period, not of what is asked


def test_how_big_a_place_is_still_asks_an_area():
    assert analyse("城市绿心森林公园有多大？", VOCAB).unit == "平方公里"


# ---------------------------------------------------------------- a numbered thing the report names another of

# 甘肃省 2026 report: the review of infrastructure names line 二号线 of Lanzhou's metro, no other
GS_DONE = ("一、“十四五”时期和2025年工作回顾",)
GS_LINES = ('兰张三四线铁路中武段、银兰高铁中兰段、酒额铁路、中川机场环线铁路等建成投运。平庆铁路、兰合铁路、天陇铁路、西成铁路甘肃段、兰张三四线铁路武张段等项目加快建设。建成兰州轨道交通二号线。')


@pytest.mark.parametrize("question, covered", [
    ("兰州轨道交通3号线今年什么时候开通？", False),
    ("兰州轨道交通三号线什么时候开通？", False),
    ("兰州轨道交通2号线建成了吗？", True),  # 2号线 is the report's 二号线
])
def test_a_numbered_line_the_report_does_not_name_is_not_covered(question, covered):
    text = GS_DONE[0] + "\n" + GS_LINES + "\n"
    vocab = Vocabulary(years=YEARS, text=text, tokenize=TOKENIZER.words, looks_english=looks_english,
                       places=TOKENIZER.places)
    docs = {"gs": Document("gs", "2026年甘肃省政府工作报告", text)}
    ans = compose(Retrieval(analyse(question, vocab), (excerpt_hit(text, GS_LINES, GS_DONE, "gs"),)),
                  documents=docs, years=YEARS)
    assert ans.covered is covered
    if not covered:
        assert "号线" in ans.text.split("；")[0]  # says what is missing


# ---------------------------------------------------------------- one year under a heading of five

# 河北省 2026 report: its review is headed by the five years; the paragraph on 2025 opens
# 刚刚过去的2025年，… and its figures are that year's, not the span's
HB_DONE = ("一、“十四五”时期经济社会发展回顾",)
HB_FIVE = ('这五年，高质量发展扎实推进，经济实力跃上新台阶。我们坚持以新发展理念引领发展，有效应对世纪疫情冲击和多重风险挑战，推动经济稳中有进、向新向优。全省生产总值从2020年的3.68万亿元增长到2025年的4.93万亿元、实现万亿级跃升，一般公共预算收入从3826.5亿元增长到4398.6亿元，规上工业增加值年均增长6.5%，固定资产投资增速连续超过全国平均水平，社会消费品零售总额突破1.5万亿元，粮食产量稳定在760亿斤以上。')
HB_2025 = ('刚刚过去的2025年，我们全面贯彻党中央决策部署，认真落实省委工作要求，顶住压力、迎难而上，千方百计稳增长，加力实施“两重”“两新”政策，抓投资上项目扩消费，经济回升向好态势持续巩固；凝心聚力促协同，全域对接合作，全面承接疏解，雄安新区建设展现新气象；多措并举转动能，抓创新强链条壮集群，主导产业和县域特色产业攀高向新；改革开放增活力，“小切口”举措撬动营商环境大提升；用心用情惠民生，推动各项事业发展取得新成效，人民群众获得感幸福感安全感不断增强。全省生产总值增长5.6%，一般公共预算收入增长2%，规上工业增加值增长7.9%，固定资产投资增长6.1%，社会消费品零售总额增长5.6%，主要经济指标增速高于全国平均水平，为全国大局作出河北贡献。')


def test_a_paragraph_opening_on_the_last_year_under_a_five_year_heading_reviews_that_year():
    from qa.periods import Period, paragraph_period

    span = Period(2021, "done", until=2025)
    assert paragraph_period(span, HB_2025[:16]) == Period(2025, "done")
    assert paragraph_period(span, HB_FIVE[:16]) == span
    assert paragraph_period(span, "过去一年，我们") == Period(2025, "done")
    text = _one_report("hb", "2026年河北省政府工作报告", HB_DONE, [HB_FIVE, HB_2025])(
        "去年规上工业增加值增长了多少？", {"规上": 3.5, "工业": 2.0, "增加值": 2.5, "增长": 1.5})
    assert "**7.9%**" in text and "6.5%" not in text


# ---------------------------------------------------------------- an amount asked, a rate named with its words

# 山东省 2026 report: 常住人口 written only inside the name of a rate
SD_DONE = ("一、2025年和“十四五”时期工作回顾",)
SD_TOWNS = ('千亿县超过30个，常住人口城镇化率达到67.5%、5年提高4.5个百分点，城乡收入比缩小至2.12，新改建农村公路4.2万公里，统筹新型城镇化和乡村全面振兴取得扎实成效。')


@pytest.mark.parametrize("question, covered", [
    ("现在常住人口一共有多少？", False),  # an amount: the report gives none
    ("常住人口城镇化率是多少？", True),  # the rate itself
])
def test_an_amount_is_not_given_by_a_rate_named_with_its_words(question, covered):
    text = SD_DONE[0] + "\n" + SD_TOWNS + "\n"
    vocab = Vocabulary(years=YEARS, text=text, tokenize=TOKENIZER.words, looks_english=looks_english,
                       places=TOKENIZER.places)
    docs = {"sd": Document("sd", "2026年山东省政府工作报告", text)}
    ans = compose(Retrieval(analyse(question, vocab), (excerpt_hit(text, SD_TOWNS, SD_DONE, "sd"),)),
                  documents=docs, years=YEARS, idf={"常住": 4.44, "人口": 3.59, "常住人口": 4.44, "城镇化率": 4.44, "城镇化": 3.59})  # as in the report
    assert ans.covered is covered


# ---------------------------------------------------------------- a clause of the sentence's topic; a change asked

# 黑龙江省 2026 report: the year's grain total among the headline figures, and a paragraph whose
# topic (粮食总产) its later clauses speak of without naming it (增量39.7亿斤)
HLJ_DONE = ("一、2025年工作回顾和“十四五”时期发展成就",)
HLJ_HEADLINE = "全省地区生产总值增长4.2%，粮食总产量1640.06亿斤，城镇新增就业35.8万人，一般公共预算收入增长5.7%，全体居民人均可支配收入增长5.1%。"
HLJ_GRAIN = ("（四）现代化大农业迈上新台阶。粮食总产再创历史新高，连续16年位居全国首位，增量39.7亿斤、占全国23.6%，"
             "在保障国家粮食安全中彰显龙江责任、龙江担当。")
HLJ_IDF = {"粮食": 2.47, "总产": 3.5, "总产量": 3.8}


def test_a_change_asked_is_the_clause_giving_a_change_of_the_sentence_s_topic():
    ask_hlj = _one_report("hlj", "2026年黑龙江省政府工作报告", HLJ_DONE, [HLJ_HEADLINE, HLJ_GRAIN])
    text = ask_hlj("去年粮食比上一年多打了多少？", HLJ_IDF)
    assert "**39.7亿斤**" in text and "1640.06" not in text
    text = ask_hlj("去年粮食总产量是多少？", HLJ_IDF)  # the total asked: the total
    assert "**1640.06亿斤**" in text



# ---------------------------------------------------------------- an ordinal asked (第几届)

# 河北省 2026 report, the plan for 雄安: the event is held for the third time (第三届), no figure
HB_PLAN = ("三、2026年重点工作", "推动雄安新区高标准高质量建设")
HB_XIONGAN = ('加快疏解项目落地见效，服务保障疏解央企、高校、医院建设。攻坚启动区等重点片区，推进国贸中心等重大项目建设。做大做强雄安中关村科技园等平台，发展空天信息和卫星互联网等产业。办好第三届雄安未来之城场景汇。')


@pytest.mark.parametrize("question, kind", [
    ("雄安那个未来之城场景汇，今年办到第几届了？", FACT),  # an ordinal: a fact, not a figure
    ("今年要办几届场景汇？", FIGURE),
    ("去年粮食打了多少？在全国排第几？", FIGURE),  # 多少 asks a figure still
])
def test_an_ordinal_asked_is_a_fact(question, kind):
    assert answer_type(question) == kind


def test_an_ordinal_asked_is_answered_by_the_sentence_saying_it():
    text = _one_report("hb", "2026年河北省政府工作报告", HB_PLAN, [HB_XIONGAN])(
        "雄安那个未来之城场景汇，今年办到第几届了？", {"雄安": 2.33, "未来": 2.47, "场景": 2.64})
    assert "第三届" in text and "没有" not in text


# ---------------------------------------------------------------- a word of directions is no place

def test_a_word_of_directions_alone_is_no_place_so_nothing_is_missing():
    assert TOKENIZER.places("去年鞍钢搞出了什么全球首套的东西？") == []  # jieba tags 东西 as a place
    assert TOKENIZER.places("大兴区和东城有什么项目？") == ["大兴区", "东城"]
    assert analyse("去年鞍钢搞出了什么全球首套的东西？", VOCAB).missing == ()
