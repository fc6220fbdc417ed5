from qa.structure import CLAUSE_ENDS, FULL_STOPS, heading_level, lead_sentence, parse, sentence_spans

SNIPPET = (
    "一、2023年计划执行情况\n"
    "——“成效显著”突出体现在三个领域。\n"
    "（一）城乡建设\n"
    "道路建设全面提速。" + "厂通路建成通车，" * 12 + "\n"
    "二、2024年主要目标\n"
    "——地区生产总值比上年增长5%左右；\n"
    "三、主要措施\n"
    "(四）立足多维多域\n"
    "持续深化与北三县一体化发展。" + "加快建设交通一张网，" * 10
)


def test_levels_and_paths():
    paras = parse(SNIPPET)
    body = [p for p in paras if not p.heading]
    assert body[0].section == ("一、2023年计划执行情况", "——“成效显著”突出体现在三个领域", "（一）城乡建设", "道路建设全面提速")
    # a "——item；" line of a list is body text under its part, not a marker heading
    assert body[1].section == ("二、2024年主要目标",)
    # half-width opening bracket is recognised and shown full-width
    assert body[2].section == ("三、主要措施", "（四）立足多维多域", "持续深化与北三县一体化发展")
    for p in paras:
        assert SNIPPET[p.start:p.end] and "\n" not in SNIPPET[p.start:p.end]


def test_heading_level():
    assert heading_level("一、总体情况") == 0
    assert heading_level("（二）经济发展") == 2
    assert heading_level("1. 项目") == 3
    assert heading_level("1-11月共有固定资产投资项目816个") is None
    assert heading_level("## 学校") == 1
    assert heading_level("普通的一句话。") is None


def test_lead_sentence_only_for_short_opening_of_long_paragraph():
    assert lead_sentence("疏解承接更加有力。" + "内容" * 60) == "疏解承接更加有力。"
    assert lead_sentence("疏解承接更加有力。内容。") == ""
    assert lead_sentence("1-11月共有项目816个。" + "内容" * 60) == ""


def test_one_sentence_splitter_keeps_offsets_and_merges_short_pieces():
    text = "道路网络更加完善。全年新建学校3所；好。城市道路总长度达607公里！"
    spans = sentence_spans(text, 10)
    assert [text[s - 10:e - 10] for s, e in spans] == ["道路网络更加完善。", "全年新建学校3所；", "好。城市道路总长度达607公里！"]
    assert [text[s:e] for s, e in sentence_spans(text, ends=FULL_STOPS, min_len=0)] == [
        "道路网络更加完善。", "全年新建学校3所；好。", "城市道路总长度达607公里！"]
    clauses = sentence_spans("一是走好创新发展之路；二是“绿色”，三是协同", ends=CLAUSE_ENDS, min_len=0)
    assert len(clauses) == 3 and clauses[-1][1] == len("一是走好创新发展之路；二是“绿色”，三是协同")


# Gansu's 2026 government work report as copied from the web (甘肃日报): its parts lost their
# numbers (一、二、三、) and stand as bare lines
GANSU = (
    "“十四五”时期工作回顾\n"
    "五年来，全省地区生产总值达到13697.5亿元，增长33.6%。" + "我们坚持稳中求进。" * 8 + "\n"
    "2026年重点工作\n"
    "今年是“十五五”开局之年。" + "经济社会发展的主要预期目标是：地区生产总值增长5.5%左右。" * 3 + "\n"
    "（二）加快建设现代化产业体系\n"
    "加快能源强省建设。聚力打造全国重要的新能源及新能源装备制造基地，新能源装机规模达到1亿千瓦。" * 2 + "\n"
)


def test_an_unnumbered_part_that_names_a_period_is_a_heading():
    body = [p for p in parse(GANSU) if not p.heading]
    assert body[0].section[0] == "“十四五”时期工作回顾"
    assert body[1].section[0] == "2026年重点工作"
    assert body[2].section[:2] == ("2026年重点工作", "（二）加快建设现代化产业体系")


def test_a_bare_line_is_a_part_only_when_it_names_a_period_and_states_nothing():
    assert heading_level("“十五五”时期主要目标和2026年重点工作") == 0
    assert heading_level("2026年自治区民生实事") == 0
    assert heading_level("2025年新增就业45万人") is None  # a statement: a figure in it
    assert heading_level("时间：2026-02-10") is None
    assert heading_level("省长 王予波") is None  # no period: a signature line
    assert heading_level("2026年甘肃省政府工作报告") is None  # the title line, not a part
    assert heading_level("今年是“十五五”开局之年。") is None  # a sentence
