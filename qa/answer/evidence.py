"""Evidence: the sentences of the retrieved passages, each scored against the analysed question.

A sentence is read from its document when the documents are given (so a sentence a passage cuts
is quoted whole and an enumeration can be followed past the passage's end), else from the hit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

from ..periods import PERIOD_TEXT, DocumentYears, Period, is_period_word, paragraph_period, section_period, years_for
from ..types import Hit
from .text import FIGURE, ORDINAL, sentences as split_sentences

HIGHLIGHT_BONUS = 0.15  # a sentence the engine highlighted as answering
RANK_BONUS = 0.1  # the best passage's sentences, less for later ones
FOLLOW_UP_WEIGHT = 2.0  # a follow-up's own words against those carried from the question before
CONTEXT_SHARE = 0.8  # a term found only in the section path (the topic the sentence sits under) counts this much
EXPANSION_SHARE = 0.6  # an expansion found instead of a word the corpus has counts this much
LEAD_CHARS = 24  # a paragraph's first sentence this short, followed by others, is its lead (its sub-heading in web text)
_QUESTION_WORD = re.compile(r"哪|什么|多少|几个|怎么|如何|为什么|是否")
# words that frame a question rather than name what it asks about
FRAME = frozenset(
    "打算 计划 准备 想 想要 要 能 会 觉得 认为 报告 说 讲 提到 一共 总共 大概 大约 约 现在 目前 具体 主要 情况 "
    "方面 这块 那块 那边 这边 哪儿 哪里 怎么 怎么样 多大 多长 多高 什么 为什么 为何 分别 已经 就 啥 区里 政府 "
    "老百姓 我们 你们 他们 有没有 是不是 做 做了 干 干了 搞 弄 拿到 拿下 叫 叫什么 到底 究竟 还有 其中 这个 那个 "
    "这些 那些 这几个 那几个 为止 截至 到 时候 什么时候 今后 计划 安排 目标 进度 程度 达到 分析 看 看法 "
    "how what which when where who why did does do is are was were the a an of in on for to by "
    "with and or many much".split())


@dataclass(frozen=True)
class Sentence:
    """A sentence of a retrieved passage: hit ``rank``, document offsets, text, the period of its
    section, its place in the paragraph (``order``), whether it lies in the hit, and ``score``,
    its relevance to the question (share of the question's weighted terms, plus bonuses)."""

    rank: int
    doc_id: str
    start: int
    end: int
    text: str
    period: Period | None
    paragraph: tuple[int, int]
    order: int
    in_hit: bool
    score: float
    share: float


@dataclass(frozen=True)
class Terms:
    """The question's weighted terms: tokens (weight from IDF) and expansions (weighed less)."""

    weights: dict[str, float]
    expansions: dict[str, tuple[str, ...]]  # a token → other words that count for it
    known: frozenset = frozenset()  # terms the corpus holds: an expansion counts less for them
    parts: dict = field(default_factory=dict)  # a compound term → its words (粮食产量: 粮食, 产量)
    # terms that name a measure of a unit (增速, 增长率, 占比 → %): a figure in that unit says them
    measures: Mapping[str, str] = field(default_factory=dict)
    # how specific each lexicon term is against the term it stands for (its IDF over the term's,
    # at most 1): 增长 says far less than 地区生产总值 for GDP
    specific: Mapping[tuple[str, str], float] = field(default_factory=dict)

    def share(self, text: str, context: str = "", *, specific: bool = False) -> float:
        """IDF-weighted share of the question's terms in ``text`` (a term only in ``context``
        counts CONTEXT_SHARE). With ``specific``, a lexicon term counts as much as it is
        specific (to pick the clause that names the quantity asked, not one that shares a
        common word with it)."""
        total = sum(self.weights.values())
        if not total:
            return 0.0
        text, context = text.lower(), context.lower()
        got = 0.0
        for term, w in self.weights.items():
            alts = self.expansions.get(term, ())
            part = EXPANSION_SHARE if term in self.known else 1.0
            if term in text:
                got += w
            elif term in self.measures and _says_measure(text, term, self.measures[term]):
                got += w
            elif any(a in text for a in alts) or self._split(term, text):
                got += part * w * (max((self.specific.get((term, a), 1.0) for a in alts if a in text), default=1.0)
                                   if specific else 1.0)
            elif term in context or any(a in context for a in alts):
                got += CONTEXT_SHARE * w
        return got / total

    def _split(self, term: str, text: str) -> bool:
        """A compound term written apart (粮食产量 in 粮食总产量): all its words, in order."""
        words = self.parts.get(term)
        if not words:
            return False
        at = 0
        for w in words:
            at = text.find(w, at)
            if at < 0:
                return False
            at += len(w)
        return True

    def missing(self, text: str) -> list[str]:
        """The question's terms (heaviest first) that ``text`` lacks, with their expansions."""
        text = text.lower()
        return [t for t, _w in sorted(self.weights.items(), key=lambda kv: -kv[1])
                if not any(a in text for a in (t,) + self.expansions.get(t, ()))
                and not (t in self.measures and _says_measure(text, t, self.measures[t]))]

    def but(self, keep) -> "Terms":
        """These terms restricted to those ``keep(term)`` is true for (all when none is)."""
        kept = {t: w for t, w in self.weights.items() if keep(t)}
        return replace(self, weights=kept or self.weights)


def _says_measure(text: str, term: str, unit: str) -> bool:
    """``text`` gives a figure in ``unit`` and names no other kind of measure (占全国比重…提升至7.4%
    is no 增速)."""
    from ..query import AMOUNT, DURATION, DURATION_UNITS, RATE_UNITS, other_measure

    units = [m.group("unit").replace("％", "%").strip() for m in FIGURE.finditer(text)]
    if unit == AMOUNT:
        return any(u not in RATE_UNITS for u in units) and not other_measure(text, term)
    if unit == DURATION:
        return any(u in DURATION_UNITS for u in units)
    return unit in units and not other_measure(text, term)


def question_terms(q, idf: Mapping[str, float] | None, lexicon=None) -> Terms:
    """The analysed question's weighted terms: its tokens (IDF; a token the corpus lacks weighs
    as the rarest one; period words left out), each counting as present through its lexicon
    terms too; a lexicon phrase of the question that is no token is a term of its own; an
    unknown token counts through the question's other expansions (违建 → 违法 建设)."""
    idf = idf or {}
    top = max(idf.values(), default=1.0)
    weights: dict[str, float] = {}
    plain = PERIOD_TEXT.sub(" ", q.text.lower())  # 2023年前三季度: no 年前 token
    # a question word with its noun (哪些项目, 什么平台) frames the question: not its sub-words either
    framing = [t for t in q.tokens if _QUESTION_WORD.search(t) and len(t) > 2]
    plain = re.sub("|".join(map(re.escape, framing)), " ", plain) if framing else plain
    for t in q.tokens:
        if (len(t) < 2 and not t.isdigit()) or is_period_word(t) or t in FRAME or t not in plain \
                or _QUESTION_WORD.search(t):
            continue
        weights[t] = idf.get(t, top) if idf else float(len(t))
    # a sub-word of a longer token (学位 in 中小学学位) is spoken for by the longer one, unless the
    # corpus lacks the longer one (农民收入: 农民, 收入)
    parts: dict[str, list[str]] = {}
    for t in list(weights):
        longer = [o for o in weights if t != o and t in o]
        if any(not idf or o in idf for o in longer):
            weights.pop(t)
            for o in longer:
                parts.setdefault(o, []).append(t)
        elif longer and idf and t in idf:
            for o in longer:
                weights.pop(o, None)
    entries = lexicon.entries if lexicon is not None else {}
    alts = {t: tuple(entries.get(t, ())) for t in weights}
    if lexicon is not None:
        for key in lexicon.matches(q.text):
            if key not in weights and key not in FRAME and not any(key in t for t in weights):
                weights[key] = top
                alts[key] = tuple(entries[key])
    _translated(q, weights, alts, idf, top)
    own = q.text.split("（接上文：")[0] if "（接上文：" in q.text else ""
    for t in weights:  # a follow-up's own words count more than those of the question before
        if own and t in own:
            weights[t] *= FOLLOW_UP_WEIGHT
    # a compound whose words cover it (粮食产量 = 粮食 + 产量) also counts when they stand apart
    split = {o: tuple(sorted(ws, key=o.index)) for o, ws in parts.items() if o in weights and len(ws) >= 2
             and sum(map(len, ws)) >= len(o)}
    from ..query import measure_unit

    measures = {t: u for t in weights if (u := measure_unit(t))}
    specific = {(t, a): min(1.0, idf.get(a, top) / idf[t]) for t in weights if t in idf for a in alts.get(t, ())}
    # a term the corpus never uses (GDP, 经济增长) is said by its lexicon terms, each as specific as
    # it is against the most specific of them the corpus holds (地区生产总值 in full, 增长 far less)
    for t in weights:
        rarity = {a: r for a in alts.get(t, ()) if (r := _rarity(a, idf))}
        if t not in idf and rarity:
            specific.update({(t, a): r / max(rarity.values()) for a, r in rarity.items()})
    return Terms(weights, alts, frozenset(t for t in weights if t in idf), split, measures, specific)


def _translated(q, weights: dict[str, float], alts: dict[str, tuple[str, ...]], idf: Mapping[str, float],
                top: float) -> None:
    """An English question's terms said by the Chinese words the dictionary gives for them
    (``q.translations``): a phrase (life expectancy → 预期寿命) is one term in place of its words;
    a translated term weighs as its rarest Chinese word the corpus holds (Yunnan → 云南 says
    little in Yunnan's report); words that only frame an English question (year, share) weigh
    nothing, unless the genre lexicon gives words for them (grow → 增长)."""
    from ..bilingual import STOP

    translations = getattr(q, "translations", ())
    for t in [t for t in weights if translations and t in STOP and not alts.get(t)]:  # not growth → 增长
        weights.pop(t)
    for tr in translations:
        words = tr.words
        key = tr.english if len(words) > 1 else words[0] if words else tr.english
        if len(words) > 1:
            if not tr.chinese:
                continue
            for w in words:
                weights.pop(w, None)
            weights[key] = top
        if key not in weights:
            continue
        alts[key] = tuple(dict.fromkeys(alts.get(key, ()) + tr.chinese))
        rarity = [r for a in alts[key] if (r := _rarity(a, idf))] if idf else []
        if key not in idf and rarity:
            weights[key] = min(top, max(rarity))


def _rarity(word: str, idf: Mapping[str, float]) -> float:
    """The IDF of ``word``, or of its rarest piece the corpus holds (地区生产总值: 生产总值), 0 when
    none is held."""
    if word in idf:
        return idf[word]
    return max((idf[word[i:j]] for i in range(len(word)) for j in range(i + 2, len(word) + 1)
                if word[i:j] in idf), default=0.0)


def gather(hits: Sequence[Hit], terms: Terms, years: "DocumentYears | Mapping[str, DocumentYears]",
           documents: Mapping[str, object] | None = None) -> list[Sentence]:
    """Every sentence of every hit (read whole from its document when ``documents`` is given,
    with the rest of its paragraph), scored, in hit then document order. ``years`` are the
    documents' years, one reading or one per document id (a passage's period is its own
    document's)."""
    out: list[Sentence] = []
    seen: set[tuple[str, int]] = set()
    n = max(len(hits), 1)
    for rank, hit in enumerate(hits):
        doc = documents.get(hit.doc_id) if documents else None
        if doc is not None and hit.paragraph != (0, 0) and hit.paragraph[1] > hit.paragraph[0]:
            base, text = hit.paragraph[0], doc.text[hit.paragraph[0]:hit.paragraph[1]]
        else:
            base, text = hit.start, hit.text
        highlighted = [(hit.start + s.start, hit.start + s.end) for s in hit.sentences]
        period = section_period(hit.section, years_for(years, hit.doc_id))
        spans = split_sentences(text)
        if spans:  # a paragraph that reviews five years under a heading of one year
            period = paragraph_period(period, text[spans[0][0]:spans[0][1]].strip())
        context = " ".join(hit.section)
        for order, (s, e) in enumerate(spans):
            start, end = base + s, base + e
            sentence = text[s:e].strip()
            if order == 1 and is_lead(text[spans[0][0]:spans[0][1]].strip(), 0, len(spans)):
                context += " " + text[spans[0][0]:spans[0][1]]  # the paragraph's topic, as its section's
            if not sentence or (hit.doc_id, start) in seen and not (start < hit.end and end > hit.start):
                continue
            in_hit = start < hit.end and end > hit.start
            seen.add((hit.doc_id, start))
            share = terms.share(sentence, context)
            lit = any(a < end and b > start for a, b in highlighted)
            score = share + (HIGHLIGHT_BONUS if lit else 0.0) + RANK_BONUS * (1 - rank / n)
            out.append(Sentence(rank, hit.doc_id, start, end, sentence, period, (base, base + len(text)),
                                order, in_hit, score if in_hit else score - RANK_BONUS, share))
    return out


def is_lead(text: str, order: int, count: int) -> bool:
    """A paragraph's lead: its first sentence, short, without a figure, followed by others
    (加强托育养老体系建设。): it names the topic; the sentences after it say what is done."""
    return order == 0 and count > 1 and len(text) <= LEAD_CHARS and not has_figure(text)


def has_figure(text: str) -> bool:
    return bool(FIGURE.search(text))


def is_point(text: str) -> bool:
    """A numbered point: 一是…, ——…, （一）…"""
    return bool(ORDINAL.match(text.strip()))
