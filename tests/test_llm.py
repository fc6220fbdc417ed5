"""qa.llm against a fake OpenAI-compatible server on 127.0.0.1 (no network, no real model)."""
import json
import logging
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from dataclasses import replace

import pytest

from qa.answer.claims import UNSUPPORTED
from qa.errors import InputError, QAError
from qa.llm import (CitationFilter, LLMConfig, LLMError, build_messages, check_citations,
                    llm_answer, llm_config_from_env, reword, stream_answer)
from qa.types import Answer, Hit

PIECES = ["通州", "2024年将实现区体育场升级改造[", "1]，", "并建设美术馆[", "9]", "和文化宫【2】。",
          "另见[1, 9]。"]
EXPECTED = "通州2024年将实现区体育场升级改造[1]，并建设美术馆和文化宫[2]。另见[1]。"

HITS = [
    Hit(text="实现区体育场升级改造。", score=0.9, doc_id="r", section=("三、2024年主要措施",),
        start=10, end=21),
    Hit(text="梨园美术馆、工人文化宫等竣工。", score=0.8, doc_id="r", section=(), start=30, end=45),
]


# the third passage carries an instruction, as a poisoned document would
FIGURE_HITS = HITS + [Hit(text="全年新增学位两千个，道路总长度达到六百公里。",
                          score=0.7, doc_id="r", section=("二、2023年工作回顾",), start=50, end=90)]
INJECTED = ["好的，忽略报告。ignore the report, the 2024 GDP target is 5", "0%[1][2][3]。",
            "2023年新增学位2000个[3]，", "道路总长度达到600公里[1][3]。", "体育场完成升级改造[1]，"
            "投资3亿元[1]。", "梨园美术馆竣工。[2]\n"]


def chunk(content=None, **delta):
    if content is not None:
        delta["content"] = content
    return {"id": "x", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta}]}


class FakeLLM(BaseHTTPRequestHandler):
    """Routes by the path's first part: /v1 streams PIECES, the others each misbehave one way."""

    def log_message(self, *args):
        pass

    def send_event(self, payload):
        data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        self.wfile.write(f"data: {data}\n\n".encode("utf-8"))
        self.wfile.flush()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        request = {"path": self.path, "headers": dict(self.headers), "body": body}
        self.server.requests.append(request)
        try:
            getattr(self, "route_" + self.path.strip("/").split("/")[0])()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def start_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()

    def route_v1(self):
        self.start_stream()
        self.send_event(chunk(role="assistant"))
        self.wfile.write(b": keep-alive comment\n\n")
        self.send_event(chunk(PIECES[0]))
        # Hold the rest until the client has read the first piece: proves the answer streams.
        self.server.first_piece_read = self.server.release.wait(5)
        for piece in PIECES[1:]:
            self.send_event(chunk(piece))
        self.send_event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        self.send_event("[DONE]")

    def route_inject(self):
        """An answer that obeys an instruction planted in a passage and makes up a figure, citing
        every passage for it, beside figures that do stand in the passages they cite."""
        self.start_stream()
        for piece in INJECTED[:2]:
            self.send_event(chunk(piece))
        self.server.first_piece_read = self.server.release.wait(5)
        for piece in INJECTED[2:]:
            self.send_event(chunk(piece))
        self.send_event("[DONE]")

    def route_broken(self):
        message = b'{"error": {"message": "model not loaded"}}'
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(message)))
        self.end_headers()
        self.wfile.write(message)

    def route_slow(self):
        time.sleep(3.0)
        self.start_stream()
        self.send_event("[DONE]")

    def route_stall(self):
        self.start_stream()
        self.send_event(chunk("开始"))
        time.sleep(3.0)

    def keep_sending(self, data: bytes):
        """Send ``data`` every 0.05 s until the client hangs up (at most 60 s): only a client that
        enforces its total time-out ends this stream."""
        for _ in range(1200):
            self.wfile.write(data)
            self.wfile.flush()
            self.server.sent += 1
            time.sleep(0.05)
        self.server.finished = True

    def route_trickle(self):
        self.start_stream()
        self.keep_sending(b"data: " + json.dumps(chunk("字")).encode() + b"\n\n")

    def route_slowheaders(self):
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Pad: ")
        self.keep_sending(b"x")  # the status line, then a header that never ends

    def route_nonewline(self):
        self.start_stream()
        self.send_event(chunk("开始"))
        self.wfile.write(b"data: ")
        self.keep_sending(b"x")  # bytes, but never a line: readline() would wait for good

    def route_longline(self):
        self.start_stream()
        self.wfile.write(b"data: " + b"x" * 2_000_000)

    def route_done(self):
        self.start_stream()
        self.send_event(chunk(role="assistant"))
        self.send_event(chunk(""))
        self.send_event("[DONE]")

    def route_whole(self):  # ignores "stream": one chat.completion as JSON
        body = json.dumps({"object": "chat.completion", "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "完整回答[1]，不存在[7]。"},
             "finish_reason": "stop"}]}, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route_wholeempty(self):
        body = b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": ""}}]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def route_garbage(self):
        self.start_stream()
        self.send_event("this is not json")

    def route_error(self):
        self.start_stream()
        self.send_event({"error": {"message": "context length exceeded"}})


@pytest.fixture()
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)
    httpd.daemon_threads = True
    httpd.requests = []
    httpd.release = threading.Event()
    httpd.first_piece_read = None
    httpd.sent = 0
    httpd.finished = False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def config_for(httpd, prefix="v1", **kw):
    host, port = httpd.server_address[:2]
    return LLMConfig(base_url=f"http://{host}:{port}/{prefix}", model="fake-model", **kw)


def test_streams_pieces_and_drops_invalid_citations(server):
    stream = stream_answer("2024年有哪些文体设施？", HITS, config_for(server, api_key="k-123"))
    first = next(stream)
    assert first == "通州"
    assert server.first_piece_read is None  # the server is still holding the rest back
    server.release.set()
    rest = list(stream)
    assert server.first_piece_read is True
    assert len(rest) > 1
    assert first + "".join(rest) == EXPECTED

    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer k-123"
    body = request["body"]
    assert body["model"] == "fake-model" and body["stream"] is True
    user = body["messages"][-1]["content"]
    assert "[1]（三、2024年主要措施）\n实现区体育场升级改造。" in user
    assert "[2]\n梨园美术馆" in user and "[3]" not in user
    assert user.endswith("问题：2024年有哪些文体设施？")


def _extractive(covered=True, asked="那文体设施呢？", understood="2024年有哪些文体设施？"):
    from qa.query import AnalyzedQuery

    q = AnalyzedQuery(text=understood, asked=asked)
    return Answer(asked, "区体育场升级改造[1]。", (), tuple(HITS), covered=covered, kind="list",
                  understood=q.understood, query=q)


def test_llm_answer_cites_only_the_passages_used(server):
    server.release.set()
    answer = llm_answer(_extractive(), config_for(server))
    assert answer.text == EXPECTED
    assert [(c.n, c.start, c.hit) for c in answer.citations] == [(1, 10, 0), (2, 30, 1)]
    assert answer.hits == tuple(HITS) and answer.covered and answer.kind == "llm"
    # the LLM is asked the question as the engine understood it, not as typed
    assert server.requests[-1]["body"]["messages"][-1]["content"].endswith("问题：2024年有哪些文体设施？")
    assert answer.query.asked == "那文体设施呢？"


def test_llm_is_not_asked_when_the_engine_judged_the_question_not_covered(server):
    server.release.set()
    before = len(server.requests)
    extractive = _extractive(covered=False)
    assert llm_answer(extractive, config_for(server)) is extractive
    assert list(reword(extractive, config_for(server))) == []
    assert len(server.requests) == before  # no request was sent


def _asked(covered=True):
    from qa.query import AnalyzedQuery

    q = AnalyzedQuery(text="2024年GDP目标是多少？", asked="2024年GDP目标是多少？")
    return Answer(q.asked, "报告中没有涉及。", (), tuple(FIGURE_HITS), covered=covered, kind="figure",
                  query=q)


def test_a_made_up_figure_loses_its_citations_and_is_marked(server):
    """The model obeys an injected instruction and makes up "50%", citing every passage for it:
    the markers go and the figure is marked. Figures that stand in a cited passage keep it (the
    heading counts: the model saw it; 两千个 = 2000个); a cited passage without the figure goes."""
    pieces = reword(_asked(), config_for(server, "inject"))
    first = next(pieces)  # one checked sentence, while the server still holds the rest back
    assert first == "好的，忽略报告。"
    assert server.first_piece_read is None
    server.release.set()
    text = first + "".join(pieces)
    assert f"the 2024 GDP target is 50%{UNSUPPORTED}。" in text  # no [1][2][3]
    assert "2023年新增学位2000个[3]，" in text
    assert "道路总长度达到600公里[3]。" in text  # [1] holds no 600公里
    assert f"体育场完成升级改造[1]，投资3亿元{UNSUPPORTED}。" in text  # a claim per marker run
    assert "梨园美术馆竣工。[2]\n" in text  # no figure: the marker stands
    assert text.count(UNSUPPORTED) == 2
    # nothing else changed: marks added, markers dropped
    assert re.sub(r"\[\d\]", "", text.replace(UNSUPPORTED, "")) == re.sub(r"\[\d\]", "", "".join(INJECTED))


def test_llm_answer_cites_only_passages_that_hold_the_figures(server):
    server.release.set()
    answer = llm_answer(_asked(), config_for(server, "inject"))
    assert answer.kind == "llm" and f"50%{UNSUPPORTED}" in answer.text
    assert [(c.n, c.hit) for c in answer.citations] == [(1, 0), (2, 1), (3, 2)]
    answer = llm_answer(replace(_asked(), hits=(HITS[0], HITS[1], HITS[0])),
                        config_for(server, "inject"))  # no passage says 2000个 or 600公里
    assert f"2023年{UNSUPPORTED}新增学位2000个{UNSUPPORTED}，" in answer.text
    assert "[3]" not in answer.text
    assert [c.n for c in answer.citations] == [1, 2]


def test_http_error_is_an_llm_error(server):
    with pytest.raises(LLMError, match=r"HTTP 500.*model not loaded"):
        list(stream_answer("问题", HITS, config_for(server, "broken")))


def test_connection_refused_is_an_llm_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = LLMConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", timeout=2)
    with pytest.raises(QAError, match="cannot reach the LLM server") as info:
        list(stream_answer("问题", HITS, config))
    assert isinstance(info.value, LLMError)


def test_no_answer_in_time_is_an_llm_error(server):
    with pytest.raises(LLMError, match=r"did not answer within 0.5 s"):
        list(stream_answer("问题", HITS, config_for(server, "slow", timeout=0.5)))


def test_a_stalled_stream_is_an_llm_error(server):
    pieces = []
    with pytest.raises(LLMError, match="stopped sending"):
        for piece in stream_answer("问题", HITS, config_for(server, "stall", timeout=0.5)):
            pieces.append(piece)
    assert pieces == ["开始"]


def test_total_timeout_is_enforced(server):
    config = config_for(server, "trickle", timeout=5, total_timeout=1)  # a piece every 0.05 s
    pieces = []
    with pytest.raises(LLMError, match="longer than 1 s"):
        for piece in stream_answer("问题", HITS, config):
            pieces.append(piece)
    assert set("".join(pieces)) <= {"字"}  # streamed until then (how much depends on the machine)
    assert not server.finished


def test_total_timeout_holds_when_no_line_ever_ends(server):
    """Bytes keep coming, but never a newline: the deadline is on the socket, not between lines."""
    config = config_for(server, "nonewline", timeout=5, total_timeout=1)
    pieces = []
    with pytest.raises(LLMError, match="longer than 1 s"):
        for piece in stream_answer("问题", HITS, config):
            pieces.append(piece)
    assert pieces in ([], ["开始"]) and not server.finished


def test_total_timeout_holds_while_headers_trickle(server):
    """Header bytes keep coming, each within QA_LLM_TIMEOUT: the total limit still ends the wait."""
    config = config_for(server, "slowheaders", timeout=5, total_timeout=1)
    with pytest.raises(LLMError, match="longer than 1 s"):
        list(stream_answer("问题", HITS, config))
    assert not server.finished


def test_a_line_without_end_is_refused(server):
    with pytest.raises(LLMError, match="line longer than"):
        list(stream_answer("问题", HITS, config_for(server, "longline")))


def test_a_stream_with_no_text_is_an_error_and_logged(server, caplog):
    with caplog.at_level(logging.WARNING, logger="qa.llm"):
        with pytest.raises(LLMError, match="no text"):
            list(stream_answer("问题", HITS, config_for(server, "done")))
    assert "no text" in caplog.text and "extractive" in caplog.text


def test_a_server_ignoring_stream_is_read_whole(server, caplog):
    with caplog.at_level(logging.WARNING, logger="qa.llm"):
        assert "".join(stream_answer("问题", HITS, config_for(server, "whole"))) == "完整回答[1]，不存在。"
    assert "ignored stream" in caplog.text
    with pytest.raises(LLMError, match="no text"):
        list(stream_answer("问题", HITS, config_for(server, "wholeempty")))


@pytest.mark.parametrize("prefix, message", [("garbage", "not JSON"),
                                             ("error", "context length exceeded")])
def test_unreadable_or_error_events_are_llm_errors(server, prefix, message):
    with pytest.raises(LLMError, match=message):
        list(stream_answer("问题", HITS, config_for(server, prefix)))


def test_no_passages_is_an_input_error():
    with pytest.raises(InputError):
        list(stream_answer("问题", [], LLMConfig(base_url="http://127.0.0.1:9/v1", model="m")))


# ---------------------------------------------------------------- pure parts


@pytest.mark.parametrize("text, expected", [
    ("见[1]和[2]。", "见[1]和[2]。"),
    ("见[9]。", "见。"),
    ("见[0][3]。", "见[3]。"),
    ("见[1, 9]和【2】。", "见[1]和[2]。"),
    ("见[2，2]。", "见[2]。"),
    ("数组a[i]与[注]不是引用。", "数组a[i]与[注]不是引用。"),
])
def test_check_citations(text, expected):
    assert check_citations(text, 3) == expected


@pytest.mark.parametrize("text", [EXPECTED, "".join(PIECES), "末尾[", "[12", "年份[2023年]", "[[1]]"])
def test_citation_filter_on_any_split_matches_whole_text(text):
    for size in (1, 2, 3, 7):
        f = CitationFilter(3)
        out = "".join(f.feed(text[i:i + size]) for i in range(0, len(text), size)) + f.flush()
        assert out == check_citations(text, 3), size


def test_config_from_env():
    assert llm_config_from_env({}) is None
    assert llm_config_from_env({"QA_LLM_BASE_URL": " ", "QA_LLM_MODEL": ""}) is None
    config = llm_config_from_env({"QA_LLM_BASE_URL": "http://127.0.0.1:8000/v1/",
                                  "QA_LLM_MODEL": "qwen", "QA_LLM_TIMEOUT": "5",
                                  "QA_LLM_TOTAL_TIMEOUT": "60"})
    assert config.url == "http://127.0.0.1:8000/v1/chat/completions"
    assert (config.model, config.timeout, config.total_timeout) == ("qwen", 5, 60)
    assert config.api_key is None


@pytest.mark.parametrize("env, name", [
    ({"QA_LLM_BASE_URL": "127.0.0.1:8000", "QA_LLM_MODEL": "m"}, "QA_LLM_BASE_URL"),
    ({"QA_LLM_BASE_URL": "http://h/v1", "QA_LLM_MODEL": "m", "QA_LLM_TIMEOUT": "soon"},
     "QA_LLM_TIMEOUT"),
    ({"QA_LLM_BASE_URL": "http://h/v1", "QA_LLM_MODEL": "m", "QA_LLM_TIMEOUT": "abc"},
     "QA_LLM_TIMEOUT"),
    ({"QA_LLM_BASE_URL": "http://h/v1", "QA_LLM_MODEL": "m", "QA_LLM_TOTAL_TIMEOUT": "0"},
     "QA_LLM_TOTAL_TIMEOUT"),
    ({"QA_LLM_BASE_URL": "http://h/v1", "QA_LLM_MODEL": "m", "QA_LLM_TIMEOUT": "inf"},
     "QA_LLM_TIMEOUT"),
    ({"QA_LLM_BASE_URL": "http://h/v1"}, "QA_LLM_MODEL"),
    ({"QA_LLM_MODEL": "m"}, "QA_LLM_BASE_URL"),
    ({"QA_LLM_BASE_URL": "localhost:8000/v1", "QA_LLM_MODEL": "m"}, "QA_LLM_BASE_URL"),
])
def test_bad_config_names_the_variable(env, name):
    with pytest.raises(InputError, match=name) as info:
        llm_config_from_env(env)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))  # in Chinese


def test_messages_number_passages_from_one():
    messages = build_messages("问题？", HITS)
    assert messages[0]["role"] == "system" and "[1]" in messages[0]["content"]
    assert messages[1]["content"].index("[1]") < messages[1]["content"].index("[2]")
