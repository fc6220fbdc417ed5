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
    """The documents of ``engine``'s corpus: shown, added to and removed from."""

    def __init__(self, engine):
        self.engine = engine

    def view(self):
        """The table, the filter's and the remover's choices."""
        docs = self.engine.documents
        choices = library.document_choices(docs)
        return (library.documents_html(docs, self.engine.passage_counts()),
                gr.update(choices=choices), gr.update(choices=choices, value=None))

    def add(self, paths):
        """Add the uploaded files; yields the panel while their embedding runs."""
        skip = gr.skip()
        if not paths:
            yield skip, skip, skip, status("请选择要上传的文件。")
            return
        paths = [Path(p) for p in paths]
        try:  # Gradio keeps an upload under its original (unsafe) name: add_documents sanitises it
            job = add_documents(self.engine, paths, names=[p.name for p in paths])
        except QAError as err:
            log.warning("upload failed: %s", err)
            yield skip, skip, skip, status(f"⚠️ {library.error_text(err)}")
            return
        names = "、".join(job.documents)
        while not job.wait(POLL):
            yield (*self.view(), status(f"已加入文档库，可按关键词检索：{names}；正在建立语义索引…",
                                        job.progress))
        if job.error:
            yield *self.view(), status(f"⚠️ {job.error}。文档库保持原样。")
            return
        yield *self.view(), status(f"已加入文档库：{names}（索引完成）")

    def remove(self, doc_id):
        problem = library.removal_problem(doc_id, self.engine.documents)
        if problem:
            return gr.skip(), gr.skip(), gr.skip(), status(problem)
        try:
            remove_document(self.engine.corpus, doc_id)
            self.engine.refresh_in_background()  # gone from the search at once
        except QAError as err:
            log.warning("removal failed: %s", err)
            return gr.skip(), gr.skip(), gr.skip(), status(f"⚠️ {library.error_text(err)}")
        return *self.view(), status(f"已从文档库删除：{doc_id}")
