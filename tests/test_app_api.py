"""app.py as a server: its named endpoints /search and /ask, called with gradio_client."""
from __future__ import annotations

import threading

import pytest

from apprunner import ROOT, running_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app_url():
    with running_app("app-api.log") as url:
        yield url


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def test_api_lists_search_and_ask(client):
    named = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert "/search" in named and "/ask" in named


def test_search_returns_hits_as_json(client):
    hits = client.predict("北三县交通有哪些项目", api_name="/search")
    assert isinstance(hits, list) and 1 <= len(hits) <= 5
    for h in hits:
        assert {"text", "score", "doc_id", "section", "start", "end", "highlights"} <= set(h)
        assert isinstance(h["text"], str) and isinstance(h["score"], float)
        assert isinstance(h["section"], list) and h["end"] - h["start"] == len(h["text"])
        for s in h["highlights"]:
            assert 0 <= s["start"] < s["end"] <= len(h["text"]) and s["kind"] in ("sentence", "term")
    assert any("厂通路" in h["text"] or "22号线" in h["text"] for h in hits)


def test_search_k(client):
    assert len(client.predict("北三县交通有哪些项目", 2, api_name="/search")) == 2


def test_ask_returns_answer_with_citations(client):
    ans = client.predict("北三县交通有哪些项目", api_name="/ask")
    assert {"text", "covered", "citations", "hits"} <= set(ans)
    assert ans["covered"] is True and ans["hits"] and ans["citations"]
    for c in ans["citations"]:
        assert f"[{c['n']}]" in ans["text"]
        assert {"n", "doc_id", "section", "start", "end", "text"} <= set(c)


def test_ask_target_question(client):
    ans = client.predict("2024年地区生产总值增长目标是多少", api_name="/ask")
    assert ans["covered"] is True
    assert any("5%" in c["text"] for c in ans["citations"])


@pytest.mark.parametrize("bad", ["", "   \n ", "？！……"])
def test_bad_queries_are_clean_errors(client, bad):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as info:
        client.predict(bad, api_name="/search")
    assert str(info.value).strip()  # the engine's message, not a bare "Error"


def test_huge_query_is_cut_not_fatal(client):
    hits = client.predict("北三县交通有哪些项目" + "啊" * 5000, api_name="/search")
    assert isinstance(hits, list) and len(hits) <= 5


@pytest.mark.parametrize("bad", ["abc", None, [1], "1e3", 2.5, True, 0, 101, "0", "²", "٣", "9" * 5000, 1e308])
def test_bad_k_is_refused_with_a_message_naming_k(client, bad):
    from gradio_client.exceptions import AppError

    for endpoint in ("/search", "/ask"):
        with pytest.raises(AppError) as info:
            client.predict("北三县交通有哪些项目", bad, api_name=endpoint)
        assert "k（返回的段落数）" in str(info.value) and len(str(info.value)) < 300


def test_huge_request_is_refused_and_others_are_answered_meanwhile(client, app_url):
    """A 9M-character request is refused (413, or the connection closed); a normal search sent
    while it is half uploaded is answered before the rest of it is sent. (How long each takes, and
    against a search alone: benchmarks/refusals.py.)"""
    import httpx

    body = ('{"data": ["' + "交通" * 4_500_000 + '", 5]}').encode()  # 9M characters
    half_sent, answered, normal = threading.Event(), threading.Event(), {}

    def upload():
        yield body[:65536]
        half_sent.set()
        normal["meanwhile"] = answered.wait(120)  # hold the rest until the search is answered
        for i in range(65536, len(body), 65536):
            yield body[i:i + 65536]

    def ask_normal():
        half_sent.wait(60)
        normal["hits"] = client.predict("北三县交通有哪些项目", api_name="/search")
        answered.set()

    other = threading.Thread(target=ask_normal)
    other.start()
    try:
        r = httpx.post(app_url + "/gradio_api/call/search", content=upload(),
                       headers={"content-type": "application/json", "content-length": str(len(body))},
                       timeout=150)
        status = r.status_code
    except httpx.TransportError:  # the server may close the connection instead
        status = None
    other.join(timeout=150)
    assert status in (413, None)
    assert normal.get("hits") and normal.get("meanwhile") in (True, None), normal.get("meanwhile")


def test_uploads_cross_origin_or_too_big_are_refused(app_url):
    import httpx

    host = app_url.split("//")[1]
    files = {"files": ("a.md", b"# x\n\nsome text", "text/markdown")}
    r = httpx.post(app_url + "/gradio_api/upload", files=files,
                   headers={"origin": "http://evil.example"}, timeout=30)
    assert r.status_code == 403
    big = {"files": ("big.txt", b"x" * (25 * 1024 * 1024), "text/plain")}
    try:
        r = httpx.post(app_url + "/gradio_api/upload", files=big, headers={"origin": f"http://{host}"},
                       timeout=60)
        assert r.status_code == 413
    except httpx.TransportError:
        pass  # refused before the whole body was read
    r = httpx.post(app_url + "/gradio_api/upload", files={"files": ("x.exe", b"MZ", "application/x")},
                   headers={"origin": f"http://{host}"}, timeout=30)
    assert r.status_code == 415


def test_reader_page_serves_any_document(client, app_url):
    import httpx

    hit = client.predict("北三县交通有哪些项目", 1, api_name="/search")[0]
    r = httpx.get(app_url + "/reader", params={"doc": hit["doc_id"], "s": hit["start"], "e": hit["end"]})
    assert r.status_code == 200 and 'lang="zh-CN"' in r.text and 'id="qa-here"' in r.text
    assert httpx.get(app_url + "/reader", params={"doc": "nope"}).status_code == 404


@pytest.mark.parametrize("params", [{"s": "²", "e": "³"}, {"s": "9" * 5000, "e": "9" * 5001}, {"s": "٣", "e": "10"},
                                    {"m": "²-³,1-" + "9" * 5000}, {"s": "-1", "e": "0x10", "m": "," * 10_000}])
def test_reader_with_odd_parameters_renders_the_document(client, app_url, params):
    """Non-ASCII digits and 5,000-digit offsets were an HTTP 500 with a traceback in the log."""
    import httpx

    hit = client.predict("北三县交通有哪些项目", 1, api_name="/search")[0]
    r = httpx.get(app_url + "/reader", params={"doc": hit["doc_id"], **params})
    assert r.status_code == 200 and 'lang="zh-CN"' in r.text and 'id="qa-here"' not in r.text


def test_defaults_bind_localhost_without_share(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    import app

    args = app.parse_args([])
    assert args.host == "127.0.0.1" and args.share is False and args.allow_upload is False
    args = app.parse_args(["--host", "0.0.0.0", "--port", "8080", "--share"])
    assert (args.host, args.port, args.share) == ("0.0.0.0", 8080, True)
    assert app.upload_allowed("127.0.0.1", False) and not app.upload_allowed("0.0.0.0", False)
    assert app.upload_allowed("0.0.0.0", True)


def test_the_app_runs_each_numpy_product_on_qa_blas_threads(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    import app
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(limits=None):  # whatever limit_blas sets is undone on leaving
        app.limit_blas(1)
        assert {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"} == {1}
        vectors, query = np.ones((4_000, 512), np.float32), np.ones(512, np.float32)
        assert (vectors @ query == 512).all()
