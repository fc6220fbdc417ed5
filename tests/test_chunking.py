from hypothesis import given, settings, strategies as st

from qa.chunking import SplitterSettings, chunk_document, split_paragraph
from qa.corpus import load_corpus
from qa.structure import parse
from qa.types import Document

from fixtures import CORPUS

alphabet = st.sampled_from(list("通州副中心建设道路项目完成推进。，；！？、 12345abc"))


@given(st.text(alphabet=alphabet, min_size=0, max_size=900))
@settings(max_examples=200, deadline=None)
def test_split_paragraph_covers_text_without_gaps(text):
    ranges = split_paragraph(text, SplitterSettings(chunk_size=120))
    if not text:
        return
    assert ranges[0][0] == 0 and ranges[-1][1] == len(text)
    for (a, b), (c, _d) in zip(ranges, ranges[1:]):
        assert b == c and a < b


def test_real_report_offsets_round_trip_and_sizes():
    docs, _ = load_corpus(CORPUS)
    doc = docs[0]
    chunks = chunk_document(doc)
    paragraphs = {(p.start, p.end) for p in parse(doc.text) if not p.heading}
    assert len(chunks) > 100
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        assert c.paragraph in paragraphs  # never crosses a paragraph, hence a section
        assert c.paragraph[0] <= c.start < c.end <= c.paragraph[1]
        assert len(c.text) <= 2 * SplitterSettings().chunk_size
    sizes = sorted(len(c.text) for c in chunks)
    assert 60 <= sizes[len(sizes) // 2] <= 160
    # every body paragraph is covered completely
    covered = sum(c.end - c.start for c in chunks)
    assert covered == sum(e - s for s, e in paragraphs)


def test_example_chunk_has_section_path():
    docs, _ = load_corpus(CORPUS)
    chunk = next(c for c in chunk_document(docs[0]) if "厂通路及跨潮白河大桥通车" in c.text)
    assert chunk.section[0].startswith("三、") and chunk.section[1].startswith("（四）立足多维多域")
    assert chunk.section[-1] == "持续深化与北三县一体化发展"
    assert "持续深化与北三县一体化发展" in chunk.context


def test_context_can_be_switched_off():
    doc = Document("d", "t", "一、总则\n" + "内容很多，" * 50 + "。")
    assert all(c.context == "" for c in chunk_document(doc, SplitterSettings(context=False)))
    assert all(c.context == "一、总则" for c in chunk_document(doc))
