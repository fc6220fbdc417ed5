"""Stores side by side in one process: the same corpus on FAISS, Milvus (a real server) and Qdrant's
local mode, search and ask timed interleaved (every question to every store in turn, the order
rotating), so a busy machine's load falls on all alike; figures are meant as ratios to FAISS.

    python benchmarks/stores.py --corpus ../shared/corpora/gov2026 --embedder hash
    python benchmarks/stores.py --corpus corpus --embedder real --stores faiss,milvus

Per store: open (build from no index), add one report (``engine.refresh()``), search and ask p50/p95
over the dev questions x ``--repeat``, and, for Milvus, the server's resident memory. The Milvus
server is $QA_MILVUS_URI, else the standalone server of the PyPI package ``milvus`` started for the
run (tests/milvus_server.py). ``hash`` = the cheap embedder of benchmarks/scale.py (no model).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def rss_mb(pid: str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--stores", default="faiss,milvus,qdrant")
    ap.add_argument("--embedder", choices=("real", "hash"), default="hash")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    import qa
    from qa.evaluate import load_questions
    from qa.store import StoreConfig
    from scale import hash_embedder, synthetic_report

    if args.embedder == "hash":
        embedder, cross = hash_embedder(), None
    else:
        from qa.embedding import load_embedder
        from qa.multilingual import MultilingualEncoder, is_available

        embedder, cross = load_embedder(), (MultilingualEncoder() if is_available() else None)
    questions = [q.question for q in load_questions(DEV)]
    work = Path(tempfile.mkdtemp(prefix="bench-stores-"))
    stores = [s for s in args.stores.split(",") if s]
    server = None
    try:
        configs = {}
        for s in stores:
            if s == "milvus":
                import os

                uri = os.environ.get("QA_MILVUS_URI")
                if not uri:
                    from milvus_server import MilvusServer

                    server = MilvusServer(work / "milvus").start()
                    uri = server.uri
                configs[s] = StoreConfig("milvus", url=uri, collection=f"bench_{os.getpid()}")
            elif s == "qdrant":
                configs[s] = StoreConfig("qdrant", path=str(work / "qdrant"), collection="bench")
            else:
                configs[s] = StoreConfig()
        first = sorted(args.corpus.glob("*.txt"))[0].read_text(encoding="utf-8")
        engines, rows = {}, {}
        for s, config in configs.items():
            corpus = work / f"corpus-{s}"
            shutil.copytree(args.corpus, corpus)
            t = time.perf_counter()
            engines[s] = qa.open(corpus, work / f"index-{s}", embedder=embedder, cross=cross, progress=False,
                                 store=config, force=True)
            build = time.perf_counter() - t
            (corpus / "zz-added.txt").write_text(synthetic_report(first, seed=1), encoding="utf-8")
            t = time.perf_counter()
            engines[s].refresh()
            rows[s] = {"build s": build, "add 1 s": time.perf_counter() - t}
        for eng in engines.values():  # one warm pass
            for q in questions:
                eng.ask(q)
        lat = {s: {"search": [], "ask": []} for s in engines}
        turn = 0
        for _ in range(args.repeat):
            for what in ("search", "ask"):  # a pass each: no call follows one on the same question
                for q in questions:
                    for i in range(len(engines)):
                        s = stores[(turn + i) % len(stores)]
                        t = time.perf_counter()
                        engines[s].search(q, k=5) if what == "search" else engines[s].ask(q, k=5)
                        lat[s][what].append((time.perf_counter() - t) * 1000)
                    turn += 1
        base = {w: statistics.median(lat["faiss"][w]) for w in ("search", "ask")} if "faiss" in lat else None
        print(f"# stores side by side: {args.corpus.name} ({len(engines[stores[0]].documents)} documents, "
              f"{len(engines[stores[0]].data.chunks)} passages), {args.embedder} embedder, "
              f"{len(questions)} dev questions x {args.repeat}, interleaved")
        head = ["store", "build s", "add 1 s", "search p50", "p95", "ask p50", "p95", "ask p50 / FAISS", "server MB"]
        print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
        for s in stores:
            r = rows[s]
            ask50 = statistics.median(lat[s]["ask"])
            srv = f"{server.rss() / 2**20:.0f}" if s == "milvus" and server is not None else ""
            print(f"| {s} | {r['build s']:.1f} | {r['add 1 s']:.1f} | {statistics.median(lat[s]['search']):.1f} | "
                  f"{pct(lat[s]['search'], 95):.1f} | {ask50:.1f} | {pct(lat[s]['ask'], 95):.1f} | "
                  f"{ask50 / base['ask']:.2f} | {srv} |" if base else "")
        import os

        print(f"\nour process RSS (all stores open): {rss_mb():.0f} MB; load average {os.getloadavg()[0]:.1f}")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
