"""Load while a large upload is indexed: nothing may wait on indexing (issues 20.1 and 18.5).

Starts ``python app.py`` on a copy of the corpus (loopback, a free port), then

1. before: 20 clients ask questions at once through ``/ask``; the reader, the page and a search
   are each timed alone;
2. uploads a large text (default 1.5 MB, made of the shared 2026 reports, else of the repository's
   report) through the page's library panel in Debian's chromium (Playwright), the way a user does;
3. from the moment of the upload, for ``--window`` seconds (while it is read, then embedded): the
   same 20 clients ask again, and a prober times the reader, the page and a search in turn;
4. waits for the indexing to end (up to ``--index-timeout``), then the same 20 clients ask once more
   (``--after`` questions each): the library now holds the upload, and nothing is indexed;
5. prints every figure: the time until the upload is keyword-searchable, p50/p95 of the questions
   before, during and after (and the ratios: during / before is the goal's; during / after leaves
   out what the larger library itself costs every question), the slowest reader, page and search
   during indexing, and the indexing time.

    python benchmarks/upload_load.py                   # 20 clients, 1.5 MB
    python benchmarks/upload_load.py --clients 8 --size-mb 0.5 --window 30
    python benchmarks/upload_load.py --modes process   # only the child-process indexing
    python benchmarks/upload_load.py --corpus ../shared/corpora/gov2026 --index DIR --size-mb 0.05
                                                       # a report into a library of 20

By default it runs twice in one go, ``QA_INDEXING=thread`` (the build in a thread of the app) then
``process`` (in a child process), and prints both and their ratios, with the load average.

A benchmark, not a test: it prints figures (the goals beside them) and asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import _OPENER, call, free_port, load_questions  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "corpora").is_dir()), ROOT / "shared")
CHROMIUM = "/usr/bin/chromium"
GOALS = "goals: reader, page and search each ≤ 2 s during indexing; questions p50 ≤ 1.5× before"


def big_text(size_mb: float) -> str:
    """About ``size_mb`` MB (UTF-8) of real report text: the shared reports one after another
    (the repository's report when they are missing), repeated as needed, under one title."""
    sources = sorted((SHARED / "corpora" / "gov2026").glob("*.txt")) or sorted((ROOT / "corpus").glob("*.txt"))
    parts, size, want = ["各地政府工作报告汇编（压力测试）"], 0, int(size_mb * 1024 * 1024)
    while size < want:
        for path in sources:
            text = path.read_text(encoding="utf-8")
            parts.append(text)
            size += len(text.encode("utf-8"))
            if size >= want:
                break
    return "\n\n".join(parts)


def start_app(corpus: Path, index: Path, port: int, log: Path, timeout: float,
              env: dict | None = None) -> subprocess.Popen:
    out = open(log, "w", encoding="utf-8")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), "--corpus", str(corpus),
                             "--index", str(index)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with _OPENER.open(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                if resp.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"app.py did not serve within {timeout:.0f} s; see {log}")


def timed(fn) -> tuple[float, str]:
    """Seconds ``fn()`` took, and its error ("" when it succeeded)."""
    t = time.perf_counter()
    try:
        fn()
        return time.perf_counter() - t, ""
    except Exception as err:  # noqa: BLE001 - counted, reported
        return time.perf_counter() - t, f"{type(err).__name__}: {err}"[:160]


def get(url: str, timeout: float = 120.0) -> None:
    with _OPENER.open(url, timeout=timeout) as resp:
        resp.read()


class Probes:
    """The reader, the page and a search, each timed in turn until ``stop`` is set."""

    def __init__(self, base: str, doc_id: str):
        self.base = base
        self.reader = f"{base}/reader?doc={urllib.parse.quote(doc_id)}&s=0&e=200"
        self.times: dict[str, list[float]] = {"reader": [], "page": [], "search": []}
        self.errors: list[str] = []

    def once(self) -> None:
        for name, fn in (("reader", lambda: get(self.reader)), ("page", lambda: get(self.base + "/")),
                         ("search", lambda: call(self.base, "search", ["北三县交通有哪些项目", 5]))):
            seconds, error = timed(fn)
            self.times[name].append(seconds)
            if error:
                self.errors.append(f"{name}: {error}")

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.once()
            stop.wait(0.5)


def ask_clients(base: str, questions: list[str], clients: int, *, per_client: int | None = None,
                stop: threading.Event | None = None) -> tuple[list[float], list[str]]:
    """``clients`` threads asking through ``/ask``: ``per_client`` questions each, or until ``stop``."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    go = threading.Barrier(clients)

    def client(i: int) -> None:
        go.wait()
        j = 0
        while (per_client is None or j < per_client) and not (stop is not None and stop.is_set()):
            q = questions[(i * 7 + j) % len(questions)]
            seconds, error = timed(lambda: call(base, "ask", [q, 5]))
            with lock:
                times.append(seconds)
                if error:
                    errors.append(error)
            j += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def upload(page, path: Path) -> None:
    page.locator("#qa-library").get_by_text("文档库").first.click()
    page.locator("#qa-upload input[type=file]").set_input_files(str(path))


def run(args, mode: str, questions: list[str]) -> dict:
    """One app (``QA_INDEXING=mode``), the load before and during the upload: every figure."""
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="qa-upload-load-"))
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(args.corpus, corpus)
    if Path(args.index).is_dir():  # a built index: the app starts without embedding the corpus
        shutil.copytree(args.index, index)
    doc_id = sorted(p.name for p in corpus.iterdir())[0]
    big = work / "汇编.txt"
    big.write_text(big_text(args.size_mb), encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_app(corpus, index, port, work / "app.log", args.start_timeout, {"QA_INDEXING": mode})
    load_start = os.getloadavg()[0]
    try:
        call(base, "ask", [questions[0], 5])  # the models loaded
        probes_before = Probes(base, doc_id)
        for _ in range(5):
            probes_before.once()
        before, before_errors = ask_clients(base, questions, args.clients, per_client=args.before)

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(base, wait_until="domcontentloaded")
            page.wait_for_function("() => window.__qaReady === true", timeout=120_000)
            probes, stop, load = Probes(base, doc_id), threading.Event(), {}
            prober = threading.Thread(target=probes.run, args=(stop,), daemon=True)
            clients = threading.Thread(target=lambda: load.update(
                zip(("times", "errors"), ask_clients(base, questions, args.clients, stop=stop))), daemon=True)
            started = time.perf_counter()
            upload(page, big)
            prober.start()
            clients.start()
            timer = threading.Timer(args.window, stop.set)
            timer.start()
            status, index_status = page.locator("#qa-lib-status"), page.locator("#qa-index-status")
            status.filter(has_text="可按关键词检索").wait_for(timeout=600_000)
            searchable = time.perf_counter() - started
            stop.wait()
            prober.join()
            clients.join()
            during, during_errors = load["times"], load["errors"]
            window = time.perf_counter() - started
            load_window = os.getloadavg()[0]
            indexed = None
            try:
                index_status.filter(has_text="语义索引完成").wait_for(timeout=args.index_timeout * 1000)
                indexed = time.perf_counter() - started
            except Exception:  # noqa: BLE001 - reported as not finished
                pass
            final = f"{status.inner_text()} | {index_status.inner_text()}"
            browser.close()
        after = ask_clients(base, questions, args.clients, per_client=args.after)[0] \
            if indexed is not None and args.after else []
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    size = big.stat().st_size
    shutil.rmtree(work, ignore_errors=True)
    return dict(mode=mode, size=size, searchable=searchable, indexed=indexed, before=before, during=during, after=after,
                window=window, errors=before_errors + during_errors + probes.errors, final=final,
                probes_before=probes_before.times, probes=probes.times, load=(load_start, load_window))


def report(args, r: dict) -> None:
    before, during = r["before"], r["during"]
    p50_before, p50_during = pct(before, 50), pct(during, 50)
    print(f"--- QA_INDEXING={r['mode']}: upload {r['size'] / 1e6:.2f} MB text, {args.clients} clients; "
          f"load average {r['load'][0]:.1f} at the start, {r['load'][1]:.1f} after the window")
    print(f"keyword-searchable after     {r['searchable']:6.1f} s (upload, read, split, tokenize)")
    print(f"indexing finished after      {r['indexed']:6.1f} s" if r["indexed"] else
          f"indexing not finished within {args.index_timeout:.0f} s")
    print(f"questions before   n={len(before):4d}  p50 {p50_before:5.2f} s  p95 {pct(before, 95):5.2f} s")
    print(f"questions during   n={len(during):4d}  p50 {p50_during:5.2f} s  p95 {pct(during, 95):5.2f} s"
          f"  (window {r['window']:.0f} s)")
    print(f"p50 during / before          {p50_during / p50_before:6.2f}×   errors {len(r['errors'])}")
    if r["after"]:
        after = r["after"]
        print(f"questions after    n={len(after):4d}  p50 {pct(after, 50):5.2f} s  p95 {pct(after, 95):5.2f} s"
              "  (the upload indexed, nothing indexing)")
        print(f"p50 during / after           {p50_during / pct(after, 50):6.2f}×   "
              f"(after / before {pct(after, 50) / p50_before:.2f}×: the larger library)")
    for name in ("reader", "page", "search"):
        b, d = r["probes_before"][name], r["probes"][name]
        nan = float("nan")
        print(f"{name:7s} alone: before median {statistics.median(b):5.2f} s; during indexing n={len(d)} "
              f"p50 {pct(d, 50) if d else nan:5.2f} s, p95 {pct(d, 95) if d else nan:5.2f} s, "
              f"max {max(d) if d else nan:5.2f} s")
    for error in r["errors"][:5]:
        print("error:", error)
    print("final status:", r["final"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--before", type=int, default=3, help="questions per client before the upload")
    ap.add_argument("--after", type=int, default=3,
                    help="questions per client once the upload is indexed (0: none)")
    ap.add_argument("--corpus", default=str(ROOT / "corpus"),
                    help="the library the app starts with (copied), e.g. the 20 shared reports")
    ap.add_argument("--index", default=str(ROOT / "index"), help="its built index (copied), if any")
    ap.add_argument("--size-mb", type=float, default=1.5)
    ap.add_argument("--window", type=float, default=60.0, help="seconds of load during indexing")
    ap.add_argument("--index-timeout", type=float, default=1800.0)
    ap.add_argument("--start-timeout", type=float, default=900.0)
    ap.add_argument("--modes", default="thread,process",
                    help="QA_INDEXING values compared in this run, one app each, in this order")
    args = ap.parse_args(argv)
    questions = load_questions()
    print(GOALS, flush=True)
    results = []
    for mode in args.modes.split(","):
        results.append(run(args, mode, questions))
        report(args, results[-1])
        sys.stdout.flush()
    if len(results) == 2:
        (a, b) = results
        ratio = lambda f: f(b) / f(a)  # noqa: E731
        print(f"--- {b['mode']} / {a['mode']}: p50 during {ratio(lambda r: pct(r['during'], 50)):.2f}×, "
              + ", ".join(f"{n} max {ratio(lambda r: max(r['probes'][n] or [float('nan')])):.2f}×"
                          for n in ("reader", "page", "search")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
