"""Scale: build, add one report, search and memory over N synthetic reports made from the corpus.

Each synthetic report is a corpus report with its body paragraphs shuffled (headings stay in
place, so the structure parser still sees sections), every number scaled by a random factor,
years shifted and place names swapped, all from a per-report seed (deterministic). N = 1 000 is
about 16.6 M characters.

Every (embedder, store, N) runs in a fresh process through the public API only:

1. build: ``qa.open(corpus_N, index, embedder=…, cross=…)`` from no index; texts/s = texts handed
   to the embedder (passages + sentences) per second of that call; distinct/s = texts the model
   actually encoded (each distinct text once) per second. Synthetic reports share every sentence
   without a number or place name, so distinct < texts; real reports share far less;
2. add one report: copy report N+1 into the corpus, then ``engine.refresh()`` when the engine has
   it, else ``qa.open`` again (what a restart costs);
3. search: ``engine.search(q, k=5)`` for the dev questions (``--repeat`` timed passes after one
   warm pass): p50 / p95;
4. memory: VmRSS at the end and VmHWM (peak) from /proc/self/status; index size on disk.
   Above the exact-search size the HNSW graphs build in the background on first search (exact
   search serves meanwhile): p50 and RSS are then measured again once they are ready, and the
   figures while building are kept under ``while_building``.

Embedders: ``real`` = the default model (m3e-small, whatever backend QA_ENCODER picks) plus the
cross-lingual encoder, as ``qa.open`` builds by default; ``hash`` = a cheap deterministic embedder
(character bigrams hashed into 512 dimensions, no model), for the search side at 1 000 reports.
Stores: ``default`` (what ``qa.open`` uses), ``qdrant`` (QA_STORE=qdrant with an embedded
QA_QDRANT_PATH: its local mode, a pure-Python test double) and ``milvus`` (QA_STORE=milvus on a
real Milvus standalone server started for the run from the PyPI package ``milvus``, see
tests/milvus_server.py; one collection per measurement, dropped after it; ``milvus-hnsw`` the same
with QA_MILVUS_INDEX=HNSW), when the installed qa
has a ``store`` option. With Milvus, the server's resident memory is reported too (``srv MB``).

``--as-is`` takes the ``--corpus`` reports as they are (corpus-N = the first N, sorted by name)
instead of synthetic ones; the report added is a synthetic variant of the first. ``ask`` is
``engine.ask(q)`` (k=5) over the same questions, timed like search.

    python benchmarks/scale.py --embedder real --sizes 1,10        # real model: minutes
    python benchmarks/scale.py --embedder real --sizes 100         # 2 cores: about half an hour
    python benchmarks/scale.py --embedder hash --sizes 1,10,100,1000 --stores default,qdrant
    python benchmarks/scale.py --embedder real --sizes 10 --baseline-ref 53c1e73   # today's code
    python benchmarks/scale.py --embedder real --as-is --corpus ../shared/corpora/gov2026 \
        --sizes 20 --stores default,milvus,qdrant                   # the 20 real reports
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"

# place names of the report (district, towns, areas) and the pool they are swapped with
PLACES = ("通州", "北三县", "宋庄", "台湖", "张家湾", "潞城", "漷县", "永乐店", "西集", "于家务", "马驹桥",
          "梨园", "大厂", "潮白河", "温榆河", "运河")
POOL = ("顺义", "大兴", "昌平", "房山", "平谷", "怀柔", "密云", "延庆", "门头沟", "丰台", "石景山", "海淀",
        "朝阳", "东坝", "南苑", "西红门", "北七家", "小汤山", "长阳", "良乡", "窦店", "马坊", "峪口", "杨宋",
        "雁栖", "溪翁庄", "康庄", "永宁", "清河", "凉水河", "永定河", "北运河")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|#)")
_YEAR = re.compile(r"(19|20)(\d\d)(?=年)")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.]*年)")


# ---------------------------------------------------------------- synthetic reports

def synthetic_report(text: str, seed: int) -> str:
    """``text`` with body paragraphs shuffled, numbers scaled, years shifted, places swapped."""
    rng = random.Random(seed)
    lines = text.split("\n")
    body = [i for i, line in enumerate(lines) if line.strip() and not _HEADING.match(line) and i > 2]
    moved = [lines[i] for i in body]
    rng.shuffle(moved)
    for i, line in zip(body, moved):
        lines[i] = line
    out = "\n".join(lines)
    shift = rng.randint(-6, 6)
    out = _YEAR.sub(lambda m: str(int(m.group(1) + m.group(2)) + shift), out)

    def number(m: re.Match) -> str:
        s = m.group(0)
        value = float(s) * rng.uniform(0.5, 1.5)
        decimals = len(s.split(".")[1]) if "." in s else 0
        return f"{value:.{decimals}f}" if decimals else str(max(1, round(value)))
    out = _NUMBER.sub(number, out)
    swap = dict(zip(PLACES, rng.sample(POOL, len(PLACES))))
    return re.sub("|".join(sorted(PLACES, key=len, reverse=True)), lambda m: swap[m.group(0)], out)


def make_corpora(source: Path, sizes: list[int], work: Path, as_is: bool = False) -> dict[int, Path]:
    """Folders ``corpus-N`` with reports 0..N-1 (hard links to one set of files); report N is
    written too, as the one to add. ``as_is``: the source reports themselves (the one added is
    still synthetic)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(source.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"no .txt report in {source}")
    if as_is and max(sizes) > len(texts):
        raise SystemExit(f"--as-is: only {len(texts)} reports in {source}")
    pool = work / "reports"
    pool.mkdir(parents=True, exist_ok=True)
    need = max(sizes) + 1  # corpus-N holds reports 0..N-1; report N is the one added
    for i in range(need):
        path = pool / f"report-{i:05d}.txt"
        if not path.exists():
            real = as_is and i < len(texts) and i < max(sizes)
            path.write_text(texts[i] if real else synthetic_report(texts[i % len(texts)], seed=i),
                            encoding="utf-8")
    out = {}
    for n in sizes:
        folder = work / f"corpus-{n}"
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        for i in range(n):
            src = pool / f"report-{i:05d}.txt"
            try:
                os.link(src, folder / src.name)
            except OSError:
                shutil.copy(src, folder / src.name)
        out[n] = folder
    return out


# ---------------------------------------------------------------- the cheap embedder

def hash_embedder():
    """Character bigrams hashed into 512 dimensions: deterministic, no model, ~50 µs a text."""
    import numpy as np

    from qa.embedding import Embedder

    class HashEmbedder(Embedder):
        name = "hash-bigrams-512"
        dim = 512
        batch_size = 256

        def embed_batch(self, texts):
            out = np.zeros((len(texts), self.dim), dtype=np.float32)
            for row, text in enumerate(texts):
                codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
                if len(codes) > 1:
                    codes = codes[:-1] * np.uint64(1000003) + codes[1:]
                if len(codes):
                    h = (codes * np.uint64(2654435761)) >> np.uint64(7)
                    out[row] = np.bincount((h % np.uint64(self.dim)).astype(np.int64), minlength=self.dim)
            return out + 1e-3

    return HashEmbedder()


# ---------------------------------------------------------------- one measurement (subprocess)

def status_mb(path: str = "/proc/self/status") -> dict:
    out = {}
    with open(path, encoding="ascii") as f:
        for line in f:
            if line.startswith(("VmHWM:", "VmRSS:")):
                key, val = line.split(":", 1)
                out[key] = int(val.split()[0]) / 1024
    return out


def worker(cfg: dict) -> dict:
    import gc
    import inspect
    import statistics

    import qa

    if cfg["store"] != "default" and "store" not in inspect.signature(qa.open).parameters:
        return {"skipped": f"this qa has no store option (store={cfg['store']})"}
    if cfg["embedder"] == "hash":
        # the cheap embedder is a local class: it cannot be sent to the indexing child process, so
        # a report is added in a thread of this process (as with the Milvus and Qdrant stores)
        os.environ["QA_INDEXING"] = "thread"
        embedder, cross = hash_embedder(), None
    else:
        from qa.embedding import load_embedder
        from qa.multilingual import MultilingualEncoder, is_available

        embedder, cross = load_embedder(), (MultilingualEncoder() if is_available() else None)
    count, encoded = [0], [0]
    embed, embed_batches = embedder.embed, getattr(embedder, "embed_batches", None)

    def counting(texts, **kw):
        count[0] += len(texts)
        if embed_batches is None:  # older code: every text handed over is encoded
            encoded[0] += len(texts)
        return embed(texts, **kw)

    def encoding(batches, *a, **kw):  # what the model actually encodes: each distinct text once
        encoded[0] += sum(map(len, batches))
        return embed_batches(batches, *a, **kw)
    embedder.embed = counting
    if embed_batches is not None:
        embedder.embed_batches = encoding
    kwargs = {"embedder": embedder, "cross": cross, "progress": False}
    corpus, index = Path(cfg["corpus"]), Path(cfg["index"])

    t = time.perf_counter()
    engine = qa.open(corpus, index, **kwargs)
    build_s, built, distinct = time.perf_counter() - t, count[0], encoded[0]
    after_build = status_mb()

    shutil.copy(cfg["extra"], corpus / Path(cfg["extra"]).name)
    count[0] = 0
    t = time.perf_counter()
    if cfg.get("skip_add"):
        how = "skipped"
    elif hasattr(engine, "refresh"):
        engine.refresh()
        how = "refresh"
    else:
        engine = None
        gc.collect()
        engine = qa.open(corpus, index, **kwargs)
        how = "reopen"
    add_s, added = time.perf_counter() - t, count[0]

    questions = cfg["questions"]
    for q in questions:
        engine.search(q, k=5)

    def timed(call=lambda q: engine.search(q, k=5)) -> list[float]:
        lat = []
        for _ in range(cfg["repeat"]):
            for q in questions:
                t = time.perf_counter()
                call(q)
                lat.append((time.perf_counter() - t) * 1000)
        return sorted(lat)
    lat = timed()
    # above the exact-search size the HNSW graphs build in the background (exact search serves
    # meanwhile): wait for them, then measure the steady state again
    ready = getattr(getattr(engine, "store", None), "ready", lambda: True)  # older code: no store
    t, early = time.perf_counter(), None
    if not ready():
        early = {"search_p50_ms": lat[len(lat) // 2], "rss_mb": status_mb().get("VmRSS")}
        while not ready():
            time.sleep(0.5)
        gc.collect()
        lat = timed()
    ready_s = time.perf_counter() - t
    asked = timed(lambda q: engine.ask(q, k=5)) if hasattr(engine, "ask") else [float("nan")]
    size = sum(f.stat().st_size for f in index.rglob("*") if f.is_file())
    qdrant = os.environ.get("QA_QDRANT_PATH")
    if qdrant and Path(qdrant).is_dir() and not Path(qdrant).is_relative_to(index):
        size += sum(f.stat().st_size for f in Path(qdrant).rglob("*") if f.is_file())
    mem = status_mb()
    server = os.environ.get("QA_BENCH_SERVER_PID")
    server_mb = status_mb(f"/proc/{server}/status").get("VmRSS") if server else None
    return {"build_s": build_s, "texts": built, "texts_per_s": built / build_s if build_s else None,
            "encoded": distinct, "encoded_per_s": distinct / build_s if build_s else None,
            "graphs_ready_s": ready_s, "while_building": early,
            "add_s": add_s, "add_texts": added, "add_how": how,
            "search_p50_ms": statistics.median(lat), "search_p95_ms": lat[min(len(lat) - 1, int(0.95 * len(lat)))],
            "ask_p50_ms": statistics.median(asked), "ask_p95_ms": asked[min(len(asked) - 1, int(0.95 * len(asked)))],
            "server_rss_mb": server_mb,
            "rss_mb": mem.get("VmRSS"), "rss_after_build_mb": after_build.get("VmRSS"), "peak_mb": mem.get("VmHWM"),
            "index_mb": size / 2**20, "searches": len(lat),
            "backend": getattr(embedder, "backend", None) or embedder.name}


def drop_collections(uri: str, prefix: str) -> None:
    """Drop one measurement's Milvus collections (the next one starts from an empty server)."""
    from pymilvus import MilvusClient

    client = MilvusClient(uri=uri)
    for name in client.list_collections():
        if name.startswith(prefix):
            client.drop_collection(name)


def run_one(cfg: dict, pythonpath: Path, env_extra: dict, cwd: Path, timeout: float) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("QA_STORE", "QA_QDRANT_PATH", "QA_QDRANT_URL", "QA_MILVUS_URI", "QA_MILVUS_COLLECTION")}
    env.update(PYTHONPATH=str(pythonpath), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", **env_extra)
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--_worker", json.dumps(cfg)],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:300]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- main

def table(rows: list[dict]) -> str:
    head = (f"{'code':<7}{'embedder':<9}{'store':<12}{'N':>6}{'texts':>9}{'distinct':>9}{'build s':>9}{'texts/s':>9}"
            f"{'dist/s':>8}"
            f"{'add 1 s':>9}{'p50 ms':>8}{'p95 ms':>8}{'ask p50':>8}{'ask p95':>8}{'RSS MB':>8}{'peak MB':>9}"
            f"{'index MB':>10}{'srv MB':>8}")
    out = [head, "-" * len(head)]
    for r in rows:
        lead = f"{r['code']:<7}{r['embedder']:<9}{r['store']:<12}{r['n']:>6}"
        if "error" in r or "skipped" in r:
            out.append(f"{lead}  {r.get('error') or r.get('skipped')}")
            continue
        out.append(f"{lead}{r['texts']:>9}{r.get('encoded', 0):>9}{r['build_s']:>9.1f}{r['texts_per_s']:>9.1f}"
                   f"{r.get('encoded_per_s') or 0:>8.1f}{r['add_s']:>9.1f}"
                   f"{r['search_p50_ms']:>8.1f}{r['search_p95_ms']:>8.1f}{r.get('ask_p50_ms', 0):>8.1f}"
                   f"{r.get('ask_p95_ms', 0):>8.1f}{r['rss_mb']:>8.0f}{r['peak_mb']:>9.0f}"
                   f"{r['index_mb']:>10.1f}{r.get('server_rss_mb') or 0:>8.0f}")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1,10", help="comma-separated numbers of reports (default 1,10)")
    ap.add_argument("--embedder", choices=("real", "hash"), default="real")
    ap.add_argument("--stores", default="default",
                    help="comma-separated: default, qdrant, milvus (FLAT), milvus-hnsw (QA_MILVUS_INDEX=HNSW)")
    ap.add_argument("--as-is", action="store_true", help="the --corpus reports as they are, not synthetic ones")
    ap.add_argument("--repeat", type=int, default=3, help="timed search passes over the dev questions")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="source reports (*.txt)")
    ap.add_argument("--workdir", type=Path, help="keep corpora and indexes here (default: a temporary folder)")
    ap.add_argument("--baseline-ref", default="", help="also run the qa/ of this git ref ('today')")
    ap.add_argument("--timeout", type=float, default=6 * 3600, help="seconds per measurement")
    ap.add_argument("--skip-add", action="store_true",
                    help="do not add a report (older code re-opens and re-embeds everything)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--_worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._worker:
        print(json.dumps(worker(json.loads(args._worker))))
        return 0
    sizes = sorted({int(x) for x in args.sizes.split(",") if x.strip()})
    stores = [s for s in args.stores.split(",") if s]
    for s in stores:
        if s not in ("default", "qdrant", "milvus", "milvus-hnsw"):
            ap.error(f"unknown store {s!r}")
    from qa.evaluate import load_questions

    questions = [q.question for q in load_questions(DEV)]
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr, flush=True))
    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench-scale-")
        work = Path(tmp.name)
    else:
        work = args.workdir.resolve()
        work.mkdir(parents=True, exist_ok=True)
    cwd = work / "cwd"  # no qa/ here: the worker imports the qa its PYTHONPATH names
    cwd.mkdir(exist_ok=True)
    codes = {"now": ROOT}
    if args.baseline_ref:
        old = work / "baseline"
        shutil.rmtree(old, ignore_errors=True)
        old.mkdir()
        archive = subprocess.run(["git", "archive", args.baseline_ref, "qa"], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        codes = {"today": old, "now": ROOT}
    load0 = os.getloadavg()
    rows = []
    server = None
    try:
        if any(s.startswith("milvus") for s in stores):
            sys.path.insert(0, str(ROOT / "tests"))
            from milvus_server import MilvusServer

            say("[scale] starting a Milvus standalone server …")
            server = MilvusServer(work / "milvus-server").start()
        say(f"[scale] writing {max(sizes) + 1} synthetic reports into {work} …")
        for code, path in codes.items():
            for store in stores:
                for n in sizes:
                    corpora = make_corpora(args.corpus, [n], work, args.as_is)  # fresh: the previous run added one
                    index = work / f"index-{code}-{store}-{n}"
                    shutil.rmtree(index, ignore_errors=True)
                    extra = work / "reports" / f"report-{n:05d}.txt"
                    env = {}
                    if store == "qdrant":
                        qpath = work / f"qdrant-{code}-{n}"
                        shutil.rmtree(qpath, ignore_errors=True)
                        env = {"QA_STORE": "qdrant", "QA_QDRANT_PATH": str(qpath)}
                    collection = f"scale_{code}_{store.replace('-', '_')}_{n}"
                    if store.startswith("milvus"):  # from an empty collection, even in a reused --workdir
                        drop_collections(server.uri, collection + "_")
                        env = {"QA_STORE": "milvus", "QA_MILVUS_URI": server.uri, "QA_MILVUS_COLLECTION": collection,
                               "QA_MILVUS_INDEX": "HNSW" if store == "milvus-hnsw" else "FLAT",
                               "QA_BENCH_SERVER_PID": str(server.pid)}
                    cfg = {"corpus": str(corpora[n]), "index": str(index), "extra": str(extra), "store": store,
                           "embedder": args.embedder, "questions": questions, "repeat": args.repeat,
                           "skip_add": args.skip_add}
                    say(f"[scale] {code} {args.embedder} {store} N={n} …")
                    t = time.perf_counter()
                    res = run_one(cfg, path, env, cwd, args.timeout)
                    res.update(code=code, embedder=args.embedder, store=store, n=n,
                               wall_s=time.perf_counter() - t)
                    say(f"[scale]   {json.dumps(res, ensure_ascii=False)}")
                    rows.append(res)
                    shutil.rmtree(index, ignore_errors=True)
                    if store.startswith("milvus"):
                        drop_collections(server.uri, collection + "_")
    finally:
        if server is not None:
            server.stop()
        if tmp is not None:
            tmp.cleanup()
    env = {"cpus": os.cpu_count(), "loadavg_start": load0, "loadavg_end": os.getloadavg(),
           "encoder": os.environ.get("QA_ENCODER", "auto"), "questions": len(questions), "repeat": args.repeat}
    if args.json:
        print(json.dumps({"env": env, "rows": rows}, ensure_ascii=False, indent=1))
        return 0
    print(f"# scale: {args.embedder} embedder, {env['cpus']} CPUs, load average {load0[0]:.1f} → "
          f"{env['loadavg_end'][0]:.1f}; search = {len(questions)} dev questions x {args.repeat}, k=5")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
