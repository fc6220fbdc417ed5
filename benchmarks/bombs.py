"""Bombs and big files through ``qa.add_files`` (what an upload runs): each in a fresh Python, its
result (read, or refused with the limit named), seconds and peak resident memory, with the real
report as the same-run baseline.

    python benchmarks/bombs.py          # through qa.add_files, each in a fresh Python
    python benchmarks/bombs.py --web    # through the running app's upload (browser → upload handler)

The bombs are those of issue 20 at their real size (tests/bombs.py writes them, streamed, into a
temporary folder: ~1 GB of work to make the whitespace one). Peak memory is the process's
ru_maxrss, Python and the imports included (the baseline row shows what that alone costs).

With ``--web`` the same files are uploaded one by one through the page of a running ``app.py``
(Debian's chromium, Playwright, the library panel), while a client searches in a loop: for each,
the result shown, the seconds until it is shown, the app process's resident memory (sampled every
0.05 s: before, peak, peak − before) and the searches' p50/max meanwhile.
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import threading
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


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def web(files: dict[str, Path], base_dir: Path) -> None:
    """Each file uploaded through the page of a running app, while a client searches."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from load import call, free_port  # noqa: E402
    from playwright.sync_api import sync_playwright
    from upload_load import CHROMIUM, start_app

    corpus = base_dir / "web-corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_app(corpus, base_dir / "web-index", port, base_dir / "app.log", 900)
    try:
        call(base, "search", ["北三县交通有哪些项目", 5])  # the models loaded
        alone = []
        for _ in range(5):
            t = time.perf_counter()
            call(base, "search", ["北三县交通有哪些项目", 5])
            alone.append(time.perf_counter() - t)
        print(f"app pid {proc.pid}; a search alone: median {statistics.median(alone):.2f} s; "
              f"load average {' '.join(f'{x:.1f}' for x in __import__('os').getloadavg())}")
        print("| file | size | shown | seconds | app RSS before MB | peak MB | peak − before | "
              "searches meanwhile n | p50 s | max s |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            for name, path in files.items():
                if "baseline" in name:
                    continue
                page = browser.new_page()  # a fresh page each: the upload field starts empty
                page.goto(base, wait_until="domcontentloaded")
                page.wait_for_function("() => window.__qaReady === true", timeout=120_000)
                status = page.locator("#qa-lib-status")
                page.locator("#qa-library").get_by_text("文档库").first.click()
                stop, peak, searches = threading.Event(), [rss_mb(proc.pid)], []
                before = peak[0]

                def sample():
                    while not stop.wait(0.05):
                        peak.append(rss_mb(proc.pid))

                def search():
                    while not stop.is_set():
                        t = time.perf_counter()
                        call(base, "search", ["北三县交通有哪些项目", 5])
                        searches.append(time.perf_counter() - t)

                threads = [threading.Thread(target=f, daemon=True) for f in (sample, search)]
                for t in threads:
                    t.start()
                t0 = time.perf_counter()
                page.locator("#qa-upload input[type=file]").set_input_files(str(path))
                page.wait_for_function(
                    "() => { const e = document.querySelector('#qa-lib-status');"
                    " return /⚠️|已加入/.test(e ? e.innerText : ''); }", timeout=900_000)
                seconds = time.perf_counter() - t0
                shown = status.inner_text().strip()
                stop.set()
                for t in threads:
                    t.join()
                size = path.stat().st_size
                size_text = f"{size / MB:.1f} MB" if size >= MB else f"{size / 1024:.0f} KB"
                limit = re.search(r"QA_MAX_[A-Z_]+", shown)
                what = f"refused ({limit.group()})" if "⚠️" in shown and limit else shown[:50]
                print(f"| {name} | {size_text} | {what} | {seconds:.2f} | {before:.0f} | {max(peak):.0f} | "
                      f"{max(peak) - before:.0f} | {len(searches)} | "
                      f"{statistics.median(searches) if searches else float('nan'):.2f} | "
                      f"{max(searches) if searches else float('nan'):.2f} |", flush=True)
                if "已加入" in shown:  # a legitimate file: wait until it is indexed, then go on
                    indexing = page.locator("#qa-index-status")  # the progress has its own line
                    indexing.filter(has_text="索引完成").or_(indexing.filter(has_text="⚠️")).wait_for(timeout=1_800_000)
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--web", action="store_true", help="upload through a running app.py instead")
    ap.add_argument("--only", default="", help="comma-separated file names to run (default: all)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        files = {"report.txt (baseline)": REPORT, "report.docx": write_docx(report_text(), base / "report.docx")}
        wanted = set(filter(None, args.only.split(",")))
        for name, make in {**REAL_BOMBS, **NEAR}.items():
            if wanted and name not in wanted:
                continue
            t = time.perf_counter()
            files[name] = make(base / name)
            print(f"made {name} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        if args.web:
            web(files, base)
            return
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
