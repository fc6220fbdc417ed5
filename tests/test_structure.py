from qa.structure import heading_level, lead_sentence, parse, period, section_year

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


def test_period():
    assert period(("一、2023年国民经济和社会发展计划执行情况",)) == "done"
    assert period(("二、2024年国民经济和社会发展主要目标",)) == "plan"
    assert period(("三、实现2024年国民经济和社会发展计划的主要措施", "（一）x")) == "plan"
    assert period(()) is None
    assert section_year(("三、实现2024年计划的主要措施",)) == 2024
