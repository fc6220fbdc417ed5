"""The chat's request handlers: answer a question as a stream, stop it, clear and restore the
conversation, and the named JSON endpoints ``/search`` and ``/ask``.

No lock here: the engine is safe to share between threads (one read/write lock inside it, see
``qa.Engine``), and a document being indexed never holds it.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid

import gradio as gr

from .. import settings
from ..errors import QAError
from ..query import CROSSLINGUAL, DEFAULT_K, MAX_QUERY_CHARS, MAX_RAW_CHARS, encodable, k_from_request, prepare_query
from . import cards as webcards
from . import chat, library

__all__ = ["Chat", "fit_question", "hint", "K", "KEEP_MESSAGES"]

log = logging.getLogger("report-qa.app")

K = DEFAULT_K
KEEP_MESSAGES = 60  # messages kept in the browser's storage
HINT_EMPTY = "请输入问题，例如「北三县交通有哪些项目」。"


def hint(text: str = "") -> str:
    """A status line under the input (the page script writes into the same element)."""
    return f'<p class="qa-hint" role="status">{webcards.esc(text)}</p>'


def fit_question(message: str) -> tuple[str, str | None]:
    """The question to search, and a note when a long paste was cut to its last sentence.

    Cheap for any size (``prepare_query`` looks at the last ``MAX_RAW_CHARS`` characters only)."""
    if len(message) <= MAX_QUERY_CHARS:
        return encodable(message), None  # it is kept in the conversation: JSON-safe
    try:
        q = prepare_query(message, keep="last_sentence")
    except QAError:
        return encodable(message[-MAX_RAW_CHARS:]), None  # the engine will say what is wrong with it
    return q.text, f"{q.notice}：{chat.echo(q.text, 80)}" if q.notice else None


def indexing_note(engine) -> str | None:
    """What an answer given while documents are being indexed should say."""
    job = engine.indexing
    if job is None or not engine.pending:
        return None
    return (f"新文档（{'、'.join(sorted(engine.pending))}）正在建立语义索引（{round(job.progress * 100)}%），"
            "其中的内容暂按关键词检索；索引完成后回答会更准确。")


class Chat:
    """The chat over ``engine``, optionally reworded by an LLM (``llm_module.reword``)."""

    def __init__(self, engine, *, llm_module=None, llm_config=None, stream_delay: float | None = None):
        self.engine = engine
        self.llm_module, self.llm_config = llm_module, llm_config
        # seconds between streamed pieces of an extractive answer (QA_STREAM_DELAY: tests slow it down)
        self.stream_delay = settings.get("QA_STREAM_DELAY") if stream_delay is None else stream_delay
        self.stops: dict[str, threading.Event] = {}  # session -> "stop the answer being streamed"

    # ---------------------------------------------------------------- the conversation
    def respond(self, message, conv, questions, documents, request: gr.Request):
        """Echo the question, find the evidence, stream the answer in.

        停止 sets this session's stop event; the stream then ends itself (cleaner than Gradio's
        cancel, after which a question sent at once could be dropped)."""
        stop_event = self.stops[request.session_hash] = threading.Event()
        try:
            yield from self._respond(message, conv, questions, documents, stop_event)
        finally:
            if self.stops.get(request.session_hash) is stop_event:
                del self.stops[request.session_hash]

    def _respond(self, message, conv, questions, documents, stop_event):
        skip = gr.skip()
        message = message if isinstance(message, str) else ""
        if not message.strip():
            yield skip, skip, skip, skip, skip, hint(HINT_EMPTY), skip, skip
            return
        conv, questions = list(conv or []), list(questions or [])
        question, note = fit_question(message)
        answer_id = uuid.uuid4().hex[:12]
        conv.append(chat.user_message(message))
        conv.append(chat.pending_message(answer_id))
        busy = gr.update(value="回答中…", interactive=False)
        yield "", conv, conv, skip, skip, hint(), busy, gr.update(visible=True)
        self.notice_changes()
        try:
            answer = self.engine.ask(question, k=K, history=questions[-4:], documents=documents or None)
        except QAError as err:
            log.warning("question failed: %s", err)
            conv[-1] = chat.answer_message(answer_id, f"⚠️ 这个问题无法处理：{library.error_text(err)}", [])
            yield skip, conv, conv, questions, self.saved(conv, questions), skip, *self.idle()
            return
        questions.append(question)
        note = "；".join(n for n in (note, indexing_note(self.engine)) if n) or None
        # relevance on the route's scale (the cross-lingual encoder has its own similarities)
        scale = dict(crosslingual=getattr(answer.query, "route", None) == CROSSLINGUAL)
        cards = webcards.cards_for_answer(answer, self.engine.document, **scale)
        shown = dict(covered=answer.covered, understood=answer.understood or None, note=note)
        text = ""
        if self.llm_config is not None and self.llm_module is not None and answer.covered and answer.hits \
                and not stop_event.is_set():
            llm_cards = webcards.cards_for_hits(answer.hits, self.engine.document, **scale)
            try:
                for piece in self.llm_module.reword(answer, self.llm_config):
                    text += piece
                    conv[-1] = chat.answer_message(answer_id, text, llm_cards, streaming=True, **shown)
                    yield skip, conv, conv, skip, skip, skip, skip, skip
                    if stop_event.is_set():
                        break
            except Exception as err:  # noqa: BLE001 - fall back to the extractive answer
                log.warning("LLM failed, using the extractive answer: %s", err)
                text = ""
            if text.strip():
                cards = llm_cards  # the LLM's [n] name the n-th hit
        if not text.strip() and not stop_event.is_set():
            for prefix in chat.stream_pieces(answer.text)[:-1]:
                text = prefix
                conv[-1] = chat.answer_message(answer_id, text, cards, streaming=True, **shown)
                yield skip, conv, conv, skip, skip, skip, skip, skip
                time.sleep(self.stream_delay)  # pacing the display, not synchronisation
                if stop_event.is_set():
                    break
            else:
                text = answer.text
        stopped = stop_event.is_set()
        trace = None if stopped else chat.trace_for(answer, cards)
        conv[-1] = chat.answer_message(answer_id, text, cards, trace=trace, stopped=stopped, **shown)
        yield skip, conv, conv, questions, self.saved(conv, questions), skip, *self.idle()

    def notice_changes(self) -> None:
        """Files changed behind the app's back show before the question (keywords at once); while
        an upload is being read, the question does not wait for it."""
        try:
            self.engine.refresh_in_background(wait=False)
        except QAError as err:
            log.warning("the corpus changed but cannot be read: %s", err)

    def stop(self, request: gr.Request) -> None:
        event = self.stops.get(request.session_hash)
        if event is not None:
            event.set()

    @staticmethod
    def idle():
        return gr.update(value="发送", interactive=True), gr.update(visible=False)

    @staticmethod
    def saved(conv, questions) -> dict:
        return {"messages": list(conv)[-KEEP_MESSAGES:], "questions": list(questions)[-10:]}

    def clear(self):
        return [], [], [], {"messages": [], "questions": []}, hint(), *self.idle()

    @staticmethod
    def restore(saved):
        saved = saved if isinstance(saved, dict) else {}
        messages = [m for m in saved.get("messages", []) if isinstance(m, dict)
                    and m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str)]
        questions = [q for q in saved.get("questions", []) if isinstance(q, str)]
        return messages, messages, questions

    # ---------------------------------------------------------------- the named JSON endpoints
    def search(self, query: str, k: int = K) -> list[dict]:
        """Search the reports: the top-k passages as JSON (text, score, doc_id, section, start, end, highlights)."""
        try:
            query = query[:MAX_RAW_CHARS] if isinstance(query, str) else query
            hits = self.engine.search(query, k=k_from_request(k))
        except QAError as err:
            raise gr.Error(str(err), print_exception=False) from err
        return [h.to_dict() for h in hits]

    def ask(self, question: str, k: int = K) -> dict:
        """Answer a question from the reports: text with [n] markers, covered, citations, hits."""
        try:
            question = question[:MAX_RAW_CHARS] if isinstance(question, str) else question
            answer = self.engine.ask(question, k=k_from_request(k))
        except QAError as err:
            raise gr.Error(str(err), print_exception=False) from err
        return answer.to_dict()
