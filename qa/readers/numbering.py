"""Word's automatic list numbers (numbering.xml), rendered as the reader sees them: 一、 （一） 1.

Reports often number their headings with Word's numbering instead of typing 一、; python-docx
gives the paragraph text without it. ``Numbering.label(paragraph)`` returns the number Word shows
("二、", "（三）", "1.") so the heading is found and the text reads as printed. Bullets give "".
"""
from __future__ import annotations

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "〇一二三四五六七八九"


def paragraph_style(paragraph):
    """``paragraph.style``, looked up once per style id and document (python-docx scans every style
    for the default on each call: a millisecond per paragraph)."""
    cache = vars(paragraph.part).setdefault("_qa_styles", {})
    style_id = paragraph._p.style
    if style_id not in cache:
        cache[style_id] = paragraph.style
    return cache[style_id]


def paragraph_property(paragraph, tag: str):
    """The ``w:pPr`` child ``tag`` (e.g. "numPr", "outlineLvl") set on a python-docx paragraph, or
    inherited through its style chain; None when neither sets it."""
    pPr = paragraph._p.pPr
    found = pPr.find(f"{_W}{tag}") if pPr is not None else None
    style = paragraph_style(paragraph) if found is None else None
    while found is None and style is not None:
        spPr = style.element.find(f"{_W}pPr")
        found = spPr.find(f"{_W}{tag}") if spPr is not None else None
        style = style.base_style
    return found


def chinese_counting(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (Word's chineseCounting)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _DIGITS[rest] if rest < 10 else
                                     (_DIGITS[1] if rest < 20 else "") + chinese_counting(rest))
        return _DIGITS[n // 100] + "百" + tail
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                           (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def format_number(n: int, fmt: str) -> str:
    """A list counter in one of Word's number formats (unknown formats as decimal)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "taiwaneseCounting",
               "taiwaneseCountingThousand", "ideographTraditional"):
        return chinese_counting(n)
    if fmt == "ideographDigital":
        return "".join(_DIGITS[int(d)] for d in str(n))
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n).upper() if fmt == "upperRoman" else _roman(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


def _val(el, tag: str, default: str | None = None) -> str | None:
    child = el.find(f"{_W}{tag}") if el is not None else None
    return child.get(f"{_W}val", default) if child is not None else default


class Numbering:
    """Counters over a document's numbered paragraphs, in document order."""

    def __init__(self, document):
        self._levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # abstract id → ilvl → (start, fmt, text)
        self._num: dict[str, tuple[str, dict[int, int]]] = {}           # numId → (abstract id, start overrides)
        self._counts: dict[str, dict[int, int]] = {}
        self._started: set[str] = set()
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        for ab in root.findall(f"{_W}abstractNum"):
            levels = {}
            for lvl in ab.findall(f"{_W}lvl"):
                levels[int(lvl.get(f"{_W}ilvl", "0"))] = (int(_val(lvl, "start", "1") or 1),
                                                          _val(lvl, "numFmt", "decimal") or "decimal",
                                                          _val(lvl, "lvlText", "") or "")
            self._levels[ab.get(f"{_W}abstractNumId")] = levels
        for num in root.findall(f"{_W}num"):
            overrides = {}
            for o in num.findall(f"{_W}lvlOverride"):
                start = _val(o, "startOverride")
                if start is not None:
                    overrides[int(o.get(f"{_W}ilvl", "0"))] = int(start)
            self._num[num.get(f"{_W}numId")] = (_val(num, "abstractNumId"), overrides)

    @staticmethod
    def _num_pr(paragraph):
        """(numId, ilvl) from the paragraph or its style chain, or None."""
        numPr = paragraph_property(paragraph, "numPr")
        if numPr is None:
            return None
        num_id = _val(numPr, "numId")
        return (num_id, int(_val(numPr, "ilvl", "0") or 0)) if num_id not in (None, "0") else None

    def label(self, paragraph) -> str:
        """The number Word shows before ``paragraph`` ("" if none); advances the counters."""
        pr = self._num_pr(paragraph)
        if pr is None or pr[0] not in self._num:
            return ""
        num_id, ilvl = pr
        abstract, overrides = self._num[num_id]
        levels = self._levels.get(abstract, {})
        if ilvl not in levels:
            return ""
        counts = self._counts.setdefault(abstract, {})
        if num_id not in self._started:  # a list that restarts its numbering
            self._started.add(num_id)
            for lv, start in overrides.items():
                counts[lv] = start - 1
        counts[ilvl] = counts.get(ilvl, levels[ilvl][0] - 1) + 1
        for deeper in [lv for lv in counts if lv > ilvl]:
            del counts[deeper]
        start, fmt, text = levels[ilvl]
        if fmt == "bullet":
            return ""
        for lv in range(9):
            if f"%{lv + 1}" in text:
                n = counts.get(lv, levels.get(lv, (1, "", ""))[0])
                text = text.replace(f"%{lv + 1}", format_number(n, levels.get(lv, (1, "decimal", ""))[1]))
        return text
