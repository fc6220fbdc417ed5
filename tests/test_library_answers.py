"""compose() and question analysis on excerpts of real 2026 provincial reports
(../shared/corpora/gov2026): the classes of failure found on the library questions (issue 18) —
last year's figure against the five years' figure beside it, the amount or the time a question
asks for (经济总量, 多长时间), a "which places" question naming two alternatives or a noun
phrase that looks like a condition (政策范围内)."""
import pytest

from qa.answer import _alternatives, compose
from qa.answer.evidence import Terms, question_terms
from qa.criteria import criterion
from qa.lexical import tokenizer_for
from qa.periods import DONE, DocumentYears, Period, paragraph_period
from qa.query import AMOUNT, DURATION, Vocabulary, analyse, measure_unit
from qa.types import Document, Hit, Retrieval

YEARS = DocumentYears(2025, 2026, frozenset({2025, 2026}))
TOKENIZER = tokenizer_for(())

# 陕西省 2026: the year's paragraph opens on “十四五”收官之年 (one year); the five years' on 五年来
SX_DONE = ("一、2025年工作回顾",)
SX_YEAR = ("刚刚过去的一年，是“十四五”收官之年。我们坚持以习近平新时代中国特色社会主义思想为指导，深化开展“三个年”活动，"
           "聚力打好“八场硬仗”，多措并举稳就业、稳企业、稳市场、稳预期，地区生产总值增长5.1％，城镇新增就业44.1万人，"
           "居民人均可支配收入增长5.6％，粮食产量1347万吨，全省高质量发展和现代化建设迈出坚实步伐。")
SX_FIVE = ("各位代表！2025年目标任务顺利完成，标志着“十四五”圆满收官。五年来，我们牢记嘱托、感恩奋进，坚定不移推动高质量发展，"
           "各项事业取得重大成就。一是综合实力再上台阶。地区生产总值跨过3万亿元、年均增长5.2％，较“十三五”末净增1万亿元。")
SX = "\n".join([SX_DONE[0], SX_YEAR, SX_FIVE]) + "\n"
# 甘肃省 2026: both under a heading of the five years; the five years' growth said in its own clause
GS_DONE = ("“十四五”时期工作回顾",)
GS_FIVE = ("——这是追赶进位、综合实力快速跃升的五年。全省地区生产总值达到13697.5亿元，较“十三五”末的9323.1亿元增加4374.4亿元，"
           "增长33.6%，经济增速2022年以来连续16个季度高于全国平均水平。")
GS_YEAR = ("加力落实宏观政策，扎实做好“四稳”工作，地区生产总值增长5.8%，增速居全国第2位；规模以上工业增加值增长9.5%，"
           "增速居全国第3位；全体居民人均可支配收入增长6.1%，增速居全国第3位。")
GS = "\n".join([GS_DONE[0], GS_FIVE, GS_YEAR]) + "\n"
# 山东省 2026: the year's total, and the five years' growth beside the word 经济总量
SD_DONE = ("一、2025年及“十四五”时期工作回顾",)
SD_YEAR = ("（一）经济增长迈出坚实步伐。抓好国家政策落实，经济运行稳健向好、进中提质。地区生产总值增长5.5%、达到10.3万亿元，"
           "成为全国第三个、北方第一个过10万亿元省份。")
SD_FIVE = ("——经济综合实力实现新跃升。全省地区生产总值年均增长5.9%、高于全国0.5个百分点；经济总量连续跨过3个万亿元大关，"
           "占全国比重由2020年的7.2%提升至7.4%，在北方地区占比由20.5%提升至21.1%。")
SD = "\n".join([SD_DONE[0], SD_FIVE, SD_YEAR]) + "\n"
# 贵州省 2026: the economy's size, and shares of it
GZ_DONE = ("一、2025年和“十四五”时期工作回顾",)
GZ_SHARES = ("——产业结构不断优化。工业继续挑大梁，数字经济、新能源等新兴产业快速增长。规模以上工业增加值增长7%，"
             "工业增加值占地区生产总值比重提高到25.5%。把发展服务业作为战略任务来抓，服务业增加值占地区生产总值比重达56.2%。")
GZ_SIZE = ("全省上下思想观念、发展理念、工作方法发生深刻变革，高质量发展成为主旋律。全省地区生产总值突破2万亿元、达到23562亿元，"
           "一般公共预算收入、税收收入年均分别增长4.5%、3%，居民人均可支配收入年均增长6.6%。")
GZ = "\n".join([GZ_DONE[0], GZ_SHARES, GZ_SIZE]) + "\n"
# 广西壮族自治区 2026: a time taken, said in days
GX_DONE = ("一、2025年工作回顾",)
GX = ("（二）争创人工智能发展优势，激活创新动能。自治区党委、政府主要领导挂帅推进“人工智能+”行动，制定出台系列支持政策文件，"
      "组建广西数据集团，仅用90天建成“南A中心”并投入使用，引进一批北上广头部企业，新签约人工智能产业项目208个。")


def at(report, passage, section, doc_id, score=0.9):
    start = report.index(passage)
    return Hit(text=passage, score=score, doc_id=doc_id, section=section, start=start, end=start + len(passage),
               highlights=(), paragraph=(start, start + len(passage)), scores={"dense": 0.8, "match": 0.6})


def answer(question, report, doc_id, hits, idf=None):
    vocab = Vocabulary(years=YEARS, text=report, tokenize=TOKENIZER.words, places=TOKENIZER.places)
    return compose(Retrieval(analyse(question, vocab), tuple(hits)),
                   documents={doc_id: Document(doc_id, f"2026年{doc_id}政府工作报告", report)}, years=YEARS, idf=idf)


# ---------------------------------------------------------------- last year's figure, not the five years'

def test_a_lead_naming_the_plan_s_last_year_is_one_year():
    assert paragraph_period(Period(2025, DONE), SX_YEAR) == Period(2025, DONE)
    assert paragraph_period(Period(2025, DONE), "五年来，我们牢记嘱托") == Period(2021, DONE, until=2025)


@pytest.mark.parametrize("order", [(SX_FIVE, SX_YEAR), (SX_YEAR, SX_FIVE)])
def test_last_year_s_growth_is_not_the_five_years_average(order):
    """年均增长5.2％ is said of five years in its own clause: last year's growth is 5.1％, wherever
    the passages rank."""
    hits = [at(SX, p, SX_DONE, "陕西省", score) for p, score in zip(order, (1.0, 0.9))]
    text = answer("去年GDP增长了多少？", SX, "陕西省", hits).text  # (the place scopes the search: no term)
    assert "**5.1％**" in text and "5.2％" not in text


def test_a_figure_whose_clause_says_five_years_does_not_answer_last_year():
    """Under a heading of the five years, the clause 较“十三五”末…增长33.6% says its span; the other
    says nothing of one: last year's growth is 5.8%."""
    hits = [at(GS, GS_FIVE, GS_DONE, "甘肃省", 1.0), at(GS, GS_YEAR, GS_DONE, "甘肃省", 0.9)]
    text = answer("去年的经济增速是多少？", GS, "甘肃省", hits).text
    assert "**5.8%**" in text and "33.6%" not in text


def test_last_year_s_total_is_the_amount_not_the_five_years_share():
    """经济总量 asks for an amount: 达到10.3万亿元 says it, not 占全国比重…7.4% beside the word."""
    hits = [at(SD, SD_FIVE, SD_DONE, "山东省", 1.0), at(SD, SD_YEAR, SD_DONE, "山东省", 0.9)]
    a = answer("去年的GDP总量是多少？", SD, "山东省", hits)
    assert a.covered and "**10.3万亿元**" in a.text and "7.4%" not in a.text


def test_a_share_of_the_quantity_asked_is_not_its_figure():
    """工业增加值占地区生产总值比重 names 地区生产总值 as the whole of a share: the figure of 地区生产总值
    is 23562亿元; asked for the share, the share answers."""
    hits = [at(GZ, GZ_SHARES, GZ_DONE, "贵州省", 1.0), at(GZ, GZ_SIZE, GZ_DONE, "贵州省", 0.9)]
    text = answer("“十四五”末地区生产总值达到了多少？", GZ, "贵州省", hits).text
    assert "**23562亿元**" in text and "25.5%" not in text
    text = answer("工业增加值占地区生产总值的比重是多少？", GZ, "贵州省", hits).text
    assert "**25.5%**" in text


# ---------------------------------------------------------------- the amount or the time asked for

def test_amount_and_time_words_are_said_by_a_figure_of_their_kind():
    assert measure_unit("总量") == AMOUNT and measure_unit("时间") == DURATION and measure_unit("增速") == "%"
    amount = Terms({"总量": 1.0}, {}, frozenset(), measures={"总量": AMOUNT})
    assert amount.share("全年实现地区生产总值5696亿元") == 1.0
    assert amount.share("增长5.3%，居全国第2位") == 0.0  # a rate and a rank are no amount
    assert amount.share("工业增加值占地区生产总值比重达25.5万元") == 0.0  # a share is another measure
    time = Terms({"时间": 1.0}, {}, frozenset(), measures={"时间": DURATION})
    assert time.share("仅用90天建成“南A中心”并投入使用") == 1.0 and time.share("新签约项目208个") == 0.0


def test_how_long_it_took_is_answered_by_the_days_it_took():
    idf = {"南a中心": 9.0, "开建": 9.0, "投用": 6.0, "时间": 2.0, "多长": 5.0}  # 多长时间: no word of the report
    a = answer("“南A中心”从开建到投用花了多长时间？", GX, "广西壮族自治区", [at(GX, GX, GX_DONE, "广西壮族自治区")], idf)
    assert a.covered and "**90天**" in a.text


# ---------------------------------------------------------------- which places: alternatives, no false condition

def test_a_noun_phrase_with_range_in_it_sets_no_condition():
    assert criterion("哪些省份提到政策范围内分娩个人“无自付”？") is None
    assert criterion("哪些省份扩大了医保报销范围？") is None
    assert criterion("哪些省份今年的GDP增速目标给的是一个区间？").kind == "range"
    assert criterion("哪些省份的增长目标是范围而不是单一数字？").kind == "range"


def test_a_question_naming_two_alternatives_is_said_by_either():
    """福建 says 免陪照护服务…医院, 青海 “免陪护”病房: each holds all the words of one side."""
    vocab = Vocabulary(years=YEARS, text="免陪照护服务 医院 免陪护 病房", tokenize=TOKENIZER.words)
    q = analyse("在搞医院免陪照护或“免陪护”病房", vocab)  # as asked of each report (qa.criteria.part_text)
    sides = _alternatives(question_terms(q, None), q.text)
    fujian = "“免陪照护服务”试点扩大至145家医院"
    qinghai = "在16家医疗机构设置“免陪护”病房"
    assert sides is not None and len(sides) == 2
    assert max(s.share(fujian) for s in sides) == 1.0 and max(s.share(qinghai) for s in sides) == 1.0
    assert _alternatives(question_terms(q, None), "在搞医院免陪照护") is None
