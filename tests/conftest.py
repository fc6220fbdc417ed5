"""Shared fixtures: a fast fake embedder for unit tests, the real engine for integration tests.
What they are made of lives in fixtures.py; no test imports this module."""
from __future__ import annotations

import hashlib
import os

import pytest

from fixtures import CORPUS, TINY, FakeEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def fake_embedder():
    return FakeEmbedder()


@pytest.fixture
def tiny_corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in TINY.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_engine(tiny_corpus, tmp_path, fake_embedder):
    import qa
    return qa.open(tiny_corpus, tmp_path / "index", embedder=fake_embedder, progress=False)


@pytest.fixture(scope="session")
def real_engine(tmp_path_factory):
    """The real model over the real report, skipped when the model is not installed.

    Its index is built from scratch in a temporary folder: never a copy of the repo's index/,
    which app and benchmark processes rewrite (with other settings, or mid-swap), so what the slow
    tests measure depends on the code, the corpus and the model only."""
    import qa
    from qa.errors import ModelError
    try:
        qa.resolve_model()
    except ModelError as err:
        pytest.skip(f"the real model is not installed ({err})")
    index = tmp_path_factory.mktemp("real") / "index"
    return qa.open(CORPUS, index, progress=False).warm_up()


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory):
    """A real Milvus standalone server (the binary of the PyPI package ``milvus``) in a temporary
    folder on free ports, for the whole session; skipped only where that package cannot run."""
    from milvus_server import MilvusServer, available

    why = available()
    if why:
        pytest.skip(why)
    server = MilvusServer(tmp_path_factory.mktemp("milvus"))
    try:
        server.start()
    except RuntimeError as err:
        pytest.fail(f"the bundled Milvus server did not start: {err}")
    yield server
    server.stop()


@pytest.fixture
def milvus(milvus_server, request):
    """A Milvus store config on the session's server, with a collection of the test's own."""
    from qa.store import StoreConfig

    name = "t_" + hashlib.md5(request.node.nodeid.encode()).hexdigest()[:16]
    yield StoreConfig("milvus", url=milvus_server.uri, collection=name)
    if milvus_server.pid is not None:  # dropped after the test: a restarted server reloads less
        from pymilvus import MilvusClient

        client = MilvusClient(uri=milvus_server.uri, timeout=30)
        for collection in client.list_collections(timeout=30):
            if collection.startswith(name + "_"):
                client.drop_collection(collection, timeout=30)
        client.close()


def pytest_collection_modifyitems(items):
    """A test that uses the real engine or a Milvus server is slow, marked or not (the fast subset
    is `-m "not slow"`)."""
    for item in items:
        if {"real_engine", "milvus_server"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _fast_tests_stay_fast(request, monkeypatch):
    """The fast subset stays fast: a test not marked slow may neither start a process nor load a
    real model (the fake embedder is there for it)."""
    if request.node.get_closest_marker("slow") is None:
        import subprocess

        import qa.embedding
        import qa.multilingual

        def refuse(what):
            def refused(*args, **kwargs):
                raise AssertionError(f"this test {what}: mark it @pytest.mark.slow")
            return refused

        monkeypatch.setattr(subprocess.Popen, "__init__", refuse("starts a process"))
        monkeypatch.setenv("QA_INDEXING", "thread")  # a running engine indexes in a thread, not a child
        monkeypatch.setattr(qa.embedding.SentenceTransformerEmbedder, "_load",
                            refuse("loads the real embedding model"), raising=False)
        monkeypatch.setattr(qa.multilingual.MultilingualEncoder, "_load",
                            refuse("loads the real cross-lingual encoder"), raising=False)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium driven by Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    from apprunner import CHROMIUM, CHROMIUM_ARGS
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh page on the app of the requesting module's ``app_url`` fixture."""
    from apprunner import new_page

    p = new_page(browser, app_url)
    yield p
    p.context.close()
