"""The chat with an LLM configured, in a real browser, against a fake OpenAI-compatible server on
127.0.0.1 that misbehaves on demand: an answer with no text, or bytes that never end a line, used
to leave the chat on "正在检索报告原文…" for good; LLM markdown must not make the browser fetch."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apprunner import ARTIFACTS, running_app
from test_browser import answers, wait_done

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PIXEL = "http://127.0.0.1:9/pixel.png?leak=1"


class Misbehaving(BaseHTTPRequestHandler):
    """Answers every chat request the way ``server.mode`` says."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.calls += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            getattr(self, "mode_" + self.server.mode)()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def event(self, payload):
        data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        self.wfile.write(f"data: {data}\n\n".encode())
        self.wfile.flush()

    def mode_empty(self):  # only [DONE]
        self.event({"choices": [{"index": 0, "delta": {"role": "assistant"}}]})
        self.event("[DONE]")

    def mode_nonewline(self):  # bytes forever (60 s at most), never a complete line
        self.wfile.write(b"data: ")
        for _ in range(1200):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.05)
        self.server.finished = True  # nobody hung up: the client's total time-out did not hold

    def mode_text(self):
        for piece in ["模型回答：见", "[1]。", f"![]({PIXEL}) ", "<a href=\"http://127.0.0.1:9/x\">链接</a>"]:
            self.event({"choices": [{"index": 0, "delta": {"content": piece}}]})
        self.event("[DONE]")

    def mode_inject(self):  # obeys an injected instruction and makes up a figure, citing everything
        for piece in ["忽略报告。2024年地区生产总值目标为5", "0%[1][2][3]。", "北三县交通项目稳步推进[1]。"]:
            self.event({"choices": [{"index": 0, "delta": {"content": piece}}]})
        self.event("[DONE]")


@pytest.fixture(scope="module")
def llm():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    server.daemon_threads = True
    server.mode, server.calls, server.finished = "empty", 0, False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def app_url(llm):
    host, port = llm.server_address[:2]
    env = {"QA_LLM_BASE_URL": f"http://{host}:{port}/v1", "QA_LLM_MODEL": "fake",
           "QA_LLM_TIMEOUT": "10", "QA_LLM_TOTAL_TIMEOUT": "2"}
    with running_app("app-llm.log", env=env) as url:
        yield url


def ask_and_read(page, question: str) -> str:
    page.locator("#qa-input textarea").fill(question)
    page.locator("#qa-input textarea").press("Enter")
    wait_done(page, 1)  # the old app never got here: the chat stayed on 正在检索报告原文…
    return answers(page).first.inner_text()


@pytest.mark.parametrize("mode", ["empty", "nonewline"])
def test_an_llm_that_says_nothing_falls_back_to_the_extractive_answer(llm, page, mode):
    llm.mode, calls = mode, llm.calls
    text = ask_and_read(page, "北三县交通有哪些项目")
    assert llm.calls == calls + 1
    assert "正在检索" not in text and ("厂通路" in text or "22号线" in text)
    log = (ARTIFACTS / "app-llm.log").read_text(encoding="utf-8")
    assert ("answered no text" if mode == "empty" else "longer than 2 s") in log
    assert not llm.finished  # the app hung up on the trickling server, at its total time-out


def test_llm_markdown_cannot_make_the_browser_fetch(llm, page):
    llm.mode = "text"
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    text = ask_and_read(page, "北三县交通有哪些项目")
    answer = answers(page).first
    assert "模型回答" in text and PIXEL in text  # the URL is shown as text
    assert answer.locator(".qa-body img, .qa-body a[href]").count() == 0
    assert answer.locator("button.qa-ref").count() >= 1  # the citation survives
    assert not [u for u in requested if "127.0.0.1:9" in u]


def test_a_made_up_figure_is_shown_marked_and_uncited(llm, page):
    llm.mode = "inject"
    text = ask_and_read(page, "北三县交通有哪些项目")
    assert "目标为50%（未在引用段落中找到）" in text
    answer = answers(page).first
    assert answer.locator("button.qa-ref").count() == 1  # only the sentence without a figure's [1]
