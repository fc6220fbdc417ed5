"""Start app.py on a free loopback port for the tests that talk to it as a server."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"  # Debian's package, installed by run.sh test
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_TIMEOUT = float(os.environ.get("QA_APP_START_TIMEOUT", "600"))  # first run builds the index


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(log_name: str, *args: str, env: dict | None = None):
    """Yield the URL of ``python app.py --port FREE *args`` once it serves; stop it afterwards.
    Its output goes to tests/artifacts/``log_name``; ``env`` adds environment variables."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = ARTIFACTS / log_name
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1", **(env or {}))
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), *args],
                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"app.py exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
                if time.monotonic() > deadline:
                    pytest.fail(f"app.py did not serve within {START_TIMEOUT:.0f}s; see {log_path}")
                try:
                    with urllib.request.urlopen(url + "/", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def app_over_own_corpus(root: Path, log_name: str):
    """Yield ``(url, corpus)``: the app over a copy of the project's corpus in ``root``, which a
    test may add to and remove from without touching the project's own corpus and index."""
    corpus = root / "corpus"
    corpus.mkdir()
    for f in (ROOT / "corpus").iterdir():
        shutil.copyfile(f, corpus / f.name)
    with running_app(log_name, "--corpus", str(corpus), "--index", str(root / "index")) as url:
        yield url, corpus


DESKTOP = {"width": 1440, "height": 900}


def new_page(browser, url, viewport=DESKTOP, locale="en-US", **context_args):
    """A fresh browser context (empty storage) on the app; an English browser on purpose."""
    context = browser.new_context(viewport=viewport, locale=locale, **context_args)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#qa-input textarea").wait_for(state="visible", timeout=60_000)
    page.wait_for_function("() => window.__qaReady === true")
    return page
