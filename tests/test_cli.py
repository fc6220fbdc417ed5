"""The command line as a user runs it: ``python -m qa …`` in a subprocess.

Successful runs use a temporary copy of the tiny corpus (its index is built once per module) or the
real report with the repo's index. Every failure must exit non-zero with exactly one line on stderr
starting with ``error:`` and no traceback; bad input is rejected before the engine is opened.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures import CORPUS, TINY

from qa.corpus import load_corpus

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 600  # a first run over the real report may have to build its index
HIT_KEYS = {"text", "score", "doc_id", "section", "start", "end", "highlights"}


def run(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONIOENCODING="utf-8")
    for var in ("QA_CORPUS", "QA_INDEX", "QA_MODEL"):
        env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, encoding="utf-8", errors="replace", timeout=timeout)


def assert_one_error(r: subprocess.CompletedProcess, *fragments: str) -> str:
    assert r.returncode != 0, r.stdout
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    for f in fragments:
        assert f in lines[0], lines[0]
    assert r.stdout == ""
    return lines[0]


def hits_of(r: subprocess.CompletedProcess) -> list[dict]:
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny corpus and its index, built once with ``python -m qa index``."""
    base = tmp_path_factory.mktemp("cli")
    corpus = base / "corpus"
    corpus.mkdir()
    for name, text in TINY.items():
        (corpus / name).write_text(text, encoding="utf-8")
    index = base / "index"
    r = run("--corpus", str(corpus), "--index", str(index), "index")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("index ok:") and "2 document(s)" in r.stdout
    return corpus, index


def tiny_run(tiny, *args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    corpus, index = tiny
    return run("--corpus", str(corpus), "--index", str(index), "--no-rebuild", *args, timeout=timeout)


def check_offsets(hits: list[dict], corpus: Path) -> None:
    """The offset contract, checked against the files on disk (cleaned as the loader cleans)."""
    docs = {d.id: d for d in load_corpus(corpus)[0]}
    assert hits == sorted(hits, key=lambda h: -h["score"])
    for h in hits:
        assert HIT_KEYS <= set(h)
        assert isinstance(h["section"], list) and all(isinstance(s, str) for s in h["section"])
        doc = docs[h["doc_id"]]
        assert (corpus / h["doc_id"]).resolve().is_relative_to(corpus.resolve())
        assert doc.text[h["start"]:h["end"]] == h["text"]
        for span in h["highlights"]:
            assert 0 <= span["start"] < span["end"] <= len(h["text"])
            assert h["text"][span["start"]:span["end"]] == span["text"]


# ---------------------------------------------------------------- what works

def test_search_json_prints_one_object_per_hit(tiny):
    hits = hits_of(tiny_run(tiny, "search", "厂通路 大桥", "-k", "3", "--json"))
    assert len(hits) == 3
    check_offsets(hits, tiny[0])
    raw = (tiny[0] / hits[0]["doc_id"]).read_text(encoding="utf-8")
    assert "厂通路" in hits[0]["text"] and hits[0]["text"] in raw
    assert any(s["text"] == "厂通路" for s in hits[0]["highlights"])


def test_search_plain_text(tiny):
    r = tiny_run(tiny, "search", "新建学校", "-k", "1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("[1] ") and "b.md:" in r.stdout and "学校" in r.stdout


def test_search_real_report_reuses_the_repo_index():
    hits = hits_of(run("search", "北三县交通有哪些项目", "-k", "5", "--json"))
    assert len(hits) == 5
    check_offsets(hits, CORPUS)
    assert all(h["doc_id"] == "tongzhou-2024-plan-report.txt" for h in hits)


def test_ask_prints_an_answer():
    r = run("ask", "2024年地区生产总值增长目标是多少")
    assert r.returncode == 0, r.stderr
    assert "5%" in r.stdout and "[1]" in r.stdout


def test_ask_json_on_the_tiny_corpus(tiny):
    r = tiny_run(tiny, "ask", "新建了几所学校", "--json")
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["text"] and answer["citations"]


def test_eval_prints_the_table(tiny, tmp_path):
    questions = [
        {"id": "t1", "question": "厂通路建成了吗", "gold": ["厂通路建成通车"], "match": "any"},
        {"id": "t2", "question": "新建几所学校", "gold": ["新建学校三所"], "match": "any"},
        {"id": "t3", "question": "交通有哪些项目", "gold": ["石小路", "地铁22号线"], "match": "all"},
    ]
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in questions) + "\n\n", encoding="utf-8")
    r = tiny_run(tiny, "eval", str(path), "--misses")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"{path}: 3 questions"
    assert lines[1].split() == ["variant", "hit@1", "hit@3", "hit@5", "MRR", "cov@5", "chars@5", "p50", "ms"]
    assert {ln.split()[0] for ln in lines[3:6]} == {"dense", "bm25", "fused"}
    assert any(ln.startswith("fused: missed") for ln in lines)


# ---------------------------------------------------------------- odd but valid queries

def test_huge_query_is_truncated_with_a_note_and_finishes_in_time(tiny):
    query = "道路建设" * 5_000
    assert len(query) == 20_000
    r = tiny_run(tiny, "search", query, "-k", "2", "--json")  # how long it may take: see test_faults
    hits = hits_of(r)
    assert len(hits) == 2
    check_offsets(hits, tiny[0])
    notes = [ln for ln in r.stderr.splitlines() if ln.startswith("note:")]
    assert len(notes) == 1 and "问题较长" in notes[0] and "20000" in notes[0]


def test_html_query_is_plain_text(tiny):
    hits = hits_of(tiny_run(tiny, "search", "<script>alert('厂通路')</script><b>大桥</b>", "-k", "2", "--json"))
    check_offsets(hits, tiny[0])
    assert "厂通路" in hits[0]["text"]
    assert "<script>" not in json.dumps(hits, ensure_ascii=False)


def test_control_and_zero_width_characters_are_ignored(tiny):
    hits = hits_of(tiny_run(tiny, "search", "厂\u200b通\u2060路\x01\x7f\t大\ufeff桥", "-k", "1", "--json"))
    check_offsets(hits, tiny[0])
    assert "厂通路" in hits[0]["text"]


def test_model_loading_is_quiet_unless_verbose(tiny):
    r = tiny_run(tiny, "search", "厂通路", "-k", "1")
    assert r.returncode == 0 and r.stdout.startswith("[1] ")
    assert r.stderr == ""  # no "Loading weights" bar, no advice


@pytest.mark.parametrize("query", ["\udcff厂通路", "厂通路\udcff\udcfe", "\udcff"])
def test_undecodable_bytes_in_the_query_print_no_traceback(tiny, query):
    """``python -m qa search $'\\xff厂通路'``: the byte arrives as a lone surrogate."""
    if query == "\udcff":
        assert_one_error(tiny_run(tiny, "search", query, timeout=120), "问题")
        return
    hits = hits_of(tiny_run(tiny, "search", query, "-k", "1", "--json"))
    assert "厂通路" in hits[0]["text"]
    r = tiny_run(tiny, "ask", query)
    assert r.returncode == 0 and "Traceback" not in r.stderr and r.stdout.strip()


# ---------------------------------------------------------------- bad input → one error line

@pytest.mark.parametrize("query", ["", "   ", "\t\n", "？？！！。。", "🙂🙂🎉", "\u200b\u200d\ufeff", "\x01\x02\x1b"])
def test_queries_with_nothing_to_search(tiny, query):
    assert_one_error(tiny_run(tiny, "search", query, timeout=120), "问题")
    assert_one_error(tiny_run(tiny, "ask", query, timeout=120), "问题")


@pytest.mark.parametrize("k", ["0", "-1", "10000"])
def test_k_out_of_range(tiny, k):
    assert_one_error(tiny_run(tiny, "search", "道路", "-k", k, timeout=120), "k（返回的段落数）必须在 1 到 100 之间", k)


@pytest.mark.parametrize("args, fragment", [
    (["search", "道路", "-k", "abc"], "k（返回的段落数）必须是整数"),
    (["search", "道路", "-k", "2.5"], "k（返回的段落数）必须是整数"),
    (["search"], "required: query"),
    ([], "required: command"),
    (["bogus"], "invalid choice"),
    (["search", "道路", "--nope"], "unrecognized arguments"),
])
def test_usage_errors_are_one_line_too(args, fragment):
    assert_one_error(run(*args, timeout=120), fragment)


def test_missing_corpus_folder(tmp_path):
    line = assert_one_error(run("--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i"),
                                "search", "道路", timeout=120), "corpus folder not found")
    assert "nope" in line
    assert not (tmp_path / "i").exists()


def test_empty_corpus_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    assert_one_error(run("--corpus", str(tmp_path / "empty"), "--index", str(tmp_path / "i"),
                         "search", "道路", timeout=120), "no documents")


def test_undecodable_file(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("报告\n道路建设稳步推进。", encoding="utf-8")
    (corpus / "bad.txt").write_bytes(b"\x81\x30\xff\xfe\x00 broken \xff\xff")
    proc = run("--corpus", str(corpus), "--index", str(tmp_path / "i"), "search", "道路", timeout=120)
    assert proc.returncode == 0, proc.stderr  # the bad file is skipped with its reason
    assert "bad.txt" in proc.stderr and "not UTF-8 or GB18030" in proc.stderr
    assert "good.txt" in proc.stdout


@pytest.mark.parametrize("content, fragment", [
    (None, "无法读取"),
    (b"", "no questions"),
    (b"\n  \n", "no questions"),
    (b"not json at all\n", ":1: not a question record"),
    ('{"id": "x", "question": "道路"}\n'.encode(), ":1: not a question record"),
    ('{"id": "a", "question": "q", "gold": ["g"]}\n[1, 2]\n'.encode(), ":2: not a question record"),
    (b"\xff\xfe\x00\x81 binary", "不是 UTF-8 文本"),
])
def test_bad_eval_file(tiny, tmp_path, content, fragment):
    path = tmp_path / "questions.jsonl"
    if content is not None:
        path.write_bytes(content)
    assert_one_error(tiny_run(tiny, "eval", str(path), timeout=120), fragment)


def test_eval_file_that_is_a_folder(tiny, tmp_path):
    assert_one_error(tiny_run(tiny, "eval", str(tmp_path), timeout=120), "无法读取")


def test_model_not_found(tiny, tmp_path):
    line = assert_one_error(run("--corpus", str(tiny[0]), "--index", str(tmp_path / "i"),
                                "--model", "/nonexistent", "search", "道路", timeout=120))
    assert "not found" in line and "/nonexistent" in line
    assert not (tmp_path / "i").exists()


def test_stale_index_with_no_rebuild(tiny, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "x.txt").write_text("报告\n道路建设稳步推进。", encoding="utf-8")
    assert_one_error(run("--corpus", str(corpus), "--index", str(tiny[1]), "--no-rebuild",
                         "search", "道路", timeout=120), "corpus changed", "python -m qa index")
