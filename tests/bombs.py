"""Decompression and parsing bombs, made for real and streamed to disk (never whole in memory):
.docx files whose document.xml inflates to far more than the file, PDFs written by hand whose
content streams do, and a big web page. Shared by tests/test_limits.py and benchmarks/bombs.py.

    docx_bomb(path, DOCX_TEXT_PARAGRAPH, 100 * MB)   # 100 MB of text paragraphs in a ~400 KB file
    pdf_bomb(path, PDF_TEXT_OPS, 200 * MB)           # one page, a 200 MB content stream
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MB = 1024 * 1024
CHUNK = 4 * MB

DOCX_TEXT_PARAGRAPH = "<w:p><w:r><w:t>交通建设稳步推进，新开公交线路十条。</w:t></w:r></w:p>".encode()
DOCX_EMPTY_PARAGRAPH = b"<w:p/>"
DOCX_WHITESPACE = b" "
PDF_TEXT_OPS = b"BT /F1 12 Tf 72 700 Td (The economy grew by 5.2 percent.) Tj ET\n"
PDF_DRAWING_OPS = b"0 0 m 100 100 l S\n"


def _repeated(unit: bytes, size: int):
    """``unit`` repeated to ``size`` bytes, in chunks of about CHUNK bytes."""
    block = unit * max(1, CHUNK // len(unit))
    left = size // len(unit) * len(unit)
    while left > 0:
        piece = block[:left]
        left -= len(piece)
        yield piece


def docx_bomb(path: Path, unit: bytes, size: int, text: str = "报告正文第一段。") -> Path:
    """A real .docx (python-docx's template) whose body holds a first paragraph of ``text``, then
    ``unit`` repeated to ``size`` bytes of document.xml, written deflated and streamed."""
    import docx

    source = docx.Document()
    source.add_paragraph(text)
    buf = io.BytesIO()
    source.save(buf)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename != "word/document.xml":
                out.writestr(info.filename, data)
                continue
            head, sep, tail = data.partition(b"<w:sectPr")
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with out.open(entry, "w", force_zip64=True) as w:
                w.write(head)
                for piece in _repeated(unit, size):
                    w.write(piece)
                w.write(sep + tail)
    return path


def pdf_bomb(path: Path, unit: bytes, size: int, *, pages: int = 1, form: bool = False,
             text: str = "The economy grew by 5.2 percent in 2023.", numbered: bool = False) -> Path:
    """A PDF written by hand: ``pages`` pages that show ``text`` (followed by "(page n)" when
    ``numbered``, so no two pages are the same); the first page's content stream
    (or, with ``form``, a form XObject it draws) holds ``unit`` repeated to ``size`` bytes,
    Flate-compressed as it is written. Every page shares the one font (Helvetica)."""
    objects: list[bytes] = []  # filled in order; object n is objects[n - 1]
    page_ids = list(range(4, 4 + pages))
    first_content = 4 + pages
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % i for i in page_ids), pages))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    form_id = first_content + pages
    for n in range(pages):
        xobject = b" /XObject << /Fm0 %d 0 R >>" % form_id if form and n == 0 else b""
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >>%s >>"
                       b" /Contents %d 0 R >>" % (xobject, first_content + n))
    def shown(n: int) -> bytes:
        line = f"{text} (page {n + 1})" if numbered else text
        return b"BT /F1 12 Tf 72 760 Td (%s) Tj ET\n" % line.encode("latin-1")
    bombed_page = None if form else 0
    with open(path, "wb") as f:
        offsets = []

        def start(obj_id):
            offsets.append((obj_id, f.tell()))
            f.write(b"%d 0 obj\n" % obj_id)

        f.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        for i, body in enumerate(objects, 1):
            start(i)
            f.write(body + b"\nendobj\n")

        def stream(obj_id, head: bytes, bomb: bool, extra: bytes = b""):
            z = zlib.compressobj(9)
            parts = [z.compress(head)]
            if bomb:
                parts += [z.compress(piece) for piece in _repeated(unit, size)]
            parts.append(z.flush())
            data = b"".join(parts)
            start(obj_id)
            f.write(b"<< /Length %d /Filter /FlateDecode%s >>\nstream\n" % (len(data), extra) + data
                    + b"\nendstream\nendobj\n")

        for n in range(pages):
            head = shown(n) + (b"/Fm0 Do\n" if form and n == 0 else b"")
            stream(first_content + n, head, n == bombed_page)
        if form:
            stream(form_id, b"", True, b" /Type /XObject /Subtype /Form /BBox [0 0 595 842]")
        xref = f.tell()
        count = max(i for i, _ in offsets) + 1
        f.write(b"xref\n0 %d\n0000000000 65535 f \n" % count)
        for _obj_id, offset in sorted(offsets):
            f.write(b"%010d 00000 n \n" % offset)
        f.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, xref))
    return path


def html_page(path: Path, size: int) -> Path:
    """A web page of report paragraphs, ``size`` bytes or a little more."""
    para = "<p>交通建设稳步推进。厂通路建成通车，跨河大桥主体完工，新开公交线路十条。</p>\n".encode()
    with open(path, "wb") as f:
        f.write("<!doctype html><html><head><meta charset='utf-8'><title>报告</title></head><body><main>"
                "<h1>政府工作报告</h1>\n".encode())
        for piece in _repeated(para, size):
            f.write(piece)
        f.write(b"</main></body></html>\n")
    return path


# the bombs of issue 20 at their real size: file name → builder
REAL_BOMBS = {
    "document-xml-100MB.docx": lambda p: docx_bomb(p, DOCX_TEXT_PARAGRAPH, 100 * MB),
    "empty-paragraphs-100MB.docx": lambda p: docx_bomb(p, DOCX_EMPTY_PARAGRAPH, 100 * MB),
    "whitespace-1GB.docx": lambda p: docx_bomb(p, DOCX_WHITESPACE, 1024 * MB),
    "content-stream-200MB.pdf": lambda p: pdf_bomb(p, PDF_TEXT_OPS, 200 * MB),
    "drawing-100MB.pdf": lambda p: pdf_bomb(p, PDF_DRAWING_OPS, 100 * MB),
    "page-19MB.html": lambda p: html_page(p, 19 * MB),
}

ADD_ONE = r"""
import json, sys, time
sys.path.insert(0, {root!r})
import qa
from qa.errors import InputError
start = time.perf_counter()
try:
    qa.add_files(sys.argv[1], [sys.argv[2]])
    result = "read"
except InputError as exc:
    result = str(exc)
# VmHWM: this process's own peak (ru_maxrss keeps the parent's high-water mark across exec)
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({{"result": result, "seconds": time.perf_counter() - start, "peak_mb": hwm / 1024}}))
"""


def add_in_subprocess(corpus: Path, path: Path, env: dict | None = None) -> dict:
    """``qa.add_files(corpus, [path])`` in a fresh Python: its result ("read" or the refusal),
    seconds and peak resident memory (MB, VmHWM: the whole process, imports included)."""
    out = subprocess.run([sys.executable, "-c", ADD_ONE.format(root=str(ROOT)), str(corpus), str(path)],
                         capture_output=True, text=True, timeout=900,
                         env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})})
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])
