"""The reader route: a sync endpoint (run in the thread pool, never on the event loop), safe with
any parameters."""
from __future__ import annotations

import inspect

import pytest

starlette = pytest.importorskip("starlette")


@pytest.fixture
def client(tiny_engine):
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from qa.web.routes import reader_route

    route = reader_route(tiny_engine)
    assert not inspect.iscoroutinefunction(route.endpoint)  # no blocking work on the event loop
    return TestClient(Starlette(routes=[route]))


def test_the_reader_shows_the_document_at_the_passage(client, tiny_engine):
    doc = tiny_engine.document("a.txt")
    start = doc.text.index("厂通路")
    r = client.get("/reader", params={"doc": "a.txt", "s": start, "e": start + 5, "m": f"{start}-{start + 3}"})
    assert r.status_code == 200 and 'id="qa-here"' in r.text and "<mark>厂通路</mark>" in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'none'")


@pytest.mark.parametrize("s", ["²", "5" * 5000, "-1", "abc", ""])
def test_odd_offsets_show_the_document_without_a_passage(client, s):
    r = client.get("/reader", params={"doc": "a.txt", "s": s, "e": "10"})
    assert r.status_code == 200 and 'id="qa-here"' not in r.text


def test_an_unknown_document_is_a_chinese_404(client):
    r = client.get("/reader", params={"doc": "../etc/passwd"})
    assert r.status_code == 404 and "没有这个文档" in r.text
