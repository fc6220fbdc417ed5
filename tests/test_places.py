"""Places (issue 18): the gazetteer, each document's region, the places a question names, routing
over a small library of reports (fake embedder) and answers that name their report."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import qa
from qa.lexical import STOPWORDS, Tokenizer
from qa.places import (CITY, COUNTY, PROVINCE, gazetteer, mentions, places_in, region_of, region_words,
                       route)

ROOT = Path(__file__).resolve().parent.parent
# shared/ lies beside the checkout (a worktree sits one folder deeper)
GOV = next((p / "shared" / "corpora" / "gov2026" for p in (ROOT.parent, ROOT.parent.parent)
            if (p / "shared" / "corpora" / "gov2026").is_dir()), ROOT.parent / "shared" / "corpora" / "gov2026")


@pytest.fixture(scope="module")
def cut():
    return Tokenizer().cut


# ---------------------------------------------------------------- the gazetteer


def test_regions_have_codes_levels_parents_and_short_names():
    g = gazetteer()
    tongzhou = g.get("110112")
    assert (tongzhou.name, tongzhou.level, tongzhou.label) == ("通州区", COUNTY, "北京市 › 通州区")
    assert [p.code for p in tongzhou.parents] == ["110000"]  # a municipality: no city level between
    shijiazhuang = g.get("130100")
    assert (shijiazhuang.level, shijiazhuang.label) == (CITY, "河北省 › 石家庄市")
    assert g.get("130000").short == ("河北", "冀") and g.get("130000").level == PROVINCE
    assert "内蒙古" in g.get("150000").short and "新疆" in g.get("650000").short
    assert g.get("422800").short == ("恩施",)  # 恩施土家族苗族自治州: suffix and designations dropped
    assert tongzhou.within(g.get("110000")) and not g.get("110000").within(tongzhou)
    assert region_words(tongzhou) == {"通州区", "通州"}


def test_the_region_of_a_document_is_read_from_its_title_then_its_opening():
    assert region_of("关于北京市通州区2023年国民经济和社会发展计划执行情况的报告").label == "北京市 › 通州区"
    assert region_of("2026年河北省政府工作报告").code == "130000"
    # no place in the title: the people's congress it is addressed to
    text = "2026年政府工作报告\n首页\n——2026年1月27日在云南省第十四届人民代表大会第四次会议上\n各位代表：……"
    assert region_of("2026年政府工作报告", text).name == "云南省"
    # an ambiguous name is read against the opening (Nantong also has a 通州区)
    opening = "江苏省南通市通州区人民政府\n各位代表：通州区……"
    assert region_of("通州区2024年政府工作报告", opening).label == "江苏省 › 南通市 › 通州区"
    assert region_of("花卉产业发展情况报告", "本区花卉种植面积达到三千亩。") is None


def test_every_shared_report_gets_the_province_its_file_is_named_after():
    """The 20 real reports: the region read from the text is the one the file name says (the file
    name itself is never read)."""
    from qa.corpus import load_corpus

    if not GOV.is_dir():
        pytest.skip("no shared corpus")
    docs, _ = load_corpus(GOV)
    assert len(docs) == 20
    assert all(d.region is not None and d.region.name == Path(d.id).stem for d in docs), \
        [(d.id, d.region and d.region.name) for d in docs]


def test_places_a_question_names(cut):
    g = gazetteer()
    names = lambda q, lib=(): [r.name for r in places_in(q, lib, cut=cut)]  # noqa: E731
    assert names("广东和浙江的GDP增长目标分别是多少") == ["广东省", "浙江省"]
    assert names("粤和浙的GDP增长目标") == ["广东省", "浙江省"]  # one-character short names, alone
    assert names("冀的粮食产量是多少") == ["河北省"] and names("闽去年GDP是多少") == ["福建省"]
    assert names("川渝地区") == [] and names("沪苏浙皖") == []  # a run of 简称: a region of several, a topic
    assert names("内蒙古今年的目标") == ["内蒙古自治区"] and names("新疆和西藏") == ["新疆维吾尔自治区", "西藏自治区"]
    assert [r.label for r in places_in("石家庄有哪些项目", cut=cut)] == ["河北省 › 石家庄市"]
    # words that only contain a name are not places
    assert names("大理石产业") == [] and names("鲁能集团") == [] and names("京津冀协同发展") == []
    assert names("新城区建设") == [] and names("坚持和平发展") == []
    # a county's short name counts for a region of the library (朝阳 alone is a word)
    assert names("通州城区道路") == [] and names("通州城区道路", [g.get("110112")]) == ["通州区"]
    # an ambiguous name: the library's region wins (通州区 of Beijing, not of Nantong)
    assert places_in("通州区的项目", [g.get("110112")], cut=cut)[0].code == "110112"
    assert places_in("通州区的项目", [g.get("320600")], cut=cut)[0].code == "320612"
    assert [m.text for m in mentions("河北石家庄的项目", cut=cut)] == ["河北", "石家庄"]


def test_route_own_then_parent_and_children_then_lacked():
    g = gazetteer()
    library = {"hebei": g.get("130000"), "sjz": g.get("130100"), "tz": g.get("110112"), "x": None}
    assert route([g.get("130000")], library).scopes == (("hebei",),)  # its own report
    r = route([g.get("130102")], library)  # 长安区 of Shijiazhuang: the city's report, the nearest parent
    assert r.scopes == (("sjz",),) and r.via == ("parent",)
    r = route([g.get("110000")], library)  # Beijing: its district's report
    assert r.scopes == (("tz",),) and r.via == ("children",)
    r = route([g.get("440000"), g.get("130000")], library)
    assert [p.name for p in r.lacked] == ["广东省"] and r.documents == ("hebei",)


def test_no_region_is_a_stop_word():
    assert not {"通州", "通州区", "河北", "北京"} & STOPWORDS


# ---------------------------------------------------------------- a library of reports

REPORTS = {
    "hebei.txt": "2026年河北省政府工作报告\n——在河北省第十四届人民代表大会第四次会议上\n"
                 "一、2025年工作回顾\n全省粮食产量达到780亿斤。石家庄国际陆港建成投用，开通中欧班列线路12条。\n"
                 "二、2026年主要目标\n地区生产总值增长5%左右，城镇新增就业85万人以上。",
    "shandong.txt": "2026年山东省政府工作报告\n——在山东省第十四届人民代表大会第五次会议上\n"
                    "一、2025年工作回顾\n全省粮食产量达到1120亿斤。与河北共建黄河流域生态保护协作机制。\n"
                    "二、2026年主要目标\n地区生产总值增长5.5%左右，城镇新增就业110万人以上。",
    "tongzhou.txt": "关于北京市通州区2025年计划执行情况与2026年计划的报告\n"
                    "一、2025年计划执行情况\n通州区地区生产总值增长6.1%。城市副中心站综合交通枢纽主体完工。\n"
                    "二、2026年计划\n地区生产总值增长6%左右，城镇新增就业3万人。",
}


@pytest.fixture
def library(tmp_path, fake_embedder):
    folder = tmp_path / "library"
    folder.mkdir()
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return qa.open(folder, tmp_path / "index", embedder=fake_embedder, progress=False)


def test_documents_carry_their_region(library):
    assert {d.id: d.region.label for d in library.documents} == {
        "hebei.txt": "河北省", "shandong.txt": "山东省", "tongzhou.txt": "北京市 › 通州区"}


def test_a_document_s_own_region_words_are_no_tokens_of_it(library):
    data = library.data
    tokens = lambda doc: {t for c, toks in zip(data.chunks, data.tokens) if c.doc_id == doc for t in toks}  # noqa: E731
    assert not {"河北", "河北省"} & tokens("hebei.txt")
    assert "河北" in tokens("shandong.txt")  # Hebei in Shandong's report is a content word
    assert "石家庄" in tokens("hebei.txt") and not {"通州", "通州区"} & tokens("tongzhou.txt")


@pytest.mark.parametrize("question, doc", [
    ("河北的地区生产总值增长目标是多少？", "hebei.txt"),
    ("冀的城镇新增就业目标是多少？", "hebei.txt"),
    ("山东省粮食产量多少？", "shandong.txt"),
    ("石家庄开通了几条中欧班列线路？", "hebei.txt"),  # a city inside a province: its province's report
    ("北京的城镇新增就业目标是多少？", "tongzhou.txt"),  # a province's district report
])
def test_a_question_naming_a_place_is_answered_from_its_documents(library, question, doc):
    r = library.retrieve(question, k=5)
    assert r.hits and {h.doc_id for h in r.hits} == {doc}
    assert r.query.documents == (doc,)


def test_the_place_scopes_the_search_and_is_no_content_word(library):
    q = library.analyse("河北的地区生产总值增长目标是多少？")
    assert [p.name for p in q.places] == ["河北省"] and "河北" not in q.search_tokens
    assert "河北" not in q.content and "地区生产总值" in q.content
    # a city routed to its province's report stays a word to search for in it
    assert "石家庄" in library.analyse("石家庄开通了几条中欧班列线路？").search_tokens


def test_a_question_naming_no_place_searches_the_whole_library(library):
    q = library.analyse("城镇新增就业目标是多少？")
    assert q.places == () and q.documents == ()
    assert len({h.doc_id for h in library.search("城镇新增就业目标是多少？", k=6)}) > 1


def test_a_follow_up_keeps_the_place_of_the_question_before(library):
    r = library.retrieve("城镇新增就业目标呢？", k=3, history=["山东的地区生产总值增长目标是多少？"])
    assert [p.name for p in r.query.places] == ["山东省"] and {h.doc_id for h in r.hits} == {"shandong.txt"}
    r = library.retrieve("粮食产量多少？", k=3, history=["河北的目标是多少？", "那就业呢？"])
    assert {h.doc_id for h in r.hits} == {"hebei.txt"}
    # a follow-up naming a place of its own asks about that place instead
    r = library.retrieve("换成山东呢？", k=3, history=["河北的城镇新增就业目标是多少？"])
    assert [p.name for p in r.query.places] == ["山东省"] and {h.doc_id for h in r.hits} == {"shandong.txt"}
    assert "河北" not in r.query.search_tokens


def test_several_places_each_bring_their_passages(library):
    r = library.retrieve("河北和山东的地区生产总值增长目标分别是多少？", k=4)
    assert [p.name for p in r.query.places] == ["河北省", "山东省"]
    assert {h.doc_id for h in r.hits[:2]} == {"hebei.txt", "shandong.txt"}


def test_a_place_the_library_lacks_is_not_covered_and_says_what_it_holds(library):
    a = library.ask("广东的地区生产总值增长目标是多少？")
    assert not a.covered and "广东省" in a.text and "河北省" in a.text and "山东省" in a.text


def test_answers_over_a_library_name_their_report(library, monkeypatch):
    monkeypatch.setattr("qa.answer.abstain.MIN_SCORE", 0.0)  # the fake embedder's scores are low
    a = library.ask("河北的地区生产总值增长目标是多少？")
    assert a.covered and "5%" in a.text
    assert a.citations and all(c.label == "《2026年河北省政府工作报告》（河北省，2026年）" for c in a.citations)
    assert "来源：《2026年河北省政府工作报告》" in a.text
    assert a.to_dict()["citations"][0]["label"] == a.citations[0].label


def test_one_document_loaded_answers_name_no_report(tiny_corpus, tmp_path, fake_embedder, monkeypatch):
    monkeypatch.setattr("qa.answer.abstain.MIN_SCORE", 0.0)
    shutil.rmtree(tiny_corpus)
    tiny_corpus.mkdir()
    (tiny_corpus / "hebei.txt").write_text(REPORTS["hebei.txt"], encoding="utf-8")
    engine = qa.open(tiny_corpus, tmp_path / "one", embedder=fake_embedder, progress=False)
    a = engine.ask("河北的地区生产总值增长目标是多少？")
    assert a.covered and "来源" not in a.text and all(c.label == "" for c in a.citations)


def test_the_cli_lists_each_document_s_region(library, capsys, monkeypatch):
    from qa import cli

    monkeypatch.setattr("qa.engine.open", lambda *a, **k: library)
    assert cli.main(["docs"]) == 0
    out = capsys.readouterr().out
    assert "北京市 › 通州区" in out and "河北省" in out


def test_the_library_panel_shows_each_document_s_region(library):
    from qa.web.library import documents_html

    html = documents_html(library.documents, {})
    assert "<th scope=\"col\">地区</th>" in html and "北京市 › 通州区" in html


def test_a_question_across_reports_answers_each_place_from_its_report(library, monkeypatch):
    monkeypatch.setattr("qa.answer.abstain.MIN_SCORE", 0.0)  # the fake embedder's scores are low
    a = library.ask("河北和山东的地区生产总值增长目标分别是多少？相差多少？", k=6)
    assert a.covered
    hebei, shandong = a.text.index("**河北省**"), a.text.index("**山东省**")
    assert hebei < a.text.index("5%左右") < shandong < a.text.index("5.5%左右")
    assert "相差 **0.5个百分点**（山东省较高）" in a.text
    # each value cited to its report and sentence
    by_n = {c.n: c for c in a.citations}
    assert {by_n[1].doc_id, by_n[len(by_n)].doc_id} == {"hebei.txt", "shandong.txt"}
    assert all(c.label and a.hits[c.hit].doc_id == c.doc_id for c in a.citations)
    assert all(c.sentence != (0, 0) for c in a.citations)


def test_a_place_missing_beside_one_held_is_said_to_be_missing(library, monkeypatch):
    monkeypatch.setattr("qa.answer.abstain.MIN_SCORE", 0.0)
    a = library.ask("广东和河北的地区生产总值增长目标分别是多少？")
    assert a.covered and "5%左右" in a.text and "没有广东省的报告" in a.text


def test_which_places_lists_each_report_that_answers(library, monkeypatch):
    monkeypatch.setattr("qa.answer.abstain.MIN_SCORE", 0.0)
    r = library.retrieve("哪些省份提出了粮食产量？", k=5)
    assert r.query.asks_place and len({h.doc_id for h in r.hits}) == len(r.hits)  # one passage per report
    a = library.ask("哪些省份提出了粮食产量？")
    assert a.covered and "**河北省**" in a.text and "**山东省**" in a.text
    assert "780亿斤" in a.text and "1120亿斤" in a.text and "通州区" not in a.text  # Tongzhou says nothing of grain
    assert not library.analyse("河北有哪些城市？").asks_place  # a place named: answered from its report


def test_which_places_lists_the_reports_whose_figure_meets_the_condition(library, monkeypatch):
    monkeypatch.setattr("qa.answer.abstain.MIN_SCORE", 0.0)
    a = library.ask("哪些省份今年地区生产总值增长目标定在5%左右？")
    assert a.query.criterion.kind == "equal" and a.covered
    assert "**河北省**" in a.text and "**山东省**" not in a.text  # 5.5%左右 is not 5%左右
    a = library.ask("哪些地方今年地区生产总值增长目标高于5%？")
    assert "**山东省**" in a.text and "**通州区**" in a.text and "**河北省**" not in a.text
    assert "5.5%左右" in a.text and "6%左右" in a.text
    # the passages cited come first in the hits, each citation pointing at its own
    cited = {c.doc_id for c in a.citations}
    assert {h.doc_id for h in a.hits[:len(cited)]} == cited == {"shandong.txt", "tongzhou.txt"}
    assert all(a.hits[c.hit].doc_id == c.doc_id and a.hits[c.hit].start == c.start for c in a.citations)


def test_which_places_without_a_condition_lists_only_the_reports_that_say_it(library, monkeypatch):
    monkeypatch.setattr("qa.answer.abstain.MIN_SCORE", 0.0)
    a = library.ask("哪些地方提到了综合交通枢纽？")
    assert a.covered and "**通州区**" in a.text, a.text
    assert "**河北省**" not in a.text and "**山东省**" not in a.text  # they share only common words with it
    a = library.ask("哪些地方提到了中欧班列？")
    assert "**河北省**" in a.text and "**通州区**" not in a.text and "**山东省**" not in a.text


def test_each_place_compared_is_searched_with_its_own_quota(library, monkeypatch):
    monkeypatch.setattr("qa.answer.abstain.MIN_SCORE", 0.0)
    r = library._retrieve("河北和山东的城镇新增就业目标分别是多少？", 2, every_place=True)
    assert [h.doc_id for h in r.hits] == ["hebei.txt", "shandong.txt"] * 2  # 2 each, not 2 in all
    a = library.ask("河北和山东的城镇新增就业目标分别是多少？", k=2)
    assert "85万人" in a.text and "110万人" in a.text
    assert len(a.hits) >= 2 and {a.hits[c.hit].doc_id for c in a.citations} == {"hebei.txt", "shandong.txt"}


def real_library(tmp_path, *names):
    """The engine (real model) over these shared reports; skips where they or the model are missing."""
    from qa.errors import ModelError

    if not GOV.is_dir():
        pytest.skip("no shared corpus")
    try:
        qa.resolve_model()
    except ModelError as err:
        pytest.skip(f"the real model is not installed ({err})")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in names:
        shutil.copy(GOV / name, corpus / name)
    return qa.open(corpus, tmp_path / "index", progress=False)


@pytest.mark.slow
def test_real_model_routes_questions_over_three_real_reports(tmp_path):
    """The real model over three shared provincial reports: a question naming a province (by
    name, short name or 简称) is answered from its report and names it; one naming a province
    the library lacks is not covered."""
    engine = real_library(tmp_path, "河北省.txt", "山东省.txt", "福建省.txt")
    for question, doc in (("河北省地区生产总值增长目标是多少？", "河北省.txt"),
                          ("闽的城镇新增就业目标是多少？", "福建省.txt"),
                          ("山东城镇新增就业目标是多少？", "山东省.txt")):
        a = engine.ask(question)
        assert a.hits and {h.doc_id for h in a.hits} == {doc}, question
        assert a.citations and all(Path(doc).stem in c.label for c in a.citations), a.text
    a = engine.ask("闽的城镇新增就业目标是多少？")
    assert "来源：《2026年福建省政府工作报告》（福建省，2026年）" in a.text
    a = engine.ask("广东的地区生产总值增长目标是多少？")
    assert not a.covered and "广东省" in a.text and "现有：河北省、福建省、山东省" in a.text


@pytest.mark.slow
def test_real_model_answers_across_five_real_reports(tmp_path):
    """The real model over five shared provincial reports, as a user asks across them: two
    provinces compared (each figure cited to its report, the difference stated), and "which
    provinces" with a condition (a range; a threshold): only the reports whose figure meets it."""
    engine = real_library(tmp_path, "河北省.txt", "山东省.txt", "福建省.txt", "安徽省.txt", "山西省.txt")
    a = engine.ask("福建和山西今年地区生产总值增长目标分别是多少？")
    plain = a.text.replace("*", "")  # figures are bold, each end of a range on its own
    assert a.covered and "5%左右" in plain and "4.5%—5%" in plain, a.text
    assert {a.hits[c.hit].doc_id for c in a.citations} == {"福建省.txt", "山西省.txt"}
    assert {h.doc_id for h in a.hits[:2]} == {"福建省.txt", "山西省.txt"}
    a = engine.ask("哪些省份今年地区生产总值增长目标是一个区间？")
    listed = {c.doc_id for c in a.citations}
    assert listed == {"安徽省.txt", "山西省.txt"}, a.text  # 5%—5.5%, 4.5%—5%; the others give one figure
    a = engine.ask("哪些省份今年地区生产总值增长目标高于4.5%？")
    assert "山西省.txt" not in {c.doc_id for c in a.citations} and "**山东省**" in a.text, a.text


def test_each_report_s_scope_is_kept_once_made(library, monkeypatch):
    """A library's reports are asked about in turn: each one's scope (tokenizer, BM25 statistics)
    is made once and kept, beyond the few of several reports kept."""
    import qa.engine as engine_module

    monkeypatch.setattr(engine_module, "SCOPES", 1)
    made = {d: library.scope([d]) for d in ("hebei.txt", "shandong.txt", "tongzhou.txt")}
    library.scope(["hebei.txt", "shandong.txt"])
    library.scope(["hebei.txt", "tongzhou.txt"])  # the first pair of reports goes, no single one
    assert all(library.scope([d]) is s for d, s in made.items())
    assert library.store.lexicons.of(library.where(["hebei.txt"])) is made["hebei.txt"].lexicon
    monkeypatch.setattr(engine_module, "DOCUMENT_SCOPES", 1)
    library.scope(["shandong.txt"])
    library.scope(["shandong.txt", "tongzhou.txt"])  # a new scope: the single ones but the last go
    assert library.scope(["shandong.txt"]) is made["shandong.txt"]
    assert library.scope(["hebei.txt"]) is not made["hebei.txt"]  # beyond DOCUMENT_SCOPES: made again


def test_a_question_across_reports_is_embedded_once(library, fake_embedder):
    before = fake_embedder.calls
    a = library.ask("河北和山东的城镇新增就业目标分别是多少？", k=2)
    assert "85万人" in a.text and "110万人" in a.text
    assert fake_embedder.calls - before == 1  # one text embedded, both reports searched with it
    library.ask("河北的粮食产量是多少？")
    assert fake_embedder.calls - before == 2
