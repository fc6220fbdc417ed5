import math

import numpy as np
import pytest

from qa.lexical import BM25, Tokenizer, mine_terms, normalize


@pytest.fixture(scope="module")
def tok():
    return Tokenizer(["千里潞道"])


def test_tokenizer_drops_stopwords_and_punctuation(tok):
    words = tok.words("北三县交通有哪些项目？")
    assert "北三县" in words and "交通" in words and "项目" in words
    assert "有" not in words and "？" not in words and "哪些" not in words


def test_user_words_are_kept_whole(tok):
    assert "千里潞道" in tok.words("打造“千里潞道”特色品牌")


def test_normalize_full_width():
    assert normalize("ＧＤＰ１２３") == "gdp123"


def test_mine_terms_takes_quoted_names():
    terms = mine_terms(["打造“绿色自贸”“创意自贸”两大品牌，“二十年之问”，“这是一句很长很长很长的话”"])
    assert {"绿色自贸", "创意自贸", "二十年之问"} <= set(terms)
    assert not any("很长" in t for t in terms)


def test_bm25_on_three_documents():
    docs = [["通州", "道路"], ["道路", "桥梁", "桥梁"], ["学校"]]
    bm = BM25(docs)
    s = bm.scores(["桥梁"])
    assert s[1] > 0 and s[0] == 0 and s[2] == 0
    # idf = ln(1 + (N - n + .5)/(n + .5)) with N=3
    assert bm.idf["桥梁"] == pytest.approx(math.log(1 + 2.5 / 1.5))
    assert bm.idf["道路"] == pytest.approx(math.log(1 + 1.5 / 2.5))
    assert bm.scores(["不存在"]).tolist() == [0, 0, 0]
    m = bm.match(["道路", "桥梁"])
    w_road, w_bridge = bm.idf["道路"], bm.idf["桥梁"]
    assert m == pytest.approx(np.array([w_road, w_road + w_bridge, 0]) / (w_road + w_bridge))


def test_abbreviation_phrases():
    from qa.lexical import abbreviation_phrases
    texts = ["创建“基本无违法建设区”，加快征地拆迁，违法建设治理。", "违规建造"]
    assert abbreviation_phrases("违建", texts) == ["违法建设", "违规建造"]
    assert abbreviation_phrases("征拆", texts) == ["征地拆迁"]
    assert abbreviation_phrases("房价", texts) == []
    assert abbreviation_phrases("违建区", texts) == [] and abbreviation_phrases("ab", texts) == []


def test_engine_expands_unknown_abbreviations(tiny_corpus, tmp_path, fake_embedder):
    import qa
    (tiny_corpus / "c.txt").write_text("城管报告\n全面推进违法建设治理，创建基本无违法建设区。", encoding="utf-8")
    eng = qa.open(tiny_corpus, tmp_path / "index", embedder=fake_embedder, progress=False)
    tokens = eng.query_tokens("违建治理进展")
    assert "违法" in tokens and "违建" in tokens
    assert "违法" not in eng.query_tokens("违建治理进展", expand=False)
    assert "违法" not in eng.query_tokens("还要做什么")  # everyday words are not abbreviations
    assert eng.search("违建", k=1)[0].doc_id == "c.txt"


def test_tokenizers_copy_the_general_dictionary_and_keep_their_own_words():
    """Per-document tokenizers start from one copy of jieba's dictionary: they cut exactly as a
    freshly loaded jieba tokenizer with the same words, and one's words never leak into another."""
    import jieba

    from qa.lexical import Tokenizer

    text = "推进“千里潞道”建设，打造“绿色自贸”样板，千里潞道全线贯通。"
    ref = jieba.Tokenizer()
    ref.initialize()
    ref.add_word("千里潞道", freq=20000)
    mine, other = Tokenizer(("千里潞道",)), Tokenizer(("绿色自贸",))
    assert mine._jieba.lcut_for_search(text) == ref.lcut_for_search(text)
    assert mine._jieba.total == ref.total
    assert "千里潞道" in mine.cut(text) and "千里潞道" not in other.cut(text)
    assert "绿色自贸" in other.cut(text) and "绿色自贸" not in mine.cut(text)
    import jieba.posseg  # the shared part-of-speech table tags as jieba's own POSTokenizer does

    place = "推进河北省三河市、大厂回族自治县与通州区的千里潞道互联互通。"
    assert mine.tag(place) == [(w, f) for w, f in jieba.posseg.POSTokenizer(ref).lcut(place)]
    other.tag(place)
    assert other._pos.word_tag_tab is mine._pos.word_tag_tab


def test_the_vocabulary_is_in_corpus_order_whatever_the_hash_seed():
    """BM25's vocabulary (idf) is read in corpus order, not a set's: a set's order changes with
    PYTHONHASHSEED from one process to the next, and the vocabulary's order breaks ties (pinyin
    corrections, embedding neighbours)."""
    docs = [["交通", "道路", "交通", "地铁", "公交"], ["学校", "道路", "医院", "学位"], ["公园", "绿道", "河道"]]
    assert list(BM25(docs).idf) == ["交通", "道路", "地铁", "公交", "学校", "医院", "学位", "公园", "绿道", "河道"]


@pytest.mark.slow  # starts processes
def test_the_vocabulary_order_is_the_same_in_processes_with_other_hash_seeds():
    import os
    import subprocess
    import sys

    code = ("from qa.lexical import BM25; docs = [[chr(0x4e00 + (i * 7919 + j) % 500) * 2 "
            "for j in range(40)] for i in range(30)]; print(list(BM25(docs).idf))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env=dict(os.environ, PYTHONHASHSEED=seed)).stdout for seed in ("1", "2", "3")}
    assert len(outs) == 1


def test_pinyin_table_is_what_a_corrector_looks_up(monkeypatch):
    import pypinyin

    import qa.lexicon
    from qa.lexicon import PinyinCorrector, pinyin_table, remember_pinyin

    monkeypatch.setattr(qa.lexicon, "_PINYIN", {})
    table = pinyin_table(["改造", "改造工程", "GDP", "改造", "安贞"])
    assert table == {"改造": ("gai", "zao"), "安贞": ("an", "zhen")}
    qa.lexicon._PINYIN.clear()
    remember_pinyin(table)  # a table made elsewhere (the indexing child) serves here
    computed, lazy = [], pypinyin.lazy_pinyin
    monkeypatch.setattr(pypinyin, "lazy_pinyin", lambda text: computed.append(text) or lazy(text))
    corrector = PinyinCorrector(["改造", "安贞"], "老旧小区改造，安贞街道", cut=lambda t: [t]).prepare()
    assert corrector.correct("该造") == ("改造", (("该造", "改造"),))
    assert computed == ["该造"]  # only the typed word's pinyin was made here


def test_a_tokenizer_reads_jieba_s_dictionary_through_without_changing_it():
    """Each document's tokenizer adds its words on top of jieba's dictionary without a copy of it
    (a library keeps one per report): it cuts as a tokenizer over a full copy does, and the
    shared dictionary gains none of its words."""
    import jieba

    from qa.lexical import Tokenizer, _jieba_dictionary

    text = ("组建广西数据集团，仅用90天建成“南A中心”并投入使用，引进一批北上广头部企业。"
            "“先诊疗后付费”模式全面推广，“免陪照护服务”试点扩大至145家医院。")
    words = ("南A中心", "免陪照护服务", "先诊疗后付费")
    freq, total = _jieba_dictionary()
    size = len(freq)
    ours = Tokenizer(words)
    copy = jieba.Tokenizer()
    copy.FREQ, copy.total, copy.initialized = dict(freq), total, True
    for w in words:
        copy.add_word(w, freq=20000)
    assert ours.cut(text) == copy.lcut(text) and "免陪照护服务" in ours.cut(text)
    assert ours._jieba.lcut_for_search(text) == copy.lcut_for_search(text)
    assert ours.is_word("免陪照护服务") and ours.is_word("医院") and not ours.is_word("南A")
    assert len(freq) == size and "免陪照护服务" not in freq  # the shared dictionary is as it was
    assert not Tokenizer(()).is_word("免陪照护服务")


def test_bm25_scores_of_recent_queries_are_kept_read_only():
    docs = [["交通", "地铁"], ["教育", "学校", "学校"], ["地铁", "学校"]]
    bm = BM25(docs)
    first = bm.scores(["学校", "未知"])
    assert bm.scores(["学校"]) is first  # unknown tokens left out: the same query
    assert not first.flags.writeable
    with pytest.raises(ValueError):
        first[0] = 1.0
    fresh = BM25(docs).scores(["学校"])
    assert np.array_equal(first, fresh) and not np.array_equal(first, bm.scores(["地铁"]))
    for i in range(BM25.RECENT):  # older queries make way
        bm.scores(["交通"] * (i + 1))
    again = bm.scores(["学校"])
    assert again is not first and np.array_equal(again, first)
    assert np.array_equal(bm.scores_at(["学校"], [2, 1]), first[[2, 1]])
