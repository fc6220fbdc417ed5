"""qa.evaluate's scoring of library questions: a gold passage must come from the named report."""
import json
import math

from qa.evaluate import Question, load_questions, right_report, score
from qa.types import Hit


def hit(text, doc):
    return Hit(text=text, score=1.0, doc_id=doc, section=(), start=0, end=len(text))


def test_right_report_needs_a_gold_passage_from_each_named_document():
    hits = [hit("河北：地区生产总值增长5%以上。", "河北省.txt"), hit("山东：增长5%以上。", "山东省.txt")]
    assert right_report(hits, ["增长5%以上"], ["河北省"])
    assert right_report(hits, ["增长5%以上"], ["河北省", "山东省"])
    assert not right_report(hits, ["增长5%以上"], ["河北省", "云南省"])
    # the gold text in another report's passage does not count for this one
    assert not right_report([hit("增长5%以上", "山东省.txt")], ["增长5%以上"], ["河北省"])


def test_score_reports_right_report_top5_only_over_questions_that_name_one():
    qs = [Question("a", "q", ("增长5%以上",), docs=("河北省",)), Question("b", "q", ("粮食",))]
    results = [[hit("山东增长5%以上", "山东省.txt")], [hit("粮食产量", "x.txt")]]
    r = score("t", qs, results, [])
    assert r.hit5 == 1.0 and r.right5 == 0.0  # the gold text was found, but in the wrong report
    assert math.isnan(score("t", qs[1:], results[1:], []).right5)


def test_answer_records_load_as_retrieval_questions_without_the_out_of_scope_ones(tmp_path):
    path = tmp_path / "set.jsonl"
    records = [{"id": "1", "question": "河北今年增长目标？", "kind": "number", "must": ["5%以上"],
                "gold": ["增长5%以上"], "doc": "河北省"},
               {"id": "2", "question": "对比？", "kind": "cross_compare", "must": [], "gold": ["a", "b"],
                "doc": ["河北省", "山东省"]},
               {"id": "3", "question": "广东呢？", "kind": "out_of_scope", "must": [], "gold": []}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    qs = load_questions(path)
    assert [q.id for q in qs] == ["1", "2"] and qs[0].docs == ("河北省",) and qs[1].docs == ("河北省", "山东省")
