"""Chat messages for the web UI: the question, and an answer carrying its own sources.

Each answer message holds everything that belongs to it: the answer, a copy button, its evidence
cards (under the answer on a phone; shown in the side panel on a desktop), an optional
"检索详情" section, and the clean markdown that copying and exporting use. Pure functions.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..query import encodable
from .cards import Card, cards_html, esc, section_path
from .markdown import CITE, markdown_html

__all__ = ["Trace", "TraceRow", "answer_message", "answer_plain", "echo", "pending_message",
           "stopped_text", "stream_pieces", "user_message"]

MAX_ECHO = 300  # characters of a (huge) question echoed into the chat


@dataclass(frozen=True)
class TraceRow:
    """One retrieved passage in the retrieval details: its number and its scores."""

    n: int
    section: tuple[str, ...]
    fused: float
    dense: float | None = None
    bm25: float | None = None


@dataclass(frozen=True)
class Trace:
    """What retrieval decided for a question, shown in "检索详情"."""

    query: str
    terms: tuple[str, ...] = ()
    expansions: tuple[str, ...] = ()
    period: str | None = None
    rows: tuple[TraceRow, ...] = ()


def echo(question: str, limit: int = MAX_ECHO) -> str:
    """The question as echoed into the chat: a long paste keeps its start and its end; lone
    surrogates (undecodable input) are dropped, or the chat could not be sent as JSON."""
    if len(question) <= limit:
        return encodable(question)
    half = limit // 2
    return encodable(question[:half] + " … " + question[-half:])


def user_message(question: str) -> dict:
    return {"role": "user", "content": f'<div class="qa-question">{esc(echo(question))}</div>'}


def pending_message(answer_id: str, status: str = "正在检索报告原文…") -> dict:
    return {"role": "assistant",
            "content": f'<div class="qa-answer qa-pending" data-answer="{esc(answer_id)}">'
                       f'<p class="qa-status">{esc(status)}</p></div>'}


def answer_plain(text: str, cards: Sequence[Card], *, understood: str | None = None) -> str:
    """The answer as clean markdown, then its sources as ``[n] section path: passage``."""
    parts = []
    if understood and "理解为" not in text:
        parts.append(f"理解为：{understood}")
    parts.append(text.strip())
    cited = {int(n) for n in CITE.findall(text)}
    sources = [c.plain() for c in cards if not cited or c.n in cited]
    if sources:
        parts.append("来源：\n" + "\n".join(sources))
    return "\n\n".join(p for p in parts if p)


# the end of a complete sentence (with the [n] markers that follow it) or of a line
_COMPLETE = re.compile(r"[。！？；!?;](?:\s*\[\d{1,3}\])*|\n")


def stopped_text(text: str) -> str:
    """What a stopped answer keeps: its text up to the last complete sentence or line, so a
    half-streamed piece (a list item's lone "1", half a sentence) is not left in the chat."""
    ends = [m.end() for m in _COMPLETE.finditer(text)]
    return text[:ends[-1]].rstrip() if ends else ""


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def trace_html(trace: Trace) -> str:
    period = {"done": "已完成的工作（执行情况）", "plan": "计划与目标"}.get(trace.period or "", trace.period)
    items = [
        f"<dt>检索用语</dt><dd>{esc(trace.query)}</dd>",
        f"<dt>匹配词</dt><dd>{esc('、'.join(trace.terms) or '无')}</dd>",
        f"<dt>扩展词</dt><dd>{esc('、'.join(trace.expansions) or '无')}</dd>",
        f"<dt>时间段</dt><dd>{esc(period or '未识别')}</dd>",
    ]
    rows = "".join(
        f"<tr><td>{r.n}</td><td>{esc(section_path(r.section) or '—')}</td>"
        f"<td>{_num(r.dense)}</td><td>{_num(r.bm25)}</td><td>{_num(r.fused)}</td></tr>"
        for r in trace.rows)
    table = ("<table><caption>各段落得分</caption><thead><tr><th scope=\"col\">序号</th>"
             "<th scope=\"col\">章节</th><th scope=\"col\">语义</th><th scope=\"col\">BM25</th>"
             f"<th scope=\"col\">融合</th></tr></thead><tbody>{rows}</tbody></table>") if rows else ""
    return ('<details class="qa-debug"><summary>检索详情</summary>'
            f'<dl>{"".join(items)}</dl>{table}</details>')


def answer_message(answer_id: str, text: str, cards: Sequence[Card], *, covered: bool = True,
                   understood: str | None = None, note: str | None = None,
                   trace: Trace | None = None, streaming: bool = False, stopped: bool = False) -> dict:
    """An answer (markdown ``text`` with [n]) with its cards, copy text and retrieval details;
    ``streaming``: still growing (no copy yet); ``stopped``: the user stopped it."""
    state = " qa-streaming" if streaming else " qa-stopped" if stopped else ""
    if stopped:
        text = stopped_text(text)
    parts = [f'<div class="qa-answer{state}" data-answer="{esc(answer_id)}">']
    if stopped:
        parts.append('<p class="qa-status">（已停止）</p>')
    if understood and "理解为" not in text:  # the engine may already say it in the answer
        parts.append(f'<p class="qa-understood">理解为：{esc(understood)}</p>')
    if note:
        parts.append(f'<p class="qa-note">{esc(note)}</p>')
    parts.append(f'<div class="qa-body">{markdown_html(text)}</div>')
    if not streaming:
        parts.append('<div class="qa-tools"><button type="button" class="qa-copy">复制回答</button>'
                     '<span class="qa-copied" role="status"></span></div>')
    if cards:
        summary = f"引用依据 · {len(cards)} 段原文" if covered else "最接近的段落（仅供参考）"
        parts.append(f'<details class="qa-sources"><summary>{summary}</summary>'
                     f'{cards_html(cards, covered=covered)}</details>')
    if trace is not None and not streaming:
        parts.append(trace_html(trace))
    if not streaming:
        plain = answer_plain(text, cards, understood=understood)
        parts.append(f'<pre class="qa-plain" hidden>{esc(plain)}</pre>')
    parts.append("</div>")
    return {"role": "assistant", "content": "".join(parts)}


def stream_pieces(text: str, max_pieces: int = 40, min_size: int = 6) -> list[str]:
    """Growing prefixes of ``text`` for a progressive display; the last one is ``text``.

    Cuts never split a ``[n]`` citation marker.
    """
    if not text:
        return [""]
    size = max(min_size, -(-len(text) // max_pieces))
    protected = [(m.start(), m.end()) for m in CITE.finditer(text)]
    cuts, pos = [], 0
    while pos < len(text):
        pos = min(len(text), pos + size)
        for a, b in protected:
            if a < pos < b:
                pos = b
                break
        cuts.append(pos)
    return [text[:c] for c in cuts]

