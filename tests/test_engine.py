"""The engine end to end on a tiny corpus with the fake embedder."""
import pytest

import qa
from qa.errors import InputError


def test_hits_keep_the_offset_contract(tiny_engine):
    hits = tiny_engine.search("厂通路 大桥", k=5)
    assert hits and hits == sorted(hits, key=lambda h: -h.score)
    for h in hits:
        doc = tiny_engine.document(h.doc_id)
        assert doc.text[h.start:h.end] == h.text
        assert doc.text[h.paragraph[0]:h.paragraph[1]].find(h.text) >= 0
        for s in h.highlights:
            assert 0 <= s.start < s.end <= len(h.text)
    assert "厂通路" in hits[0].text
    assert any(hits[0].text[s.start:s.end] == "厂通路" for s in hits[0].terms)
    assert hits[0].sentences and "厂通路" in hits[0].text[hits[0].sentences[0].start:hits[0].sentences[0].end]


def test_several_documents_each_hit_names_its_document(tiny_engine):
    hit = tiny_engine.search("新建学校 学位", k=1)[0]
    assert hit.doc_id == "b.md" and hit.section == ("教育报告", "学校")
    assert tiny_engine.document("b.md").title == "教育报告"
    with pytest.raises(qa.QAError, match="没有文档 'nope.txt'"):
        tiny_engine.document("nope.txt")


def test_time_intent_prefers_the_matching_part(tiny_engine):
    hit = tiny_engine.search("2024年计划 交通 地铁", k=1)[0]
    assert hit.section[0].startswith("二、2024年")


@pytest.mark.parametrize("bad", ["", "   ", "\u200b\u200b", "？？！！", "🙂🙂", None, 42])
def test_bad_queries_raise_input_error(tiny_engine, bad):
    with pytest.raises(InputError):
        tiny_engine.search(bad)


@pytest.mark.parametrize("k", [0, -1, 101, 10_000, 2.5, "5", True])
def test_bad_k(tiny_engine, k):
    with pytest.raises(InputError, match=r"^k"):
        tiny_engine.search("道路", k=k)


def test_k_larger_than_corpus_returns_all(tiny_engine):
    assert len(tiny_engine.search("道路", k=100)) == len(tiny_engine.data.chunks)


def test_huge_html_and_control_queries(tiny_engine):
    q = qa.prepare_query("道路" * 10_000)
    assert q.truncated and len(q.text) == 500 and "20000" in q.notice
    assert tiny_engine.search("道路" * 10_000, k=3)
    assert tiny_engine.search("<script>alert('厂通路')</script>", k=1)[0].text
    assert qa.prepare_query("厂\u200b通\x00路\t\n大桥").text == "厂通路 大桥"
    assert tiny_engine.search("ＧＤＰ　厂通路", k=1)


def test_concurrent_searches_agree(tiny_engine):
    from concurrent.futures import ThreadPoolExecutor
    queries = ["厂通路", "学校", "医院", "地铁"] * 8
    expected = {q: [h.start for h in tiny_engine.search(q)] for q in set(queries)}
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda q: (q, [h.start for h in tiny_engine.search(q)]), queries))
    assert all(expected[q] == r for q, r in results)


def test_history_given_as_one_string_is_one_earlier_question(tiny_engine):
    as_list = tiny_engine.analyse("那2023年呢？", history=["2024年交通有哪些计划？"])
    as_str = tiny_engine.analyse("那2023年呢？", history="2024年交通有哪些计划？")
    assert as_str == as_list
    assert "交通" in as_str.text  # the follow-up leans on the earlier question, not on its characters
