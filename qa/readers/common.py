"""What every reader returns, and the helpers they share (pure functions)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


@dataclass(frozen=True)
class Block:
    """One line of the cleaned text, ``text[start:end]``: a "paragraph", a "heading" (``level`` 0–3,
    outermost first, as in qa.structure) or a table "row"."""

    start: int
    end: int
    kind: str = "paragraph"
    level: int | None = None


@dataclass(frozen=True)
class Reading:
    """A reader's result: the cleaned text (one block per line), its blocks, the title the file
    states (its metadata or a Title style; "" if none) and warnings meant for the user."""

    text: str
    blocks: tuple[Block, ...]
    title: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def headings(self) -> tuple[tuple[int, int], ...]:
        """(start offset, level) of the lines the file itself marks as headings."""
        return tuple((b.start, b.level) for b in self.blocks if b.kind == "heading" and b.level is not None)


def clean_line(line: str) -> str:
    """One line without zero-width and control characters, with ideographic and no-break spaces
    made plain, surrounding spaces dropped and inner runs of spaces kept to one."""
    line = "".join(ch for ch in line if ch not in _INVISIBLE and unicodedata.category(ch) != "Cc")
    line = line.replace("\u3000", " ").replace("\xa0", " ")
    return re.sub(r"[ \t]{2,}", " ", line).strip()


def assemble(items: Iterable[tuple[str, str, int | None]], title: str = "",
             warnings: Sequence[str] = ()) -> Reading:
    """Join ``(kind, line, level)`` items into a Reading: each non-empty cleaned line becomes one
    block, lines are separated by "\\n", offsets are exact by construction."""
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    for kind, line, level in items:
        for piece in line.split("\n"):
            piece = clean_line(piece)
            if not piece:
                continue
            if parts:
                pos += 1
            blocks.append(Block(pos, pos + len(piece), kind, level))
            parts.append(piece)
            pos += len(piece)
    return Reading("\n".join(parts), tuple(blocks), title, tuple(warnings))


def table_lines(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> list[str]:
    """A table as one line per body row, "列名：值，列名：值。", so each cell reads with its row
    and column. The first row names the columns; empty cells are left out; a row with one
    distinct value (a caption or a merged title row) is kept as it is. ``header`` overrides the
    column names (e.g. a merged header cell carried over the columns it spans)."""
    rows = [[clean_line(c) for c in r] for r in rows]
    if not any(any(r) for r in rows):
        return []
    names = [clean_line(c) for c in header] if header is not None else rows[0]
    if len(rows) == 1 or len({c for c in names if c}) < 2:
        return ["，".join(c for c in r if c) for r in rows if any(r)]
    out = ["，".join(c for c in rows[0] if c)]
    header = names
    rows = [rows[0]] + [r for r in rows[1:] if any(r)]
    for row in rows[1:]:
        values = [c for c in row if c]
        if len(set(values)) == 1:
            out.append(values[0])
            continue
        cells = []
        for i, value in enumerate(row):
            if not value:
                continue
            name = header[i] if i < len(header) else ""
            cells.append(f"{name}：{value}" if name and name != value else value)
        out.append("，".join(cells) + ("" if cells[-1].endswith(("。", "；")) else "。"))
    return out
