"""Pure presentation helpers for the web UI: evidence cards as HTML, results as JSON.

Nothing here does I/O or imports Gradio. Every string that comes from the corpus or from the
user goes through :func:`html.escape` before it is placed inside markup; highlights are placed
by offsets (``Span`` ranges inside the passage), never by searching strings.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .types import Answer, Citation, Document, Hit, Span

__all__ = [
    "Card",
    "EVIDENCE_CSS",
    "answer_json",
    "cards_for_answer",
    "cards_for_hits",
    "answer_markdown",
    "chat_escape",
    "citation_json",
    "highlight_html",
    "hit_json",
    "render_evidence",
    "stream_pieces",
]

DocLookup = Callable[[str], "Document | None"]

SECTION_SEP = " › "


@dataclass(frozen=True)
class Card:
    """One evidence card: a numbered passage with its highlights and surrounding paragraph."""

    n: int
    doc_id: str
    title: str
    section: tuple[str, ...]
    text: str
    highlights: tuple[Span, ...] = ()
    score: float | None = None
    relevance: float = 0.0  # 0..1, relative to the best hit of the same answer
    paragraph: str = ""  # the whole surrounding paragraph ("" when unknown or same as text)
    paragraph_highlights: tuple[Span, ...] = ()


# ---------------------------------------------------------------- highlighting


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def highlight_html(text: str, spans: Sequence[Span] = ()) -> str:
    """``text`` escaped, with sentence spans in ``<mark>`` and term spans in ``<strong>``.

    Spans are clamped to the text; overlapping spans merge; terms inside a sentence nest
    inside its ``<mark>`` (tags are always well nested).
    """
    n = len(text)
    sentence = [False] * n
    term = [False] * n
    for span in spans:
        start, end = max(0, int(span.start)), min(n, int(span.end))
        if start >= end:
            continue
        mask = term if span.kind == "term" else sentence
        for i in range(start, end):
            mask[i] = True
    out: list[str] = []
    in_mark = in_term = False
    i = 0
    while i < n:
        j = i + 1
        while j < n and sentence[j] == sentence[i] and term[j] == term[i]:
            j += 1
        s, t = sentence[i], term[i]
        if s != in_mark:
            if in_term:
                out.append("</strong>")
                in_term = False
            out.append("<mark>" if s else "</mark>")
            in_mark = s
        if t != in_term:
            out.append('<strong class="qa-term">' if t else "</strong>")
            in_term = t
        out.append(_esc(text[i:j]))
        i = j
    if in_term:
        out.append("</strong>")
    if in_mark:
        out.append("</mark>")
    return "".join(out)


# ---------------------------------------------------------------- cards


def _lookup(document: DocLookup | None, doc_id: str) -> Document | None:
    if document is None:
        return None
    try:
        return document(doc_id)
    except Exception:  # a missing document must not break the panel
        return None


def _relevance(score: float | None, best: float) -> float:
    if score is None or best <= 0:
        return 0.0
    return max(0.0, min(1.0, float(score) / best))


def _paragraph(hit: Hit, doc: Document | None) -> tuple[str, tuple[Span, ...]]:
    """The paragraph around ``hit`` and the hit's highlights shifted into it ("" if no wider)."""
    if doc is None:
        return "", ()
    p0, p1 = hit.paragraph
    if not (0 <= p0 <= hit.start and hit.end <= p1 <= len(doc.text)) or (p0, p1) == (hit.start, hit.end):
        return "", ()
    shift = hit.start - p0
    spans = tuple(Span(s.start + shift, s.end + shift, s.kind) for s in hit.highlights)
    return doc.text[p0:p1], spans


def _best(hits: Sequence[Hit]) -> float:
    return max((float(h.score) for h in hits), default=0.0)


def _card_from_hit(n: int, hit: Hit, document: DocLookup | None, best: float,
                   highlights: tuple[Span, ...] | None = None) -> Card:
    doc = _lookup(document, hit.doc_id)
    paragraph, para_spans = _paragraph(hit, doc)
    if highlights is not None and paragraph:
        shift = hit.start - hit.paragraph[0]
        para_spans = tuple(Span(s.start + shift, s.end + shift, s.kind) for s in highlights)
    return Card(
        n=n,
        doc_id=hit.doc_id,
        title=doc.title if doc is not None else hit.doc_id,
        section=tuple(hit.section),
        text=hit.text,
        highlights=tuple(hit.highlights) if highlights is None else highlights,
        score=float(hit.score),
        relevance=_relevance(hit.score, best),
        paragraph=paragraph,
        paragraph_highlights=para_spans,
    )


def _hit_for(citation: Citation, hits: Sequence[Hit]) -> Hit | None:
    """The hit whose passage contains the citation (exact match preferred)."""
    containing = [h for h in hits if h.doc_id == citation.doc_id
                  and h.start <= citation.start and citation.end <= h.end]
    for h in containing:
        if (h.start, h.end) == (citation.start, citation.end):
            return h
    return containing[0] if containing else None


def cards_for_hits(hits: Sequence[Hit], document: DocLookup | None = None) -> list[Card]:
    """One card per hit, numbered 1..n in rank order."""
    best = _best(hits)
    return [_card_from_hit(i, h, document, best) for i, h in enumerate(hits, 1)]


def cards_for_answer(answer: Answer, document: DocLookup | None = None) -> list[Card]:
    """One card per citation of ``answer`` (numbered as cited), or per hit if it cites none."""
    if not answer.citations:
        return cards_for_hits(answer.hits, document)
    best = _best(answer.hits)
    cards = []
    for c in answer.citations:
        hit = _hit_for(c, answer.hits)
        if hit is not None:
            highlights = None
            if not hit.sentences and (c.start, c.end) != (hit.start, hit.end):
                cited = Span(c.start - hit.start, c.end - hit.start, "sentence")
                highlights = (cited, *hit.terms)
            cards.append(_card_from_hit(c.n, hit, document, best, highlights))
            continue
        doc = _lookup(document, c.doc_id)
        cards.append(Card(
            n=c.n,
            doc_id=c.doc_id,
            title=doc.title if doc is not None else c.doc_id,
            section=tuple(c.section),
            text=c.text,
            highlights=(Span(0, len(c.text), "sentence"),),
        ))
    return cards


# ---------------------------------------------------------------- panel HTML


def _card_html(card: Card) -> str:
    path = [s for s in card.section if s]
    full = SECTION_SEP.join(_esc(s) for s in path)
    section = ""
    if path:
        if len(path) > 1:  # ancestors small and clamped, the nearest heading in bold
            section += f'<div class="qa-path" title="{full}">{SECTION_SEP.join(_esc(s) for s in path[:-1])}</div>'
        section += f'<div class="qa-section" title="{full}">{_esc(path[-1])}</div>'
    pct = round(card.relevance * 100)
    if card.score is not None:
        rel = (
            f'<div class="qa-rel" title="相关度 {card.score:.3f}">'
            f'<span class="qa-rel-label">相关度</span>'
            f'<span class="qa-bar"><span style="width:{pct}%"></span></span>'
            f'<span class="qa-score">{card.score:.3f}</span></div>'
        )
    else:
        rel = ""
    details = ""
    if card.paragraph:
        details = (
            '<details class="qa-more"><summary>展开完整段落</summary>'
            f'<div class="qa-para">{highlight_html(card.paragraph, card.paragraph_highlights)}</div>'
            "</details>"
        )
    return (
        f'<article class="qa-card" id="qa-cite-{card.n}" data-n="{card.n}" data-doc="{_esc(card.doc_id)}">'
        '<header class="qa-card-head">'
        f'<span class="qa-n" aria-label="引用 {card.n}">{card.n}</span>'
        '<div class="qa-meta">'
        f'<div class="qa-title">{_esc(card.title)}</div>'
        + section
        + "</div></header>"
        + rel
        + f'<div class="qa-passage">{highlight_html(card.text, card.highlights)}</div>'
        + details
        + "</article>"
    )


def render_evidence(cards: Sequence[Card], *, covered: bool = True, message: str | None = None) -> str:
    """The evidence panel: a heading and one card per passage.

    ``covered=False`` labels the cards as closest matches only. ``message`` (plain text) replaces
    the default heading, e.g. for the empty state or an error.
    """
    parts = ['<div class="qa-evidence">']
    if message is not None:
        parts.append(f'<div class="qa-ev-head qa-ev-empty">{_esc(message)}</div>')
    elif not covered:
        parts.append(
            '<div class="qa-ev-head qa-ev-notcovered">'
            "报告中没有找到直接回答这个问题的内容。以下是最接近的段落（closest matches），仅供参考。"
            "</div>"
        )
    elif cards:
        parts.append(f'<div class="qa-ev-head">引用依据 · {len(cards)} 段原文</div>')
    parts.extend(_card_html(c) for c in cards)
    parts.append("</div>")
    return "".join(parts)


# ---------------------------------------------------------------- chat text

_CITE = re.compile(r"\[(\d{1,3})\]")


def chat_escape(text: str) -> str:
    """Neutralise HTML in text shown by the (markdown) chat: ``<`` and ``&`` become entities.

    ``>`` is left alone so markdown block quotes still work; without ``<`` no tag can open.
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;")


_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")


def answer_markdown(text: str) -> str:
    """An answer's markdown made safe for the chat: HTML escaped, ``**bold**`` as ``<strong>``,
    ``[n]`` markers as ``<span class="qa-ref">[n]</span>`` chips (same text, styled).

    CommonMark does not close ``**5%**左右`` (punctuation before ``**``, a CJK letter after it),
    so bold is turned into a tag here; the escape comes first, so no other tag can get through.
    """
    text = _BOLD.sub(r"<strong>\1</strong>", chat_escape(text))
    return _CITE.sub(r'<span class="qa-ref">[\1]</span>', text)


def stream_pieces(text: str, max_pieces: int = 40, min_size: int = 6) -> list[str]:
    """Growing prefixes of ``text`` for a progressive display; the last one is ``text``.

    Cuts never split a ``[n]`` citation marker.
    """
    if not text:
        return [""]
    size = max(min_size, -(-len(text) // max_pieces))
    protected = [(m.start(), m.end()) for m in _CITE.finditer(text)]
    cuts, pos = [], 0
    while pos < len(text):
        pos = min(len(text), pos + size)
        for a, b in protected:
            if a < pos < b:
                pos = b
                break
        cuts.append(pos)
    return [text[:c] for c in cuts]


# ---------------------------------------------------------------- JSON


def _num(value: object) -> object:
    try:
        return float(value)  # numpy scalars are not JSON serialisable
    except (TypeError, ValueError):
        return str(value)


def span_json(span: Span) -> dict:
    return {"start": int(span.start), "end": int(span.end), "kind": span.kind}


def hit_json(hit: Hit) -> dict:
    """A hit as plain JSON: text, score, doc_id, section, start, end, highlights, paragraph."""
    return {
        "text": hit.text,
        "score": float(hit.score),
        "doc_id": hit.doc_id,
        "section": list(hit.section),
        "start": int(hit.start),
        "end": int(hit.end),
        "highlights": [dict(span_json(s), text=hit.text[s.start:s.end]) for s in hit.highlights],
        "paragraph": [int(hit.paragraph[0]), int(hit.paragraph[1])],
        "scores": {str(k): _num(v) for k, v in (hit.scores or {}).items()},
    }


def citation_json(citation: Citation) -> dict:
    return {
        "n": int(citation.n),
        "doc_id": citation.doc_id,
        "section": list(citation.section),
        "start": int(citation.start),
        "end": int(citation.end),
        "text": citation.text,
    }


def answer_json(answer: Answer) -> dict:
    """An answer as plain JSON: question, text (markdown with [n]), covered, kind, citations, hits."""
    return {
        "question": answer.question,
        "text": answer.text,
        "covered": bool(answer.covered),
        "kind": answer.kind,
        "citations": [citation_json(c) for c in answer.citations],
        "hits": [hit_json(h) for h in answer.hits],
    }


# ---------------------------------------------------------------- styles

EVIDENCE_CSS = """
.qa-evidence { display: flex; flex-direction: column; gap: 12px; }
.qa-ev-head { font-size: 14px; font-weight: 600; color: var(--body-text-color-subdued, #6b7280);
  letter-spacing: .02em; padding: 2px 2px 0; }
.qa-ev-empty { font-weight: 400; line-height: 1.7; padding: 28px 16px; text-align: center;
  border: 1px dashed var(--border-color-primary, #d1d5db); border-radius: 12px; }
.qa-ev-notcovered { color: #92400e; background: #fffbeb; border: 1px solid #fcd34d;
  border-radius: 10px; padding: 10px 12px; font-weight: 500; line-height: 1.6; }
.qa-card { border: 1px solid var(--border-color-primary, #e5e7eb); border-radius: 12px;
  padding: 12px 14px; background: var(--block-background-fill, #fff);
  box-shadow: 0 1px 2px rgba(0,0,0,.04); scroll-margin-top: 12px; }
.qa-card:target { outline: 2px solid var(--color-accent, #f97316); }
.qa-card-head { display: flex; gap: 10px; align-items: flex-start; }
.qa-n { flex: none; display: inline-flex; align-items: center; justify-content: center;
  min-width: 26px; height: 26px; padding: 0 6px; border-radius: 13px; font-weight: 700; font-size: 13px;
  color: #fff; background: var(--color-accent, #2563eb); }
.qa-meta { min-width: 0; }
.qa-title { font-size: 12.5px; color: var(--body-text-color-subdued, #6b7280); line-height: 1.45;
  overflow: hidden; text-overflow: ellipsis; display: -webkit-box; -webkit-line-clamp: 2;
  -webkit-box-orient: vertical; }
.qa-path { font-size: 12px; color: var(--body-text-color-subdued, #6b7280); line-height: 1.45;
  margin-top: 2px; overflow: hidden; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; }
.qa-section { font-size: 13.5px; font-weight: 600; line-height: 1.5; margin-top: 2px;
  color: var(--body-text-color, #111827); word-break: break-word; }
.qa-rel { display: flex; align-items: center; gap: 8px; margin: 8px 0 2px; font-size: 12px;
  color: var(--body-text-color-subdued, #6b7280); }
.qa-bar { flex: 1; max-width: 180px; height: 6px; border-radius: 3px; overflow: hidden;
  background: var(--border-color-primary, #e5e7eb); }
.qa-bar > span { display: block; height: 100%; border-radius: 3px;
  background: linear-gradient(90deg, #60a5fa, #2563eb); }
.qa-score { font-variant-numeric: tabular-nums; }
.qa-passage, .qa-para { font-size: 15px; line-height: 1.85; margin-top: 8px; white-space: pre-wrap;
  word-break: break-word; color: var(--body-text-color, #1f2937); }
.qa-evidence mark { background: #fef08a; color: inherit; padding: 1px 0; border-radius: 2px;
  box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.qa-evidence strong.qa-term { font-weight: 700; color: #b91c1c; }
.qa-more { margin-top: 8px; }
.qa-more > summary { cursor: pointer; font-size: 13px; color: var(--link-text-color, #2563eb);
  user-select: none; }
.qa-para { font-size: 14px; padding: 8px 10px; border-radius: 8px;
  background: var(--background-fill-secondary, #f9fafb); }
.qa-ref { display: inline-block; font-size: .78em; line-height: 1.3; padding: 0 .35em; margin: 0 .1em;
  border-radius: .7em; vertical-align: .12em; font-weight: 600; color: #1d4ed8; background: #dbeafe; }
.dark .qa-ref { color: #bfdbfe; background: #1e3a8a; }
.dark .qa-evidence mark { background: #854d0e; color: #fef9c3; }
.dark .qa-evidence strong.qa-term { color: #fca5a5; }
.dark .qa-ev-notcovered { color: #fde68a; background: #451a03; border-color: #92400e; }
@media (max-width: 640px) {
  .qa-card { padding: 10px 11px; }
  .qa-passage { font-size: 14.5px; line-height: 1.8; }
  .qa-bar { max-width: none; }
}
"""
