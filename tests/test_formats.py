"""The real model over the report read from .docx and a printed .pdf, and over two reports.

Slow: each engine builds its own index with m3e-small (and chromium prints the PDF).
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fixtures import DEV, ROOT
from fixtures import REPORT, report_text, write_docx, write_pdf, year_shifted

import qa
from qa.evaluate import evaluate, load_questions

pytestmark = pytest.mark.slow


def _engine(folder, tmp):
    return qa.open(folder, tmp / "index", progress=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Corpus folders holding the report as .docx and as .pdf, their engines built lazily."""
    base = tmp_path_factory.mktemp("formats")
    out = {}
    for fmt, writer in (("docx", write_docx), ("pdf", write_pdf)):
        (base / fmt / "corpus").mkdir(parents=True)
        writer(report_text(), base / fmt / "corpus" / f"report.{fmt}")
        out[fmt] = base / fmt
    return out


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_dev_retrieval_matches_the_txt(fmt, built, real_engine):
    questions = load_questions(DEV)
    base = evaluate(lambda q: real_engine.search(q, k=5), questions, "txt")
    eng = _engine(built[fmt] / "corpus", built[fmt])
    assert eng.documents[0].format == fmt
    got = evaluate(lambda q: eng.search(q, k=5), questions, fmt)
    print(f"\ndev hit@5 txt {base.hit5:.3f} {fmt} {got.hit5:.3f}; MRR {base.mrr:.3f} / {got.mrr:.3f}")
    assert got.hit5 >= base.hit5 - 0.02
    for h in eng.search("北三县交通有哪些项目", k=5):
        assert eng.document(h.doc_id).text[h.start:h.end] == h.text


@pytest.fixture(scope="module")
def two_reports(tmp_path_factory):
    """The report (.txt) and its year-shifted twin (.docx): two documents, two years."""
    base = tmp_path_factory.mktemp("two")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / "report-2024.txt").write_bytes(REPORT.read_bytes())
    write_docx(year_shifted(report_text()), corpus / "report-2025.docx")
    return base, _engine(corpus, base)


@pytest.mark.parametrize("question, doc", [
    ("2024年国民经济和社会发展计划安排思路是什么", "report-2024.txt"),
    ("2025年国民经济和社会发展计划安排思路是什么", "report-2025.docx"),
    ("2024年国民经济和社会发展的主要目标", "report-2024.txt"),
    ("2025年国民经济和社会发展的主要目标", "report-2025.docx"),
    ("2023年计划执行情况怎么样", "report-2024.txt"),
    ("2024年计划执行情况怎么样", "report-2025.docx"),
])
def test_two_reports_answer_from_the_right_one(two_reports, question, doc):
    _base, eng = two_reports
    hits = eng.search(question, k=3)
    assert hits[0].doc_id == doc, [(h.doc_id, h.text[:30]) for h in hits]
    ans = eng.ask(question)
    assert ans.citations and ans.citations[0].doc_id == doc


def test_two_reports_titles_and_filter(two_reports):
    _base, eng = two_reports
    titles = {d.id: d.title for d in eng.documents}
    assert "2024年" in titles["report-2025.docx"] and "2023年" in titles["report-2024.txt"]
    q = "地区生产总值增长目标"
    for doc in titles:
        hits = [h for h in eng.search(q, k=100) if h.doc_id == doc][:5]
        assert hits and all(h.doc_id == doc for h in hits)


def _cli(*args):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=600)


def test_cli_docs_doc_filter_and_document_names(two_reports):
    base, eng = two_reports
    where = ["--corpus", str(base / "corpus"), "--index", str(base / "index")]
    r = _cli(*where, "docs")
    assert r.returncode == 0, r.stderr
    lines = dict(line.split("\t", 1) for line in r.stdout.splitlines())
    assert set(lines) == {"report-2024.txt", "report-2025.docx"}
    n = sum(1 for c in eng.data.chunks if c.doc_id == "report-2025.docx")
    assert lines["report-2025.docx"].startswith("docx\t") and f"\t{n} passages\t" in lines["report-2025.docx"]
    r = _cli(*where, "search", "地区生产总值增长目标", "--doc", "report-2025.docx", "--json")
    assert r.returncode == 0, r.stderr
    import json
    hits = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(hits) == 5 and {h["doc_id"] for h in hits} == {"report-2025.docx"}
    r = _cli(*where, "search", "地区生产总值增长目标", "-k", "2")
    assert "《关于北京市通州区" in r.stdout  # two documents: results name theirs
    r = _cli(*where, "ask", "2025年主要目标是什么", "--doc", "report-2025.docx")
    assert r.returncode == 0 and "《关于北京市通州区2024年" in r.stdout, r.stdout + r.stderr
    r = _cli(*where, "search", "道路", "--doc", "nope.txt")
    assert r.returncode != 0 and "没有文档 'nope.txt'" in r.stderr


def test_cli_add_and_remove(tmp_path):
    corpus = tmp_path / "corpus"
    (tmp_path / "新 报告.docx").write_bytes(b"")
    write_docx("通州报告\n一、交通\n厂通路建成通车，跨河大桥主体完工。", tmp_path / "新 报告.docx")
    r = _cli("--corpus", str(corpus), "add", str(tmp_path / "新 报告.docx"), "--no-index")
    assert r.returncode == 0 and "新_报告.docx" in r.stdout, r.stderr
    r = _cli("--corpus", str(corpus), "add", str(tmp_path / "missing.pdf"), "--no-index")
    assert r.returncode != 0 and r.stderr.startswith("error:") and "missing.pdf" in r.stderr
    r = _cli("--corpus", str(corpus), "remove", "新_报告.docx", "--no-index")
    assert r.returncode == 0 and not list(corpus.iterdir()), r.stderr
