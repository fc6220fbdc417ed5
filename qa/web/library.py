"""The document library panel: the corpus's documents as a table, and what may be uploaded.

Adding and removing files is ``qa.library``'s job (``add_files``/``remove_document``); this
module only presents documents.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import CorpusError, IndexFileError, InputError, ModelError
from ..types import Document
from .cards import esc

__all__ = ["UPLOAD_SUFFIXES", "MAX_UPLOAD_BYTES", "documents_html", "document_choices", "error_text",
           "removal_problem", "describe_library"]

UPLOAD_SUFFIXES = (".docx", ".pdf", ".txt", ".md", ".html")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _years(doc: Document) -> str:
    years = [getattr(doc, name, None) for name in ("report_year", "plan_year")]
    years = [str(y) for y in years if y]
    return " / ".join(dict.fromkeys(years)) or "—"


def _region(doc: Document) -> str:
    region = getattr(doc, "region", None)
    return region.label if region is not None else "—"


HOW_TO = "回答只依据报告原文；点击回答中的 [n] 查看对应的引用段落，点击「在原文中查看」阅读全文。"
PLACES_SHOWN = 6


def describe_library(docs: Sequence[Document]) -> str:
    """The app's subtitle: the report asked about, or what the library holds (how many reports,
    which places), then how to read the answers."""
    docs = list(docs)
    if len(docs) == 1:
        return f"针对《{docs[0].title}》提问。{HOW_TO}"
    places = list(dict.fromkeys(d.region.name for d in docs if getattr(d, "region", None) is not None))
    shown = "、".join(places[:PLACES_SHOWN]) + ("等" if len(places) > PLACES_SHOWN else "")
    return f"针对文档库中的 {len(docs)} 份报告提问" + (f"（{shown}）" if shown else "") + f"。{HOW_TO}"


def _format(doc: Document) -> str:
    fmt = getattr(doc, "format", None) or Path(getattr(doc, "path", "") or doc.id).suffix.lstrip(".")
    return (fmt or "—").lower()


def document_choices(docs: Iterable[Document]) -> list[tuple[str, str]]:
    """(label, id) pairs for a selector."""
    return [(f"{d.title}（{d.id}）" if d.title != d.id else d.id, d.id) for d in docs]


def documents_html(docs: Sequence[Document], passages: dict[str, int]) -> str:
    """The documents as an accessible table: title, region, years, passages, format, id."""
    if not docs:
        return '<p class="qa-docs-empty">文档库是空的。</p>'
    rows = "".join(
        f'<tr data-doc="{esc(d.id)}"><td>{esc(d.title)}</td><td>{esc(_region(d))}</td><td>{esc(_years(d))}</td>'
        f"<td>{passages.get(d.id, 0)}</td><td>{esc(_format(d))}</td><td><code>{esc(d.id)}</code></td></tr>"
        for d in docs)
    return ('<table class="qa-docs"><caption>文档库 · ' f"{len(docs)} 份文档</caption>"
            '<thead><tr><th scope="col">标题</th><th scope="col">地区</th><th scope="col">年份</th><th scope="col">段落数</th>'
            '<th scope="col">格式</th><th scope="col">编号</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


_CJK = re.compile(r"[\u4e00-\u9fff]")
# what a user is told when an error's own message is not in Chinese (its text goes to the log)
_IN_CHINESE = (
    (InputError, "输入有误"),
    (CorpusError, "文档库读取失败，请检查文档库文件夹"),
    (IndexFileError, "索引无法读取或写入（例如磁盘已满或文件夹只读），请联系管理员"),
    (ModelError, "语言模型无法加载，请联系管理员"),
)


def error_text(err: Exception) -> str:
    """An error as shown to a user: its message when it is in Chinese (every message
    ``qa.add_files`` and the query checks give), else a Chinese sentence for its kind."""
    message = str(err)
    if _CJK.search(message):
        return message
    return next((text for kind, text in _IN_CHINESE if isinstance(err, kind)), "处理失败，详情见服务器日志") + "。"


def removal_problem(doc_id: str | None, docs: Sequence[Document]) -> str | None:
    """Why ``doc_id`` cannot be removed from the library, in Chinese (None: it can)."""
    if not doc_id:
        return "请先选择要删除的文档。"
    if doc_id not in {d.id for d in docs}:
        return "文档库中没有这份文档，它可能已被删除；请刷新页面。"
    if len(docs) <= 1:
        return "不能删除最后一份文档：文档库至少要有一份文档（可先上传新文档再删除）。"
    return None
