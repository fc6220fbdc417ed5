"""qa.web: evidence cards, chat messages, safe markdown, the reader, the HTTP guard, and the
types' JSON, on hand-made values (no engine, no browser)."""
from __future__ import annotations

import asyncio
import json
import re


from qa.types import Answer, Citation, Document, Hit, Span
from qa.web import cards as webcards
from qa.web import chat, reader
from qa.web.guard import RequestGuard, UploadPolicy, same_origin
from qa.web.library import documents_html
from qa.web.markdown import markdown_html

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
        scores={"dense": 0.75, "bm25": 3.2, "match": 0.6},
    )
    fields.update(kw)
    return Hit(**fields)


def lookup(doc_id):
    return DOC if doc_id == "plan" else None


def strip_tags(s: str) -> str:
    return re.sub(r"<[^>]+>", "", s)


# ---------------------------------------------------------------- highlight_html


def test_highlight_marks_sentence_and_nests_terms():
    out = webcards.highlight_html("abcdefgh", [Span(2, 6, "sentence"), Span(4, 8, "term")])
    assert out == 'ab<mark>cd<strong class="qa-term">ef</strong></mark><strong class="qa-term">gh</strong>'


def test_highlight_merges_overlaps_and_clamps():
    out = webcards.highlight_html("abcdef", [Span(1, 3), Span(2, 4), Span(-5, 0), Span(5, 99)])
    assert out == "a<mark>bcd</mark>e<mark>f</mark>"


def test_highlight_no_spans_is_just_escaped():
    assert webcards.highlight_html("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_highlight_escapes_inside_marks():
    out = webcards.highlight_html("x<script>y", [Span(1, 9, "sentence")])
    assert out == "x<mark>&lt;script&gt;</mark>y"
    assert "<script" not in out


def test_highlight_keeps_text():
    spans = make_hit().highlights
    assert strip_tags(webcards.highlight_html(PASSAGE, spans)) == PASSAGE


# ---------------------------------------------------------------- cards and panel


def test_cards_follow_citation_numbers():
    hit1, hit2 = make_hit(), make_hit(score=0.4, start=0, end=5, text=TEXT[:5], highlights=(), paragraph=(0, 0),
                                      scores={"dense": 0.7, "match": 0.25})
    answer = Answer("q", "厂通路通车 [2]。其他 [1]", (
        Citation(2, "plan", hit1.section, hit1.start, hit1.end, hit1.text),
        Citation(1, "plan", (), 0, 5, TEXT[:5]),
    ), (hit1, hit2))
    cards = webcards.cards_for_answer(answer, lookup)
    assert [c.n for c in cards] == [2, 1]
    assert cards[0].text == PASSAGE and cards[0].title == DOC.title
    assert (cards[0].dense, cards[0].match, cards[1].match) == (0.75, 0.6, 0.25)  # each its own hit's
    assert (cards[0].relevance.label, cards[1].relevance.label) == ("高", "中")
    assert cards[0].paragraph == TEXT
    assert cards[1].paragraph == ""  # unknown paragraph: no expander


def test_citation_narrower_than_hit_marks_the_cited_range():
    hit = make_hit(highlights=(Span(0, 2, "term"),))
    c0 = P_START + SENT
    answer = Answer("q", "x [1]", (Citation(1, "plan", hit.section, c0, c0 + 5, TEXT[c0:c0 + 5]),), (hit,))
    (card,) = webcards.cards_for_answer(answer, lookup)
    html = webcards.cards_html([card])
    assert re.findall(r"<mark>(.*?)</mark>", html)[0] == TEXT[c0:c0 + 5]


def test_the_quoted_sentence_is_marked_even_when_retrieval_marked_another():
    hit = make_hit()  # retrieval marked "实现厂通路…通车，"
    s0 = P_START + PASSAGE.index("大力")
    s1 = P_START + len(PASSAGE)
    answer = Answer("q", "x [1]", (Citation(1, "plan", hit.section, hit.start, hit.end, hit.text,
                                            hit=0, sentence=(s0, s1)),), (hit,))
    (card,) = webcards.cards_for_answer(answer, lookup)
    marks = re.findall(r"<mark>(.*?)</mark>", webcards.cards_html([card]))
    # retrieval's sentence, then the quoted one
    assert [strip_tags(m) for m in marks[:2]] == [PASSAGE[SENT:PASSAGE.index("，大力")], TEXT[s0:s1]]
    assert (s0, s1) in card.marked  # and the reader marks it


def test_citation_without_hit_still_renders():
    answer = Answer("q", "x [1]", (Citation(1, "gone", ("一、",), 3, 9, "引用<文本>"),), ())
    (card,) = webcards.cards_for_answer(answer, lookup)
    assert card.title == "gone" and card.score is None
    html = webcards.cards_html([card])
    assert "<mark>引用&lt;文本&gt;</mark>" in html


def test_no_citations_falls_back_to_hits():
    answer = Answer("q", "没有找到", (), (make_hit(), make_hit(score=0.2)), covered=False)
    assert [c.n for c in webcards.cards_for_answer(answer, lookup)] == [1, 2]


def test_panel_card_contents():
    (card,) = webcards.cards_for_hits([make_hit()], lookup)
    html = webcards.cards_html([card])
    assert '<span class="qa-n">1</span>' in html
    assert "通州区2024年计划报告" in html
    assert "二、2024年工作 › （三）协同发展" in html
    assert "相关度" in html and 'class="qa-level">高' in html  # dense 0.75, 60 % of the words
    link = re.search(r'<a class="qa-open" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link == f"reader?doc=plan&s={P_START}&e={P_END}&m={P_START + SENT}-{P_START + PASSAGE.index('，大力')}#qa-here"
    marks = re.findall(r"<mark>(.*?)</mark>", html)
    assert any("厂通路" in strip_tags(m) for m in marks)
    assert '<strong class="qa-term">厂通路</strong>' in html
    details = re.search(r"<details.*?</details>", html).group()
    assert strip_tags(details).endswith(TEXT)  # the whole paragraph, after the summary
    assert "<mark>" in details  # the answering sentence is marked in the paragraph too


def test_panel_not_covered_says_closest_matches():
    (card,) = webcards.cards_for_hits([make_hit()], lookup)
    assert "最接近" in webcards.cards_html([card], covered=False)
    assert "最接近" not in webcards.cards_html([card], covered=True)


def test_relevance_is_absolute_not_relative_to_the_best_hit():
    weak = dict(dense=0.60, bm25=0.5, match=0.7)  # many shared words, semantically far
    far = [make_hit(score=1.3, scores=weak), make_hit(score=1.2, scores=dict(weak, match=0.1))]
    cards = webcards.cards_for_hits(far, lookup)
    assert [c.relevance.label for c in cards] == ["低", "低"]  # the best of two poor hits is still 低
    html = webcards.cards_html(cards)
    assert "%" not in strip_tags(html)  # no percentage relative to the best hit
    assert html.count('class="qa-step qa-on"') == 2  # one step lit per card
    tip = re.search(r'class="qa-rel qa-rel-0" title="([^"]+)"', html).group(1)
    assert "0.60" in tip and "未达到" in tip and "0.66" in tip and "70%" in tip and "绝对" in tip


def test_relevance_scale_steps():
    rel = webcards.relevance
    assert rel(0.70, 0.55).label == "高" and rel(0.70, 0.3).label == "中" and rel(0.70, 0.1).label == "低"
    assert rel(0.65, 0.9).label == "低"  # below the calibrated similarity threshold
    assert rel(0.30, 0.55, crosslingual=True).label == "高"  # the cross-lingual encoder's scale
    assert rel(0.30, 0.55).label == "低"
    assert rel(None, 0.5) is None and rel(0.7, None) is None
    (card,) = webcards.cards_for_hits([make_hit(scores={})], lookup)
    assert card.relevance is None and "相关度" not in webcards.cards_html([card])


def test_panel_escapes_every_corpus_string():
    evil = "<img src=x onerror=alert(1)>"
    hit = make_hit(text=evil, highlights=(Span(0, 4, "sentence"),), section=(evil,), doc_id=evil, paragraph=(0, 0))
    html = webcards.cards_html(webcards.cards_for_hits([hit], lambda _id: Document(_id, evil, evil)))
    assert "<img" not in html
    assert html.count("&lt;img") == 4  # title, section (title attribute and text), passage


def test_missing_document_lookup_error_is_tolerated():
    def boom(_):
        raise KeyError("no such document")

    (card,) = webcards.cards_for_hits([make_hit()], boom)
    assert card.title == "plan" and card.paragraph == ""


# ---------------------------------------------------------------- markdown


def test_markdown_bolds_cjk_figures_and_makes_citation_buttons():
    html = markdown_html("增长**5%**左右 [1]")
    assert "<strong>5%</strong>左右" in html
    assert '<button type="button" class="qa-ref" title="查看引用 1">[1]</button>' in html


def test_markdown_never_fetches_or_links():
    html = markdown_html('![](http://h/p.png?leak=1) <a href="http://x">x</a> <img src=x onerror=alert(1)> '
                         "[t](http://y) <http://z>")
    assert "<img" not in html and "<a" not in html and not re.search(r"<[^>]*\b(href|src)=", html)
    assert "http://h/p.png?leak=1" in html  # the URL is shown as text
    assert "&lt;img" in html


def test_markdown_escapes_inside_bold():
    assert markdown_html("**<b>x</b>**") == "<p><strong>&lt;b&gt;x&lt;/b&gt;</strong></p>"
    assert markdown_html("a ** b") == "<p>a ** b</p>"
    assert markdown_html("a < b") == "<p>a &lt; b</p>"  # escaped once


# ---------------------------------------------------------------- chat messages


def test_user_message_is_escaped_once_and_long_ones_keep_both_ends():
    m = chat.user_message("a < b <script>")
    assert m["content"] == '<div class="qa-question">a &lt; b &lt;script&gt;</div>'
    long = chat.echo("开头" + "啊" * 1000 + "结尾？")
    assert long.startswith("开头") and long.endswith("结尾？") and len(long) < 400


def test_answer_message_carries_its_sources_and_clean_copy_text():
    hit = make_hit()
    answer = Answer("q", "**要点**：厂通路通车 [1]。", (Citation(1, "plan", hit.section, hit.start, hit.end, hit.text),), (hit,))
    cards = webcards.cards_for_answer(answer, lookup)
    trace = chat.Trace("q", ("交通",), ("违法",), "plan", (chat.TraceRow(1, hit.section, 0.8, 0.7, 1.5),))
    html = chat.answer_message("a1", answer.text, cards, understood="那2023年呢 → 2023年交通", trace=trace)["content"]
    assert 'class="qa-ref"' in html and '<details class="qa-sources">' in html
    assert "理解为：那2023年呢 → 2023年交通" in html
    assert '<details class="qa-debug">' in html and "0.700" in html and "1.500" in html
    plain = re.search(r'<pre class="qa-plain" hidden>(.*?)</pre>', html, re.S).group(1)
    plain = plain.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    assert plain == ("理解为：那2023年呢 → 2023年交通\n\n**要点**：厂通路通车 [1]。\n\n来源：\n"
                     f"[1] 二、2024年工作 › （三）协同发展：{PASSAGE}")


def test_understood_is_said_once():
    html = chat.answer_message("a1", "理解为：2023年交通\n\n厂通路 [1]", [], understood="2023年交通")["content"]
    shown, plain = html.split('<pre class="qa-plain"')
    assert shown.count("理解为") == 1 and plain.count("理解为") == 1


def test_streaming_message_has_no_copy_yet():
    html = chat.answer_message("a1", "部分", [], streaming=True)["content"]
    assert "qa-streaming" in html and "qa-copy" not in html and "qa-plain" not in html


def test_a_stopped_answer_keeps_only_complete_sentences_and_lines():
    streamed = "**2023年进展**\n1. 交通互联互通加快推进 [1]\n2. 地铁 [1]\n1"
    html = chat.answer_message("a1", streamed, [], stopped=True)["content"]
    body = strip_tags(re.search(r'<div class="qa-body">(.*?)</div>', html).group(1))
    assert "（已停止）" in html and body.endswith("地铁 [1]")  # no lone "1" after it
    assert chat.stopped_text("交通加快。地铁 [1][2]。半句") == "交通加快。地铁 [1][2]。"
    assert chat.stopped_text("半句") == ""


def test_stream_pieces_grow_to_text_and_keep_markers_whole():
    text = "厂通路通车[12]，" * 30
    pieces = chat.stream_pieces(text, max_pieces=40)
    assert pieces[-1] == text and len(pieces) <= 41
    assert all(b.startswith(a) for a, b in zip(pieces, pieces[1:]))
    for p in pieces:
        assert not re.search(r"\[\d*$", p), p  # never ends inside "[12]"
    assert chat.stream_pieces("") == [""]


# ---------------------------------------------------------------- the reader


def test_reader_page_marks_the_passage_and_sentence_with_an_outline():
    text = "报告\n一、2023年工作\n（一）交通\n道路建设稳步推进。厂通路建成通车。其他。\n二、2024年计划\n继续推进。"
    doc = Document("d", "报告<1>", text)
    s = text.index("厂通路")
    e = text.index("其他")
    page = reader.reader_page(doc, text.index("道路"), e, ((s, e),))
    assert page.startswith("<!doctype html><html lang=\"zh-CN\">")
    assert "报告&lt;1&gt;" in page and "<1>" not in page
    nav = re.search(r'<nav aria-label="目录">(.*?)</nav>', page).group(1)
    assert re.findall(r">([^<>]+)</a>", nav) == ["一、2023年工作", "（一）交通", "二、2024年计划"]
    here = re.search(r'<span class="passage" id="qa-here">(.*?)</span>', page).group(1)
    assert here == "道路建设稳步推进。"
    assert "<mark>厂通路建成通车。</mark>" in page
    assert re.sub(r"<[^>]+>", "", re.search(r"<main>.*</main>", page).group()).count("厂通路建成通车") == 1
    assert "引用段落位于：一、2023年工作 › （一）交通" in page


def test_reader_ignores_bad_offsets_and_marks():
    doc = Document("d", "t", "一、标题\n正文。")
    assert reader.parse_marks("1-3,x-2,5-2,0-99", 7) == ((1, 3),)
    page = reader.reader_page(doc, 50, 10)
    assert 'id="qa-here"' not in page and "正文。" in page


# ---------------------------------------------------------------- the library panel


def test_documents_table_escapes():
    html = documents_html([Document("a<b>.md", "<t>", "x")], {"a<b>.md": 3})
    assert "<t>" not in html and "&lt;t&gt;" in html and "<td>3</td>" in html and "<td>md</td>" in html


# ---------------------------------------------------------------- the HTTP guard


def _call(guard, method="POST", path="/gradio_api/queue/join", body=b"", headers=()):
    sent, seen = [], {}

    async def app(scope, receive, send):
        msg = await receive()
        seen["body"] = msg["body"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    chunks = [body[i:i + 65536] for i in range(0, len(body), 65536)] or [b""]

    async def receive():
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(msg):
        sent.append(msg)

    scope = {"type": "http", "method": method, "path": path,
             "headers": [(k.encode(), v.encode()) for k, v in headers]}
    asyncio.run(RequestGuard(app, **guard)(scope, receive, send))
    return sent[0]["status"], seen.get("body")


def test_guard_caps_request_size_before_the_app():
    status, body = _call({"max_body": 1000}, body=b"x" * 999)
    assert status == 200 and body == b"x" * 999
    status, body = _call({"max_body": 1000}, body=b"x" * 5000)  # no content-length: counted
    assert status == 413 and body is None
    status, body = _call({"max_body": 1000}, body=b"x" * 5000, headers=[("content-length", "5000")])
    assert status == 413 and body is None
    assert _call({"max_body": 10}, method="GET")[0] == 200


def _multipart(name: str, size: int) -> bytes:
    return (b'--b\r\nContent-Disposition: form-data; name="files"; filename="' + name.encode()
            + b'"\r\n\r\n' + b"x" * size + b"\r\n--b--\r\n")


SAME = [("host", "127.0.0.1:7860"), ("origin", "http://127.0.0.1:7860")]


def test_guard_refuses_uploads_unless_on_and_same_origin():
    path = "/gradio_api/upload"
    assert _call({}, path=path, body=_multipart("a.md", 10), headers=SAME)[0] == 403
    on = {"upload": UploadPolicy(max_bytes=1000)}
    assert _call(on, path=path, body=_multipart("a.md", 10), headers=SAME)[0] == 200
    evil = [("host", "127.0.0.1:7860"), ("origin", "http://evil.example")]
    assert _call(on, path=path, body=_multipart("a.md", 10), headers=evil)[0] == 403
    assert _call(on, path=path, body=_multipart("a.md", 10), headers=SAME[:1])[0] == 403  # no origin
    assert _call(on, path=path, body=_multipart("a.md", 100_000), headers=SAME)[0] == 413
    assert _call(on, path=path, body=_multipart("a.exe", 10), headers=SAME)[0] == 415
    assert not same_origin({"host": "a:1", "origin": "http://a:1", "sec-fetch-site": "cross-site"})


# ---------------------------------------------------------------- JSON next to the types


def test_hit_and_answer_json_are_plain():
    hit = make_hit(scores={"bm25": 1.5, "dense": 0.7})
    answer = Answer("q", "x [1]", (Citation(1, "plan", hit.section, hit.start, hit.end, hit.text),), (hit,))
    data = answer.to_dict()
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

    h = make_hit(score=F32(0.5), scores={"x": F32(1.0), "y": "n/a"}).to_dict()
    assert type(h["score"]) is float and type(h["scores"]["x"]) is float and h["scores"]["y"] == "n/a"


def test_library_errors_reach_the_user_in_chinese():
    from qa.errors import CorpusError, IndexFileError, InputError
    from qa.web.library import error_text
    assert error_text(InputError("未添加任何文件：a.csv: 不支持的文件类型")) == "未添加任何文件：a.csv: 不支持的文件类型"
    for err in (IndexFileError("cannot write /x/index: No space left on device"), CorpusError("no documents in /x"),
                RuntimeError("boom")):
        text = error_text(err)
        assert re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"[A-Za-z]{3,}", text), text


def test_the_last_document_cannot_be_removed():
    from qa.web.library import removal_problem
    one, two = [DOC], [DOC, Document("flowers", "花卉", "郁金香")]
    assert removal_problem("plan", two) is None
    assert "最后一份" in removal_problem("plan", one)
    assert "请先选择" in removal_problem(None, two) and "没有这份文档" in removal_problem("gone", two)


def test_the_subtitle_describes_the_library_loaded():
    from qa.places import region_of
    from qa.types import Document
    from qa.web.library import describe_library

    one = Document(id="a.txt", title="2026年河北省政府工作报告", text="x")
    assert describe_library([one]).startswith("针对《2026年河北省政府工作报告》提问。")
    docs = [Document(id=f"{n}.txt", title=f"2026年{n}政府工作报告", text="各位代表",
                     region=region_of(f"2026年{n}政府工作报告", "各位代表"))
            for n in ("河北省", "山东省", "湖北省")]
    text = describe_library(docs)
    assert text.startswith("针对文档库中的 3 份报告提问（河北省、山东省、湖北省）。") and "通州" not in text
