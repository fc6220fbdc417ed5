import pytest

from qa.corpus import clean_text, load_corpus, title_of
from qa.errors import CorpusError


def test_clean_removes_artefacts_and_joins_wrapped_title():
    raw = ("\n\n关于北京市通州区2023年国民经济和\n社会发展计划的报告\n——2024年1月4日在区第七届人民代表大会\n第五次会议上\n"
           "发展和改革委员会\n\n各位代表：\n[bookmark: _GoBack]正文第一段。\r\n \u3000\n第二\u200b段。\n")
    text = clean_text(raw)
    assert text.split("\n") == [
        "关于北京市通州区2023年国民经济和社会发展计划的报告",
        "——2024年1月4日在区第七届人民代表大会第五次会议上",
        "发展和改革委员会",
        "各位代表：",
        "正文第一段。",
        "第二段。",
    ]
    assert title_of(text, "x") == "关于北京市通州区2023年国民经济和社会发展计划的报告"


def test_real_report_is_cleaned():
    from fixtures import CORPUS
    docs, prints = load_corpus(CORPUS)
    assert len(docs) == 1 and "[bookmark" not in docs[0].text and "\n\n" not in docs[0].text
    assert docs[0].title.startswith("关于北京市通州区2023年") and docs[0].title.endswith("的报告")
    assert len(prints[docs[0].id]) == 64


def test_gb18030_fallback_and_undecodable_file(tmp_path, caplog):
    (tmp_path / "gbk.txt").write_bytes("副中心报告\n城市道路总长度达607公里。".encode("gb18030"))
    docs, _ = load_corpus(tmp_path)
    assert "607公里" in docs[0].text
    assert "GB18030" in caplog.text
    (tmp_path / "bad.txt").write_bytes(b"\x81\x30\xff\xfe\x00 broken")
    docs, _ = load_corpus(tmp_path)  # one bad file is skipped with its reason, the rest loads
    assert [d.id for d in docs] == ["gbk.txt"]
    assert "skipping bad.txt: not UTF-8 or GB18030" in caplog.text
    (tmp_path / "gbk.txt").unlink()
    with pytest.raises(CorpusError, match="no documents.*bad.txt"):
        load_corpus(tmp_path)


def test_empty_missing_unsupported_and_duplicate(tmp_path, caplog):
    with pytest.raises(CorpusError, match="no documents"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nope")
    (tmp_path / "a.txt").write_text("甲报告\n内容一。", encoding="utf-8")
    (tmp_path / "copy.txt").write_text("甲报告\n内容一。", encoding="utf-8")
    (tmp_path / "slides.pptx").write_bytes(b"PK")
    docs, _ = load_corpus(tmp_path)
    assert [d.id for d in docs] == ["a.txt"]
    assert "unsupported file type" in caplog.text and "same content as a.txt" in caplog.text
