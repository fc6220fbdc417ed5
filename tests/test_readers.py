"""The readers: each format gives the cleaned text, its blocks and exact offsets.

The .docx, .html and .pdf fixtures are made here from the real report (tests/fixtures.py); a
reader that works gives back the .txt's text, hence the same section paths and offsets.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from fixtures import (REPORT, report_html, report_text, table_html, write_docx, write_pdf, write_plain_pdf,
                      year_shifted)

import qa
from qa.chunking import chunk_document
from qa.corpus import Limits, load_corpus, read_document, scan_corpus
from qa.errors import CorpusError, InputError
from qa.readers import read
from qa.readers.pdf import Line, Page, garbled_reason, paragraphs


def _doc(path: Path):
    return read_document(path, path.name, Limits())[0]


def _structure(doc):
    return [(c.section, c.start, c.end) for c in chunk_document(doc)]


@pytest.fixture(scope="module")
def txt_doc():
    return _doc(REPORT)


def assert_exact(doc):
    chunks = chunk_document(doc)
    assert chunks
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text


# ------------------------------------------------------------------ .txt / .md

def test_md_long_title_is_not_glued_to_the_paragraphs(tmp_path):
    r = read("# 关于北京市通州区国民经济和社会发展计划的报告\n第一段正文内容，讲述建设情况。\n第二段正文。".encode(), "a.md")
    assert r.text.split("\n") == ["# 关于北京市通州区国民经济和社会发展计划的报告", "第一段正文内容，讲述建设情况。", "第二段正文。"]
    assert r.blocks[0].kind == "heading" and r.title == "关于北京市通州区国民经济和社会发展计划的报告"
    (tmp_path / "a.md").write_text(r.text, encoding="utf-8")
    doc = _doc(tmp_path / "a.md")
    assert [c.text for c in chunk_document(doc)] == ["第一段正文内容，讲述建设情况。", "第二段正文。"]
    assert chunk_document(doc)[0].section == ("关于北京市通州区国民经济和社会发展计划的报告",)


def test_txt_title_is_not_glued_to_its_first_paragraph():
    r = read("关于北京市通州区国民经济和社会发展计划的报告\n第一段正文内容。\n第二段。".encode(), "a.txt")
    assert r.text.split("\n")[0] == "关于北京市通州区国民经济和社会发展计划的报告"


def test_headings_only_file_is_skipped_and_never_indexed(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "h.md").write_text("# 关于北京市通州区国民经济和社会发展计划的报告\n## 第二个很长很长的标题没有正文内容\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="h.md.*没有正文"):
        load_corpus(corpus)
    with pytest.raises(CorpusError):
        qa.open(corpus, tmp_path / "index", embedder=fake_embedder, progress=False)
    assert not (tmp_path / "index" / "CURRENT").exists()
    (corpus / "ok.txt").write_text("报告\n道路建设稳步推进。", encoding="utf-8")
    eng = qa.open(corpus, tmp_path / "index", embedder=fake_embedder, progress=False)
    assert [d.id for d in eng.documents] == ["ok.txt"]
    eng2 = qa.open(corpus, tmp_path / "index", embedder=fake_embedder, progress=False, rebuild=False)
    assert eng2.search("道路", k=1)[0].doc_id == "ok.txt"


def test_txt_document_metadata(txt_doc):
    assert txt_doc.format == "txt" and txt_doc.source == REPORT.name and txt_doc.path == str(REPORT)
    assert txt_doc.title.startswith("关于北京市通州区2023年")


# ------------------------------------------------------------------ .docx

@pytest.fixture(scope="module")
def docx_path(tmp_path_factory):
    return write_docx(report_text(), tmp_path_factory.mktemp("docx") / "report.docx")


def test_docx_report_reads_as_the_txt(docx_path, txt_doc):
    doc = _doc(docx_path)
    assert doc.format == "docx" and doc.title == txt_doc.title
    assert doc.text == txt_doc.text
    assert _structure(doc) == _structure(txt_doc)  # section paths and offsets
    assert_exact(doc)


def test_docx_heading_styles_tables_and_merged_cells(tmp_path):
    import docx
    d = docx.Document()
    d.add_paragraph("年度报告", style="Title")
    from docx.enum.style import WD_STYLE_TYPE
    d.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    d.add_paragraph("交通建设\t1", style="toc 1")  # a table of contents: left out
    d.add_heading("交通建设", level=1)           # a styled heading without a number
    d.add_paragraph("道路建设稳步推进，全年新建道路十条。")
    d.add_paragraph("一、主要指标")               # numbered heading typed in the Normal style
    t = d.add_table(rows=4, cols=3)
    for r, row in enumerate([["指标", "2023年", "2024年目标"], ["地区生产总值", "增长5%", "增长5.5%"],
                             ["一般公共预算收入", "93.86亿元", "增长3%"], ["", "", ""]]):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    merged = t.cell(3, 0).merge(t.cell(3, 2))   # a row merged across all columns
    merged.text = "注：均为预计数"
    d.add_paragraph("（一）交通")
    d.add_paragraph("地铁线路加快建设。")
    d.save(tmp_path / "t.docx")
    doc = _doc(tmp_path / "t.docx")
    assert doc.text.split("\n") == [
        "年度报告", "交通建设", "道路建设稳步推进，全年新建道路十条。", "一、主要指标",
        "指标，2023年，2024年目标",
        "指标：地区生产总值，2023年：增长5%，2024年目标：增长5.5%。",
        "指标：一般公共预算收入，2023年：93.86亿元，2024年目标：增长3%。",
        "注：均为预计数", "（一）交通", "地铁线路加快建设。"]
    sections = {c.text: c.section for c in chunk_document(doc)}
    assert sections["道路建设稳步推进，全年新建道路十条。"] == ("交通建设",)
    assert sections["指标：地区生产总值，2023年：增长5%，2024年目标：增长5.5%。"] == ("一、主要指标",)
    assert sections["地铁线路加快建设。"] == ("一、主要指标", "（一）交通")
    assert doc.title == "年度报告"
    assert_exact(doc)


def test_broken_docx_says_what_to_do(tmp_path):
    (tmp_path / "x.docx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(CorpusError, match="x.docx.*另存为"):
        _doc(tmp_path / "x.docx")


# ------------------------------------------------------------------ .html

def test_html_main_text_only(tmp_path, txt_doc):
    page = report_html(report_text()).replace(
        "<body>", "<body><nav><a href='/'>首页</a> <a href='/gk'>政务公开</a> <a>网站地图</a></nav><main>"
    ).replace("</body>", "</main><footer>版权所有：北京市通州区人民政府 主办单位 联系我们</footer></body>")
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    doc = _doc(tmp_path / "page.html")
    assert doc.format == "html"
    assert doc.text == txt_doc.text and "网站地图" not in doc.text and "版权所有" not in doc.text
    assert _structure(doc) == _structure(txt_doc)


# ------------------------------------------------------------------ .pdf (pure parts)

def _line(text, left=72, right=520, y=700, size=16):
    return Line(text, left, right, y + size, y, size)


def test_pdf_paragraphs_rejoin_wrapped_lines_and_drop_furniture():
    def page(n, body):
        return Page((_line("2024年报告 内部资料", y=810, size=9),) + body
                    + (_line(f"- {n} -", left=280, right=310, y=20, size=9),), 595, 842)
    pages = [
        page(1, (_line("一、总体情况", left=104, right=200, y=700),
                 _line("道路建设稳步推进，厂通路建成通车，跨河大桥主体完工，地铁线路加", left=104, y=676),
                 _line("快建设。", right=140, y=652),
             _line("二、主要目标…………………………12", left=104, y=640),
                 _line("新开公交线路十条，全年道路总长度达到六百公里，Beijing", left=104, y=628),
                 _line("Tongzhou 区。", right=200, y=604),
                 _line("下一段在页尾开始，跨页继续，首行缩进两个字符，内容很长很长很长", left=104, y=60))),
        page(2, (_line("的一段话到这里结束。", right=300, y=780),)),
        page(3, (_line("第三页的一段。", left=104, right=300, y=780),)),
    ]
    assert paragraphs(pages) == [
        "一、总体情况", "道路建设稳步推进，厂通路建成通车，跨河大桥主体完工，地铁线路加快建设。",
        "新开公交线路十条，全年道路总长度达到六百公里，Beijing Tongzhou 区。",
        "下一段在页尾开始，跨页继续，首行缩进两个字符，内容很长很长很长的一段话到这里结束。",
        "第三页的一段。"]


def test_pdf_larger_short_lines_are_headings():
    from qa.readers.pdf import blocks
    lines = (_line("交通报告", left=250, right=345, y=780, size=22),
             _line("交通建设", left=72, right=150, y=740, size=19),
             _line("道路建设稳步推进，厂通路建成通车，跨河大桥主体完工，地铁线路加", left=104, y=712),
             _line("快建设。", right=140, y=688),
             _line("一、教育", left=72, right=150, y=650, size=19),
             _line("学校", left=72, right=110, y=620, size=18.5),
             _line("新建学校三所，新增学位两千个。", left=104, right=400, y=592))
    more = tuple(_line(f"第{i}段正文。", left=104, right=300, y=560 - 28 * i) for i in range(5))
    got = blocks([Page(lines + more, 595, 842)])[:-5]
    assert got == [("paragraph", "交通报告", None), ("heading", "交通建设", 0),
                   ("paragraph", "道路建设稳步推进，厂通路建成通车，跨河大桥主体完工，地铁线路加快建设。", None),
                   ("heading", "一、教育", 0), ("heading", "学校", 1),
                   ("paragraph", "新建学校三所，新增学位两千个。", None)]


@pytest.mark.parametrize("text, fragment", [
    ("(cid:12)(cid:34)(cid:56) 报告 (cid:78)", "无法识别"),
    ("\ufffd\ufffd\ufffd道路\ufffd\ufffd", "无法识别"),
    ("å\u0085³äº\u008eå\u008c\u0097äº¬å¸\u0082é\u0080\u009aå·\u009eåŒº", "编码错乱"),
])
def test_garbled_extraction_is_detected(text, fragment):
    assert fragment in garbled_reason(text)


def test_clean_text_is_not_garbled(txt_doc):
    assert garbled_reason(txt_doc.text) is None
    assert garbled_reason("Annual report of Tongzhou district, 2024: GDP grew 5%.") is None


def test_mojibake_pdf_is_refused_with_the_fix(tmp_path):
    garbled = "关于北京市通州区国民经济和社会发展计划的报告".encode("utf-8").decode("latin-1")
    write_plain_pdf([garbled[i:i + 30] for i in range(0, len(garbled), 30)], tmp_path / "m.pdf")
    with pytest.raises(CorpusError, match="m.pdf: PDF 文字提取乱码.*编码错乱.*请改用原始的"):
        _doc(tmp_path / "m.pdf")
    write_plain_pdf(["Annual report.", "Roads were built in 2023 in the district of", "Tongzhou."],
                    tmp_path / "en.pdf")  # plain Latin text is fine; wrapped words keep their space
    assert _doc(tmp_path / "en.pdf").text == "Annual report.\nRoads were built in 2023 in the district of Tongzhou."


def test_pdf_without_text_or_broken_says_the_fix(tmp_path):
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    pdf.save(tmp_path / "scan.pdf")
    with pytest.raises(CorpusError, match="scan.pdf.*扫描件.*OCR"):
        _doc(tmp_path / "scan.pdf")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 nothing")
    with pytest.raises(CorpusError, match="bad.pdf.*无法打开"):
        _doc(tmp_path / "bad.pdf")


# ------------------------------------------------------------------ limits and skipping

def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """Refused on its size alone (how long that takes: benchmarks/refusals.py)."""
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)
    (tmp_path / "ok.txt").write_text("报告\n道路建设稳步推进。", encoding="utf-8")
    read, read_bytes = [], Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: (read.append(self.name), read_bytes(self))[1])
    corpus = scan_corpus(tmp_path, Limits())
    assert read == ["ok.txt"]  # the reads are seen, and the big file is not among them
    assert [d.id for d in corpus.documents] == ["ok.txt"]
    (skipped,) = corpus.skipped
    assert skipped.path == "big.txt" and "50.0 MB" in skipped.reason and "超过上限 20 MB" in skipped.reason


def test_soft_limit_warns_and_limits_are_configurable(tmp_path, monkeypatch, fake_embedder):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("报告\n" + "道路建设稳步推进。" * 2000, encoding="utf-8")
    corpus = scan_corpus(tmp_path / "c", Limits(warn_mb=0.01))
    assert corpus.documents and "文件较大" in corpus.warnings[0]
    monkeypatch.setenv("QA_MAX_FILE_MB", "0.01")
    assert scan_corpus(tmp_path / "c").skipped[0].path == "a.txt"
    with pytest.raises(CorpusError, match="超过上限"):
        qa.open(tmp_path / "c", tmp_path / "i", embedder=fake_embedder, progress=False)
    eng = qa.open(tmp_path / "c", tmp_path / "i", embedder=fake_embedder, progress=False,
                  limits=Limits(max_mb=1))
    assert eng.documents[0].id == "a.txt"
    monkeypatch.setenv("QA_MAX_FILE_MB", "lots")
    with pytest.raises(InputError, match="QA_MAX_FILE_MB"):
        Limits.from_env()


def test_a_reader_failing_unexpectedly_skips_only_that_file(tmp_path, monkeypatch):
    import qa.readers.text as text_reader
    (tmp_path / "a.md").write_text("# 标题\n正文。", encoding="utf-8")
    (tmp_path / "b.txt").write_text("报告\n正文。", encoding="utf-8")
    monkeypatch.setattr(text_reader, "read_markdown", lambda data, name, limits: 1 / 0)
    corpus = scan_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["b.txt"]
    assert "a.md: 无法读取（ZeroDivisionError" in corpus.skipped[0].reason


def test_one_bad_file_does_not_block_the_rest(tmp_path, docx_path):
    import shutil
    shutil.copy(docx_path, tmp_path / "report.docx")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    (tmp_path / "bad.txt").write_bytes(b"\x81\x30\xff\xfe\x00 broken \xff\xff")
    corpus = scan_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["report.docx"]
    assert sorted(s.path for s in corpus.skipped) == ["bad.txt", "broken.pdf"]


def test_year_shifted_twin():
    assert year_shifted("2023年执行情况与2024年计划，2024年1月4日，“十四五”，607公里") == \
        "2024年执行情况与2025年计划，2025年1月4日，“十四五”，607公里"


# ------------------------------------------------------------------ the printed .pdf (chromium)

@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory):
    return write_pdf(report_text(), tmp_path_factory.mktemp("pdf") / "report.pdf")


@pytest.mark.slow
def test_printed_pdf_reads_as_the_txt(pdf_path, txt_doc):
    import pypdfium2 as pdfium
    assert len(pdfium.PdfDocument(pdf_path)) >= 20  # wrapped lines, many pages
    doc = _doc(pdf_path)
    assert doc.format == "pdf" and doc.title == txt_doc.title
    assert "file://" not in doc.text and "1/2" not in doc.text
    # print drops a space that falls at a line end ("党建引领 多元有你" wrapped after 引领): the
    # text is the .txt's up to spaces between Chinese characters
    assert _no_cjk_spaces(doc.text) == _no_cjk_spaces(txt_doc.text)
    assert [c.section for c in chunk_document(doc)] == [c.section for c in chunk_document(txt_doc)]
    assert [_no_cjk_spaces(c.text) for c in chunk_document(doc)] == \
        [_no_cjk_spaces(c.text) for c in chunk_document(txt_doc)]
    assert_exact(doc)


def _no_cjk_spaces(text):
    import re
    return re.sub(r"(?<=[\u4e00-\u9fff“”]) (?=[\u4e00-\u9fff“”])", "", text)


@pytest.mark.slow
def test_printed_pdf_ruled_table_and_one_page_furniture(tmp_path):
    rows = [["指标", "2023年", "2024年目标"], ["地区生产总值", "增长5%", "增长5.5%"],
            ["一般公共预算收入", "93.86亿元", "增长3%"], ["注：均为预计数", "", ""]]
    text = "通州区主要指标报告\n一、主要指标\n主要指标安排如下。\n二、其他\n其他内容。"
    page = report_html(text).replace("<p>二、其他</p>", table_html(rows) + "<p>二、其他</p>")
    doc = _doc(write_pdf(text, tmp_path / "t.pdf", page=page))
    assert doc.text.split("\n") == [
        "通州区主要指标报告", "一、主要指标", "主要指标安排如下。", "指标，2023年，2024年目标",
        "指标：地区生产总值，2023年：增长5%，2024年目标：增长5.5%。",
        "指标：一般公共预算收入，2023年：93.86亿元，2024年目标：增长3%。",
        "注：均为预计数", "二、其他", "其他内容。"]  # one page: header and footer dropped too
    assert_exact(doc)


def test_saved_web_page_assets_are_passed_over(tmp_path, caplog):
    (tmp_path / "page.html").write_text(report_html(report_text()), encoding="utf-8")
    (tmp_path / "page_files" / "js").mkdir(parents=True)
    (tmp_path / "page_files" / "style.css").write_text("p{}", encoding="utf-8")
    (tmp_path / "page_files" / "js" / "a.js").write_text("var a;", encoding="utf-8")
    (tmp_path / "page_files" / "notes.txt").write_text("页面附带的文字。", encoding="utf-8")
    (tmp_path / "other_files").mkdir()
    (tmp_path / "other_files" / "x.txt").write_text("报告\n另一份文件。", encoding="utf-8")
    docs, _ = load_corpus(tmp_path)
    assert [d.id for d in docs] == ["other_files/x.txt", "page.html"]
    assert "unsupported" not in caplog.text


def test_html_table_rows(tmp_path):
    rows = [["指标", "2023年", "2024年目标"], ["地区生产总值", "增长5%", "增长5.5%"]]
    text = "通州区主要指标报告\n一、主要指标\n" + "主要指标安排如下，各项指标均按照积极稳妥、引导预期的原则安排。" * 3
    page = report_html(text).replace("</body>", table_html(rows) + "<p>以上指标为预计数。</p></body>")
    (tmp_path / "t.html").write_text(page, encoding="utf-8")
    lines = _doc(tmp_path / "t.html").text.split("\n")
    assert "指标：地区生产总值，2023年：增长5%，2024年目标：增长5.5%。" in lines


def test_progress_bar_with_eta(tiny_corpus, tmp_path, fake_embedder, monkeypatch, capsys):
    monkeypatch.setenv("QA_PROGRESS", "1")
    qa.open(tiny_corpus, tmp_path / "index", embedder=fake_embedder)
    err = capsys.readouterr().err
    assert "embedding" in err and "100%" in err and "<00:00" in err  # tqdm: bar, share, ETA


def test_document_years_from_title_and_headings(txt_doc, tmp_path):
    assert (txt_doc.report_year, txt_doc.plan_year) == (2023, 2024)
    twin = write_docx(year_shifted(report_text()), tmp_path / "twin.docx")
    doc = _doc(twin)
    assert (doc.report_year, doc.plan_year) == (2024, 2025)


def _numbered_docx(path):
    """A .docx whose headings are numbered by Word (numbering.xml), not typed."""
    import docx
    from docx.oxml import parse_xml
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    d = docx.Document()
    numbering = d.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {w} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
        '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>'
        '</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def para(text, ilvl=None):
        p = d.add_paragraph(text)
        if ilvl is not None:
            p._p.get_or_add_pPr().append(parse_xml(
                f'<w:numPr {w}><w:ilvl w:val="{ilvl}"/><w:numId w:val="90"/></w:numPr>'))

    para("年度报告")
    para("执行情况", 0)
    para("交通", 1)
    para("道路建设稳步推进。")
    para("教育", 1)
    para("新建学校", 2)
    para("新建学校三所。")
    para("主要措施", 0)
    para("交通", 1)
    para("开工建设石小路。")
    d.save(path)
    return path


def test_docx_word_numbering_is_rendered(tmp_path):
    doc = _doc(_numbered_docx(tmp_path / "n.docx"))
    assert doc.text.split("\n") == ["年度报告", "一、执行情况", "（一）交通", "道路建设稳步推进。", "（二）教育",
                                    "1.新建学校", "新建学校三所。", "二、主要措施", "（一）交通", "开工建设石小路。"]
    sections = {c.text: c.section for c in chunk_document(doc)}
    assert sections["新建学校三所。"] == ("一、执行情况", "（二）教育", "1.新建学校")
    assert sections["开工建设石小路。"] == ("二、主要措施", "（一）交通")


@pytest.mark.parametrize("n, text", [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (99, "九十九"),
                                     (100, "一百"), (105, "一百零五"), (110, "一百一十")])
def test_chinese_counting(n, text):
    from qa.readers.numbering import chinese_counting
    assert chinese_counting(n) == text
