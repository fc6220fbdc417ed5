"""qa.render: evidence cards as HTML and results as JSON, on hand-made hits (no engine)."""
from __future__ import annotations

import json
import re

from qa import render
from qa.types import Answer, Citation, Document, Hit, Span

TEXT = "总体要求。加快建设交通“一张网”，实现厂通路及跨潮白河大桥通车，大力推进地铁22号线建设。其他内容。"
DOC = Document("plan", "通州区2024年计划报告", TEXT)
P_START = TEXT.index("加快")
P_END = TEXT.index("其他")
PASSAGE = TEXT[P_START:P_END]
SENT = PASSAGE.index("实现")  # "实现厂通路…通车，" inside the passage


def make_hit(**kw) -> Hit:
    fields = dict(
        text=PASSAGE,
        score=0.8,
        doc_id="plan",
        section=("二、2024年工作", "（三）协同发展"),
        start=P_START,
        end=P_END,
        highlights=(
            Span(SENT, PASSAGE.index("，大力"), "sentence"),
            Span(PASSAGE.index("交通"), PASSAGE.index("交通") + 2, "term"),
            Span(PASSAGE.index("厂通路"), PASSAGE.index("厂通路") + 3, "term"),
        ),
        paragraph=(0, len(TEXT)),
    )
    fields.update(kw)
    return Hit(**fields)


def lookup(doc_id):
    return DOC if doc_id == "plan" else None


def strip_tags(s: str) -> str:
    return re.sub(r"<[^>]+>", "", s)


# ---------------------------------------------------------------- highlight_html


def test_highlight_marks_sentence_and_nests_terms():
    out = render.highlight_html("abcdefgh", [Span(2, 6, "sentence"), Span(4, 8, "term")])
    assert out == 'ab<mark>cd<strong class="qa-term">ef</strong></mark><strong class="qa-term">gh</strong>'


def test_highlight_merges_overlaps_and_clamps():
    out = render.highlight_html("abcdef", [Span(1, 3), Span(2, 4), Span(-5, 0), Span(5, 99)])
    assert out == "a<mark>bcd</mark>e<mark>f</mark>"


def test_highlight_no_spans_is_just_escaped():
    assert render.highlight_html("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_highlight_escapes_inside_marks():
    out = render.highlight_html("x<script>y", [Span(1, 9, "sentence")])
    assert out == "x<mark>&lt;script&gt;</mark>y"
    assert "<script" not in out


def test_highlight_keeps_text():
    spans = make_hit().highlights
    assert strip_tags(render.highlight_html(PASSAGE, spans)) == PASSAGE


# ---------------------------------------------------------------- cards and panel


def test_cards_follow_citation_numbers():
    hit1, hit2 = make_hit(), make_hit(score=0.4, start=0, end=5, text=TEXT[:5], highlights=(), paragraph=(0, 0))
    answer = Answer("q", "厂通路通车 [2]。其他 [1]", (
        Citation(2, "plan", hit1.section, hit1.start, hit1.end, hit1.text),
        Citation(1, "plan", (), 0, 5, TEXT[:5]),
    ), (hit1, hit2))
    cards = render.cards_for_answer(answer, lookup)
    assert [c.n for c in cards] == [2, 1]
    assert cards[0].text == PASSAGE and cards[0].title == DOC.title
    assert cards[0].relevance == 1.0 and cards[1].relevance == 0.5
    assert cards[0].paragraph == TEXT
    assert cards[1].paragraph == ""  # unknown paragraph: no expander


def test_citation_narrower_than_hit_marks_the_cited_range():
    hit = make_hit(highlights=(Span(0, 2, "term"),))
    c0 = P_START + SENT
    answer = Answer("q", "x [1]", (Citation(1, "plan", hit.section, c0, c0 + 5, TEXT[c0:c0 + 5]),), (hit,))
    (card,) = render.cards_for_answer(answer, lookup)
    html = render.render_evidence([card])
    assert re.findall(r"<mark>(.*?)</mark>", html)[0] == TEXT[c0:c0 + 5]


def test_citation_without_hit_still_renders():
    answer = Answer("q", "x [1]", (Citation(1, "gone", ("一、",), 3, 9, "引用<文本>"),), ())
    (card,) = render.cards_for_answer(answer, lookup)
    assert card.title == "gone" and card.score is None
    html = render.render_evidence([card])
    assert "<mark>引用&lt;文本&gt;</mark>" in html


def test_no_citations_falls_back_to_hits():
    answer = Answer("q", "没有找到", (), (make_hit(), make_hit(score=0.2)), covered=False)
    assert [c.n for c in render.cards_for_answer(answer, lookup)] == [1, 2]


def test_panel_card_contents():
    (card,) = render.cards_for_hits([make_hit()], lookup)
    html = render.render_evidence([card])
    assert 'id="qa-cite-1"' in html and '<span class="qa-n"' in html
    assert "通州区2024年计划报告" in html
    assert "二、2024年工作 › （三）协同发展" in html
    assert "width:100%" in html and "0.800" in html
    marks = re.findall(r"<mark>(.*?)</mark>", html)
    assert any("厂通路" in strip_tags(m) for m in marks)
    assert '<strong class="qa-term">厂通路</strong>' in html
    details = re.search(r"<details.*?</details>", html).group()
    assert strip_tags(details).endswith(TEXT)  # the whole paragraph, after the summary
    assert "<mark>" in details  # the answering sentence is marked in the paragraph too


def test_panel_not_covered_says_closest_matches():
    (card,) = render.cards_for_hits([make_hit()], lookup)
    assert "closest matches" in render.render_evidence([card], covered=False)
    assert "closest matches" not in render.render_evidence([card], covered=True)


def test_panel_message_is_escaped():
    html = render.render_evidence([], message="<b>x</b>")
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>" not in html


def test_panel_escapes_every_corpus_string():
    evil = "<img src=x onerror=alert(1)>"
    hit = make_hit(text=evil, highlights=(Span(0, 4, "sentence"),), section=(evil,), doc_id=evil, paragraph=(0, 0))
    html = render.render_evidence(render.cards_for_hits([hit], lambda _id: Document(_id, evil, evil)))
    assert "<img" not in html
    assert html.count("&lt;img") == 5  # data-doc, title, section (title attribute and text), passage


def test_missing_document_lookup_error_is_tolerated():
    def boom(_):
        raise KeyError("no such document")

    (card,) = render.cards_for_hits([make_hit()], boom)
    assert card.title == "plan" and card.paragraph == ""


# ---------------------------------------------------------------- chat text


def test_chat_escape():
    assert render.chat_escape("<script>alert(1)</script> & >") == "&lt;script>alert(1)&lt;/script> &amp; >"


def test_stream_pieces_grow_to_text_and_keep_markers_whole():
    text = "厂通路通车[12]，" * 30
    pieces = render.stream_pieces(text, max_pieces=40)
    assert pieces[-1] == text and len(pieces) <= 41
    assert all(b.startswith(a) for a, b in zip(pieces, pieces[1:]))
    for p in pieces:
        assert not re.search(r"\[\d*$", p), p  # never ends inside "[12]"
    assert render.stream_pieces("") == [""]


# ---------------------------------------------------------------- JSON


def test_hit_and_answer_json_are_plain():
    hit = make_hit(scores={"bm25": 1.5, "dense": 0.7})
    answer = Answer("q", "x [1]", (Citation(1, "plan", hit.section, hit.start, hit.end, hit.text),), (hit,))
    data = render.answer_json(answer)
    assert json.loads(json.dumps(data)) == data
    assert data["text"] == "x [1]" and data["covered"] is True
    assert data["citations"][0]["n"] == 1
    h = data["hits"][0]
    assert set(h) >= {"text", "score", "doc_id", "section", "start", "end", "highlights"}
    assert h["section"] == list(hit.section)
    end = PASSAGE.index("，大力")
    assert h["highlights"][0] == {"start": SENT, "end": end, "kind": "sentence", "text": PASSAGE[SENT:end]}
    assert TEXT[h["start"]:h["end"]] == h["text"]


def test_hit_json_converts_numpy_like_scores():
    class F32(float):
        pass

    h = render.hit_json(make_hit(score=F32(0.5), scores={"x": F32(1.0), "y": "n/a"}))
    assert type(h["score"]) is float and type(h["scores"]["x"]) is float and h["scores"]["y"] == "n/a"


def test_answer_markdown_bolds_cjk_figures_and_escapes():
    assert render.answer_markdown("增长**5%**左右 [1]") == '增长<strong>5%</strong>左右 <span class="qa-ref">[1]</span>'
    assert render.answer_markdown("**<b>x</b>**") == "<strong>&lt;b>x&lt;/b></strong>"
    assert render.answer_markdown("a ** b") == "a ** b"
