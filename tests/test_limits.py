"""Limits before work (issue 20): bombs made for real are refused by ``qa.add_files`` before the
work they would cost, with a Chinese message naming the limit and how to raise it; legitimate
files of the same kinds are read. The fast tests lower the limits (``qa.Limits``) to keep the files
small; the slow one makes the real-size bombs and measures refusal and peak memory in a subprocess.
Also here: text in UTF-16/UTF-8 with a byte-order mark, PDFs of one repeated page, and the
permissions of files added to the corpus."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from bombs import (DOCX_EMPTY_PARAGRAPH, DOCX_TEXT_PARAGRAPH, DOCX_WHITESPACE, MB, PDF_DRAWING_OPS,
                   PDF_TEXT_OPS, REAL_BOMBS, add_in_subprocess, docx_bomb, html_page, pdf_bomb)

import qa
from qa.errors import InputError
from qa.limits import Limits


def refusal(tmp_path, path: Path, limits: Limits) -> str:
    """The message with which add_files refuses ``path`` under ``limits`` (nothing copied)."""
    corpus = tmp_path / "corpus"
    with pytest.raises(InputError) as err:
        qa.add_files(corpus, [path], limits=limits)
    assert not list(corpus.iterdir())
    return str(err.value)


def accepted(tmp_path, path: Path, limits: Limits | None = None) -> Path:
    [copied] = qa.add_files(tmp_path / "corpus", [path], limits=limits)
    return copied


@pytest.mark.parametrize("unit", [DOCX_TEXT_PARAGRAPH, DOCX_EMPTY_PARAGRAPH, DOCX_WHITESPACE],
                         ids=["text", "empty-paragraphs", "whitespace"])
def test_a_docx_whose_xml_inflates_past_the_limit_is_refused(tmp_path, unit):
    path = docx_bomb(tmp_path / "bomb.docx", unit, 3 * MB)
    assert path.stat().st_size < 0.5 * MB
    message = refusal(tmp_path, path, Limits(max_xml_mb=2))
    assert "bomb.docx" in message and "XML" in message and "超过上限 2 MB" in message
    assert "QA_MAX_XML_MB" in message and "qa.Limits(max_xml_mb=…)" in message
    message = refusal(tmp_path, path, Limits(max_unzipped_mb=2))
    assert "解压后的大小" in message and "QA_MAX_UNZIPPED_MB" in message


def test_a_docx_within_the_limits_is_read_and_its_empty_paragraphs_cost_nothing(tmp_path):
    """1 MB of empty paragraphs (175,000) under the default limits: read, only the text kept."""
    path = docx_bomb(tmp_path / "report.docx", DOCX_EMPTY_PARAGRAPH, 1 * MB, text="交通建设稳步推进。")
    from qa.readers import read
    assert read(path.read_bytes(), path.name).text == "交通建设稳步推进。"
    assert accepted(tmp_path, path).name == "report.docx"


def test_a_docx_with_too_many_characters_is_refused_while_reading(tmp_path):
    path = docx_bomb(tmp_path / "long.docx", DOCX_TEXT_PARAGRAPH, 1 * MB)
    message = refusal(tmp_path, path, Limits(max_chars=50_000))
    assert "文档字数" in message and "超过上限 50,000 字" in message and "QA_MAX_CHARS" in message


def test_a_renamed_xml_part_still_counts_as_xml(tmp_path):
    """document.xml's type comes from [Content_Types].xml: a part named like an image whose type
    says XML is counted with the XML parts."""
    import zipfile
    path = docx_bomb(tmp_path / "a.docx", DOCX_EMPTY_PARAGRAPH, 3 * MB)
    out = tmp_path / "renamed.docx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            name = info.filename
            if name == "word/document.xml":
                name = "word/media/document.png"
            elif name in ("[Content_Types].xml", "word/_rels/document.xml.rels", "_rels/.rels"):
                data = data.replace(b"/word/document.xml", b"/word/media/document.png")
                data = data.replace(b"word/document.xml", b"word/media/document.png")
            dst.writestr(name, data)
    message = refusal(tmp_path, out, Limits(max_xml_mb=2))
    assert "QA_MAX_XML_MB" in message


@pytest.mark.parametrize("unit, form", [(PDF_TEXT_OPS, False), (PDF_DRAWING_OPS, False), (PDF_DRAWING_OPS, True)],
                         ids=["text-operators", "drawing-operators", "in-a-form-xobject"])
def test_a_pdf_whose_content_stream_inflates_past_the_limit_is_refused(tmp_path, unit, form):
    path = pdf_bomb(tmp_path / "bomb.pdf", unit, 3 * MB, form=form)
    assert path.stat().st_size < 0.1 * MB
    message = refusal(tmp_path, path, Limits(max_content_mb=2))
    assert "bomb.pdf" in message and "PDF 内容流" in message and "超过上限 2 MB" in message
    assert "QA_MAX_CONTENT_MB" in message and "qa.Limits(max_content_mb=…)" in message


def test_a_pdf_within_the_content_limit_is_read(tmp_path):
    path = pdf_bomb(tmp_path / "chart.pdf", PDF_DRAWING_OPS, 1 * MB, text="Spending on schools rose 8 percent.")
    assert accepted(tmp_path, path).name == "chart.pdf"


def test_a_pdf_with_too_many_pages_is_refused(tmp_path):
    path = pdf_bomb(tmp_path / "long.pdf", PDF_TEXT_OPS, 0, pages=30, numbered=True)
    message = refusal(tmp_path, path, Limits(max_pages=20))
    assert "PDF 页数 30 页，超过上限 20 页" in message and "QA_MAX_PAGES" in message
    assert "重复页面" not in message


def test_a_pdf_of_too_many_repeated_pages_is_refused_as_such(tmp_path):
    """The issue's 10,000 copies of one page were refused as "no text"."""
    path = pdf_bomb(tmp_path / "same.pdf", PDF_TEXT_OPS, 0, pages=10_000)
    message = refusal(tmp_path, path, Limits())
    assert "PDF 页数 10,000 页，超过上限 1,000 页" in message and "重复页面" in message


def test_a_pdf_with_too_many_characters_is_refused(tmp_path):
    path = pdf_bomb(tmp_path / "dense.pdf", PDF_TEXT_OPS, 0, pages=3, text="x" * 200)
    message = refusal(tmp_path, path, Limits(max_chars=300))
    assert "文档字数" in message and "QA_MAX_CHARS" in message


def test_a_pdf_of_one_repeated_page_is_read_once_and_said_so(tmp_path):
    """Every line recurs on every page, so all were taken for running headers ("no text")."""
    path = pdf_bomb(tmp_path / "same.pdf", PDF_TEXT_OPS, 0, pages=40, text="Schools: 12 new schools opened in 2023.")
    corpus = tmp_path / "corpus"
    qa.add_files(corpus, [path])
    scanned = qa.corpus.scan_corpus(corpus)
    [doc] = scanned.documents
    assert doc.text == "Schools: 12 new schools opened in 2023."
    assert any("重复页面" in w and "40 页" in w for w in scanned.warnings)


def test_a_big_web_page_is_refused_before_extraction(tmp_path):
    path = html_page(tmp_path / "page.html", int(1.5 * MB))
    message = refusal(tmp_path, path, Limits(max_html_mb=1))
    assert "网页文件大小 1.5 MB，超过上限 1 MB" in message and "QA_MAX_HTML_MB" in message


def test_a_long_text_is_refused_with_its_character_count(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("报告\n" + "交通建设稳步推进。\n" * 20_000, encoding="utf-8")
    message = refusal(tmp_path, path, Limits(max_chars=100_000))
    assert "文档字数 200,003 字，超过上限 100,000 字" in message and "QA_MAX_CHARS" in message
    assert accepted(tmp_path, path).name == "long.txt"  # the default (1,000,000) takes it


def test_limits_come_from_the_environment_and_bad_values_are_named(monkeypatch):
    monkeypatch.setenv("QA_MAX_PAGES", "50")
    monkeypatch.setenv("QA_MAX_CONTENT_MB", "2.5")
    limits = Limits.from_env()
    assert (limits.max_pages, limits.max_content_mb, limits.max_chars) == (50, 2.5, Limits().max_chars)
    for bad in ("many", "0", "-3", "1.5"):
        monkeypatch.setenv("QA_MAX_PAGES", bad)
        with pytest.raises(InputError, match=f"QA_MAX_PAGES='{bad}' 无效：应为正整数（页数）"):
            Limits.from_env()
    with pytest.raises(InputError, match="max_pages 必须是正数"):
        Limits(max_pages=0)


def test_the_engine_applies_its_limits_to_the_corpus(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("交通报告\n道路建设稳步推进。", encoding="utf-8")
    pdf_bomb(corpus / "bomb.pdf", PDF_DRAWING_OPS, 3 * MB)
    eng = qa.open(corpus, tmp_path / "index", embedder=fake_embedder, progress=False, cross=None,
                  limits=Limits(max_content_mb=2))
    assert [d.id for d in eng.documents] == ["a.txt"]


def test_a_bomb_uploaded_through_the_app_is_refused_and_the_library_is_unchanged(tiny_engine, tiny_corpus,
                                                                                  tmp_path, monkeypatch):
    from qa.web.upload import LibraryPanel

    monkeypatch.setenv("QA_MAX_XML_MB", "2")  # the app's limits come from the environment
    (tmp_path / "upload").mkdir()
    path = docx_bomb(tmp_path / "upload" / "bomb.docx", DOCX_TEXT_PARAGRAPH, 3 * MB)
    files = sorted(p.name for p in tiny_corpus.iterdir())
    docs = [d.id for d in tiny_engine.documents]
    shown = list(LibraryPanel(tiny_engine).add([str(path)]))  # what the page shows, step by step
    status = shown[-1][3]  # (table, filter, remover, status, index status)
    assert len(shown) == 1 and "⚠️" in status and "bomb.docx" in status
    assert "超过上限 2 MB" in status and "QA_MAX_XML_MB" in status  # the limit, and how to raise it
    assert sorted(p.name for p in tiny_corpus.iterdir()) == files
    assert [d.id for d in tiny_engine.documents] == docs and tiny_engine.indexing is None


# ---------------------------------------------------------------- item 8: encodings, permissions

TEXT = "交通报告\n道路建设稳步推进，新开公交线路十条。"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le", "utf-8-sig", "utf-32"])
def test_text_with_a_byte_order_mark_is_read(tmp_path, encoding):
    data = TEXT.encode(encoding)
    if encoding in ("utf-16-be", "utf-16-le"):  # these codecs write no mark: add the one Notepad writes
        data = ("\ufeff" + TEXT).encode(encoding)
    path = tmp_path / "report.txt"
    path.write_bytes(data)
    copied = accepted(tmp_path, path)
    assert qa.corpus.scan_corpus(copied.parent).documents[0].text == TEXT


def test_a_byte_order_mark_over_something_else_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_bytes(b"\xff\xfe" + "交通".encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate at the end
    assert "请另存为 UTF-8" in refusal(tmp_path, path, Limits())


def test_added_files_keep_the_users_umask(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    old = os.umask(0o022)
    try:
        copied = accepted(tmp_path, tmp_path / "a.txt")
        assert stat.S_IMODE(copied.stat().st_mode) == 0o644
        os.umask(0o027)
        (tmp_path / "b.txt").write_text(TEXT + "再加一段。", encoding="utf-8")
        copied = accepted(tmp_path, tmp_path / "b.txt")
        assert stat.S_IMODE(copied.stat().st_mode) == 0o640
    finally:
        os.umask(old)


# ---------------------------------------------------------------- the real-size bombs

@pytest.mark.slow
@pytest.mark.parametrize("name", list(REAL_BOMBS))
def test_the_real_size_bombs_are_refused_in_bounded_memory(tmp_path, name):
    path = REAL_BOMBS[name](tmp_path / name)
    run = add_in_subprocess(tmp_path / "corpus", path)
    assert run["result"] != "read" and "超过上限" in run["result"] and "QA_MAX_" in run["result"]
    assert run["peak_mb"] < 500, run
