"""Bombs and big files through ``qa.add_files`` (what an upload runs): each in a fresh Python, its
result (read, or refused with the limit named), seconds and peak resident memory, with the real
report as the same-run baseline.

    python benchmarks/bombs.py

The bombs are those of issue 20 at their real size (tests/bombs.py writes them, streamed, into a
temporary folder: ~1 GB of work to make the whitespace one). Peak memory is the process's
ru_maxrss, Python and the imports included (the baseline row shows what that alone costs).
"""
from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bombs import (DOCX_EMPTY_PARAGRAPH, DOCX_TEXT_PARAGRAPH, MB, PDF_DRAWING_OPS, REAL_BOMBS,  # noqa: E402
                   add_in_subprocess, docx_bomb, pdf_bomb)
from fixtures import REPORT, report_text, write_docx  # noqa: E402

# legitimate files near the default limits: read, however long that takes
NEAR = {
    "empty-paragraphs-9MB.docx": lambda p: docx_bomb(p, DOCX_EMPTY_PARAGRAPH, 9 * MB),
    "text-paragraphs-9MB.docx": lambda p: docx_bomb(p, DOCX_TEXT_PARAGRAPH, 9 * MB),
    "drawing-9MB.pdf": lambda p: pdf_bomb(p, PDF_DRAWING_OPS, 9 * MB),
    "report-x12.txt": lambda p: (p.write_text(report_text() * 12, encoding="utf-8"), p)[1],
}


def result(text: str) -> str:
    if text == "read":
        return "read"
    limit = re.search(r"QA_MAX_[A-Z_]+", text)
    return f"refused ({limit.group()})" if limit else f"refused: {text[:60]}"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        files = {"report.txt (baseline)": REPORT, "report.docx": write_docx(report_text(), base / "report.docx")}
        for name, make in {**REAL_BOMBS, **NEAR}.items():
            t = time.perf_counter()
            files[name] = make(base / name)
            print(f"made {name} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        print("| file | size | result | seconds | × baseline | peak MB |")
        print("|---|---|---|---|---|---|")
        baseline = None
        for i, (name, path) in enumerate(files.items()):
            run = add_in_subprocess(base / f"corpus-{i}", path)
            baseline = baseline or run["seconds"]
            size = path.stat().st_size
            shown = f"{size / MB:.1f} MB" if size >= MB else f"{size / 1024:.0f} KB"
            print(f"| {name} | {shown} | {result(run['result'])} | {run['seconds']:.2f} | "
                  f"{run['seconds'] / baseline:.1f} | {run['peak_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
