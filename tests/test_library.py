"""Adding and removing corpus files (qa.library) and the CLI commands over them."""
from __future__ import annotations

import pytest
from fixtures import report_text, write_docx, year_shifted

import qa
from qa.corpus import Limits
from qa.errors import InputError
from qa.library import add_files, remove_document, safe_name


@pytest.mark.parametrize("name, safe", [
    ("../../etc/报告 2024?.DOCX", "报告_2024.docx"),
    ("C:\\Users\\me\\计划（草案）.pdf", "计划(草案).pdf"),  # NFKC: full-width brackets made plain
    (".hidden.txt", "hidden.txt"),
    ("a\x00b<script>.html", "a_b_script.html"),
    ("?.md", "document.md"),
])
def test_safe_name(name, safe):
    assert safe_name(name) == safe


def test_add_then_remove(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    src = tmp_path / "in"
    src.mkdir()
    (src / "交通 报告.txt").write_text("交通报告\n厂通路建成通车，跨河大桥主体完工。", encoding="utf-8")
    (src / "edu.md").write_text("# 教育\n新建学校三所，新增学位两千个。", encoding="utf-8")
    added = add_files(corpus, [src / "交通 报告.txt", src / "edu.md"])
    assert [p.name for p in added] == ["交通_报告.txt", "edu.md"]
    assert add_files(corpus, [src / "edu.md"]) == [corpus / "edu.md"]  # same content: not copied twice
    (src / "edu2").mkdir()
    (src / "edu2" / "edu.md").write_text("# 教育二\n另一份报告的正文。", encoding="utf-8")
    assert add_files(corpus, [src / "edu2" / "edu.md"]) == [corpus / "edu-2.md"]  # name taken
    eng = qa.open(corpus, tmp_path / "index", embedder=fake_embedder, progress=False)
    assert {d.id for d in eng.documents} == {"交通_报告.txt", "edu.md", "edu-2.md"}
    assert remove_document(corpus, "edu.md") == corpus / "edu.md"
    eng = qa.open(corpus, tmp_path / "index", embedder=fake_embedder, progress=False)
    assert "edu.md" not in {d.id for d in eng.documents}
    assert all(h.doc_id != "edu.md" for h in eng.search("新建学校学位", k=10))
    with pytest.raises(InputError, match="没有文档 'edu.md'"):
        remove_document(corpus, "edu.md")
    with pytest.raises(InputError):
        remove_document(corpus, "../in/edu.md")
    assert not list(corpus.glob(".add-*"))


def test_add_checks_every_file_before_copying_any(tmp_path):
    corpus = tmp_path / "corpus"
    (tmp_path / "ok.txt").write_text("报告\n正文内容。", encoding="utf-8")
    (tmp_path / "slides.pptx").write_bytes(b"PK")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "big.txt").write_bytes(b"x" * (2 * 1024 * 1024))
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(InputError) as exc:
        add_files(corpus, [tmp_path / n for n in ("ok.txt", "slides.pptx", "old.doc", "big.txt", "scan.pdf")],
                  limits=Limits(max_mb=1))
    msg = str(exc.value)
    assert "slides.pptx: 不支持的文件类型" in msg and "big.txt: 文件 2.0 MB，超过上限 1 MB" in msg
    assert "scan.pdf: 无法打开 PDF" in msg and "old.doc: 不支持的文件类型" in msg and "另存为 .docx" in msg
    assert not any(corpus.iterdir())  # nothing copied


def test_add_upload_with_original_names(tmp_path):
    up = tmp_path / "tmpupload123"
    write_docx(year_shifted(report_text()), up)
    (added,) = add_files(tmp_path / "corpus", [up], names=["通州 2025 计划报告.docx"])
    assert added.name == "通州_2025_计划报告.docx"
