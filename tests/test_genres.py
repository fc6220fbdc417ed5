"""Genres and their time frames, read from real excerpts; relative years per document; the page
furniture of raw web text kept out of the passages.

The work-report and furniture excerpts are copied from ../shared/corpora/gov2026 (2026 provincial
government work reports as published), the plan report from the Tongzhou report in corpus/. The
corpus holds no budget report, five-year outline or communiqué: their excerpts are written as
such documents open (title, session line, first paragraph, top headings).
"""
import numpy as np
import pytest

from qa.chunking import chunk_document
from qa.limits import Limits
from qa.periods import (BUDGET_REPORT, COMMUNIQUE, DONE, FIVE_YEAR_PLAN, PLAN, PLAN_REPORT, WORK_REPORT,
                        detect_genre, document_years, five_year_span, is_period_word,
                        merge_years, question_periods, section_period, section_phase)
from qa.query import Vocabulary, analyse
from qa.readers.furniture import furniture
from qa.readers.text import read_text
from qa.search import SearchParams, rank
from qa.types import Document

# 山东省.txt: title, session line and top headings, and sentences with relative years
WORK_TITLE = "2026年山东省政府工作报告"
WORK_TEXT = """2026年山东省政府工作报告
——2026年1月27日在山东省第十四届人民代表大会第四次会议上
山东省省长 周乃翔
各位代表：
现在，我代表省人民政府向大会报告工作，请予审议，并请省政协委员和其他列席人员提出意见。
一、2025年及“十四五”时期工作回顾
2025年是很不平凡的一年。
各位代表！2025年是“十四五”收官之年。五年来，我们牢记嘱托、感恩奋进。
二、“十五五”时期经济社会发展目标任务
“十五五”时期是基本实现社会主义现代化夯实基础、全面发力的关键时期。
三、2026年重点工作
今年是“十五五”开局之年。"""

# tongzhou-2024-plan-report.txt: title (wrapped in the file), session line, top headings
PLAN_TITLE = "关于北京市通州区2023年国民经济和社会发展计划执行情况与2024年国民经济和社会发展计划的报告"
PLAN_TEXT = """——2024年1月4日在北京市通州区第七届人民代表大会第五次会议上
北京市通州区发展和改革委员会
各位代表：
受区人民政府委托，现将2023年国民经济和社会发展计划执行情况与2024年国民经济和社会发展计划草案提请区七届人大五次会议审议，并请区政协各位委员提出意见。
一、2023年国民经济和社会发展计划执行情况
二、2024年国民经济和社会发展计划安排"""

BUDGET_TITLE = "关于2024年预算执行情况和2025年预算草案的报告"
BUDGET_TEXT = """——2025年1月15日在某市第十六届人民代表大会第四次会议上
市财政局
各位代表：
受市人民政府委托，现将2024年预算执行情况和2025年预算草案提请市十六届人大四次会议审议，并请市政协各位委员提出意见。
一、2024年预算执行情况
2024年，全市一般公共预算收入完成612.3亿元，增长3.1%。
二、2025年预算草案
2025年全市一般公共预算收入预期增长3%左右。"""

OUTLINE_TITLE = "某省国民经济和社会发展第十五个五年规划和二〇三五年远景目标纲要"
OUTLINE_TEXT = """第一篇 开启基本实现社会主义现代化新征程
第一章 发展基础和发展环境
“十四五”时期是我省发展进程中极不平凡的五年。
第二章 到二〇三五年远景目标和“十五五”时期经济社会发展主要目标"""

COMMUNIQUE_TITLE = "某省2025年国民经济和社会发展统计公报"
COMMUNIQUE_TEXT = """某省统计局
2026年3月1日
2025年，全省地区生产总值52100亿元，按不变价格计算，比上年增长5.2%。
一、综合
二、农业"""


@pytest.mark.parametrize("title, text, genre, report, plan, review_from, plan_until", [
    (WORK_TITLE, WORK_TEXT, WORK_REPORT, 2025, 2026, 2021, None),
    (PLAN_TITLE, PLAN_TEXT, PLAN_REPORT, 2023, 2024, None, None),
    (BUDGET_TITLE, BUDGET_TEXT, BUDGET_REPORT, 2024, 2025, None, None),
    (OUTLINE_TITLE, OUTLINE_TEXT, FIVE_YEAR_PLAN, 2025, 2026, 2021, 2030),
    (COMMUNIQUE_TITLE, COMMUNIQUE_TEXT, COMMUNIQUE, 2025, None, None, None),
])
def test_each_genre_has_its_time_frame(title, text, genre, report, plan, review_from, plan_until):
    years = document_years(title, text)
    assert years.genre == genre
    assert (years.report_year, years.plan_year, years.review_from, years.plan_until) == (
        report, plan, review_from, plan_until)


def test_a_work_report_is_known_by_its_session_or_opening_without_a_year_in_the_title():
    years = document_years("政府工作报告", WORK_TEXT.split("\n", 1)[1])
    assert (years.genre, years.report_year, years.plan_year) == (WORK_REPORT, 2025, 2026)
    # no title at all: the salutation's 向大会报告工作 names the genre
    assert detect_genre("", "各位代表：\n现在，我代表省人民政府向大会报告工作，请予审议。") == WORK_REPORT


def test_five_year_plans_by_ordinal():
    assert five_year_span("十四") == (2021, 2025)
    assert five_year_span("十五") == (2026, 2030)
    assert five_year_span("十一") == (2006, 2010)


WORK = document_years(WORK_TITLE, WORK_TEXT)
TONGZHOU = document_years(PLAN_TITLE, PLAN_TEXT)


def _asked(question, years):
    return [(p.year, p.until, p.phase) for p in question_periods(question, years)]


@pytest.mark.parametrize("question, expected", [
    ("今年GDP预期增长多少？", [(2026, None, PLAN)]),
    ("去年城镇新增就业多少人？", [(2025, None, DONE)]),
    ("过去五年地区生产总值年均增长多少？", [(2021, 2025, DONE)]),
    ("这五年取得了哪些成就", [(2021, 2025, DONE)]),
    ("“十四五”时期高铁里程增加了多少", [(2021, 2025, DONE)]),
    ("十五五时期的主要目标是什么", [(2026, 2030, PLAN)]),
    ("2023年新增了多少就业", [(2023, None, DONE)]),  # inside the reviewed 十四五 span
])
def test_relative_years_in_a_work_report(question, expected):
    assert _asked(question, WORK) == expected


def test_the_same_words_in_a_plan_report_and_a_communique():
    assert _asked("今年要完工几个老旧小区？", TONGZHOU) == [(2024, None, PLAN)]
    assert _asked("去年新开了几条公交线路？", TONGZHOU) == [(2023, None, DONE)]
    communique = document_years(COMMUNIQUE_TITLE, COMMUNIQUE_TEXT)
    # a communiqué plans nothing: 今年 asks for the year it reports
    assert _asked("今年地区生产总值是多少", communique) == [(2025, None, DONE)]
    assert _asked("明年有什么打算", communique) == [(2025, None, DONE)]


def test_passages_of_a_work_report_take_their_period_from_the_heading_year():
    assert section_phase(("三、2026年重点工作",), WORK) == PLAN
    assert section_phase(("三、2026年经济社会发展",), WORK) == PLAN  # by its year alone
    assert section_phase(("一、2025年及“十四五”时期工作回顾",), WORK) == DONE
    assert section_period(("二、“十五五”时期经济社会发展目标任务",), WORK).label == "2026–2030年安排"
    assert section_phase(("三、2026年经济社会发展",)) is None  # without the document's years: unknown


def test_relative_years_resolve_per_document_with_several_loaded():
    documents = {"tongzhou.txt": TONGZHOU, "shandong.txt": WORK}
    vocab = Vocabulary(years=merge_years(documents.values()), text="", tokenize=lambda s: list(s),
                       documents=documents)
    q = analyse("今年有什么计划", vocab)
    assert [p.year for p in q.periods_of("tongzhou.txt")] == [2024]
    assert [p.year for p in q.periods_of("shandong.txt")] == [2026]
    # 2024 is planned in one report and reviewed (a year of 十四五) in the other: the boost
    # follows each document
    q = analyse("2024年新增多少托位", vocab)
    assert q.intent_of("tongzhou.txt") == PLAN and q.intent_of("shandong.txt") == DONE
    assert analyse("2019年新增多少托位", vocab).intent_of("shandong.txt") is None
    # one document: no per-document readings, the question's periods are that document's
    single = analyse("今年有什么计划", Vocabulary(years=WORK, text="", tokenize=lambda s: list(s),
                                                  documents={"shandong.txt": WORK}))
    assert single.by_document == () and [p.year for p in single.periods] == [2026]


def test_rank_boosts_each_passage_by_its_documents_reading():
    dense = np.array([0.5, 0.5]); zero = np.zeros(2)
    params = SearchParams(fusion="dense")
    ranked = rank(dense, zero, zero, [PLAN, PLAN], params, [None, PLAN], k=2)
    assert [r.index for r in ranked] == [1, 0] and ranked[0].score > ranked[1].score


def test_period_words_are_no_terms_of_the_question():
    assert all(is_period_word(w) for w in ("2025", "去年", "今年", "十四五", "五年来"))
    assert not is_period_word("就业")


def test_genre_is_a_document_field():
    assert Document(id="a", title="t", text="x").genre == ""


# ------------------------------------------------------------------ furniture
# the first 20 lines of 内蒙古自治区.txt as scraped, then the end of 宁夏/青海/云南 pages
INNER_MONGOLIA_HEAD = """2026年内蒙古自治区政府工作报告

下载
打印
全屏
收藏
【字号：
加大
还原
减小
】
2026年内蒙古自治区政府工作报告
——2026年2月4日在内蒙古自治区第十四届人民代表大会第五次会议上
来源：内蒙古日报
时间：2026-02-12
自治区人民政府主席 包钢
自治区人民政府主席包钢作政府工作报告。本报记者 韩卿立 摄
各位代表：
现在，我代表自治区人民政府向大会报告工作，请予审议，并请各位政协委员和列席同志提出意见。
“十四五”时期发展成就和2025年工作回顾
"""
NINGXIA_HEAD = """2026年宁夏回族自治区政府工作报告

当前位置：
首页
>
政务信息
>
宁夏要闻
2026年宁夏回族自治区政府工作报告
发表时间：
2026-02-09 09:45:30
来源：
宁夏日报客户端
阅读量：
【字体：
小
中
大
】
政府工作报告
——2026年2月3日在宁夏回族自治区第十三届人民代表大会第四次会议上
自治区人民政府主席 张雨浦
2月3日，宁夏回族自治区第十三届人民代表大会第四次会议在银川开幕。自治区人民政府主席张雨浦作政府工作报告。 宁夏日报记者 王鼎 摄
各位代表：
现在，我代表自治区人民政府，向大会报告工作，请予审议。请各位政协委员和列席人员提出意见。
"""
PAGE_TAILS = """各位代表！“十五五”蓝图引领未来，现代化美丽新宁夏建设正当其时。
扫一扫在手机打开当前页
【
打印本页
】
【
关闭窗口
】
（来源：青海日报）
编辑：何继红
分享到:
分享到微信
×
相关文档：
"""
FURNITURE_WORDS = ("下载", "打印", "字号", "加大", "来源", "时间：", "摄", "当前位置", "首页", "宁夏要闻",
                   "阅读量", "字体", "分享", "关闭窗口", "扫一扫", "编辑：", "相关文档", "2026-02")


@pytest.mark.parametrize("page", [INNER_MONGOLIA_HEAD, NINGXIA_HEAD + PAGE_TAILS])
def test_web_page_furniture_stays_out_of_the_text(page):
    reading = read_text(page.encode("utf-8"), "page.txt", Limits())
    lines = reading.text.split("\n")
    title = page.split("\n", 1)[0]
    assert lines[0] == title and lines.count(title) == 1  # the title once, first
    assert lines[1].startswith("——2026年") and "主席 " in lines[2] and "各位代表：" in lines
    leftover = [ln for ln in lines if any(w in ln for w in FURNITURE_WORDS)]
    assert leftover == []
    assert all(reading.text[b.start:b.end] in lines for b in reading.blocks)


def test_chunks_of_a_web_page_keep_exact_offsets_and_hold_no_furniture():
    reading = read_text((INNER_MONGOLIA_HEAD + "“十四五”时期内蒙古发展历程极不平凡。2025年是“十四五”收官之年。\n"
                         + PAGE_TAILS).encode("utf-8"), "page.txt", Limits())
    doc = Document(id="page.txt", title="t", text=reading.text, headings=reading.headings)
    chunks = chunk_document(doc)
    assert chunks and all(doc.text[c.start:c.end] == c.text for c in chunks)
    assert not any(w in c.text for c in chunks for w in ("下载", "来源", "摄", "扫一扫", "分享"))


def test_a_report_without_furniture_is_kept_whole():
    lines = ["关于北京市通州区2023年国民经济和社会发展计划执行情况与2024年国民经济和社会发展计划的报告",
             *PLAN_TEXT.split("\n")]
    assert furniture(lines) == frozenset()
    # a short heading on its own (前言) is no tool bar
    assert furniture(["某报告", "前言", "各位代表：", "受区人民政府委托，现将计划执行情况提请审议。"]) == frozenset()


def test_photo_captions_in_the_body_are_furniture():
    lines = ["标题", "一、工作回顾", "全年地区生产总值增长5.2%，城镇新增就业124.9万人。",
             "省长叶建春作政府工作报告。本报全媒体记者 林 君摄", "任振鹤作政府工作报告。新甘肃·甘肃日报记者 盛学卿",
             "二、2026年重点工作", "今年要坚持稳中求进工作总基调。"]
    assert furniture(lines) == frozenset({3, 4})


def test_a_follow_up_about_a_span_asks_the_earlier_question_of_it():
    from qa.periods import replace_period
    periods = question_periods("那过去五年呢", WORK)
    assert replace_period("去年城镇新增就业多少人", periods, WORK) == "2021–2025年城镇新增就业多少人"
    assert replace_period("“十四五”时期城镇新增就业多少人", question_periods("那去年呢", WORK), WORK) \
        == "2025年城镇新增就业多少人"


def test_an_answer_from_one_document_speaks_of_its_periods():
    documents = {"tongzhou.txt": TONGZHOU, "shandong.txt": WORK}
    vocab = Vocabulary(years=merge_years(documents.values()), text="", tokenize=lambda s: list(s),
                       documents=documents)
    q = analyse("今年计划新增多少托位", vocab)
    assert [p.year for p in q.for_documents(["tongzhou.txt"]).periods] == [2024]
    assert [p.year for p in q.for_documents(["shandong.txt"]).periods] == [2026]
    # they differ: as the best passage's document (the first) reads it
    assert [p.year for p in q.for_documents(["tongzhou.txt", "shandong.txt"]).periods] == [2024]
    assert [p.year for p in q.for_documents(["shandong.txt", "tongzhou.txt"]).periods] == [2026]


def test_engine_reads_each_document_with_its_own_years(tmp_path, fake_embedder):
    """A library of a 2026 work report (excerpt of 山东省.txt) and a plan report for 2024: the
    document list shows each genre, and 今年 is each document's own planned year."""
    import qa
    from qa.cli import _years_text

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "shandong.txt").write_text(WORK_TEXT + "\n今年全省生产总值增长5%左右，城镇新增就业110万人以上。",
                                         encoding="utf-8")
    (folder / "plan.txt").write_text(PLAN_TITLE + "\n" + PLAN_TEXT.replace(
        "二、2024年国民经济和社会发展计划安排", "一年来城镇新增就业3.5万人。\n二、2024年国民经济和社会发展计划安排\n"
        "2024年城镇新增就业3.6万人。"), encoding="utf-8")
    engine = qa.open(folder, tmp_path / "index", embedder=fake_embedder, progress=False, cross=None)
    genres = {d.id: d.genre for d in engine.documents}
    assert genres == {"shandong.txt": WORK_REPORT, "plan.txt": PLAN_REPORT}
    assert _years_text(engine.document_years["shandong.txt"]) == "回顾2021–2025 计划2026"
    q = engine.analyse("今年城镇新增就业多少人")
    assert dict((d, [p.year for p in ps]) for d, ps in q.by_document) == {"shandong.txt": [2026], "plan.txt": [2024]}
    # asked of one document, the question is read with that document's years only
    assert [p.year for p in engine.analyse("今年城镇新增就业多少人", documents=["plan.txt"]).periods] == [2024]
    # passages of the 2026 plan section are planned, by their heading's year
    phases = {c.section[0]: engine._phases[i] for i, c in enumerate(engine.data.chunks) if c.section}
    assert phases["三、2026年重点工作"] == PLAN and phases["一、2025年及“十四五”时期工作回顾"] == DONE


def test_a_follow_up_naming_a_span_is_the_earlier_question_asked_of_it():
    vocab = Vocabulary(years=WORK, text="", tokenize=lambda s: list(s))
    q = analyse("那过去五年呢？", vocab, history=["去年城镇新增就业多少人？"])
    assert q.text == "2021–2025年城镇新增就业多少人？"
    assert [(p.year, p.until) for p in q.periods] == [(2021, 2025)]
