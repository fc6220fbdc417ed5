"""Concurrency and load: the real engine shared by threads, and the web app under concurrent clients."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fixtures import DEV, OWN

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"


def questions() -> list[str]:
    out = []
    for path in (OWN, DEV):
        if path.is_file():
            out += [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines()
                    if line.strip()]
    return out


def test_engine_search_is_thread_safe(real_engine):
    """8 threads searching the shared engine at once get exactly the sequential results."""
    qs = questions()[:32]
    assert len(qs) >= 20
    expected = {q: real_engine.search(q, k=5) for q in qs}
    work = []
    for seed in range(8):  # every thread runs every question, each in its own order
        order = qs[:]
        random.Random(seed).shuffle(order)
        work += order
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda q: (q, real_engine.search(q, k=5)), work))
    assert len(got) == 8 * len(qs)
    mismatched = [q for q, hits in got if hits != expected[q]]
    assert not mismatched, f"{len(mismatched)} results differ under threads, e.g. {mismatched[:3]}"


def test_engine_ask_and_search_mixed_under_threads(real_engine):
    qs = questions()[:16]
    answers = {q: real_engine.ask(q).text for q in qs}
    hits = {q: [(h.doc_id, h.start, h.end) for h in real_engine.search(q, k=3)] for q in qs}

    def job(i):
        q = qs[i % len(qs)]
        if i % 2:
            return real_engine.ask(q).text == answers[q]
        return [(h.doc_id, h.start, h.end) for h in real_engine.search(q, k=3)] == hits[q]

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(job, range(64)))


def test_app_under_concurrent_clients(real_engine):
    """A reduced run of benchmarks/load.py against app.py: 8 clients x 3 questions, no errors."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load.py"), "--clients", "8", "--questions", "3",
                        "--json", "--log", str(ARTIFACTS / "load-app.log"), "--deadline", "300"],
                       cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert r.returncode in (0, 1), f"the app did not start:\n{r.stderr[-3000:]}"
    report = json.loads(r.stdout.splitlines()[-1])
    assert report["requests"] == 24
    assert report["errors"] == 0, report["error_samples"]
    assert report["p50_ms"] > 0 and report["throughput_rps"] > 0
    assert report["peak_rss_mb"] is None or report["peak_rss_mb"] > 0
