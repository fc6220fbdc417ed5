"""An upload in the browser never makes the chat wait (issues 18.5 and 20.1).

A real report (one of the shared 2026 government work reports) is uploaded through the library
panel of ``python app.py``; while its passages are embedded in the background (a progress bar
shows the share done), a question about it is answered from its keywords and a question about
the report already there is answered as usual; once indexing ends the same question gets the full
answer. Timings are not asserted here (benchmarks/upload_load.py measures them); that an answer
came while indexing ran is read from the answer itself (its note says so).
"""
from __future__ import annotations

import os
import shutil

import pytest

from apprunner import CHROMIUM, ROOT, app_over_own_corpus, new_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "corpora").is_dir()), ROOT / "shared")
REPORTS = SHARED / "corpora" / "gov2026"  # beside the checkout (or a worktree's parent's)
REPORT = REPORTS / "湖北省.txt"
INDEX_MS = 900_000  # embedding a report on a busy 2-core machine, at low priority
ANSWER_MS = 120_000
INDEXING = "正在建立语义索引"

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium fonts-noto-cjk", allow_module_level=True)
if not REPORT.exists():
    pytest.skip(f"{REPORT} not found (the shared reports)", allow_module_level=True)


@pytest.fixture(scope="module")
def library_app(tmp_path_factory):
    with app_over_own_corpus(tmp_path_factory.mktemp("upload"), "app-upload.log") as served:
        yield served


def answers(page):
    return page.locator("#qa-chat .qa-answer")


def ask(page, question: str):
    """Ask ``question`` and return the finished answer's element."""
    before = answers(page).count()
    box = page.locator("#qa-input textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "n => { const a = document.querySelectorAll('#qa-chat .qa-answer');"
        " return a.length === n && !!a[n - 1].querySelector('.qa-copy')"
        " && !document.querySelector('#qa-send').disabled; }", arg=before + 1, timeout=ANSWER_MS)
    return answers(page).nth(before)


def titles(page) -> list[str]:
    return page.locator("#qa-evidence .qa-card .qa-title").all_inner_texts()


def test_a_report_is_answered_by_keywords_while_it_is_indexed_then_fully(browser, library_app, tmp_path):
    url, corpus = library_app
    page = new_page(browser, url)
    try:
        page.locator("#qa-library").get_by_text("文档库").first.click()
        upload = tmp_path / REPORT.name
        shutil.copyfile(REPORT, upload)
        page.locator("#qa-upload input[type=file]").set_input_files(str(upload))

        # searchable by keywords at once: the row is there, a bar shows the share embedded
        status = page.locator("#qa-lib-status", has_text="可按关键词检索")
        status.wait_for(timeout=ANSWER_MS)
        page.locator("#qa-docs tbody tr", has_text="湖北").wait_for()
        bar = page.locator("#qa-index-status progress")
        assert 0 <= int(bar.get_attribute("value")) < 100

        # a question about the new report: a keyword answer, and it says so
        answer = ask(page, "湖北去年技术合同成交额有多少？")
        assert "6121亿元" in answer.locator(".qa-body").inner_text()
        assert INDEXING in answer.locator(".qa-note").inner_text()
        assert any("湖北" in t for t in titles(page))

        # the chat goes on answering about the report that was there (named: a question naming no
        # place keeps the place of the conversation, here 湖北)
        answer = ask(page, "通州和北三县之间的交通有哪些项目")
        assert INDEXING in answer.locator(".qa-note").inner_text()  # asked while indexing ran
        assert any("通州" in t for t in titles(page))
        assert any(w in page.locator("#qa-evidence").inner_text() for w in ("厂通路", "22号线"))

        # indexing ends: the same question gets the full answer (both signals), without the note
        page.locator("#qa-index-status", has_text="语义索引完成").wait_for(timeout=INDEX_MS)
        assert page.locator("#qa-index-status progress").count() == 0
        assert "可按关键词检索" in page.locator("#qa-lib-status").inner_text()  # not overwritten
        answer = ask(page, "湖北去年技术合同成交额有多少？")
        assert "6121亿元" in answer.locator(".qa-body").inner_text()
        assert answer.locator(".qa-note").count() == 0
        assert any("湖北" in t for t in titles(page))
        assert (corpus / REPORT.name).exists()
    finally:
        page.context.close()


def test_a_refused_upload_says_why_in_chinese_and_changes_nothing(browser, library_app, tmp_path):
    url, corpus = library_app
    before = sorted(p.name for p in corpus.iterdir())
    page = new_page(browser, url)
    try:
        page.locator("#qa-library").get_by_text("文档库").first.click()
        empty = tmp_path / "空白.txt"
        empty.write_text("\n\n   \n", encoding="utf-8")
        page.locator("#qa-upload input[type=file]").set_input_files(str(empty))
        page.locator("#qa-lib-status", has_text="未添加任何文件").wait_for(timeout=ANSWER_MS)
        assert "没有文字" in page.locator("#qa-lib-status").inner_text()
        assert sorted(p.name for p in corpus.iterdir()) == before
    finally:
        page.context.close()
