"""The library panel's handlers: the list of documents, upload and removal.

An upload never makes anyone wait: ``qa.add_documents`` copies the files and shows them to keyword
search at once (about a second for a report), then their embedding runs in the background; this
handler follows it with a progress bar of the true share embedded, and the chat keeps answering.
"""
from __future__ import annotations

from pathlib import Path

import logging

import gradio as gr

from ..errors import QAError
from ..library import add_documents, remove_document
from . import library
from .cards import esc

__all__ = ["LibraryPanel", "status"]

log = logging.getLogger("report-qa.app")

POLL = 0.5  # seconds between progress updates of an upload being indexed


def status(text: str = "", progress: float | None = None) -> str:
    """The panel's status line, with a progress bar when ``progress`` (0..1) is given."""
    bar = "" if progress is None else (
        f' <progress class="qa-index-progress" max="100" value="{round(progress * 100)}" '
        f'aria-label="语义索引进度">{round(progress * 100)}%</progress>')
    return f'<p class="qa-hint" role="status">{esc(text)}{bar}</p>'


class LibraryPanel:
    """The documents of ``engine``'s corpus: shown, added to and removed from.

    Two status lines: ``add``'s first message and ``remove``'s go to the panel's status; the
    progress of the semantic index goes to its own line, so a removal made while an upload is
    being embedded is never overwritten by the next progress step (nor is the remover's choice)."""

    def __init__(self, engine):
        self.engine = engine

    def view(self, keep: bool = False):
        """The table, the filter's and the remover's choices (``keep``: the remover keeps the
        document chosen in it; else it is cleared)."""
        docs = self.engine.documents
        choices = library.document_choices(docs)
        remover = gr.update(choices=choices) if keep else gr.update(choices=choices, value=None)
        return (library.documents_html(docs, self.engine.passage_counts()),
                gr.update(choices=choices), remover)

    def add(self, paths):
        """Add the uploaded files; yields (table, filter, remover, status, index status) while
        their embedding runs."""
        skip = gr.skip()
        if not paths:
            yield skip, skip, skip, status("请选择要上传的文件。"), skip
            return
        paths = [Path(p) for p in paths]
        try:  # Gradio keeps an upload under its original (unsafe) name: add_documents sanitises it
            job = add_documents(self.engine, paths, names=[p.name for p in paths])
        except QAError as err:
            log.warning("upload failed: %s", err)
            yield skip, skip, skip, status(f"⚠️ {library.error_text(err)}"), skip
            return
        names = "、".join(job.documents)
        yield (*self.view(keep=True), status(f"已加入文档库，可按关键词检索：{names}"),
               status("正在建立语义索引…", job.progress))
        while not job.wait(POLL):
            yield skip, skip, skip, skip, status("正在建立语义索引…", job.progress)
        if job.error:
            yield *self.view(keep=True), skip, status(f"⚠️ {job.error}。文档库保持原样。")
            return
        present = {d.id for d in self.engine.documents}
        kept = "、".join(d for d in job.documents if d in present)
        yield *self.view(keep=True), skip, status(f"语义索引完成：{kept}" if kept else "语义索引已更新")

    def remove(self, doc_id, chosen=None):
        """Remove ``doc_id``; the filter (``chosen``) loses it too. Returns (table, filter,
        remover, status)."""
        problem = library.removal_problem(doc_id, self.engine.documents)
        if problem:
            return gr.skip(), gr.skip(), gr.skip(), status(problem)
        try:
            remove_document(self.engine.corpus, doc_id)
            self.engine.refresh_in_background()  # gone from the search at once
        except QAError as err:
            log.warning("removal failed: %s", err)
            return gr.skip(), gr.skip(), gr.skip(), status(f"⚠️ {library.error_text(err)}")
        table, _, remover = self.view()
        choices = library.document_choices(self.engine.documents)
        ids = {value for _, value in choices}
        kept = [d for d in (chosen or []) if d in ids and d != doc_id]
        return table, gr.update(choices=choices, value=kept), remover, status(f"已从文档库删除：{doc_id}")
