"""app.py as a server: its named endpoints /search and /ask, called with gradio_client."""
from __future__ import annotations

import sys

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


def test_defaults_bind_localhost_without_share():
    sys.path.insert(0, str(ROOT))
    import app

    args = app.parse_args([])
    assert args.host == "127.0.0.1" and args.share is False
    args = app.parse_args(["--host", "0.0.0.0", "--port", "8080", "--share"])
    assert (args.host, args.port, args.share) == ("0.0.0.0", 8080, True)
