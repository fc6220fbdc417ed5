"""The engine analyses a question once and retrieval publishes it (tiny corpus, fake embedder)."""
from dataclasses import replace

import pytest

from qa.errors import InputError
from qa.query import DENSE


def test_retrieve_publishes_the_analysed_question_and_search_is_its_hits(tiny_engine):
    r = tiny_engine.retrieve("2024年交通有哪些项目？", 3)
    assert r.query.asked == "2024年交通有哪些项目？" and r.query.answer_type == "list"
    assert [(p.year, p.phase) for p in r.query.periods] == [(2024, "plan")]
    assert r.query.route == DENSE and "交通" in r.query.tokens
    assert [h.start for h in tiny_engine.search("2024年交通有哪些项目？", 3)] == [h.start for h in r.hits]


def test_years_come_from_the_documents(tiny_engine):
    assert (tiny_engine.years.report_year, tiny_engine.years.plan_year) == (2023, 2024)
    assert tiny_engine.analyse("去年道路多长？").periods[0].year == 2023
    assert tiny_engine.analyse("2030年道路多长？").missing == ("2030年",)


def test_documents_filter_and_unknown_ids(tiny_engine):
    hits = tiny_engine.search("学校和交通", 5, documents=["b.md"])
    assert hits and {h.doc_id for h in hits} == {"b.md"}
    with pytest.raises(InputError):
        tiny_engine.search("学校", 3, documents=["nope.txt"])


def test_a_follow_up_is_asked_as_understood(tiny_engine):
    answer = tiny_engine.ask("那2023年呢？", history=["2024年交通有哪些项目？"])
    assert answer.understood == "2023年交通有哪些项目？"
    assert answer.text.startswith("理解为：2023年交通有哪些项目？")
    alone = tiny_engine.ask("2024年交通有哪些项目？", history=["新建学校几所？"])  # not elliptical
    assert alone.understood == ""


def test_english_route_follows_the_encoder_present(tiny_engine):
    assert tiny_engine.cross is None
    assert tiny_engine.analyse("Which roads opened?").route == DENSE  # no encoder: no cross route


def test_embedding_neighbours_for_a_word_the_corpus_lacks(tiny_engine):
    near = tiny_engine.neighbours("交通路", k=3, min_sim=-1.0)
    assert len(near) == 3 and all(w in tiny_engine.bm25.idf for w in near)
    params = replace(tiny_engine.params, use_neighbours=True)
    q = tiny_engine.analyse("堵路怎么办", params=params)
    assert set(q.expansions) >= set(tiny_engine.neighbours("堵路")) or not tiny_engine.neighbours("堵路")
