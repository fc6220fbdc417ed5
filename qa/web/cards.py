"""Evidence cards: the passages an answer cites, as HTML.

Nothing here does I/O or imports Gradio. Every string that comes from the corpus or from the
user goes through :func:`html.escape` before it is placed inside markup; highlights are placed
by offsets (``Span`` ranges inside the passage), never by searching strings.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from urllib.parse import urlencode

from ..answer.abstain import CROSSLINGUAL_MIN_SCORE, MIN_SCORE
from ..types import Answer, Citation, Document, Hit, Span

__all__ = ["Card", "Relevance", "cards_for_answer", "cards_for_hits", "cards_html", "esc",
           "highlight_html", "relevance", "section_path"]

DocLookup = Callable[[str], "Document | None"]

SECTION_SEP = " › "


@dataclass(frozen=True)
class Card:
    """One evidence card: a view of the numbered ``hit`` (its passage, section, offsets and
    scores), with the document's title, the highlights shown and the surrounding paragraph."""

    n: int
    hit: Hit
    title: str
    highlights: tuple[Span, ...] = ()  # the hit's, plus the sentence an answer quotes
    scored: bool = True  # False: a passage cited without its hit (no scores to show)
    crosslingual: bool = False  # an English question: dense is on the cross-lingual encoder's scale
    paragraph: str = ""  # the whole surrounding paragraph ("" when unknown or same as text)
    paragraph_highlights: tuple[Span, ...] = ()
    label: str = ""  # the report named as the answer names it (several documents loaded), else ""

    doc_id = property(lambda self: self.hit.doc_id)
    section = property(lambda self: tuple(self.hit.section))
    text = property(lambda self: self.hit.text)
    start = property(lambda self: int(self.hit.start))  # the passage's offsets in its document
    end = property(lambda self: int(self.hit.end))

    @property
    def score(self) -> float | None:
        """The hit's fused score."""
        return float(self.hit.score) if self.scored else None

    @property
    def dense(self) -> float | None:
        """Semantic similarity to the question (the encoder's cosine)."""
        return _score(self.hit, "dense") if self.scored else None

    @property
    def match(self) -> float | None:
        """Share of the question's weighted words in the passage, 0..1."""
        return _score(self.hit, "match") if self.scored else None

    @property
    def marked(self) -> tuple[tuple[int, int], ...]:
        """The answering sentences as document offsets."""
        if self.start < 0:
            return ()
        return tuple((self.start + s.start, self.start + s.end)
                     for s in self.highlights if s.kind == "sentence")

    @property
    def relevance(self) -> "Relevance | None":
        return relevance(self.dense, self.match, crosslingual=self.crosslingual)

    def plain(self) -> str:
        """``[n] section path: passage`` (for copying)."""
        path = section_path(self.section)
        return f"[{self.n}] {path}：{self.text}" if path else f"[{self.n}] {self.text}"


# ---------------------------------------------------------------- highlighting


def esc(text: object) -> str:
    """``text`` escaped for HTML text and attribute values."""
    return html.escape(str(text), quote=True)


_esc = esc


def section_path(section: Sequence[str]) -> str:
    """A section path as one line: ``一、… › （一）…``."""
    return SECTION_SEP.join(s for s in section if s)


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


# Relevance is absolute, not relative to the other hits: a passage is "semantically close"
# when its similarity reaches the threshold the engine's abstention was calibrated with (the
# same test decides whether the report answers a question at all), and it is rated by the share
# of the question's words it holds (IDF-weighted: rare words count more). On the project's own
# 40 questions (tests/data/own.jsonl): cited passages 38 % 高, 47 % 中, 15 % 低; passages
# retrieved but not cited 4 % 高, 35 % 中, 61 % 低 (README, "Relevance").
HIGH_SHARE, MID_SHARE = 0.5, 0.2
LEVELS = ("低", "中", "高")


@dataclass(frozen=True)
class Relevance:
    """A passage's relevance to the question on a labelled three-step scale (see above)."""

    level: int  # 0 低, 1 中, 2 高
    dense: float
    match: float
    threshold: float

    @property
    def label(self) -> str:
        return LEVELS[self.level]

    def explain(self) -> str:
        close = "达到" if self.dense >= self.threshold else "未达到"
        return (f"相关度{self.label}：语义相似度 {self.dense:.2f}（{close}判断“足以作答”的校准阈值 "
                f"{self.threshold:.2f}），段落含问题关键词的 {round(self.match * 100)}%（按词的稀有度加权）。"
                f"高＝语义相近且含一半以上关键词；中＝语义相近且含两成以上；低＝其余。"
                "这是绝对标准，不与其他段落比较。")


def relevance(dense: float | None, match: float | None, *, crosslingual: bool = False) -> Relevance | None:
    """The labelled relevance of a passage from its similarity and word share (None if unknown)."""
    if dense is None or match is None:
        return None
    threshold = CROSSLINGUAL_MIN_SCORE if crosslingual else MIN_SCORE
    dense, match = float(dense), max(0.0, min(1.0, float(match)))
    level = 0
    if dense >= threshold:
        level = 2 if match >= HIGH_SHARE else 1 if match >= MID_SHARE else 0
    return Relevance(level, dense, match, threshold)


def _score(hit: Hit, name: str) -> float | None:
    value = (hit.scores or {}).get(name)
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


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


def _card_from_hit(n: int, hit: Hit, document: DocLookup | None, crosslingual: bool,
                   highlights: tuple[Span, ...] | None = None) -> Card:
    doc = _lookup(document, hit.doc_id)
    paragraph, para_spans = _paragraph(hit, doc)
    if highlights is not None and paragraph:
        shift = hit.start - hit.paragraph[0]
        para_spans = tuple(Span(s.start + shift, s.end + shift, s.kind) for s in highlights)
    return Card(n, hit, doc.title if doc is not None else hit.doc_id,
                tuple(hit.highlights) if highlights is None else highlights, True, crosslingual,
                paragraph, para_spans)


def _hit_for(citation: Citation, hits: Sequence[Hit]) -> Hit | None:
    """The hit whose passage contains the citation (exact match preferred)."""
    containing = [h for h in hits if h.doc_id == citation.doc_id
                  and h.start <= citation.start and citation.end <= h.end]
    for h in containing:
        if (h.start, h.end) == (citation.start, citation.end):
            return h
    return containing[0] if containing else None


def cards_for_hits(hits: Sequence[Hit], document: DocLookup | None = None, *,
                   crosslingual: bool = False) -> list[Card]:
    """One card per hit, numbered 1..n in rank order; ``crosslingual``: the hits answer an English
    question through the cross-lingual encoder (another similarity scale)."""
    return [_card_from_hit(i, h, document, crosslingual) for i, h in enumerate(hits, 1)]


def cards_for_answer(answer: Answer, document: DocLookup | None = None, *,
                     crosslingual: bool = False) -> list[Card]:
    """One card per citation of ``answer`` (numbered as cited), or per hit if it cites none."""
    if not answer.citations:
        return cards_for_hits(answer.hits, document, crosslingual=crosslingual)
    cards = []
    for c in answer.citations:
        index = getattr(c, "hit", -1)
        hit = answer.hits[index] if 0 <= index < len(answer.hits) else _hit_for(c, answer.hits)
        if hit is not None:
            highlights = None
            s0, s1 = getattr(c, "sentence", (0, 0))
            if hit.start <= s0 < s1 <= hit.end:  # the sentence the answer quotes is marked too
                cited = Span(s0 - hit.start, s1 - hit.start, "sentence")
                if cited not in hit.sentences:
                    highlights = (*hit.highlights, cited)
            elif not hit.sentences and (c.start, c.end) != (hit.start, hit.end):
                cited = Span(c.start - hit.start, c.end - hit.start, "sentence")
                highlights = (cited, *hit.terms)
            cards.append(replace(_card_from_hit(c.n, hit, document, crosslingual, highlights),
                                 label=getattr(c, "label", "")))
            continue
        doc = _lookup(document, c.doc_id)  # a citation without its hit: a hit made of it, unscored
        whole = (Span(0, len(c.text), "sentence"),)
        hit = Hit(text=c.text, score=0.0, doc_id=c.doc_id, section=tuple(c.section), start=int(c.start),
                  end=int(c.end), highlights=whole)
        cards.append(Card(c.n, hit, doc.title if doc is not None else c.doc_id, whole, scored=False,
                          label=getattr(c, "label", "")))
    return cards


# ---------------------------------------------------------------- HTML


def reader_url(card: Card) -> str:
    """The reader page at ``card``'s passage, its answering sentences marked (relative URL)."""
    query = {"doc": card.doc_id, "s": card.start, "e": card.end}
    if card.marked:
        query["m"] = ",".join(f"{a}-{b}" for a, b in card.marked)
    return "reader?" + urlencode(query) + "#qa-here"


def _relevance_html(card: Card) -> str:
    rel = card.relevance
    if rel is None:
        return ""
    steps = "".join(f'<span class="qa-step{" qa-on" if i <= rel.level else ""}"></span>' for i in range(3))
    return (
        f'<div class="qa-rel qa-rel-{rel.level}" title="{_esc(rel.explain())}">'
        '<span class="qa-rel-label">相关度</span>'
        f'<span class="qa-steps">{steps}</span>'
        f'<span class="qa-level">{rel.label}</span></div>'
    )


def card_html(card: Card) -> str:
    """One card: number, document, section path, relevance, passage, paragraph, reader link."""
    path = [s for s in card.section if s]
    full = _esc(section_path(path))
    section = ""
    if path:
        if len(path) > 1:  # ancestors small and clamped, the nearest heading in bold
            section += f'<div class="qa-path" title="{full}">{SECTION_SEP.join(_esc(s) for s in path[:-1])}</div>'
        section += f'<div class="qa-section" title="{full}">{_esc(path[-1])}</div>'
    details = ""
    if card.paragraph:
        details = (
            '<details class="qa-more"><summary>展开完整段落</summary>'
            f'<div class="qa-para">{highlight_html(card.paragraph, card.paragraph_highlights)}</div>'
            "</details>"
        )
    reader = ""
    if card.start >= 0:
        reader = (f'<a class="qa-open" href="{_esc(reader_url(card))}" target="_blank" rel="noopener">在原文中查看</a>')
    return (
        # the chat's sanitiser drops data-* and aria-* attributes: the page script reads .qa-n
        f'<article class="qa-card" tabindex="-1">'
        '<div class="qa-card-head">'
        f'<span class="qa-n">{card.n}</span>'
        '<div class="qa-meta">'
        f'<div class="qa-title">{_esc(card.label or card.title)}</div>'
        + section
        + "</div></div>"
        + _relevance_html(card)
        + f'<div class="qa-passage">{highlight_html(card.text, card.highlights)}</div>'
        + '<div class="qa-card-foot">' + details + reader + "</div>"
        + "</article>"
    )


NOT_COVERED = "报告中没有找到直接回答这个问题的内容。以下是最接近的段落，仅供参考。"


def cards_html(cards: Sequence[Card], *, covered: bool = True) -> str:
    """The cards of one answer under a heading (``covered=False``: closest matches only)."""
    if not cards:
        return ""
    if covered:
        head = f'<div class="qa-ev-head">引用依据 · {len(cards)} 段原文</div>'
    else:
        head = f'<div class="qa-ev-head qa-ev-notcovered">{NOT_COVERED}</div>'
    return '<div class="qa-cards">' + head + "".join(card_html(c) for c in cards) + "</div>"
