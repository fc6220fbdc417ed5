"""report-qa web UI: the chat, each answer with its own sources, and a reader for the whole report.

Layout and wiring only: retrieval and answering live in ``qa``; the request handlers, the upload
flow, the library panel, the reader route and the warm-up in ``qa.web`` (one module each); markup,
styles and the page script in ``qa.web`` too. Locks: none here; the engine is safe to share.

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
from importlib.resources import files
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

import qa  # noqa: E402
from qa import settings  # noqa: E402
from qa.errors import QAError  # noqa: E402
from qa.launch import port_problem  # noqa: E402
from qa.web import library, warmup  # noqa: E402
from qa.web.cards import esc  # noqa: E402
from qa.web.guard import RequestGuard, UploadPolicy  # noqa: E402
from qa.web.handlers import Chat, fit_question, hint  # noqa: E402,F401  (fit_question: tests)
from qa.web.routes import reader_route  # noqa: E402
from qa.web.upload import LibraryPanel, status  # noqa: E402

ROOT = Path(__file__).resolve().parent
STATIC = files("qa.web").joinpath("static")

EXAMPLES = [
    "北三县交通有哪些项目",
    "2024年地区生产总值增长目标是多少",
    "2024年新增多少普惠托位",
    "副中心首个国际招商联络站在哪里",
]

TITLE = "报告问答 · report-qa"
EMPTY_TEXT = "提问后，这里会列出回答所依据的报告原文：黄色为回答句，红色加粗为问题中的关键词。"
PANEL = ('<section class="qa-panel" aria-label="引用依据"><div class="qa-panel-body" aria-live="polite">'
         f'<div class="qa-empty">{EMPTY_TEXT}</div></div></section>')
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


def build_app(engine, *, llm_module=None, llm_config=None, upload: bool = False) -> gr.Blocks:
    """The Blocks app around ``engine`` (a ``qa.Engine``); ``upload`` lets users add documents to
    its corpus folder."""
    talk = Chat(engine, llm_module=llm_module, llm_config=llm_config)
    panel = LibraryPanel(engine)
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        conv = gr.State([])
        questions = gr.State([])
        saved = gr.BrowserState({"messages": [], "questions": []}, storage_key="report-qa-chat",
                                secret="report-qa-local-history")
        with gr.Column(elem_id="qa-header"):
            # what the library holds, read again at every page load (uploads change it)
            gr.HTML(lambda: f"<h1>{esc(TITLE)}</h1><p>{esc(library.describe_library(engine.documents))}</p>")
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
                hint_box = gr.HTML(hint(), elem_id="qa-hint", padding=False)
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
                    lib_status = gr.HTML(status(), elem_id="qa-lib-status", padding=False)
                    index_status = gr.HTML(status(), elem_id="qa-index-status", padding=False)
            with gr.Column(scale=2, min_width=300, elem_id="qa-evidence-col"):
                gr.HTML(PANEL, elem_id="qa-evidence", padding=False)

        # always_last: a question sent just after 停止, while the stopped run winds down, is
        # answered next rather than dropped (while an answer runs the page keeps Enter from sending)
        ask_io = dict(inputs=[msg, conv, questions, doc_filter],
                      outputs=[msg, chatbot, conv, questions, saved, hint_box, send, stop],
                      api_visibility="private", show_progress="hidden", trigger_mode="always_last")
        msg.submit(talk.respond, **ask_io)
        send.click(talk.respond, **ask_io)
        examples.load_input_event.then(talk.respond, **ask_io)
        stop.click(talk.stop, None, None, api_visibility="private", queue=False)
        clear_out = [chatbot, conv, questions, saved, hint_box, send, stop]
        clear_btn.click(talk.clear, None, clear_out, api_visibility="private", queue=False)
        chatbot.clear(talk.clear, None, clear_out, api_visibility="private", queue=False)
        debug.change(None, [debug], None, js="(on) => window.qaShowDetails(on)")
        demo.load(talk.restore, [saved], [chatbot, conv, questions], api_visibility="private", queue=False)
        lib_out = [docs_table, doc_filter, doc_remove]
        demo.load(panel.view, None, lib_out, api_visibility="private", queue=False)
        if upload:
            # its own queue: an upload being indexed never takes a slot of the chat's
            files_in.upload(panel.add, [files_in], [*lib_out, lib_status, index_status], api_visibility="private",
                            show_progress="hidden", concurrency_id="upload", concurrency_limit=1)
            remove_btn.click(panel.remove, [doc_remove, doc_filter], [*lib_out, lib_status],
                             api_visibility="private")

        gr.api(talk.search, api_name="search")
        gr.api(talk.ask, api_name="ask")
    return demo


def limit_blas(threads: int) -> None:
    """At most ``threads`` threads per numpy matrix product in this process. The app answers
    questions side by side: a vector scan split over both cores of this machine waits for its
    helper thread whenever another process (an upload's indexing, other work) holds that core
    (a question's CPU time varied 2–20× with the load, against a steady one with one thread)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads, user_api="blas")


def upload_allowed(host: str, allow_upload: bool) -> bool:
    """Uploads are on for a server bound to this machine only, or with ``--allow-upload``."""
    return allow_upload or host in ("127.0.0.1", "localhost", "::1")


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
    limit_blas(settings.get("QA_BLAS_THREADS"))
    try:
        engine = qa.open(corpus=args.corpus, index=args.index)
    except QAError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if settings.get("QA_WARM_UP"):  # load the models while the page starts
        warmup.start(engine)
    llm_module, llm_config = _llm_config()
    upload = upload_allowed(args.host, args.allow_upload) and not args.share
    demo = build_app(engine, llm_module=llm_module, llm_config=llm_config, upload=upload)
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
        app_kwargs={"routes": [reader_route(engine)],
                    "middleware": [Middleware(RequestGuard, upload=policy)]},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
