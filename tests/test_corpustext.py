"""CorpusText answers `in` and `count` for short strings as the joined text does, without a scan."""
from __future__ import annotations

import random

import pytest
from fixtures import ROOT

from qa.corpustext import CorpusText, bigram_counts


@pytest.fixture(scope="module")
def report() -> str:
    return next((ROOT / "corpus").glob("*.txt")).read_text(encoding="utf-8")


def test_membership_and_counts_match_the_text(report):
    texts = [report[:6000], report[6000:12000], report[12000:]]
    corpus, joined = CorpusText(texts), "\n".join(texts)
    rng = random.Random(0)
    present = [report[i:i + n] for n in (1, 2, 3, 4, 6) for i in rng.sample(range(len(report) - 6), 200)]
    chars = sorted(set(report))
    absent = ["".join(rng.choice(chars) for _ in range(n)) for n in (2, 3, 4) for _ in range(300)]
    absent += ["大兴区", "朝阳区", "该造", "gdp", "Typhoon", "2099年"]
    for s in present + absent:
        assert (s in corpus) == (s in joined), s
        if len(s) == 2 and s[0] != s[1] and "\n" not in s:
            assert corpus.count(s) == joined.count(s), s
    assert sum(s in corpus for s in absent) < len(absent)  # the absent list is mostly absent
    assert len(corpus) == len(joined)
    pairs = [s for s in present + absent if len(s) == 2]
    assert corpus.pair_counts(pairs).tolist() == [corpus.count(s) for s in pairs]  # all at once, the same
    assert sum(corpus.pair_counts(pairs)) > 0 and 0 in corpus.pair_counts(pairs)


def test_bigrams_counted_in_blocks_merge_exactly(monkeypatch, report):
    import qa.corpustext as ct

    texts = [report[i:i + 700] for i in range(0, len(report), 700)]
    whole = bigram_counts(texts)
    monkeypatch.setattr(ct, "_BLOCK", 1000)  # many blocks, merged at the end
    keys, counts = bigram_counts(texts)
    assert (keys == whole[0]).all() and (counts == whole[1]).all()
    assert counts.sum() == sum(len(t) - 1 for t in texts)  # no bigram spans two texts
    empty = CorpusText([])
    assert "交通" not in empty and empty.count("交通") == 0 and "" in empty
