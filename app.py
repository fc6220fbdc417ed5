"""report-qa web UI: the chat, each answer with its own sources, and a reader for the whole report.

Presentation only: retrieval and answering live in ``qa``; markup, styles and the page script in
``qa.web``.

    python app.py                     # http://127.0.0.1:7860 (uploads on: this machine only)
    python app.py --host 0.0.0.0 --port 8080 [--allow-upload]
    python app.py --share             # public Gradio link (off by default)

Named API endpoints (plain JSON), e.g. with gradio_client:
    Client(url).predict("北三县交通有哪些项目", api_name="/search")  -> list of hits
    Client(url).predict("北三县交通有哪些项目", api_name="/ask")     -> answer with citations
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
import uuid
from importlib.resources import files
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

import qa  # noqa: E402
from qa.launch import port_problem  # noqa: E402
from qa import settings  # noqa: E402
from qa.errors import QAError  # noqa: E402
from qa.query import CROSSLINGUAL, DEFAULT_K, MAX_QUERY_CHARS, MAX_RAW_CHARS, encodable, k_from_request, prepare_query  # noqa: E402
from qa.web import cards as webcards  # noqa: E402
from qa.web import chat, library, reader  # noqa: E402
from qa.web.guard import RequestGuard, UploadPolicy  # noqa: E402

log = logging.getLogger("report-qa.app")

ROOT = Path(__file__).resolve().parent
STATIC = files("qa.web").joinpath("static")
K = DEFAULT_K
# seconds between streamed pieces of an extractive answer (QA_STREAM_DELAY: tests slow it down)
STREAM_DELAY = settings.get("QA_STREAM_DELAY")
KEEP_MESSAGES = 60  # messages kept in the browser's storage

EXAMPLES = [
    "北三县交通有哪些项目",
    "2024年地区生产总值增长目标是多少",
    "2024年新增多少普惠托位",
    "副中心首个国际招商联络站在哪里",
]

TITLE = "报告问答 · report-qa"
SUBTITLE = ("针对《通州区2023年国民经济和社会发展计划执行情况与2024年计划的报告》提问。回答只依据报告原文；"
            "点击回答中的 [n] 查看对应的引用段落，点击「在原文中查看」阅读全文。")
EMPTY_TEXT = "提问后，这里会列出回答所依据的报告原文：黄色为回答句，红色加粗为问题中的关键词。"
PANEL = ('<section class="qa-panel" aria-label="引用依据"><div class="qa-panel-body" aria-live="polite">'
         f'<div class="qa-empty">{EMPTY_TEXT}</div></div></section>')
HINT_EMPTY = "请输入问题，例如「北三县交通有哪些项目」。"


def _hint(text: str = "") -> str:
    """A status line under the input (the page script writes into the same element)."""
    return f'<p class="qa-hint" role="status">{webcards.esc(text)}</p>'


CJK_FONTS = ["PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
             "Source Han Sans SC", "WenQuanYi Micro Hei", "system-ui", "sans-serif"]


def _theme() -> gr.themes.Base:
    # Plain font names (no GoogleFont): nothing is fetched from outside, Chinese renders locally.
    return gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=CJK_FONTS,
                          font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"]).set(
        # every text >= 4.5:1 (axe-core): darker blues than the theme's defaults
        body_text_color_subdued="#475569", block_info_text_color="#475569",
        body_text_color_subdued_dark="#cbd5e1",  # the dark theme's own grey is 4.0:1 on its inputs
        block_label_text_color="#1e40af", block_title_text_color="#1e40af",
        input_placeholder_color="#64748b", button_primary_background_fill="#1d4ed8",
        button_primary_background_fill_hover="#1e40af", button_primary_text_color="#ffffff")


def _llm_config():
    """The optional LLM configuration (None when off or when qa.llm is unavailable)."""
    try:
        from qa import llm
    except ImportError:
        return None, None
    try:
        return llm, llm.llm_config_from_env()
    except QAError as err:  # said once at start-up, not silently off
        print(f"warning: 大模型（LLM）回答已关闭，配置有误：{err}", file=sys.stderr)
        return None, None


def fit_question(message: str) -> tuple[str, str | None]:
    """The question to search, and a note when a long paste was cut to its last sentence.

    Cheap for any size (``prepare_query`` looks at the last ``MAX_RAW_CHARS`` characters only),
    and done before the engine's lock."""
    if len(message) <= MAX_QUERY_CHARS:
        return encodable(message), None  # it is kept in the conversation: JSON-safe
    try:
        q = prepare_query(message, keep="last_sentence")
    except QAError:
        return encodable(message[-MAX_RAW_CHARS:]), None  # the engine will say what is wrong with it
    return q.text, f"{q.notice}：{chat.echo(q.text, 80)}" if q.notice else None


def _ask(engine, question: str, history: list[str], documents: list[str] | None):
    """``engine.ask`` with the chat's history and the chosen documents."""
    return engine.ask(question, k=K, history=history or (), documents=documents or None)


def _crosslingual(aq) -> bool:
    """Whether the question was searched with the cross-lingual encoder (its own similarity scale)."""
    return getattr(aq, "route", None) == CROSSLINGUAL


def _trace(answer, cards) -> chat.Trace:
    """What retrieval decided, for "检索详情": read from the analysed question the answer carries
    (``answer.query``), never analysed again."""
    terms = []
    for h in answer.hits:
        terms += [h.text[s.start:s.end] for s in h.terms]
    q = answer.query
    searched = getattr(q, "text", None) or answer.question
    expansions = tuple(getattr(q, "expansions", ()))
    period = "、".join(dict.fromkeys(p.label for p in getattr(q, "periods", ()))) or None
    rows = []
    for n, h in enumerate(answer.hits, 1):
        n = next((c.n for c in cards if c.doc_id == h.doc_id and c.start == h.start), n)
        s = h.scores or {}
        rows.append(chat.TraceRow(n, tuple(h.section), float(h.score),
                                  _float(s.get("dense")), _float(s.get("bm25"))))
    return chat.Trace(searched, tuple(dict.fromkeys(terms)), expansions, period, tuple(rows))


def _float(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


class Library:
    """The engine and its corpus folder; uploads and removals refresh the engine."""

    def __init__(self, engine, corpus: Path | None = None):
        self.engine = engine
        self.corpus = corpus
        self.lock = threading.Lock()  # one engine call at a time: the engine need not be thread-safe

    def document(self, doc_id: str):
        with self.lock:
            return self.engine.document(doc_id)

    def documents(self) -> list:
        return list(getattr(self.engine, "documents", []) or [])

    def passage_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        try:
            for c in self.engine.data.chunks:
                counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
        except AttributeError:
            pass
        return counts

    def refresh(self) -> None:
        """Pick up files added to or removed from the corpus folder: ``Engine.refresh`` checks
        the files' names, sizes and times cheaply and embeds only new or changed documents."""
        with self.lock:
            self.engine.refresh()

    def notice_changes(self) -> None:
        """``refresh`` before each question, so files changed behind the app's back are seen."""
        try:
            self.refresh()
        except QAError as err:
            log.warning("the corpus changed but cannot be read: %s", err)


def build_app(engine, *, llm_module=None, llm_config=None, corpus: Path | None = None,
              upload: bool = False) -> gr.Blocks:
    """The Blocks app around ``engine`` (a ``qa.Engine``); ``corpus`` is its folder, into which
    ``upload`` lets users add documents."""
    lib = Library(engine, corpus)
    stops: dict[str, threading.Event] = {}  # session -> "stop the answer being streamed"

    def respond(message, conv, questions, documents, request: gr.Request):
        """Chat handler: echo the question, find the evidence, stream the answer in.

        停止 sets this session's stop event; the stream then ends itself (cleaner than Gradio's
        cancel, after which a question sent at once could be dropped)."""
        stop_event = stops[request.session_hash] = threading.Event()
        try:
            yield from _respond(message, conv, questions, documents, stop_event)
        finally:
            if stops.get(request.session_hash) is stop_event:
                del stops[request.session_hash]

    def _respond(message, conv, questions, documents, stop_event):
        message = message if isinstance(message, str) else ""
        if not message.strip():
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), _hint(HINT_EMPTY), gr.skip(), gr.skip()
            return
        conv, questions = list(conv or []), list(questions or [])
        question, note = fit_question(message)
        answer_id = uuid.uuid4().hex[:12]
        conv.append(chat.user_message(message))
        conv.append(chat.pending_message(answer_id))
        busy = gr.update(value="回答中…", interactive=False)
        yield "", conv, conv, gr.skip(), gr.skip(), _hint(), busy, gr.update(visible=True)
        lib.notice_changes()
        try:
            with lib.lock:
                answer = _ask(lib.engine, question, questions[-4:], documents or None)
        except QAError as err:
            log.warning("question failed: %s", err)
            conv[-1] = chat.answer_message(answer_id, f"⚠️ 这个问题无法处理：{library.error_text(err)}", [])
            yield gr.skip(), conv, conv, questions, _saved(conv, questions), gr.skip(), *_idle()
            return
        questions.append(question)
        understood = getattr(answer, "understood", None) or None
        scale = dict(crosslingual=_crosslingual(answer.query))  # relevance on the route's scale
        cards = webcards.cards_for_answer(answer, lib.document, **scale)
        trace = _trace(answer, cards)
        shown = dict(covered=answer.covered, understood=understood, note=note)
        text = ""
        if llm_config is not None and llm_module is not None and answer.covered and answer.hits \
                and not stop_event.is_set():
            llm_cards = webcards.cards_for_hits(answer.hits, lib.document, **scale)
            try:
                for piece in llm_module.reword(answer, llm_config):
                    text += piece
                    conv[-1] = chat.answer_message(answer_id, text, llm_cards, streaming=True, **shown)
                    yield gr.skip(), conv, conv, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
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
                yield gr.skip(), conv, conv, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                time.sleep(STREAM_DELAY)
                if stop_event.is_set():
                    break
            else:
                text = answer.text
        stopped = stop_event.is_set()
        conv[-1] = chat.answer_message(answer_id, text, cards, trace=None if stopped else trace,
                                       stopped=stopped, **shown)
        yield gr.skip(), conv, conv, questions, _saved(conv, questions), gr.skip(), *_idle()

    def stop_answer(request: gr.Request):
        event = stops.get(request.session_hash)
        if event is not None:
            event.set()

    def _idle():
        return gr.update(value="发送", interactive=True), gr.update(visible=False)

    def _saved(conv, questions):
        return {"messages": list(conv)[-KEEP_MESSAGES:], "questions": list(questions)[-10:]}

    def clear():
        return [], [], [], {"messages": [], "questions": []}, _hint(), *_idle()

    def restore(saved):
        saved = saved if isinstance(saved, dict) else {}
        messages = [m for m in saved.get("messages", []) if isinstance(m, dict)
                    and m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str)]
        questions = [q for q in saved.get("questions", []) if isinstance(q, str)]
        return messages, messages, questions

    def search(query: str, k: int = K) -> list[dict]:
        """Search the report: the top-k passages as JSON (text, score, doc_id, section, start, end, highlights)."""
        try:
            k = k_from_request(k)
            query = query[:MAX_RAW_CHARS] if isinstance(query, str) else query  # cut before the lock
            with lib.lock:
                hits = lib.engine.search(query, k=k)
        except QAError as err:
            raise gr.Error(str(err), print_exception=False) from err
        return [h.to_dict() for h in hits]

    def ask(question: str, k: int = K) -> dict:
        """Answer a question from the report: text with [n] markers, covered, citations, hits."""
        try:
            k = k_from_request(k)
            question = question[:MAX_RAW_CHARS] if isinstance(question, str) else question
            with lib.lock:
                answer = lib.engine.ask(question, k=k)
        except QAError as err:
            raise gr.Error(str(err), print_exception=False) from err
        return answer.to_dict()

    # ------------------------------------------------------------ the document library
    def library_view():
        docs = lib.documents()
        choices = library.document_choices(docs)
        return (library.documents_html(docs, lib.passage_counts()),
                gr.update(choices=choices), gr.update(choices=choices, value=None))

    def add_documents(paths, progress=gr.Progress()):
        if not paths:
            return gr.skip(), gr.skip(), gr.skip(), _hint("请选择要上传的文件。")
        paths = [Path(p) for p in paths]
        try:
            progress(0.05, desc="检查并保存文件")
            # Gradio keeps an upload under its original (unsafe) name: add_files sanitises it
            added = qa.add_files(lib.corpus, paths, names=[p.name for p in paths])
            progress(0.3, desc="为新文档建立索引")
            lib.refresh()
        except QAError as err:
            log.warning("upload failed: %s", err)
            return gr.skip(), gr.skip(), gr.skip(), _hint(f"⚠️ {library.error_text(err)}")
        progress(1.0, desc="完成")
        return *library_view(), _hint(f"已加入文档库：{'、'.join(p.name for p in added)}")

    def remove_doc(doc_id):
        problem = library.removal_problem(doc_id, lib.documents())
        if problem:
            return gr.skip(), gr.skip(), gr.skip(), _hint(problem)
        try:
            qa.remove_document(lib.corpus, doc_id)
            lib.refresh()
        except QAError as err:
            log.warning("removal failed: %s", err)
            return gr.skip(), gr.skip(), gr.skip(), _hint(f"⚠️ {library.error_text(err)}")
        return *library_view(), _hint(f"已从文档库删除：{doc_id}")

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        conv = gr.State([])
        questions = gr.State([])
        saved = gr.BrowserState({"messages": [], "questions": []}, storage_key="report-qa-chat",
                                secret="report-qa-local-history")
        with gr.Column(elem_id="qa-header"):
            gr.HTML(f"<h1>{webcards.esc(TITLE)}</h1><p>{webcards.esc(SUBTITLE)}</p>")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    elem_id="qa-chat",
                    label="对话",
                    show_label=False,
                    height=600,
                    layout="panel",
                    buttons=[],
                    feedback_options=None,
                    placeholder="请在下方输入问题，或点击示例问题。",
                    sanitize_html=True,
                    render_markdown=False,
                    group_consecutive_messages=False,
                    line_breaks=False,
                )
                with gr.Row(equal_height=False, elem_id="qa-input-row"):
                    msg = gr.Textbox(
                        elem_id="qa-input",
                        label="向报告提问",
                        placeholder="输入问题，回车发送",
                        lines=1,
                        max_lines=6,
                        scale=5,
                        autofocus=True,
                    )
                    send = gr.Button("发送", variant="primary", scale=1, min_width=80, elem_id="qa-send")
                    stop = gr.Button("停止", variant="stop", scale=1, min_width=72, elem_id="qa-stop",
                                     visible=False)
                hint = gr.HTML(_hint(), elem_id="qa-hint",
                               padding=False)
                examples = gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[msg],
                                       label="示例问题（点击即问）", elem_id="qa-examples")
                with gr.Row():
                    clear_btn = gr.Button("清空对话", variant="secondary", size="sm", elem_id="qa-clear")
                    gr.Button("导出对话（Markdown）", variant="secondary", size="sm", elem_id="qa-export")
                    debug = gr.Checkbox(False, label="显示检索详情", elem_id="qa-debug-toggle",
                                        container=False)
                with gr.Accordion("文档库", open=False, elem_id="qa-library"):
                    docs_table = gr.HTML(elem_id="qa-docs")
                    doc_filter = gr.Dropdown([], multiselect=True, label="只在这些文档中检索（不选即全部）",
                                             elem_id="qa-doc-filter")
                    if upload:
                        files_in = gr.File(label="上传文档（.docx/.pdf/.txt/.md/.html，每个不超过 20 MB）",
                                           file_count="multiple", file_types=list(library.UPLOAD_SUFFIXES),
                                           elem_id="qa-upload")
                        with gr.Row():
                            doc_remove = gr.Dropdown([], label="删除文档", elem_id="qa-doc-remove", scale=3)
                            remove_btn = gr.Button("删除所选文档", variant="stop", size="sm",
                                                   elem_id="qa-remove", scale=1)
                    else:
                        gr.Markdown("此服务器未开启上传（仅本机 127.0.0.1 运行时默认开启，或使用 `--allow-upload`）。")
                        doc_remove = gr.State(None)
                    lib_status = gr.HTML(_hint(), elem_id="qa-lib-status",
                                         padding=False)
            with gr.Column(scale=2, min_width=300, elem_id="qa-evidence-col"):
                gr.HTML(PANEL, elem_id="qa-evidence", padding=False)

        # always_last: a question sent just after 停止, while the stopped run winds down, is
        # answered next rather than dropped (while an answer runs the page keeps Enter from sending)
        ask_io = dict(inputs=[msg, conv, questions, doc_filter],
                      outputs=[msg, chatbot, conv, questions, saved, hint, send, stop],
                      api_visibility="private", show_progress="hidden", trigger_mode="always_last")
        msg.submit(respond, **ask_io)
        send.click(respond, **ask_io)
        examples.load_input_event.then(respond, **ask_io)
        stop.click(stop_answer, None, None, api_visibility="private", queue=False)
        clear_out = [chatbot, conv, questions, saved, hint, send, stop]
        clear_btn.click(clear, None, clear_out, api_visibility="private", queue=False)
        chatbot.clear(clear, None, clear_out, api_visibility="private", queue=False)
        debug.change(None, [debug], None, js="(on) => window.qaShowDetails(on)")
        demo.load(restore, [saved], [chatbot, conv, questions], api_visibility="private", queue=False)
        lib_out = [docs_table, doc_filter, doc_remove]
        demo.load(library_view, None, lib_out, api_visibility="private", queue=False)
        if upload:
            files_in.upload(add_documents, [files_in], [*lib_out, lib_status], api_visibility="private",
                            show_progress="full")
            remove_btn.click(remove_doc, [doc_remove], [*lib_out, lib_status], api_visibility="private")

        gr.api(search, api_name="search")
        gr.api(ask, api_name="ask")
    demo.qa_library = lib  # the reader route reads documents through it
    return demo


def reader_route(lib: Library) -> Route:
    """GET /reader?doc=ID&s=START&e=END&m=A-B,…: the whole document, at the passage."""

    async def endpoint(request: Request) -> HTMLResponse:
        q = request.query_params
        try:
            doc = lib.document(q.get("doc", ""))
        except QAError:
            return HTMLResponse(reader.not_found_page("没有这个文档，它可能已被删除。"), status_code=404)
        n = len(doc.text)
        start, end = reader.parse_offset(q.get("s"), n), reader.parse_offset(q.get("e"), n)
        page = reader.reader_page(doc, start, end, reader.parse_marks(q.get("m"), n))
        return HTMLResponse(page, headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})

    return Route("/reader", endpoint, methods=["GET"])


def upload_allowed(host: str, allow_upload: bool) -> bool:
    """Uploads are on for a server bound to this machine only, or with ``--allow-upload``."""
    return allow_upload or host in ("127.0.0.1", "localhost", "::1")


CROSS_WARM_UP_DELAY = 2.0  # seconds after the main encoder is ready


def warm_up(engine) -> None:
    """Load and exercise the models, so the first real question is answered at once: the main
    encoder, then a throwaway search (tokenizer, scoring), then the cross-lingual encoder, which
    loads under its own lock, so a Chinese question asked meanwhile does not wait for it.
    Runs in a background thread at start-up."""
    started = time.perf_counter()
    try:
        if hasattr(engine.embedder, "warm_up"):
            engine.embedder.warm_up()
        engine.ask("预热", k=1)  # the whole answer path: tokenizer, scoring, composition
        cross = getattr(engine, "cross", None)
        if cross is not None and hasattr(cross, "warm_up"):
            time.sleep(CROSS_WARM_UP_DELAY)  # let the page and a first question go first
            cross.warm_up()
            engine.search("warm up", k=1)
    except Exception as err:  # noqa: BLE001 - a failed warm-up only costs the first question time
        print(f"warm-up failed (the first question will load the models): {err}", file=sys.stderr)
        return
    print(f"models ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="report-qa web UI")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--share", action="store_true", help="also create a public Gradio share link")
    p.add_argument("--corpus", default=str(ROOT / "corpus"), help="corpus folder")
    p.add_argument("--index", default=str(ROOT / "index"), help="index folder (built on first run)")
    p.add_argument("--allow-upload", action="store_true",
                   help="allow uploading documents on a server bound to another host (no login!)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = port_problem(args.host, args.port)  # before the slow start, in one line
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        engine = qa.open(corpus=args.corpus, index=args.index)
    except QAError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if settings.get("QA_WARM_UP"):  # load the models while the page starts
        threading.Thread(target=warm_up, args=(engine,), name="qa-warm-up", daemon=True).start()
    llm_module, llm_config = _llm_config()
    upload = upload_allowed(args.host, args.allow_upload) and not args.share
    demo = build_app(engine, llm_module=llm_module, llm_config=llm_config, corpus=Path(args.corpus),
                     upload=upload)
    demo.queue(default_concurrency_limit=2)
    policy = UploadPolicy(max_bytes=library.MAX_UPLOAD_BYTES) if upload else None
    demo.launch(
        server_name=args.host,
        server_port=args.port,
        share=args.share,
        theme=_theme(),
        css_paths=[str(STATIC.joinpath("app.css"))],
        js=STATIC.joinpath("app.js").read_text(encoding="utf-8"),
        footer_links=["api"],
        max_file_size=library.MAX_UPLOAD_BYTES,
        app_kwargs={"routes": [reader_route(demo.qa_library)],
                    "middleware": [Middleware(RequestGuard, upload=policy)]},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
