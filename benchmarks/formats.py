"""Retrieval over the report read from each format: .txt (the baseline, same run), .docx made with
python-docx and .pdf printed by headless chromium (tests/fixtures.py), plus each reader's time.

    python benchmarks/formats.py [--questions FILE ...]

Prints hit@1/hit@5/MRR per format and question set, and whether the text equals the .txt's.
Indexes are built in a temporary folder (a few minutes on 2 cores).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import qa  # noqa: E402
from fixtures import REPORT, report_text, write_docx, write_pdf  # noqa: E402
from qa.corpus import Limits, read_document  # noqa: E402
from qa.evaluate import evaluate, load_questions  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", nargs="*", default=[str(ROOT.parent / "shared" / "eval" / "dev.jsonl"),
                                                       str(ROOT / "tests" / "data" / "own.jsonl")])
    args = ap.parse_args()
    sets = {Path(f).stem: load_questions(f) for f in args.questions}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        files = {"txt": REPORT}
        for fmt, writer in (("docx", write_docx), ("pdf", write_pdf)):
            (base / fmt).mkdir()
            files[fmt] = writer(report_text(), base / fmt / f"report.{fmt}")
        txt_text = None
        print("| format | read ms | text = .txt | " + " | ".join(f"{s} hit@1 | {s} hit@5 | {s} MRR" for s in sets) + " |")
        print("|---|---|---|" + "---|" * (3 * len(sets)))
        for fmt, path in files.items():
            t0 = time.perf_counter()
            doc = read_document(path, path.name, Limits())[0]
            read_ms = (time.perf_counter() - t0) * 1000
            txt_text = txt_text or doc.text
            corpus = path.parent if fmt != "txt" else REPORT.parent
            eng = qa.open(corpus, base / f"index-{fmt}", progress=False)
            cells = []
            for qs in sets.values():
                r = evaluate(lambda q: eng.search(q, k=5), qs, fmt)
                cells += [f"{r.hit1:.3f}", f"{r.hit5:.3f}", f"{r.mrr:.3f}"]
            same = "yes" if doc.text == txt_text else f"no ({len(doc.text) - len(txt_text):+d} chars)"
            print(f"| {fmt} | {read_ms:.0f} | {same} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
