"""qa.answer.claims: figures of an LLM answer checked against the passages they cite (pure)."""
import pytest
from hypothesis import given, settings, strategies as st

from qa.answer.claims import UNSUPPORTED, ClaimFilter, check_claims, figures, sentences

U = UNSUPPORTED
PASSAGES = ["（三、2024年主要措施）\n实现区体育场升级改造。",
            "梨园美术馆、工人文化宫等竣工，地区生产总值增长百分之五点二。",
            "新建学校三所，新增学位两千个。全年道路总长度达到六百公里，治理1.5万亩。"]


@pytest.mark.parametrize("text, expected", [
    ("2024年增长5.2%", [("2024年", 2024, "年"), ("5.2%", 5.2, "%")]),
    ("the 2024 GDP target is 50%", [("2024", 2024, "年"), ("50%", 50, "%")]),
    ("新增两千个，六百公里，十条", [("两千个", 2000, "个"), ("六百公里", 600, "公里"), ("十条", 10, "条")]),
    ("1.5万亩，3000万元，2,000个，百分之五点二", [("1.5万亩", 15000, "亩"), ("3000万元", 3e7, "元"),
                                      ("2,000个", 2000, "个"), ("百分之五点二", 5.2, "%")]),
    ("二〇二四年，12千米，3个百分点", [("二〇二四年", 2024, "年"), ("12千米", 12, "公里"), ("3个百分点", 3, "个百分点")]),
    # words, not figures: 一个/一批, 千家万户, ordinals, numbers without a unit, inside URLs and tags
    ("一个目标，一批项目，千家万户，第十二条，第3项，22号线，G7高速，版本v1.5", []),
    ("见 http://127.0.0.1:9/a.png?year=2024 与 <a href=\"x/2024年\">链接</a> [说明](http://h/50%)", []),
])
def test_figures(text, expected):
    assert [(f.text, f.value, f.unit) for f in figures(text)] == expected
    for f in figures(text):
        assert text[f.start:f.end] == f.text


@pytest.mark.parametrize("text, expected", [
    # supported: the heading counts, words and digits are the same figure
    ("2024年实现区体育场升级改造[1]。", "2024年实现区体育场升级改造[1]。"),
    ("新增学位2000个，道路600公里[3]。", "新增学位2000个，道路600公里[3]。"),
    ("地区生产总值增长5.2%[2]。", "地区生产总值增长5.2%[2]。"),
    ("治理15000亩[3]。", "治理15000亩[3]。"),
    # made up, or cited where it does not stand: every marker of the claim goes, the figure is marked
    ("地区生产总值增长50%[1][2][3]。", f"地区生产总值增长50%{U}。"),
    ("新增学位2000个[1]。", f"新增学位2000个{U}。"),
    ("新增学位2000个，投资3亿元[3]。", f"新增学位2000个，投资3亿元{U}。"),
    # a cited passage that holds none of the figures is dropped, the one that does stays
    ("道路600公里[1][3]。", "道路600公里[3]。"),
    ("新建学校三所[3]，增长5.2%[2]。", "新建学校三所[3]，增长5.2%[2]。"),
    # one claim per marker run; a marker after the full stop belongs to the sentence before it
    ("美术馆竣工[2]，投资3亿元[2]。", f"美术馆竣工[2]，投资3亿元{U}。"),
    ("新增学位3000个。[3] 道路六百公里。[3]", f"新增学位3000个{U}。 道路六百公里。[3]"),
    # no figure: the markers stand; uncited figures are checked against every passage
    ("梨园美术馆竣工。[2]\n- 区体育场[1]", "梨园美术馆竣工。[2]\n- 区体育场[1]"),
    ("新建学校三所。另有十所。", f"新建学校三所。另有十所{U}。"),
])
def test_check_claims(text, expected):
    assert check_claims(text, PASSAGES).text == expected


def test_figures_of_the_question_are_not_claims():
    text = "2025年计划新增学位2000个[3]。"
    assert check_claims(text, PASSAGES).text == f"2025年{U}计划新增学位2000个。"
    assert check_claims(text, PASSAGES, given="2025年新增多少学位？").text == text


def test_what_was_marked_and_dropped_is_told():
    result = check_claims("增长50%[1][2]，学校三所[3]。", PASSAGES)
    assert result.unsupported == ("50%",) and result.dropped == (1, 2)


def test_sentences_keep_every_character():
    text = "甲。[1]乙！[2][3] 丙\n[4]丁；戊"
    spans = sentences(text)
    assert [text[s:e] for s, e in spans] == ["甲。[1]", "乙！[2][3]", " 丙\n", "[4]丁；", "戊"]


CHARS = list("。，！\n 年个%0123456789[]两千六百新增学位道路公里")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CHARS + ["[1]", "[2]", "[3]", "2000个", "50%", "600公里"]),
                max_size=30), st.integers(1, 7))
def test_claim_filter_on_any_split_matches_whole_text(tokens, size):
    text = "".join(tokens)
    f = ClaimFilter(PASSAGES)
    out = "".join(f.feed(text[i:i + size]) for i in range(0, len(text), size)) + f.flush()
    assert out == check_claims(text, PASSAGES).text
