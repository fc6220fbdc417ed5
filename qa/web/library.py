"""The document library panel: the corpus's documents as a table, and the upload rules.

Adding and removing files is ``qa.library``'s job (``add_files``/``remove_document``); this
module only presents documents and, until ``qa.library`` exists, supplies a minimal stand-in.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import InputError
from ..types import Document
from .cards import esc

__all__ = ["UPLOAD_SUFFIXES", "MAX_UPLOAD_BYTES", "documents_html", "document_choices",
           "sanitize_name", "add_files", "remove_document"]

UPLOAD_SUFFIXES = (".docx", ".pdf", ".txt", ".md", ".html")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _years(doc: Document) -> str:
    years = [getattr(doc, name, None) for name in ("report_year", "plan_year")]
    years = [str(y) for y in years if y]
    return " / ".join(dict.fromkeys(years)) or "—"


def _format(doc: Document) -> str:
    fmt = getattr(doc, "format", None) or Path(getattr(doc, "path", "") or doc.id).suffix.lstrip(".")
    return (fmt or "—").lower()


def document_choices(docs: Iterable[Document]) -> list[tuple[str, str]]:
    """(label, id) pairs for a selector."""
    return [(f"{d.title}（{d.id}）" if d.title != d.id else d.id, d.id) for d in docs]


def documents_html(docs: Sequence[Document], passages: dict[str, int]) -> str:
    """The documents as an accessible table: title, years, passages, format, id."""
    if not docs:
        return '<p class="qa-docs-empty">文档库是空的。</p>'
    rows = "".join(
        f'<tr data-doc="{esc(d.id)}"><td>{esc(d.title)}</td><td>{esc(_years(d))}</td>'
        f"<td>{passages.get(d.id, 0)}</td><td>{esc(_format(d))}</td><td><code>{esc(d.id)}</code></td></tr>"
        for d in docs)
    return ('<table class="qa-docs"><caption>文档库 · ' f"{len(docs)} 份文档</caption>"
            '<thead><tr><th scope="col">标题</th><th scope="col">年份</th><th scope="col">段落数</th>'
            '<th scope="col">格式</th><th scope="col">编号</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def sanitize_name(name: str) -> str:
    """A safe file name: no folders, no control or shell-special characters, a kept suffix."""
    base = Path(str(name).replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = re.sub(r"[^\w\u3400-\u9fff.\-（）()]+", "_", stem).strip("._") or "document"
    return stem[:100] + suffix


def add_files(corpus_dir, paths, *, limits=None) -> list[Path]:  # stand-in for qa.library.add_files
    corpus_dir = Path(corpus_dir)
    out = []
    for p in map(Path, paths):
        name = sanitize_name(getattr(p, "orig_name", None) or p.name)
        if not name.lower().endswith(UPLOAD_SUFFIXES):
            raise InputError(f"不支持的文件类型：{name}（可上传 {'、'.join(UPLOAD_SUFFIXES)}）")
        if p.stat().st_size > MAX_UPLOAD_BYTES:
            raise InputError(f"文件过大：{name}（上限 {MAX_UPLOAD_BYTES // 2**20} MB）")
        target = corpus_dir / name
        i = 1
        while target.exists():
            target = corpus_dir / f"{Path(name).stem}-{i}{Path(name).suffix}"
            i += 1
        shutil.copyfile(p, target)
        out.append(target)
    return out


def remove_document(corpus_dir, doc_id: str, docs: Sequence[Document] = ()) -> Path:  # stand-in
    for d in docs:
        if d.id == doc_id and getattr(d, "path", ""):
            path = Path(d.path)
            if path.resolve().parent == Path(corpus_dir).resolve():
                path.unlink()
                return path
    raise InputError(f"没有编号为 {doc_id} 的文档")
