"""Stores side by side in one process: the same corpus on FAISS, Milvus (a real server) and Qdrant's
local mode, search and ask timed interleaved (every question to every store in turn, the order
rotating), so a busy machine's load falls on all alike; figures are meant as ratios to FAISS.

    python benchmarks/stores.py --corpus ../shared/corpora/gov2026 --embedder hash
    python benchmarks/stores.py --corpus ../shared/corpora/gov2026 --embedder real \
        --questions 'eval/gov2026/*.jsonl' --repeat 2

Per store: open (build from no index), add one report (``engine.refresh()``), the first ask of
each question (p50: Milvus fetches the vectors of the passages it scores for the first time), then
search and ask p50/p95 over the questions x ``--repeat`` (default: the dev set; ``--questions`` takes the ``question``
field of every record of the files a glob names), and, for Milvus, the server's resident memory.
The Milvus server is $QA_MILVUS_URI, else the standalone server of the PyPI package ``milvus``
started for the run (tests/milvus_server.py). ``hash`` = the cheap embedder of
benchmarks/scale.py (no model); ``real`` = the default model (m3e-small) and, unless
``--no-cross``, the cross-lingual encoder, as ``qa.open`` uses them. With the real model each
document text is encoded once for all stores (the first store to meet it pays): the model's time is
reported apart ("of which embedding"), so "store s" is what each store itself costs.
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


class Encoded:
    """An embedder (or cross-lingual encoder) whose document vectors are kept, text by text, so the
    stores after the first do not encode the corpus again; queries are always encoded (they are part
    of what is timed). Each call to the wrapped encoder on documents is logged in ``spans`` (shared
    between the encoders: they run at the same time while indexing)."""

    def __init__(self, inner, spans: list):
        self.inner, self.cache, self.spans = inner, {}, spans

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed(self, texts, *, kind: str = "document", progress=None):
        import numpy as np

        if kind != "document":
            return self.inner.embed(texts, kind=kind)
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            t = time.perf_counter()
            vecs = self.inner.embed(missing, kind=kind, **({"progress": progress} if progress else {}))
            self.spans.append((t, time.perf_counter()))
            self.cache.update(zip(missing, vecs))
        if not texts:
            return np.zeros((0, self.inner.dim), dtype=np.float32)
        return np.stack([self.cache[t] for t in texts]).astype(np.float32)

    def embed_query(self, text: str):
        return self.inner.embed_query(text)


def covered(spans: list[tuple[float, float]], since: float) -> float:
    """Seconds after ``since`` during which at least one of ``spans`` ran (overlaps counted once)."""
    total, end = 0.0, since
    for a, b in sorted(spans):
        a = max(a, end)
        if b > a:
            total, end = total + b - a, b
    return total


def read_questions(pattern: str | None) -> list[str]:
    """The ``question`` of every record of the files ``pattern`` names (a glob), else the dev set's."""
    import glob
    import json

    if not pattern:
        from qa.evaluate import load_questions

        return [q.question for q in load_questions(DEV)]
    out = []
    for path in sorted(glob.glob(pattern)):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    if not out:
        raise SystemExit(f"no question in {pattern}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--stores", default="faiss,milvus,qdrant")
    ap.add_argument("--embedder", choices=("real", "hash"), default="hash")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--questions", help="a glob of .jsonl files whose records have a 'question' (default: dev)")
    ap.add_argument("--no-cross", action="store_true", help="real embedder: without the cross-lingual encoder")
    args = ap.parse_args(argv)

    import os

    import qa
    from qa.store import StoreConfig
    from scale import hash_embedder, synthetic_report

    # a report is added in a thread of this process for every store (the embedders here, with their
    # cache of document vectors, are not sent to FAISS's indexing child process)
    os.environ["QA_INDEXING"] = "thread"

    spans: list[tuple[float, float]] = []  # when the model encoded documents
    if args.embedder == "hash":
        embedder, cross = hash_embedder(), None
    else:
        from qa.embedding import load_embedder
        from qa.multilingual import MultilingualEncoder, is_available

        embedder = Encoded(load_embedder().warm_up(), spans)
        cross = Encoded(MultilingualEncoder(), spans) if is_available() and not args.no_cross else None
    questions = read_questions(args.questions)
    load0 = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench-stores-"))
    stores = [s for s in args.stores.split(",") if s]
    server = None
    try:
        configs = {}
        for s in stores:
            if s == "milvus":
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
            build, build_e = time.perf_counter() - t, covered(spans, t)
            (corpus / "zz-added.txt").write_text(synthetic_report(first, seed=1), encoding="utf-8")
            t = time.perf_counter()
            engines[s].refresh()
            rows[s] = {"build s": build, "build e": build_e, "add 1 s": time.perf_counter() - t,
                       "add e": covered(spans, t)}
        lat = {s: {"search": [], "ask": [], "first": []} for s in engines}
        for n, q in enumerate(questions):  # the first pass (timed apart: Milvus fetches the vectors of
            for i in range(len(engines)):  # passages it has not scored yet, then keeps them)
                s = stores[(n + i) % len(stores)]
                t = time.perf_counter()
                engines[s].ask(q)
                lat[s]["first"].append((time.perf_counter() - t) * 1000)
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
        name = embedder.inner.name if isinstance(embedder, Encoded) else embedder.name
        print(f"# stores side by side: {args.corpus.name} ({len(engines[stores[0]].documents)} documents, "
              f"{len(engines[stores[0]].data.chunks)} passages), embedder {name}"
              f"{' + ' + cross.inner.name if cross is not None else ''}, "
              f"{len(questions)} questions x {args.repeat}, interleaved; load average {load0[0]:.1f} → "
              f"{os.getloadavg()[0]:.1f}")
        head = ["store", "build s", "of which embedding", "add 1 s", "of which embedding", "first ask p50",
                "/ FAISS", "search p50", "p95", "ask p50", "p95", "ask p50 / FAISS", "server MB"]
        print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
        for s in stores:
            r = rows[s]
            ask50 = statistics.median(lat[s]["ask"])
            srv = f"{server.rss() / 2**20:.0f}" if s == "milvus" and server is not None else ""
            ratio = f"{ask50 / base['ask']:.2f}" if base else ""
            first_ask = statistics.median(lat[s]["first"])
            first_ratio = f"{first_ask / statistics.median(lat['faiss']['first']):.2f}" if base else ""
            print(f"| {s} | {r['build s']:.1f} | {r['build e']:.1f} | {r['add 1 s']:.1f} | {r['add e']:.1f} | "
                  f"{first_ask:.1f} | {first_ratio} | "
                  f"{statistics.median(lat[s]['search']):.1f} | {pct(lat[s]['search'], 95):.1f} | {ask50:.1f} | "
                  f"{pct(lat[s]['ask'], 95):.1f} | {ratio} | {srv} |")
        print(f"\nour process RSS (all stores open): {rss_mb():.0f} MB")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
