"""Answer markdown (extractive or from an LLM) to safe HTML for the chat.

One renderer for every answer: CommonMark without raw HTML, images, links or autolinks, so an
answer can never make the browser fetch a URL (``![](http://…)`` and ``<a href>`` show as text).
``[n]`` markers become focusable citation buttons. The CommonMark bold workaround lives here only.
"""
from __future__ import annotations

import re

from markdown_it import MarkdownIt

__all__ = ["CITE", "markdown_html", "plain_markdown"]

CITE = re.compile(r"\[(\d{1,3})\]")
# CommonMark leaves ``**5%**左右`` open (punctuation before ``**``, a CJK letter after it):
# such pairs survive rendering as literal ``**`` and are made bold afterwards, in text only.
_BOLD_LEFT = re.compile(r"\*\*(?=[^\s*<>])([^<>\n]*?[^\s*<>])\*\*")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
_md.disable(["image", "link", "autolink", "html_inline", "html_block"])


def _citation_button(m: re.Match) -> str:
    n = m.group(1)
    return f'<button type="button" class="qa-ref" title="查看引用 {n}">[{n}]</button>'


def _text_only(html: str, fn) -> str:
    """Apply ``fn`` to the text between tags of ``html`` (never inside a tag)."""
    return re.sub(r"(?<=>)[^<]+|^[^<]+", lambda m: fn(m.group(0)), html)


def markdown_html(text: str, *, citations: bool = True) -> str:
    """``text`` (markdown) as HTML: escaped, no images, links or raw HTML; ``[n]`` as buttons."""
    html = _md.render(str(text))
    html = _text_only(html, lambda t: _BOLD_LEFT.sub(r"<strong>\1</strong>", t))
    if citations:
        html = _text_only(html, lambda t: CITE.sub(_citation_button, t))
    return re.sub(r">\s*\n\s*<", "><", html).strip()  # no stray line breaks between blocks


def plain_markdown(text: str) -> str:
    """``text`` as clean markdown for copying: the CJK bold pairs kept as ``**…**``."""
    return str(text).strip()
