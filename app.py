"""report-qa web UI: chat on the left, the cited evidence on the right (Gradio 6 Blocks).

Presentation only: retrieval and answering live in ``qa``; markup in ``qa.render``.

    python app.py                     # http://127.0.0.1:7860
    python app.py --host 0.0.0.0 --port 8080
    python app.py --share             # public Gradio link (off by default)

Named API endpoints (plain JSON), e.g. with gradio_client:
    Client(url).predict("北三县交通有哪些项目", api_name="/search")  -> list of hits
    Client(url).predict("北三县交通有哪些项目", api_name="/ask")     -> answer with citations
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home

import gradio as gr  # noqa: E402

import qa  # noqa: E402
from qa import render  # noqa: E402
from qa.errors import QAError  # noqa: E402
from qa.launch import port_problem  # noqa: E402
from qa.query import MAX_QUERY_CHARS, prepare_query  # noqa: E402

ROOT = Path(__file__).resolve().parent
K = 5
STREAM_DELAY = 0.02  # seconds between streamed pieces of an extractive answer
MAX_ECHO = 300  # characters of a (huge) question echoed into the chat

EXAMPLES = [
    "北三县交通有哪些项目",
    "2024年地区生产总值增长目标是多少",
    "2024年新增多少普惠托位",
    "副中心首个国际招商联络站在哪里",
]

TITLE = "报告问答 · report-qa"
SUBTITLE = "针对《通州区2023年国民经济和社会发展计划执行情况与2024年计划的报告》提问。回答只依据报告原文，[n] 对应右侧的引用段落。"
EMPTY_PANEL = render.render_evidence([], message="提问后，这里会列出回答所依据的报告原文：黄色为回答句，红色加粗为问题中的关键词。")

APP_CSS = render.EVIDENCE_CSS + """
.gradio-container { max-width: 1320px !important; margin: 0 auto !important; }
#qa-header h1 { font-size: 22px; margin: 4px 0 2px; }
#qa-header p { margin: 0; color: var(--body-text-color-subdued); font-size: 14px; line-height: 1.6; }
#qa-evidence-col { max-height: calc(100vh - 120px); overflow-y: auto; }
#qa-chat .message { font-size: 15px; line-height: 1.8; }
@media (max-width: 768px) {
  .gradio-container { padding: 8px !important; }
  #qa-header h1 { font-size: 18px; }
  #qa-evidence-col { max-height: none; overflow: visible; }
}
"""

CJK_FONTS = ["PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
             "Source Han Sans SC", "WenQuanYi Micro Hei", "system-ui", "sans-serif"]


def _theme() -> gr.themes.Base:
    # Plain font names (no GoogleFont): nothing is fetched from outside, Chinese renders locally.
    return gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=CJK_FONTS,
                          font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"])


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


def build_app(engine, *, llm_module=None, llm_config=None) -> gr.Blocks:
    """The Blocks app around ``engine`` (anything with search / ask / document)."""
    lock = threading.Lock()  # one engine call at a time: the engine need not be thread-safe

    def document(doc_id: str):
        with lock:
            return engine.document(doc_id)

    def respond(message: str, history: list):
        """Chat handler: echo the question, find the evidence, stream the answer in."""
        history = list(history or [])
        question = message or ""
        if question.strip():
            shown = question if len(question) <= MAX_ECHO else question[:MAX_ECHO] + "…"
            history.append({"role": "user", "content": render.chat_escape(shown)})
        history.append({"role": "assistant", "content": "正在检索报告原文…"})
        yield history, "", gr.skip()
        try:
            with lock:
                answer = engine.ask(question, k=K)
        except QAError as err:
            history[-1] = {"role": "assistant", "content": "⚠️ 这个问题无法处理：" + render.chat_escape(str(err))}
            yield history, "", EMPTY_PANEL
            return
        note = ""
        if prepare_query(question).truncated:
            note = f"*（问题较长，只按前 {MAX_QUERY_CHARS} 个字符检索。）*\n\n"

        if llm_config is not None and llm_module is not None and answer.hits:
            cards = render.cards_for_hits(answer.hits, document)
            yield history, "", render.render_evidence(cards, covered=answer.covered)
            text = ""
            try:
                for piece in llm_module.stream_answer(question, list(answer.hits), llm_config):
                    text += piece
                    history[-1] = {"role": "assistant", "content": note + render.answer_markdown(text)}
                    yield history, "", gr.skip()
                return
            except Exception as err:  # fall back to the extractive answer
                print(f"LLM failed, using the extractive answer: {err}", file=sys.stderr)

        cards = render.cards_for_answer(answer, document)
        panel = render.render_evidence(cards, covered=answer.covered)
        first = True
        for prefix in render.stream_pieces(answer.text):
            history[-1] = {"role": "assistant", "content": note + render.answer_markdown(prefix)}
            yield history, "", (panel if first else gr.skip())
            first = False
            time.sleep(STREAM_DELAY)

    def clear():
        return [], "", EMPTY_PANEL

    def search(query: str, k: int = K) -> list[dict]:
        """Search the report: the top-k passages as JSON (text, score, doc_id, section, start, end, highlights)."""
        try:
            with lock:
                hits = engine.search(query, k=int(k))
        except QAError as err:
            raise gr.Error(str(err), print_exception=False) from err
        return [render.hit_json(h) for h in hits]

    def ask(question: str, k: int = K) -> dict:
        """Answer a question from the report: text with [n] markers, covered, citations, hits."""
        try:
            with lock:
                answer = engine.ask(question, k=int(k))
        except QAError as err:
            raise gr.Error(str(err), print_exception=False) from err
        return render.answer_json(answer)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        with gr.Column(elem_id="qa-header"):
            gr.HTML(f"<h1>{render.chat_escape(TITLE)}</h1><p>{render.chat_escape(SUBTITLE)}</p>")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    elem_id="qa-chat",
                    label="对话",
                    show_label=False,
                    height=560,
                    layout="bubble",
                    buttons=["copy"],
                    feedback_options=None,
                    placeholder="请在下方输入问题，或点击示例问题。",
                    sanitize_html=True,
                )
                with gr.Row():
                    msg = gr.Textbox(
                        elem_id="qa-input",
                        show_label=False,
                        placeholder="输入关于报告的问题，按回车发送",
                        lines=1,
                        max_lines=4,
                        scale=5,
                        autofocus=True,
                    )
                    send = gr.Button("发送", variant="primary", scale=1, min_width=72, elem_id="qa-send")
                examples = gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[msg],
                                       label="示例问题（点击即问）", elem_id="qa-examples")
                clear_btn = gr.Button("清空对话", variant="secondary", size="sm", elem_id="qa-clear")
            with gr.Column(scale=2, min_width=300, elem_id="qa-evidence-col"):
                evidence = gr.HTML(EMPTY_PANEL, elem_id="qa-evidence", label="引用依据")

        chat_io = dict(inputs=[msg, chatbot], outputs=[chatbot, msg, evidence],
                       api_visibility="private", show_progress="hidden")
        msg.submit(respond, **chat_io)
        send.click(respond, **chat_io)
        examples.load_input_event.then(respond, **chat_io)
        clear_btn.click(clear, None, [chatbot, msg, evidence], api_visibility="private")

        gr.api(search, api_name="search")
        gr.api(ask, api_name="ask")
    return demo


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="report-qa web UI")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--share", action="store_true", help="also create a public Gradio share link")
    p.add_argument("--corpus", default=str(ROOT / "corpus"), help="corpus folder")
    p.add_argument("--index", default=str(ROOT / "index"), help="index folder (built on first run)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = port_problem(args.host, args.port)  # before the slow start, in one line
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        engine = qa.open(corpus=args.corpus, index=args.index)
    except QAError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    llm_module, llm_config = _llm_config()
    demo = build_app(engine, llm_module=llm_module, llm_config=llm_config)
    demo.queue(default_concurrency_limit=2)
    demo.launch(
        server_name=args.host,
        server_port=args.port,
        share=args.share,
        theme=_theme(),
        css=APP_CSS,
        footer_links=["api"],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
