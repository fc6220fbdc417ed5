"""compose() and question analysis on excerpts of real 2026 government work reports of other
regions (../shared/corpora/gov2026): the classes of failure found on reports no one tuned for."""
import re

import pytest

from qa.answer import compose
from qa.lexical import tokenizer_for
from qa.multilingual import looks_english
from qa.periods import DocumentYears
from qa.query import FACT, FIGURE, LIST, TOPIC, Vocabulary, analyse, answer_type
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
