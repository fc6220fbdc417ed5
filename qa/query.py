"""Validate and clean what users type before it reaches the engine.

Everything here is bounded: a query is cut to a few thousand characters *before* any
per-character work, so a 30-million-character paste costs no more than a short one.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from collections.abc import Collection, Mapping
from typing import Literal, Sequence

from .errors import InputError

MAX_QUERY_CHARS = 500  # what is searched
MAX_RAW_CHARS = 4 * MAX_QUERY_CHARS  # what is looked at, at most (room for dropped characters)
DEFAULT_K = 5  # passages returned when k is not given (search, ask, CLI, web app)
MAX_K = 100

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # incl. Ext. A and B–G
# kana, but not ・ and ー (U+30FB/30FC), which Chinese text uses too
_KANA = r"\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fd-\u30ff\u31f0-\u31ff\uff66-\uff9d"
_HANGUL = r"\u1100-\u11ff\u3130-\u318f\uac00-\ud7af\ua960-\ua97f\ud7b0-\ud7ff"
_SCRIPTS = {"han": re.compile(f"[{_HAN}]"), "kana": re.compile(f"[{_KANA}]"),
            "hangul": re.compile(f"[{_HANGUL}]"), "latin": re.compile(r"[A-Za-z\u00c0-\u024f]")}
_SENTENCE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+|\n|$)")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DROPPED = ("Cc", "Cf", "Cs")  # control, format (zero-width), surrogates (unencodable)

Keep = Literal["start", "last_sentence"]


@dataclass(frozen=True)
class Query:
    """A cleaned query. ``truncated`` says it was cut; ``kept`` which part: the first
    ``MAX_QUERY_CHARS`` characters ("start") or the question at the end ("last_sentence")."""

    text: str
    original_length: int
    truncated: bool = False
    kept: Keep = "start"

    @property
    def notice(self) -> str:
        if not self.truncated:
            return ""
        if self.kept == "last_sentence":
            return f"问题较长（{self.original_length} 个字符），只按最后一句检索"
        return f"问题较长（{self.original_length} 个字符），只按前 {MAX_QUERY_CHARS} 个字符检索"


def clean_text(raw: str) -> str:
    """``raw`` without control, zero-width and surrogate characters, white space folded to single
    spaces. Lone surrogates (from undecodable bytes, e.g. a command-line argument ``$'\\xff'``)
    can never be encoded and are dropped here, in one place."""
    text = "".join(" " if ch.isspace() else ch for ch in raw
                   if ch.isspace() or unicodedata.category(ch) not in _DROPPED)
    return re.sub(r"\s+", " ", text).strip()


def encodable(text: str) -> str:
    """``text`` without lone surrogates (all else kept, line breaks too): safe to encode as UTF-8
    or JSON, e.g. to echo a question as it was typed."""
    return text.encode("utf-8", "ignore").decode("utf-8") if _SURROGATE.search(text) else text


def last_sentence(text: str) -> str:
    """The question at the end of a long paste: its last sentence that ends with a question mark,
    else its last sentence with a word in it, at most ``MAX_QUERY_CHARS`` characters (its end)."""
    sentences = [s.strip() for s in _SENTENCE.findall(text) if _has_word(s)]
    if not sentences:
        return text[-MAX_QUERY_CHARS:].strip()
    questions = [s for s in sentences if s.rstrip("。；;").endswith(("?", "？"))]
    return (questions or sentences)[-1][-MAX_QUERY_CHARS:].strip()


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _unsupported_script(text: str) -> str | None:
    """An honest Chinese message when ``text`` is in a language the engine cannot search:
    Japanese (any kana), Korean (any Hangul), or letters of another script with no Chinese
    characters. Chinese and English are supported."""
    if _SCRIPTS["kana"].search(text):
        return "暂不支持日语提问：请用中文提问（英文也可以）"
    if _SCRIPTS["hangul"].search(text):
        return "暂不支持韩语提问：请用中文提问（英文也可以）"
    if _SCRIPTS["han"].search(text) or _SCRIPTS["latin"].search(text):
        return None
    if any(ch.isalpha() for ch in text):
        return "暂不支持这种文字的提问：请用中文提问（英文也可以）"
    return None


def prepare_query(raw: object, *, keep: Keep = "start") -> Query:
    """Cut, clean and check a query.

    Only the first (``keep="start"``) or last (``keep="last_sentence"``) ``MAX_RAW_CHARS``
    characters are ever looked at. Control, zero-width and unencodable characters are dropped and
    white space folded. A query still longer than ``MAX_QUERY_CHARS`` is cut to its start, or to
    its last sentence (a long paste usually ends with the question about it).

    Raises InputError (in Chinese) for a non-string, an empty query, one with nothing to search
    for (only punctuation or emoji) and one in a language the engine does not support.
    """
    if not isinstance(raw, str):
        raise InputError(f"问题必须是文本，而不是 {type(raw).__name__}")
    if keep not in ("start", "last_sentence"):
        raise InputError(f"keep 只能是 'start' 或 'last_sentence'，而不是 {keep!r}")
    head = raw[:MAX_RAW_CHARS] if keep == "start" else raw[-MAX_RAW_CHARS:]
    text = clean_text(head)
    if not text:
        raise InputError("问题是空的：请输入一个关于报告的问题")
    if not _has_word(text):
        raise InputError("问题里没有可以检索的文字（只有标点或符号）")
    unsupported = _unsupported_script(text)
    if unsupported:
        raise InputError(unsupported)
    truncated = len(raw) > MAX_RAW_CHARS or len(text) > MAX_QUERY_CHARS
    if truncated:
        text = last_sentence(text) if keep == "last_sentence" else text[:MAX_QUERY_CHARS].strip()
    return Query(text, len(raw), truncated, keep)


def usable_history(history: object) -> list[str]:
    """Earlier questions, each prepared like a query; those that are not one (not text, empty,
    punctuation only, an unsupported language) are left out rather than failing the question
    asked now."""
    if isinstance(history, str) or not isinstance(history, (list, tuple)):
        return []
    usable = []
    for item in history[-20:]:
        try:
            usable.append(prepare_query(item).text)
        except InputError:
            continue
    return usable


def check_k(k: object) -> int:
    """``k`` as an int in 1..MAX_K, or InputError (in Chinese) naming k and the bad value."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise InputError(f"k（返回的段落数）必须是整数，而不是 {_shown(k)}")
    if not 1 <= k <= MAX_K:
        raise InputError(f"k（返回的段落数）必须在 1 到 {MAX_K} 之间，而不是 {_shown(k)}")
    return k


def k_from_request(value: object) -> int:
    """``k`` as it arrives over HTTP or from a form: an int, an integral float (JSON numbers) or a
    string of digits, in 1..MAX_K. Anything else ("abc", "1e3", None, [1], 2.5, True) is an
    InputError naming k."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= 10 * MAX_K:
        value = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]{1,6}\s*", value):
        value = int(value)
    return check_k(value)


def _shown(value: object, width: int = 40) -> str:
    """``repr(value)`` cut to ``width`` characters (a 5,000-digit int is never turned into text)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"一个 {value.bit_length() * 3 // 10} 位左右的整数"
    text = repr(value)
    return text if len(text) <= width else text[:width] + "…"


SHOWN_IDS = 3  # document ids named in a message, at most


def named(ids: Sequence[str], total: int | None = None) -> str:
    """A few ids, each cut short, "…" when there are more: 'a.txt'、'b.md'…"""
    ids = list(ids)
    return "、".join(_shown(i) for i in ids[:SHOWN_IDS]) + ("…" if len(ids) > SHOWN_IDS else "")


def unknown_documents(unknown: Sequence[str], known: Sequence[str]) -> str:
    """The message for document ids not in the corpus: how many, a few of them, a few that are."""
    have = f"现有 {len(known)} 个文档：{named(known)}" if known else "语料中还没有文档"
    if len(unknown) == 1:
        return f"没有文档 {_shown(unknown[0])}（{have}）"
    return f"有 {len(unknown)} 个未知文档 ID，例如 {named(unknown)}（{have}）"


def check_documents(documents: object, known: "Collection[str]") -> tuple[str, ...] | None:
    """``documents`` (ids to search within) checked against the ``known`` ids: None (all documents)
    stays None, one id may be given as a string, repeats are dropped. InputError (short, in Chinese,
    a few names and the counts) for anything else: not a list of strings, empty, unknown ids."""
    if documents is None:
        return None
    if isinstance(documents, str):
        documents = (documents,)
    if isinstance(documents, (bytes, bytearray, Mapping)) or not isinstance(documents, Collection):
        raise InputError(f"documents 必须是文档 ID 的列表，而不是 {type(documents).__name__}（{_shown(documents)}）")
    bad = [d for d in documents if not isinstance(d, str)]
    if bad:
        raise InputError(f"文档 ID 必须是文本：有 {len(bad)} 个不是，例如 {named(bad)}")
    if not documents:
        raise InputError("documents 是空的：请至少指定一个文档，或不指定（检索全部文档）")
    ids = tuple(dict.fromkeys(documents))
    unknown = [d for d in ids if d not in known]
    if unknown:
        raise InputError(unknown_documents(unknown, list(known)))
    return ids


# ---------------------------------------------------------------- question analysis
# (the question is analysed once; retrieval and the answer read these decisions)

FIGURE, LIST, TOPIC, REASONS, COMPARE, FACT = "figure", "list", "topic", "reasons", "comparison", "fact"
DENSE, CROSSLINGUAL = "dense", "crosslingual"

_UNITS = (
    "个百分点|百分点|平方公里|平方米|万平方米|立方米|公里|千米|公顷|千瓦时|千瓦|兆瓦|人次|人|户|家|个|项|条|所|座|处|套|"
    "辆|吨|亩|公斤|斤|米|元|倍|次|场|名|张|台|间|栋|批|届|天|小时|分钟|颗|列|艘|架次|架|标箱|位|件|%|％"
)
_LIST_CUE = re.compile(
    r"哪些|哪几|哪[两二三四五六七八九十]|什么项目|有啥|都有什么|列举|分别|"
    r"\bwhat are\b|\bwhat (?:projects|measures|steps|plans)\b|\blist\b|"
    r"\bwhich\s+(?!is\b|was\b|has\b|does\b)\w+s\b", re.I)
_TOPIC_CUE = re.compile(r"做了什么|做了哪些|干了什么|干了啥|有什么安排|有什么计划|有什么打算|怎么说|说了什么|说了啥|"
                        r"这块|这方面|方面|情况如何|怎么样|有什么新|有何|进展|还要做什么|要做什么|做了些什么|"
                        r"\bwhat (?:did|has|have|will)\b.*\bdo\b", re.I)
_FIGURE_CUE = re.compile(
    rf"多少|(?<![哪第])几(?:万|亿)?(?:{_UNITS})|百分之几|百分比|比例|占比|比重|增速|增长率|贡献率|多大|多长|多高|"
    r"\bhow (?:many|much|far|long|large|big)\b|\bwhat (?:percentage|percent|share|proportion)\b|"
    r"\b(?:rate|ratio|intensity)\b",
    re.I)
_REASON_CUE = re.compile(r"为什么|为何|原因|怎么回事|难在|难点|毛病|出在哪|症结|差距|不足|短板|挑战|困难|问题在|什么问题|不利|"
                         r"哪些问题|不容易|不愿意|风险|凭什么|依据是什么|有利条件|\bwhy\b|\bproblems?\b|\bchallenges?\b|"
                         r"\bshortcomings?\b|\bdifficult", re.I)
_COMPARE_CUE = re.compile(r"比去年|比上年|相比|对比|比较|比起来|分别|各是|变化|高吗|低吗|多了|少了|进度|程度|"
                          r"[高低多少快慢大小]还是[高低多少快慢大小]|哪个|谁|\bcompared?\b", re.I)
# 几个 before a noun in a question that asks 什么/哪些 counts nothing: 几个特色小镇去年各有什么进展
_COUNT_ONLY = re.compile(r"多少|百分之几|比例|占比|比重|增速|增长率|贡献率|多大|多长|多高|\bhow (?:many|much)", re.I)
_ASKED_UNIT = re.compile(rf"(?:多少|(?<!第)几)(?:[万亿])?(?P<unit>{_UNITS})")
_PERCENT_CUE = re.compile(r"百分之几|百分比|比例|占比|比重|增速|增长率|贡献率|增长了多少|涨了多少|涨多少|增长多少|"
                          r"下降了多少|提高了多少|\bpercent|\bshare\b|\bgrowth\b|\bgrow\b|\brate\b|\bratio\b|\bintensity\b", re.I)
# 多大 asks an area unless the question names an amount (经济总量有多大, 规模多大)
_SIZE_CUE = ((re.compile(r"面积|占地|^(?!.*(?:总量|规模|体量|力度|产值|经济|投资|收入|资金)).*多大"), "平方公里"), (re.compile(r"多长(?!时间)|里程"), "公里"),  # 多长时间: a time
             (re.compile(r"多少钱|资金|金额|收入"), "元"))
_CONTEXT = "（接上文："  # how a follow-up shows the question it leans on
_PLACE_SUFFIX = re.compile(r"(?:区|县|市|省|镇|乡)$")
_DISTRICT = re.compile(r"(?:区|县)$")
# the words between the quantity asked about and 多少: 常住人口[是]多少, 利润[增长了]多少
_HEAD_CUE = re.compile(r"(?:的)?(?:是|有|为|达到|达|共|一共|总共|大约|大概|增长了|增长|增加了|提高了|下降了|"
                       r"减少了|涨了|涨)?多少")
_FOLLOW_UP = re.compile(r"^(?:那|那么|还有|另外|其中|这个|这些|那些|这几|这|它|其|同时|and\b|what about\b|how about\b)|呢[？?]?$|呢，",
                        re.I)
_QUESTION_WORDS = re.compile(r"那么|那|呢|吗|还有|其中|这个|这些|那些|这几个|这几|多少|几个|哪些|哪几个|是什么|什么|怎么样|如何|"
                             r"请问|一下|分别|又是|一共|大概|现在|目前|[？?，,。！!、\s]")


@dataclass(frozen=True)
class AnalyzedQuery:
    """A question analysed once, for retrieval and for the answer.

    ``text`` is the question as understood (a follow-up completed from ``history``, pinyin slips
    corrected), ``asked`` as typed. ``tokens`` are its words, ``expansions`` the report words it
    also searches (lexicon, abbreviations, nearest terms). ``route`` is "dense" or
    "crosslingual" (an English question embedded by the cross-lingual encoder). ``periods`` are
    the periods asked about; ``answer_type`` one of figure, list, topic, reasons, comparison,
    fact; ``unit`` the unit a figure question expects. ``missing`` names what the documents do
    not cover (a year, a place), ``absent`` the quantity a figure question asks for when the
    documents never use its word nor a lexicon term for it (出生率), and ``corrections`` the
    (typed, corrected) slips. ``by_document`` holds, when the documents' years differ, the
    periods as each document reads them ((doc id, periods) pairs: 今年 is 2024 in one, 2026 in
    another); ``periods`` are then those of the latest documents.
    ``places`` are the regions (``qa.places.Region``) the question names
    (or, naming none, the question before it named); ``scopes`` the ids of the documents that
    answer for each place routed (the search is limited to them), ``lacked`` the places the
    library has no document for (then it is not covered) and ``held`` the places it holds.
    """

    text: str
    asked: str
    tokens: tuple[str, ...] = ()
    expansions: tuple[str, ...] = ()
    route: str = DENSE
    periods: tuple = ()
    answer_type: str = FACT
    unit: str | None = None
    missing: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()
    follow_up: bool = False
    notice: str = ""
    by_document: tuple = ()
    places: tuple = ()
    scopes: tuple[tuple[str, ...], ...] = ()
    lacked: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    content: str = ""  # the question without the place names that scope it ("" when the same)
    asks_place: bool = False  # the answer is places (哪些省份提出了…): one item per report
    criterion: object = None  # qa.criteria.Criterion: the condition such a question sets on each report's figure
    # an English question's words and phrases with the Chinese words the documents use for them
    # (qa.bilingual.Translation: "life expectancy" → 预期寿命); () for a Chinese question
    translations: tuple = ()

    @property
    def documents(self) -> tuple[str, ...]:
        """The ids of the documents the question's places route to (() for all)."""
        return tuple(dict.fromkeys(d for scope in self.scopes for d in scope))

    @property
    def intent(self) -> str | None:
        """"done" or "plan" when the question asks about one period only, else None."""
        phases = {p.phase for p in self.periods}
        return phases.pop() if len(phases) == 1 else None

    def periods_of(self, doc_id: str) -> tuple:
        """The periods asked about as document ``doc_id`` reads them."""
        return next((p for d, p in self.by_document if d == doc_id), self.periods)

    def for_documents(self, doc_ids) -> "AnalyzedQuery":
        """This question with the periods of documents ``doc_ids`` (best first: the documents of
        the hits in rank order) when they all read it the same way (the answer speaks of 2024 when
        its passages are the Tongzhou report's); when they differ, as the best passage's document
        reads it (retrieval ranked each passage by its own document's reading already)."""
        doc_ids = list(dict.fromkeys(doc_ids))
        if not self.by_document or not doc_ids:
            return self
        readings = {self.periods_of(d) for d in doc_ids}
        return replace(self, periods=readings.pop() if len(readings) == 1 else self.periods_of(doc_ids[0]))

    def intent_of(self, doc_id: str) -> str | None:
        """``intent`` as document ``doc_id`` reads the question."""
        phases = {p.phase for p in self.periods_of(doc_id)}
        return phases.pop() if len(phases) == 1 else None

    @property
    def search_tokens(self) -> list[str]:
        return list(self.tokens) + [t for t in self.expansions if t not in self.tokens]

    @property
    def understood(self) -> str:
        """The question as understood, when that differs from what was typed; else ""."""
        return self.text if self.text != self.asked else ""

    @property
    def english(self) -> bool:
        return self.route == CROSSLINGUAL

    def to_dict(self) -> dict:
        """Plain JSON of what analysis decided (periods as {year, phase, part, explicit})."""
        return {
            "text": self.text, "asked": self.asked, "tokens": list(self.tokens),
            "expansions": list(self.expansions), "route": self.route,
            "periods": [{"year": p.year, "phase": p.phase, "part": p.part, "explicit": p.explicit}
                        for p in self.periods],
            "answer_type": self.answer_type, "unit": self.unit, "missing": list(self.missing),
            "absent": list(self.absent), "corrections": [list(c) for c in self.corrections],
            "follow_up": self.follow_up, "notice": self.notice,
            "places": [p.to_dict() for p in self.places], "scopes": [list(s) for s in self.scopes],
            "lacked": list(self.lacked), "content": self.content, "asks_place": self.asks_place,
            "criterion": None if self.criterion is None else {
                "kind": self.criterion.kind, "value": self.criterion.value, "unit": self.criterion.unit,
                "qualifier": self.criterion.qualifier},
            "translations": [{"english": t.english, "chinese": list(t.chinese)} for t in self.translations],
        }


@dataclass(frozen=True)
class Vocabulary:
    """What analysis needs to know of the corpus: its years, its text (to check that a place or
    year is there), and functions for tokens, expansions and pinyin corrections."""

    years: object  # qa.periods.DocumentYears
    text: object  # the corpus text: a str or a qa.corpustext.CorpusText (both answer ``in``)
    tokenize: object  # str -> list[str]
    expand: object = None  # (text, tokens) -> list[str]
    correct: object = None  # str -> (str, tuple[(typed, corrected)])
    crosslingual: bool = False
    looks_english: object = None  # str -> bool
    places: object = None  # str -> list of place names in it
    tag: object = None  # str -> list of (word, part-of-speech flag)
    known: object = None  # str -> bool: the corpus uses the word or a lexicon term for it
    documents: object = None  # doc id -> qa.periods.DocumentYears (relative years per document)
    library: object = None  # document id -> qa.places.Region or None (what each is about)
    cut: object = None  # str -> list[str]: plain words (a place's short name must be one)
    translate: object = None  # English text -> tuple[qa.bilingual.Translation] (Chinese words the corpus uses)


# a question asking what is done for someone (怎么支持, 有什么帮助, 有什么办法): the measures, a summary
_MEASURES = r"(?:支持|帮助|帮扶|扶持|办法|措施|举措|政策|优惠|便利|补贴)"
_MEASURES_CUE = re.compile(rf"(?:怎么|怎样|如何)(?:样的)?{_MEASURES}|(?:什么|啥)[\u4e00-\u9fff]{{0,2}}?{_MEASURES}|"
                           rf"(?:能|会|可以)(?:给|提供)?(?:哪些){_MEASURES}|"
                           r"\bwhat (?:support|help|measures|policies)\b", re.I)


def answer_type(text: str, periods: Sequence = ()) -> str:
    """The shape of answer a question wants, from its cue words and the periods it asks about."""
    if _REASON_CUE.search(text):
        return REASONS
    if _MEASURES_CUE.search(text) and not _FIGURE_CUE.search(text):
        return TOPIC
    both = len({p.phase for p in periods}) > 1
    figure = bool(_FIGURE_CUE.search(text))
    if both and (figure or _COMPARE_CUE.search(text)):
        return COMPARE
    if _LIST_CUE.search(text):
        return LIST
    if figure and (_COUNT_ONLY.search(text) or not _TOPIC_CUE.search(text)):
        return FIGURE
    if _TOPIC_CUE.search(text) or both:
        return TOPIC
    return FACT


_MEASURES = (("增速", "增幅", "涨幅", "增长率"), ("降幅", "下降率"), ("占比", "比重", "百分比"))  # kinds of measure
_MEASURE = re.compile("^(?:" + "|".join(w for kind in _MEASURES for w in kind) + ")$")


def other_measure(text: str, word: str) -> bool:
    """Whether ``text`` names a kind of measure other than ``word``'s (比重 for 增速)."""
    kind = next((k for k in _MEASURES if word in k), ())
    return any(w in text for k in _MEASURES if k is not kind for w in k)


# words that ask for the amount itself (经济总量, 体量): said by a figure in any unit but a rate's
AMOUNT = "amount"
_AMOUNT = re.compile("^(?:总量|体量)$")
RATE_UNITS = frozenset({"%", "个百分点", "百分点", "倍", "位", "名"})  # rates, and ranks (居全国第2位)
# and a time taken (多长时间, 用时): said by a figure in days or hours (仅用90天建成)
DURATION = "duration"
_DURATION = re.compile("^(?:时间|用时|耗时|工期)$")
DURATION_UNITS = frozenset({"天", "小时", "分钟"})


def measure_unit(word: str) -> str | None:
    """The unit a word that names a generic measure is given in (增速, 增长率, 占比 → %; 总量 →
    AMOUNT: any unit of a quantity; 时间 → DURATION: days, hours), else None: 增长5.5% says 增速,
    地区生产总值5696亿元 经济总量, 用90天建成 时间."""
    if _MEASURE.match(word):
        return "%"
    return AMOUNT if _AMOUNT.match(word) else DURATION if _DURATION.match(word) else None


def asks_figure(text: str) -> bool:
    """Whether a question asks for a figure (多少, 增速, 几个…)."""
    return bool(_FIGURE_CUE.search(text))


def expected_unit(text: str) -> str | None:
    """The unit a figure question asks for: 公里 in 多少公里, % in 增长了多少, else None."""
    found = _ASKED_UNIT.search(text)
    if found:
        return found.group("unit").replace("％", "%")
    if _PERCENT_CUE.search(text):
        return "%"
    for pattern, unit in _SIZE_CUE:
        if pattern.search(text):
            return unit
    return None


def asked_unit(text: str) -> str | None:
    """The unit a question names with 多少/几 (多少公里, 几个, 多少亿人次), else None: not the
    units implied by 增长多少 or 多大."""
    found = _ASKED_UNIT.search(text)
    return found.group("unit").replace("％", "%") if found else None


def unknown_places(places: Sequence[str], corpus_text) -> tuple[str, ...]:
    """The place names of a question (as tagged) that the corpus never mentions (大兴区). A district
    or county named with its suffix must be there in that form: a report that lists 朝阳、海淀 as
    partners of its own district does not cover 朝阳区."""
    out = []
    for place in places:
        core = _PLACE_SUFFIX.sub("", place)
        if len(core) >= 2 and (core not in corpus_text or (_DISTRICT.search(place) and place not in corpus_text)):
            out.append(place)
    return tuple(dict.fromkeys(out))


# a thing named by its number among others of its kind: 3号线, 二期工程
_NUMBERED = re.compile(r"(\d{1,3}|[一二两三四五六七八九十]{1,3})(号线|期工程)")


def unknown_numbered(text: str, corpus_text) -> tuple[str, ...]:
    """The numbered names of a question (3号线, 二期工程) the corpus never mentions, in digits or in
    words (3号线 is 三号线): a report on 二号线 does not cover 3号线."""
    import cn2an  # imported here: paid only by a question naming one

    out = []
    for m in _NUMBERED.finditer(text):
        number, kind = m.groups()
        try:
            other = cn2an.an2cn(number) if number.isdigit() else str(cn2an.cn2an(number.replace("两", "二"), "smart"))
        except (ValueError, KeyError, TypeError, IndexError):
            other = number
        if not any(form + kind in corpus_text for form in {number, other}):
            out.append(m.group())
    return tuple(dict.fromkeys(out))


def figure_head(text: str, tag) -> str | None:
    """The quantity a figure question asks for: the noun just before 多少 (and its verb) as tagged,
    of two characters at least (城镇登记失业率是多少 → 失业率); None when there is none."""
    found = _HEAD_CUE.search(text)
    if not found:
        return None
    words = tag(text[:found.start()])
    if not words:
        return None
    word, flag = words[-1]
    noun = flag.startswith("n") or flag in ("vn", "eng")
    return word if noun and len(word) >= 2 else None


def is_follow_up(text: str, tokenize, history: Sequence[str]) -> bool:
    """An elliptical question that leans on the one before: 那2023年呢？其中哪些已经完工？"""
    if not history:
        return False
    if _FOLLOW_UP.search(text.strip()):
        return True
    from .periods import YEAR_WORDS

    rest = _QUESTION_WORDS.sub("", YEAR_WORDS.sub("", text))
    return len(_FRAME_ONLY.sub("", rest)) <= 3


# words that name no subject of their own: 今年的目标是多少？ 年底能到多少？ lean on the question before
_FRAME_ONLY = re.compile(r"的|是|目标|计划|打算|预计|准备|年底|年末|能|到|要|达到|将")


def resolve_follow_up(text: str, history: Sequence[str], vocab: Vocabulary) -> str:
    """The question an elliptical follow-up stands for, from the last earlier question: its
    period replaced by the one now asked, the new words added.

    "那去年呢？" after "2024年打算增加多少个托位？" → "2023年增加多少个托位？".
    """
    from .periods import YEAR_WORDS, question_periods, replace_period

    previous = history[-1]
    if len(history) > 1 and is_follow_up(previous, vocab.tokenize, history[:-1]):
        previous = resolve_follow_up(previous, history[:-1], vocab)
    periods = question_periods(text, vocab.years)
    rest = _QUESTION_WORDS.sub("", YEAR_WORDS.sub("", text))
    if not rest:  # 那2023年呢？ — the earlier question, asked of another period
        return replace_period(previous, periods, vocab.years) if periods else previous
    return f"{text.lstrip('那么')}{_CONTEXT}{previous.rstrip('？?。')}）"


_ASKS_PLACE = re.compile(r"(?:哪些|哪几个|哪个|哪一个|什么|多少个|几个)(?:省份|省区|省|自治区|地区|地方|城市|市|区县|县|区)|"
                         r"\bwhich (?:provinces?|regions?|cities|city|places?)\b", re.I)


def asks_place(text: str) -> bool:
    """Whether the question's answer is places: 哪些省份提出了…, 哪个省的…最高."""
    return bool(_ASKS_PLACE.search(text))


@dataclass(frozen=True)
class Placed:
    """The places of a question as routed over the library (see ``question_places``)."""

    places: tuple = ()
    scopes: tuple[tuple[str, ...], ...] = ()
    lacked: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    scoping: tuple[tuple[int, int], ...] = ()  # spans of the question naming a place that scopes it
    named: tuple[str, ...] = ()  # how the question names its places (routing decides about them)


def question_places(text: str, history: Sequence[str], vocab: Vocabulary) -> Placed:
    """The places ``text`` names (or, naming none, the nearest earlier question named), routed
    over the library (``qa.places.route``). A place with no document of its own, its parent's or
    its children's is a content word when another place routes; else it is lacked when the
    library never mentions it, or when it is as specific as the library's own places (another
    province's report asked of a library of provinces); the question is not covered only when
    no place of it routes. Spans naming a place answered by its own
    documents or its children's scope the search: they are not searched as words."""
    from .places import held, mentions, route

    library = vocab.library or {}
    regions = [r for r in library.values() if r is not None]
    if not regions:
        return Placed()
    found = mentions(text, library=regions, cut=vocab.cut)
    own = len(text.split(_CONTEXT)[0])  # a follow-up's own words end here
    replaced = ()
    if any(m.end <= own for m in found) and any(m.start >= own for m in found):
        # 换成甘肃呢？（接上文：江西…）: the place named now replaces the one of the question before
        replaced = tuple((m.start, m.end) for m in found if m.start >= own)
        found = [m for m in found if m.end <= own]
    places = tuple(dict.fromkeys(m.region for m in found))
    if not places:
        for earlier in reversed(history):
            places = tuple(dict.fromkeys(m.region for m in mentions(earlier, library=regions, cut=vocab.cut)))
            if places:
                found = []
                break
    routing = route(places, library)
    finest = max(r.depth for r in regions)
    lacked = tuple(p.name for p in routing.lacked
                   if p.depth >= finest or not any(n in vocab.text for n in p.names if len(n) >= 2))
    scoping = {p.code for p, how in zip(routing.places, routing.via) if how in ("own", "children")}
    spans = tuple((m.start, m.end) for m in found if m.region.code in scoping) + replaced
    return Placed(routing.places, routing.scopes, lacked, held(library), spans, tuple(m.text for m in found))


def _without(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with the characters of ``spans`` replaced by a comma (no word of theirs left)."""
    out, pos = [], 0
    for start, end in sorted(spans):
        out += [text[pos:start], "，"]
        pos = end
    return "".join(out + [text[pos:]])


def analyse(question: "str | Query", vocab: Vocabulary, history: Sequence[str] = ()) -> AnalyzedQuery:
    """Analyse a question once: the question as understood, its tokens and expansions, route,
    periods, answer type, expected unit and what the documents lack (see ``AnalyzedQuery``)."""
    from .criteria import criterion
    from .periods import document_periods, question_periods, uncovered_years

    q = question if isinstance(question, Query) else prepare_query(question)
    text, follow = q.text, False
    history = usable_history(history)
    if is_follow_up(text, vocab.tokenize, history):
        text, follow = resolve_follow_up(text, history, vocab), True
    english = bool(vocab.looks_english and vocab.looks_english(text))
    placed = question_places(text, history, vocab)
    missing = tuple(f"{y}年" for y in uncovered_years(text, vocab.years))
    missing += tuple(p for p in unknown_places(vocab.places(text) if vocab.places else (), vocab.text)
                     if not any(n in p for n in placed.named))  # places of the gazetteer are routed
    missing += unknown_numbered(text, vocab.text)
    corrections: tuple = ()
    if vocab.correct and not english:
        protected = text
        for place in missing:
            protected = protected.replace(place, "\0" * len(place))
        corrected, corrections = vocab.correct(protected)
        if corrections:
            text = "".join(o if c == "\0" else c for o, c in zip(text, corrected))
    # a follow-up with words of its own asks about its own period, if it names one, and its own
    # words count twice
    own = text.split(_CONTEXT)[0] if follow else text
    if corrections:
        placed = question_places(text, history, vocab)
    content = _without(text, placed.scoping) if placed.scoping else text
    searched = content.replace(_CONTEXT, "（")
    tokens = tuple(vocab.tokenize(searched))
    if own != text:
        tokens += tuple(t for t in vocab.tokenize(content.split(_CONTEXT)[0]))
    expansions = tuple(vocab.expand(searched, tokens)) if vocab.expand else ()
    translations = tuple(vocab.translate(searched)) if english and vocab.translate else ()
    if translations:  # the Chinese words of an English question's words are searched too
        expansions += tuple(w for t in translations for c in t.chinese for w in vocab.tokenize(c))
    periods = question_periods(own, vocab.years) or question_periods(text, vocab.years)
    by_document: tuple = ()
    if vocab.documents and len(set(vocab.documents.values())) > 1:  # 今年 is each document's own
        by_document = tuple((d, p or q) for (d, p), (_, q) in zip(document_periods(own, vocab.documents),
                                                                 document_periods(text, vocab.documents)))
    kind = answer_type(own, periods)
    place_answer = asks_place(own) and not placed.places
    absent: tuple = ()
    if kind == FIGURE and vocab.tag and vocab.known and not english:
        head = figure_head(own, vocab.tag)
        if head and head not in missing and not vocab.known(head):
            absent = (head,)
    return AnalyzedQuery(
        text=text, asked=q.text, tokens=tokens, expansions=tuple(t for t in expansions if t not in tokens),
        route=CROSSLINGUAL if english and vocab.crosslingual else DENSE, periods=periods,
        answer_type=kind, unit=expected_unit(own) or expected_unit(text), missing=missing, absent=absent,
        corrections=corrections, follow_up=follow, notice=q.notice, by_document=by_document,
        places=placed.places,
        scopes=placed.scopes, lacked=placed.lacked, held=placed.held,
        content=content if content != text else "", asks_place=place_answer,
        criterion=criterion(own) if place_answer else None, translations=translations)
