"""What the tests share, imported one way only (``from fixtures import …``; conftest.py too, and
nothing imports conftest): the repo's paths and question sets, the tiny corpus, a fast fake
embedder, and builders of real test documents, made by the tests themselves (no binary fixtures
in the repo).

    from fixtures import CORPUS, DEV, TINY, FakeEmbedder
    from fixtures import report_text, year_shifted, write_docx, write_pdf, write_html
    write_docx(report_text(), tmp / "report.docx")    # python-docx, headings in the Normal style
    write_pdf(report_text(), tmp / "report.pdf")      # Debian chromium print-to-pdf, Noto CJK, ~23 pages

Both render the cleaned report one paragraph per line, so a reader that works gives back the
.txt's text exactly (section paths and offsets included).
"""
from __future__ import annotations

import hashlib
import html
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from qa.embedding import Embedder

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
REPORT = CORPUS / "tongzhou-2024-plan-report.txt"
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
OWN = ROOT / "tests" / "data" / "own.jsonl"
ENGLISH = ROOT / "tests" / "data" / "english.jsonl"  # 29 English questions on the Chinese report
CHROMIUM = "/usr/bin/chromium"

TINY = {
    "a.txt": "交通报告\n一、2023年工作执行情况\n（一）交通建设\n道路建设稳步推进。厂通路建成通车，跨河大桥主体完工。地铁线路加快建设，新开公交线路十条。"
             "全年道路总长度达到六百公里。\n二、2024年主要措施\n（一）交通\n交通一体化继续推进。计划开工建设石小路，推进地铁22号线建设，优化跨境公交。",
    "b.md": "# 教育报告\n## 学校\n新建学校三所，新增学位两千个。\n## 医疗\n医院二期开诊，社区卫生服务中心提质升级。",
}


class FakeEmbedder(Embedder):
    """Hashes character bigrams into a 64-d bag: texts sharing characters get similar vectors."""

    name = "fake-bigrams"
    dim = 64

    def __init__(self):
        self.calls = 0

    def embed_batch(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in zip(text, text[1:] + " "):
                h = int.from_bytes(hashlib.md5((a + b).encode()).digest()[:4], "little")
                out[row, h % self.dim] += 1.0
        return out + 1e-3


def add_then_remove(eng, corpus: Path, *, edit: str = "") -> None:
    """A store kept in step with the tiny corpus (``tiny_corpus``): c.txt added, then b.md removed
    (and ``edit`` appended to a.txt in the same refresh); the store's own list of documents checked
    after each refresh, and none of b.md's passages found afterwards."""
    assert eng.store.documents().keys() == {"a.txt", "b.md"}
    (corpus / "c.txt").write_text("新文件\n新增一段关于地铁换乘枢纽建设的内容。", encoding="utf-8")
    assert eng.refresh()
    assert eng.store.documents().keys() == {"a.txt", "b.md", "c.txt"}
    assert eng.search("地铁换乘枢纽", k=1)[0].doc_id == "c.txt"
    (corpus / "b.md").unlink()
    if edit:
        (corpus / "a.txt").write_text((corpus / "a.txt").read_text(encoding="utf-8") + edit, encoding="utf-8")
    assert eng.refresh()
    assert eng.store.documents().keys() == {"a.txt", "c.txt"}
    assert all(h.doc_id != "b.md" for h in eng.search("新建学校 医院", k=100))


def report_text() -> str:
    """The report as the .txt reader cleans it (title re-joined, one paragraph per line)."""
    from qa.readers import read
    return read(REPORT.read_bytes(), REPORT.name).text


def year_shifted(text: str, delta: int = 1) -> str:
    """The same report with every year moved by ``delta`` (2023→2024, 2024→2025)."""
    from qa.evaluate import shift_years
    return shift_years(text, delta)


def write_docx(text: str, path: Path, *, table: list[list[str]] | None = None) -> Path:
    """A .docx with one Normal-style paragraph per line (as such reports are usually written);
    the first line in the Title style. ``table`` (rows of cells) is appended after the text."""
    import docx
    document = docx.Document()
    lines = text.split("\n")
    document.add_paragraph(lines[0], style="Title")
    for line in lines[1:]:
        document.add_paragraph(line)  # Normal style, the numbering typed in the text
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    document.save(path)
    return path


def report_html(text: str) -> str:
    """An HTML rendering like a printed report: Noto CJK, 2-character indents, justified lines."""
    lines = text.split("\n")
    body = [f'<h1>{html.escape(lines[0])}</h1>'] + [f"<p>{html.escape(l)}</p>" for l in lines[1:]]
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{html.escape(lines[0])}</title><style>
@page {{ size: A4; margin: 22mm 24mm; }}
body {{ font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 15.5pt; line-height: 1.6; }}
h1 {{ font-size: 20pt; text-align: center; font-weight: bold; margin: 0 2em 1em; }}
p {{ text-indent: 2em; text-align: justify; margin: 0 0 0.3em; }}
</style></head><body>{''.join(body)}</body></html>"""


def table_html(rows: list[list[str]]) -> str:
    """A ruled HTML table; a cell "" after a cell spans it (colspan)."""
    out = []
    for r, row in enumerate(rows):
        cells, i = [], 0
        while i < len(row):
            span = 1
            while i + span < len(row) and row[i + span] == "":
                span += 1
            tag = "th" if r == 0 else "td"
            cells.append(f'<{tag} colspan="{span}">{html.escape(row[i])}</{tag}>')
            i += span
        out.append("<tr>" + "".join(cells) + "</tr>")
    return ('<table style="border-collapse: collapse; margin: 0.5em 0" border="1" cellpadding="4">'
            + "".join(out) + "</table>")


def write_html(text: str, path: Path) -> Path:
    path.write_text(report_html(text), encoding="utf-8")
    return path


def write_pdf(text: str, path: Path, *, page: str | None = None) -> Path:
    """Print the HTML rendering of ``text`` (or the HTML ``page``) to PDF with Debian's headless
    chromium (page header and footer on: date, title, file URL and page number, which the PDF
    reader must drop)."""
    if not Path(CHROMIUM).exists():
        import pytest
        pytest.skip("chromium is not installed (bash run.sh test installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.html"
        source.write_text(page or report_html(text), encoding="utf-8")
        out = Path(tmp) / "out.pdf"
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", f"--user-data-dir={tmp}/profile",
                        f"--print-to-pdf={out}", source.as_uri()],
                       check=True, capture_output=True, timeout=180)
        shutil.copyfile(out, path)
    return path


def write_plain_pdf(lines: list[str], path: Path) -> Path:
    """A one-page PDF drawn with pypdfium2 in the standard Helvetica font (Latin-1 text only): for
    PDFs whose text layer is not what a reader expects, e.g. mojibake."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw
    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(595, 842)
    for i, line in enumerate(lines):
        obj = raw.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", 12.0)
        buf = ctypes.create_string_buffer((line + "\0").encode("utf-16-le"))
        raw.FPDFText_SetText(obj, ctypes.cast(buf, ctypes.POINTER(raw.FPDF_WCHAR)))
        raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 72, 760 - 18 * i)
        raw.FPDFPage_InsertObject(page.raw, obj)
    raw.FPDFPage_GenerateContent(page.raw)
    pdf.save(path)
    return path
