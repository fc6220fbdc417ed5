"""How fast oversized input is refused, as ratios against a same-run baseline (the timings the
tests no longer assert; they check the behaviour: tests/test_readers.py, tests/test_app_api.py).

1. Corpus scan: a folder with one small report (baseline) against the same folder plus a 50 MB
   file, which is refused on its size without being read.
2. The app (started here on a free loopback port, or ``--url``): a /search alone (baseline,
   median of ``--repeat``), a 9M-character request (refused: 413 or the connection closed), and
   a /search sent while that request is being uploaded.

    python benchmarks/refusals.py              # both parts (the app takes a minute to start)
    python benchmarks/refusals.py --no-app     # the corpus scan only
    python benchmarks/refusals.py --url http://127.0.0.1:7860 --json

Prints seconds and ratios; exit status 0 when every refusal and search went as the tests expect.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from load import free_port, one_request, start_app, stop_app  # noqa: E402  (benchmarks/load.py)

from qa.corpus import Limits, scan_corpus  # noqa: E402

QUERY = "北三县交通有哪些项目"


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def scan_part(repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        small, both = Path(tmp, "small"), Path(tmp, "both")
        for folder in (small, both):
            folder.mkdir()
            (folder / "ok.txt").write_text("报告\n道路建设稳步推进。", encoding="utf-8")
        with open(both / "big.txt", "wb") as f:
            f.truncate(50 * 1024 * 1024)
        base = best_of(repeat, lambda: scan_corpus(small, Limits()))
        big = best_of(repeat, lambda: scan_corpus(both, Limits()))
        skipped = [s.path for s in scan_corpus(both, Limits()).skipped]
    return {"scan_s": base, "scan_with_50mb_s": big, "ratio": big / base, "ok": skipped == ["big.txt"]}


def app_part(base: str, repeat: int) -> dict:
    import httpx

    alone = [one_request(base, "search", QUERY, 5, 120) for _ in range(repeat)]
    baseline = statistics.median(r.seconds for r in alone)
    body = ('{"data": ["' + "交通" * 4_500_000 + '", 5]}').encode()
    started, normal = threading.Event(), {}

    def upload():
        started.set()
        for i in range(0, len(body), 65536):
            yield body[i:i + 65536]

    def ask_meanwhile():
        started.wait(60)
        normal["result"] = one_request(base, "search", QUERY, 5, 120)

    other = threading.Thread(target=ask_meanwhile)
    other.start()
    t = time.perf_counter()
    try:
        status = httpx.post(base + "/gradio_api/call/search", content=upload(), timeout=60,
                            headers={"content-type": "application/json",
                                     "content-length": str(len(body))}).status_code
    except httpx.TransportError:
        status = None
    huge = time.perf_counter() - t
    other.join(150)
    meanwhile = normal.get("result")
    return {"search_alone_s": baseline, "huge_refused_s": huge, "huge_status": status,
            "search_meanwhile_s": meanwhile.seconds if meanwhile else None,
            "huge_ratio": huge / baseline,
            "meanwhile_ratio": meanwhile.seconds / baseline if meanwhile else None,
            "ok": all(r.ok for r in alone) and status in (413, None) and bool(meanwhile and meanwhile.ok)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--url", help="an app already running at this loopback URL")
    p.add_argument("--no-app", action="store_true", help="only the corpus scan")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    out = {"scan": scan_part(args.repeat)}
    if not args.no_app:
        proc = None
        if args.url:
            base = args.url.rstrip("/")
        else:
            port = free_port()
            log = Path(os.environ.get("TMPDIR", "/tmp")) / f"refusals-app-{os.getpid()}.log"
            proc = start_app(ROOT / "app.py", port, log, 600)
            base = f"http://127.0.0.1:{port}"
        try:
            out["app"] = app_part(base, args.repeat)
        finally:
            if proc is not None:
                stop_app(proc)
    if args.json:
        print(json.dumps(out))
    else:
        s = out["scan"]
        print(f"corpus scan: {s['scan_s'] * 1000:.1f} ms; with a 50 MB file {s['scan_with_50mb_s'] * 1000:.1f} ms "
              f"({s['ratio']:.2f}x)")
        if "app" in out:
            a = out["app"]
            meanwhile = (f"{a['search_meanwhile_s']:.2f} s ({a['meanwhile_ratio']:.2f}x)"
                         if a["search_meanwhile_s"] is not None else "none")
            print(f"/search alone (median): {a['search_alone_s']:.2f} s; 9M-character request refused "
                  f"(HTTP {a['huge_status']}) in {a['huge_refused_s']:.2f} s ({a['huge_ratio']:.2f}x); "
                  f"/search meanwhile: {meanwhile}")
    return 0 if all(part["ok"] for part in out.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
