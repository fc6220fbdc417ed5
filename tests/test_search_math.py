import numpy as np
import pytest

from qa.search import SearchParams, dense_scores, minmax, rank, rrf


def test_rrf_exact_values():
    a = np.array([3.0, 2.0, 1.0])
    b = np.array([1.0, 2.0, 3.0])
    fused = rrf(a, b, k=60)
    assert fused == pytest.approx([1 / 61 + 1 / 63, 2 / 62, 1 / 63 + 1 / 61])
    assert rrf(a, k=0)[0] == pytest.approx(1.0)


def test_minmax_and_constant():
    assert minmax(np.array([2.0, 4.0, 3.0])).tolist() == [0.0, 1.0, 0.5]
    assert minmax(np.array([1.0, 1.0])).tolist() == [0.0, 0.0]


def test_dense_scores_mix_passage_and_best_sentence():
    passage = np.array([0.2, 0.5])
    sentences = np.array([0.9, 0.1, 0.4])
    owner = np.array([0, 0, 1])
    assert dense_scores(passage, sentences, owner, 0.5).tolist() == pytest.approx([0.55, 0.45])
    assert dense_scores(passage, sentences, owner, 0.0).tolist() == pytest.approx([0.2, 0.5])


def test_rank_fusions_and_intent_boost():
    dense = np.array([0.9, 0.5, 0.1])
    bm25 = np.array([0.0, 5.0, 1.0])
    match = np.zeros(3)
    periods = ["done", "plan", "plan"]
    p = SearchParams(use_intent=False)
    assert [r.index for r in rank(dense, bm25, match, periods, SearchParams(fusion="dense"))] == [0, 1, 2]
    assert [r.index for r in rank(dense, bm25, match, periods, SearchParams(fusion="bm25"))] == [1, 2, 0]
    # weighted: 0.5·minmax(dense) + 0.5·minmax(bm25) = 0.5·[1, 0.5, 0] + 0.5·[0, 1, 0.2]
    ranked = rank(dense, bm25, match, periods, p, k=3)
    assert [r.index for r in ranked] == [1, 0, 2]
    assert [r.score for r in ranked] == pytest.approx([0.75, 0.5, 0.1])
    assert (ranked[0].dense, ranked[0].bm25) == (0.5, 5.0)
    # RRF: passage 0 shares no term with the query, so BM25 adds nothing to it
    rrf_ranked = rank(dense, bm25, match, periods, SearchParams(fusion="rrf", use_intent=False), k=3)
    assert [r.index for r in rrf_ranked] == [1, 2, 0]
    assert rrf_ranked[0].score == pytest.approx(1 / 62 + 1 / 61)
    boosted = rank(dense, bm25, match, periods, SearchParams(intent_boost=0.5), intent="plan")
    assert boosted[0].index == 1
    with pytest.raises(ValueError):
        SearchParams(fusion="magic")


def test_highlight_terms_and_sentences():
    from qa.highlight import highlight, shared_terms
    text = "实现厂通路及跨潮白河大桥通车。开工建设石小路。"
    assert shared_terms("厂通路什么时候通车", text, ["通路", "通车"]) == ["厂通路", "通车"]
    spans = highlight(text, [(0, 15), (15, 23)], [0.9, 0.1], ["厂通路", "通路", "通车"])
    assert [(s.kind, text[s.start:s.end]) for s in spans] == [
        ("sentence", "实现厂通路及跨潮白河大桥通车。"), ("term", "厂通路"), ("term", "通车")]
