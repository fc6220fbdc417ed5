"""Places: which region a document is about, which places a question names, and which documents
answer for them.

The gazetteer is the national table of administrative divisions kept as data
(qa/data/regions.tsv: code, name, short names; its source is stated there), never a list of the
reports we have. A region's parents follow from its code (2 digits province, 4 city, 6 county).

Pure functions at the heart:
- ``region_of(title, text)``: the region a document is about (title first, then the 人民代表大会 or
  人民政府 it is addressed to, then the place its opening names most);
- ``places_in(question, library)``: the regions a question names, by full name (河北省, 通州区),
  short name (河北, 内蒙古, 新疆), one-character 简称 (粤, 冀) or a city inside a province;
- ``route(places, library)``: the documents that answer for them (a place's own, else its
  parent's and children's), the places the library lacks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

REGIONS = Path(__file__).with_name("data") / "regions.tsv"
PROVINCE, CITY, COUNTY = "province", "city", "county"
LEVELS = (PROVINCE, CITY, COUNTY)
SEP = " › "

# generic county names (新城区, 城关区, 郊区…): words in a question, not places
_GENERIC = re.compile(r"^[新老城郊矿东西南北中市关]+区$")
# one-character 简称 read in a question: only those that are rarely a word of their own (not 新 宁
# 青 吉 黑 甘 云 贵 台 港 藏 蒙 川 苏), and only standing alone (粤和浙, 冀的, “鲁”)
_ABBREVIATIONS = frozenset("京津冀晋辽沪浙皖闽赣鲁豫鄂湘粤桂琼渝蜀黔滇陕陇")
_ALONE = frozenset("和与及跟同、，,的省")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HEAD = 3000  # characters of a document's opening read for its region
_ADDRESSED = re.compile(r"(?:在|向)?([\u4e00-\u9fff]{2,24}?)(?:第[一二三四五六七八九十]+届)?(?:人民代表大会|人民政府)")


@dataclass(frozen=True)
class Region:
    """An administrative division: ``name`` (北京市), ``level`` (province, city, county), its
    6-digit ``code``, ``parents`` from the top (北京市 for 通州区) and ``short`` names (北京, 京)."""

    code: str
    name: str
    level: str
    parents: tuple["Region", ...] = ()
    short: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The region with its parent chain: 北京市 › 通州区."""
        return SEP.join([p.name for p in self.parents] + [self.name])

    @property
    def names(self) -> tuple[str, ...]:
        """The name and short names (longest first): what a text may call it."""
        return tuple(sorted({self.name, *self.short}, key=len, reverse=True))

    @property
    def depth(self) -> int:
        return len(self.parents) + 1

    def within(self, other: "Region") -> bool:
        """True when this region is ``other`` or lies inside it."""
        return self.code == other.code or any(p.code == other.code for p in self.parents)

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "level": self.level, "label": self.label,
                "parents": [p.name for p in self.parents], "short": list(self.short)}


@dataclass(frozen=True)
class Mention:
    """A place named in a text: ``text[start:end]`` and the region it names."""

    start: int
    end: int
    text: str
    region: Region


class Gazetteer:
    """The regions of the code table, looked up by any of their names."""

    def __init__(self, rows: Iterable[tuple[str, str, tuple[str, ...]]]):
        raw = {code: (name, short) for code, name, short in rows}
        self.regions: dict[str, Region] = {}
        for code in sorted(raw):
            self.regions[code] = self._make(code, raw)
        self.by_name: dict[str, list[Region]] = {}
        for r in self.regions.values():
            if len(r.name) >= 3 and not _GENERIC.match(r.name):
                self.by_name.setdefault(r.name, []).append(r)
            for s in r.short:
                if len(s) >= 2 or r.level == PROVINCE:
                    self.by_name.setdefault(s, []).append(r)
        self._first = frozenset(n[0] for n in self.by_name)
        self.abbreviations = frozenset(s for r in self.regions.values() for s in r.short if len(s) == 1)
        self._longest = max(map(len, self.by_name), default=1)

    def _make(self, code: str, raw: dict) -> Region:
        level = PROVINCE if code[2:] == "0000" else CITY if code[4:] == "00" else COUNTY
        parents = tuple(self.regions[p] for p in dict.fromkeys((code[:2] + "0000", code[:4] + "00"))
                        if p != code and p in self.regions)
        if parents:  # the parents' parents too (a county under a city under a province)
            parents = parents[-1].parents + (parents[-1],)
        name, short = raw[code]
        return Region(code, name, level, parents, tuple(short))

    def get(self, code: str) -> Region | None:
        return self.regions.get(code)

    def candidates(self, text: str) -> list[tuple[int, int, str, list[Region]]]:
        """Every longest name match (start, end, name, regions of that name), left to right."""
        out, i, n = [], 0, len(text)
        while i < n:
            if text[i] in self._first:
                for size in range(min(self._longest, n - i), 1 - (text[i] in _ABBREVIATIONS), -1):
                    found = self.by_name.get(text[i:i + size])
                    if found:
                        out.append((i, i + size, text[i:i + size], found))
                        i += size - 1
                        break
            i += 1
        return out


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The gazetteer of qa/data/regions.tsv, read once per process (~3,200 regions)."""
    rows = []
    for line in REGIONS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, name, *rest = line.split("\t")
            rows.append((code, name, tuple(rest[0].split()) if rest else ()))
    return Gazetteer(rows)


def _alone(text: str, start: int, end: int) -> bool:
    """A one-character 简称 standing alone: no Chinese character beside it, or a conjunction."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return all(not c or not _HAN.match(c) or c in _ALONE for c in (before, after))


def _single(text: str, i: int, gaz: "Gazetteer") -> bool:
    """A 简称 not in a run of them (川渝, 沪苏浙皖: a region of several provinces, a topic)."""
    return not any(0 <= j < len(text) and text[j] in gaz.abbreviations for j in (i - 1, i + 1))


def _bounded(start: int, end: int, cuts: tuple[set[int], set[int]] | None) -> bool:
    return cuts is None or (start in cuts[0] and end in cuts[1])


def _choose(regions: Sequence[Region], named: set[str], library: Sequence[Region]) -> Region:
    """One region for an ambiguous name (通州区 in Beijing or in Nantong, 吉林 province or city):
    one the library is about (or inside or around one), then one whose parent the text also
    names, then the higher level, then the lower code."""
    def key(r: Region):
        in_library = any(r.within(d) or d.within(r) for d in library)
        return (not in_library, not any(p.code in named for p in r.parents), r.depth, r.code)
    return min(regions, key=key)


def mentions(text: str, *, library: Sequence[Region] = (), cut: Callable[[str], list[str]] | None = None,
             gaz: Gazetteer | None = None) -> list[Mention]:
    """The places named in ``text``, left to right. A full name always counts (generic ones such as
    新城区 excepted); a short name must be a word of its own when ``cut`` (a word segmenter) is
    given (大理石 names no 大理); a county's short name counts only for a region of ``library``
    or when its parent is named too (朝阳 alone is a word); a one-character 简称 (one rarely a
    word of its own: 粤 冀, not 新 宁) only as a word of its own (滇今年…), not in a run of them
    (川渝), or without ``cut`` only beside no other Chinese character but a conjunction (粤和浙的…)."""
    gaz = gaz or gazetteer()
    cuts = None
    if cut is not None:
        starts, ends, pos = {0}, {0}, 0
        for word in cut(text):
            pos += len(word)
            starts.add(pos)
            ends.add(pos)
        cuts = (starts, ends)
    found = gaz.candidates(text)
    naming = [{r.code for r in regions if name == r.name or (r.level != COUNTY and len(name) >= 2)}
              for _s, _e, name, regions in found]  # what each span names for sure
    held = {r.code for r in library}
    out = []
    for j, (start, end, name, regions) in enumerate(found):
        named = set().union(*(codes for i, codes in enumerate(naming) if i != j))  # by the other spans
        usable = []
        for r in regions:
            if name == r.name:
                usable.append(r)
            elif len(name) == 1:
                if _alone(text, start, end) if cuts is None else _bounded(start, end, cuts) and _single(text, start, gaz):
                    usable.append(r)
            elif _bounded(start, end, cuts) and (r.level != COUNTY or r.code in held
                                                 or any(p.code in named for p in r.parents)):
                usable.append(r)
        if usable:
            out.append(Mention(start, end, name, _choose(usable, named, library)))
    return out


def _deepest(found: Sequence[Mention]) -> Region | None:
    """The most specific region along the first mention's line: 北京市 then 通州区 → 通州区."""
    if not found:
        return None
    best = found[0].region
    for m in found[1:]:
        if m.region.depth > best.depth and m.region.within(best):
            best = m.region
    return best


def region_of(title: str, text: str = "", *, gaz: Gazetteer | None = None) -> Region | None:
    """The region a document is about, read from the document itself: the places its title names
    (the most specific: 北京市通州区 → 通州区), else the 人民代表大会 or 人民政府 its opening is
    addressed to (在云南省第十四届人民代表大会…), else the place its opening names most (twice
    at least). None when it names none."""
    gaz = gaz or gazetteer()
    head = text[:_HEAD]
    context = f"{title}\n{head}"
    found = [m for m in mentions(title, gaz=gaz) if len(m.text) >= 2]
    if found:
        return _deepest(_in_context(found, context, gaz))
    for match in _ADDRESSED.finditer(head):
        found = [m for m in mentions(match.group(1), gaz=gaz) if len(m.text) >= 2]
        if found:
            return _deepest(_in_context(found, context, gaz))
    counts: dict[str, int] = {}
    for m in mentions(head, gaz=gaz):
        if len(m.text) >= 2:
            counts[m.region.code] = counts.get(m.region.code, 0) + 1
    if not counts:
        return None
    code = max(counts, key=lambda c: (counts[c], -len(c)))
    return gaz.get(code) if counts[code] >= 2 else None


def _in_context(found: Sequence[Mention], context: str, gaz: Gazetteer) -> list[Mention]:
    """``found`` with each ambiguous name read again against the whole opening (a title's 通州区
    is Beijing's when the opening names 北京)."""
    named = {m.region.code for m in mentions(context, gaz=gaz)}
    named |= {p.code for code in named for p in gaz.get(code).parents}
    out = []
    for m in found:
        options = gaz.by_name.get(m.text, [m.region])
        best = min(options, key=lambda r: (not any(p.code in named for p in r.parents), r.depth, r.code))
        out.append(Mention(m.start, m.end, m.text, best))
    return out


def places_in(question: str, library: Sequence[Region] = (), *,
              cut: Callable[[str], list[str]] | None = None) -> tuple[Region, ...]:
    """The regions ``question`` names, in order, each once (see ``mentions``)."""
    return tuple(dict.fromkeys(m.region for m in mentions(question, library=library, cut=cut)))


@dataclass(frozen=True)
class Routing:
    """Where the places of a question are answered: per place routed, the ids of the documents
    that answer for it (``scopes``), with ``via`` saying how (``own``: the place's own documents;
    ``parent``: a region around it; ``children``: regions inside it); ``lacked`` are the places
    the library has no document for."""

    places: tuple[Region, ...] = ()
    scopes: tuple[tuple[str, ...], ...] = ()
    via: tuple[str, ...] = ()
    lacked: tuple[Region, ...] = ()

    @property
    def documents(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d for scope in self.scopes for d in scope))


def route(places: Sequence[Region], library: Mapping[str, Region | None]) -> Routing:
    """The documents that answer for each place: its own (region equal), else the nearest
    parent's, together with its children's (regions inside it). A place with none is lacked."""
    routed, scopes, via, lacked = [], [], [], []
    for place in places:
        own = tuple(d for d, r in library.items() if r is not None and r.code == place.code)
        how = "own"
        if not own:
            around = [r for r in library.values() if r is not None and place.within(r)]
            nearest = max((r.depth for r in around), default=0)
            own = tuple(d for d, r in library.items() if r is not None and place.within(r) and r.depth == nearest)
            inside = tuple(d for d, r in library.items() if r is not None and r.within(place) and r.code != place.code)
            how = "parent" if own else "children"
            own = own + inside
        if own:
            routed.append(place)
            scopes.append(own)
            via.append(how)
        else:
            lacked.append(place)
    return Routing(tuple(routed), tuple(scopes), tuple(via), tuple(lacked))


def region_words(region: Region | None) -> frozenset[str]:
    """What a text calls ``region`` (name and short names of two characters or more): in its own
    document these words say where, not what (no content words)."""
    if region is None:
        return frozenset()
    return frozenset(n for n in region.names if len(n) >= 2)


def held(library: Mapping[str, Region | None]) -> tuple[str, ...]:
    """The places a library holds documents for, by name, in code order."""
    regions = {r.code: r for r in library.values() if r is not None}
    return tuple(regions[c].name for c in sorted(regions))
