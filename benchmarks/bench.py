"""Benchmark: report-qa's engine against LangChain's usual pipelines, plus query-encoder options.

Prints figures; it is not a test. Run from the repository root:

    python benchmarks/bench.py                      # dev + own questions, 3 timed passes
    python benchmarks/bench.py --questions q.jsonl --repeat 5 --json

Systems, all with the same embedding model (m3e-small, loaded from its local folder; nothing is
downloaded: HF_HUB_OFFLINE=1 and local_files_only=True):

* ours      qa.open(...) over the corpus folder, engine.search(q, k=5) with highlights.
* lc-faiss  LangChain's usual pipeline: TextLoader → RecursiveCharacterTextSplitter(500, 50) →
            HuggingFaceEmbeddings (langchain-community) → FAISS vector store, similarity_search(k=5).
* lc-bm25   BM25Retriever (langchain-community, rank-bm25) over the same chunks, jieba.lcut tokens.

Figures: retrieval quality per question file (qa.evaluate.score: hit@1/3/5, MRR, coverage@5,
chars@5), warm search latency p50/p95 over all questions x --repeat, model-load and index-build
time, and peak memory = VmHWM (resident-set high-water mark, native + Python) from
/proc/self/status of a separate subprocess per system doing build + one pass of queries.
Then query-encoder options for the model on this CPU: per-query latency and whether the engine's
top-5 stays the same as with the engine's own torch path.

Extra packages (beyond the project's): langchain-community (pulls langchain-classic), rank-bm25. The ONNX graph is exported with
torch.onnx's TorchScript exporter (dynamo=False), so neither onnxscript nor optimum is needed.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = [ROOT.parent / "shared" / "eval" / "dev.jsonl", ROOT / "tests" / "data" / "own.jsonl"]
SYSTEMS = ("ours", "lc-faiss", "lc-bm25")
BASELINES = ("lc-faiss", "lc-bm25")


@dataclass(frozen=True)
class Passage:
    """What qa.evaluate.score needs from a hit: its text and the file it came from."""

    text: str
    doc_id: str = ""


def model_folder() -> str:
    from qa.embedding import resolve_model

    return resolve_model().location


def pct(values: Sequence[float], p: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), p)) if values else float("nan")


def vm_status() -> dict:
    out = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(("VmHWM:", "VmRSS:")):
                key, val = line.split(":", 1)
                out[key] = int(val.split()[0]) / 1024  # kB → MiB
    return out


# ---------------------------------------------------------------- systems

class System:
    """Load the model, build the index, search: the three steps every system is timed on."""

    name = ""

    def load_model(self) -> None:
        pass

    def build(self) -> dict:
        raise NotImplementedError

    def search(self, question: str) -> list:
        raise NotImplementedError


class Ours(System):
    name = "ours"

    def __init__(self, corpus: Path):
        self.corpus = corpus
        self.tmp = tempfile.TemporaryDirectory(prefix="bench-index-")
        self.engine = None

    def load_model(self):
        from qa.embedding import load_embedder

        self.embedder = load_embedder()
        self.embedder.warm_up()

    def build(self):
        import qa

        from qa.multilingual import MultilingualEncoder, is_available

        # an explicit embedder turns the "auto" cross-lingual encoder off: ask for it as qa.open would
        self.engine = qa.open(corpus=self.corpus, index=Path(self.tmp.name) / "index", force=True,
                              progress=False, embedder=self.embedder,
                              cross=MultilingualEncoder() if is_available() else None)
        d = self.engine.data
        return {"passages": len(d.chunks), "vectors": len(d.chunks) + len(d.sentences)}

    def search(self, question):
        return self.engine.search(question, k=5)


def lc_chunks(corpus: Path):
    """LangChain's usual loading and splitting: TextLoader per file, RecursiveCharacterTextSplitter."""
    from langchain_community.document_loaders import TextLoader
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = [d for p in sorted(corpus.glob("*.txt")) for d in TextLoader(str(p), encoding="utf-8").load()]
    return RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50).split_documents(docs)


class LcFaiss(System):
    name = "lc-faiss"

    def __init__(self, corpus: Path):
        self.corpus = corpus

    def load_model(self):
        from langchain_community.embeddings import HuggingFaceEmbeddings

        with warnings.catch_warnings():  # its deprecation notice (langchain-huggingface: see README)
            warnings.simplefilter("ignore")
            self.embeddings = HuggingFaceEmbeddings(
                model_name=model_folder(), model_kwargs={"device": "cpu", "local_files_only": True})
        self.embeddings.embed_query("预热")  # the same warm-up our engine gets

    def build(self):
        from langchain_community.vectorstores import FAISS

        chunks = lc_chunks(self.corpus)
        self.store = FAISS.from_documents(chunks, self.embeddings)
        return {"passages": len(chunks), "vectors": len(chunks)}

    def search(self, question):
        return [Passage(d.page_content, Path(d.metadata.get("source", "")).name)
                for d in self.store.similarity_search(question, k=5)]


class LcBm25(System):
    name = "lc-bm25"

    def __init__(self, corpus: Path):
        self.corpus = corpus

    def build(self):
        import jieba
        from langchain_community.retrievers import BM25Retriever

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        chunks = lc_chunks(self.corpus)
        self.retriever = BM25Retriever.from_documents(chunks, preprocess_func=jieba.lcut, k=5)
        return {"passages": len(chunks), "vectors": 0}

    def search(self, question):
        return [Passage(d.page_content, Path(d.metadata.get("source", "")).name)
                for d in self.retriever.invoke(question)]


def make_system(name: str, corpus: Path) -> System:
    return {"ours": Ours, "lc-faiss": LcFaiss, "lc-bm25": LcBm25}[name](corpus)


# ---------------------------------------------------------------- measuring

def timed(fn: Callable):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def prepare_system(system: System, question_sets: dict) -> dict:
    """Load the model, build the index, and score one (untimed, warming) pass per question file."""
    from qa.evaluate import score

    _, load_s = timed(system.load_model)
    info, build_s = timed(system.build)
    quality = {}
    for label, questions in question_sets.items():
        results = [system.search(q.question) for q in questions]
        r = score(system.name, questions, results, [])
        quality[label] = {k: v for k, v in asdict(r).items() if k not in ("name", "p50_ms")}
    return {"name": system.name, **info, "model_load_s": load_s, "build_s": build_s, "quality": quality}


def time_searches(systems: Sequence[System], questions: Sequence[str], repeat: int) -> dict:
    """Warm per-query latency, interleaved: every question goes to every system in turn (the order
    rotating), so background load on a shared machine hits all systems alike."""
    lat: dict[str, list[float]] = {s.name: [] for s in systems}
    turn = 0
    for _ in range(repeat):
        for q in questions:
            for i in range(len(systems)):
                s = systems[(turn + i) % len(systems)]
                lat[s.name].append(timed(lambda: s.search(q))[1] * 1000)
            turn += 1
    return {name: {"p50_ms": pct(v, 50), "p95_ms": pct(v, 95), "mean_ms": statistics.mean(v), "n_timed": len(v)}
            for name, v in lat.items()}


def worker(name: str, corpus: Path, questions: list[Path]) -> None:
    """Subprocess body: build + one pass of queries, then print the RSS high-water mark."""
    from qa.evaluate import load_questions

    system = make_system(name, corpus)
    system.load_model()
    system.build()
    for path in questions:
        for q in load_questions(path):
            system.search(q.question)
    print(json.dumps({"name": name, **vm_status()}))


def measure_memory(name: str, corpus: Path, questions: list[Path]) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_worker", name, "--corpus", str(corpus)]
    for q in questions:
        cmd += ["--questions", str(q)]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- query encoders

def encoder_benchmark(engine, questions: list[str], dev_questions: list, repeat: int) -> dict:
    """Per-query latency of m3e-small query-encoding options, and whether the engine's top-5 on
    ``dev`` stays the same as with the engine's own torch path (SentenceTransformerEmbedder)."""
    import torch

    from qa.embedding import Embedder
    from qa.evaluate import score
    from qa.search import SearchParams

    dev = [q.question for q in dev_questions]

    from qa.embedding import SentenceTransformerEmbedder, resolve_model

    # the reference is the torch path (sentence-transformers), whatever backend the engine runs
    own = engine.embedder
    reference = SentenceTransformerEmbedder(resolve_model(), backend="torch").warm_up()
    model = reference._model
    engine.embedder = reference
    base_threads = torch.get_num_threads()
    fused, dense = engine.params, replace(engine.params, fusion="dense")

    class FnEmbedder(Embedder):
        def __init__(self, fn):
            self.fn, self.name, self.dim = fn, reference.name, reference.dim

        def embed_batch(self, texts):
            return self.fn(list(texts))

    def search_all(params: SearchParams) -> list:
        return [engine.search(q, k=5, params=params) for q in dev]

    def ids(results) -> list:
        return [[(h.doc_id, h.start, h.end) for h in hits] for hits in results]

    ref_fused, ref_dense = ids(search_all(fused)), ids(search_all(dense))
    ref_vecs = np.vstack([reference.embed_query(q) for q in dev])

    def st_encode(texts):
        return model.encode(texts, convert_to_numpy=True, show_progress_bar=False)

    def st_inference(texts):
        with torch.inference_mode():
            return st_encode(texts)

    transformer = model[0]

    def direct_forward(texts):  # tokenizer + BertModel + mean pooling, no SentenceTransformer.encode
        with torch.inference_mode():
            enc = transformer.tokenizer(texts, padding=True, truncation=True,
                                        max_length=model.max_seq_length, return_tensors="pt")
            h = transformer.auto_model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
            return ((h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)).numpy()

    variants: list[tuple[str, Callable, int | None, str]] = [
        ("engine's own encoder (QA_ENCODER)", lambda texts: own.embed_batch(texts), None, own.backend or ""),
        ("torch: st.encode", st_encode, None, ""),
        ("torch: + inference_mode", st_inference, None, ""),
        ("torch: inference_mode, 1 thread", st_inference, 1, ""),
        ("torch: inference_mode, 2 threads", st_inference, 2, ""),
        ("torch: direct forward, 1 thread", direct_forward, 1, ""),
        ("torch: direct forward, 2 threads", direct_forward, 2, ""),
    ]
    notes: dict = {"torch_threads_default": base_threads}
    try:
        variants += onnx_variants(model, notes)
    except Exception as exc:  # noqa: BLE001 - report why, keep the torch figures
        notes["onnx_error"] = f"{type(exc).__name__}: {str(exc)[:300]}"

    def with_threads(threads, body):
        if threads is not None:
            torch.set_num_threads(threads)
        try:
            return body()
        finally:
            torch.set_num_threads(base_threads)

    # latency: one block of all questions per variant per pass, the variants' order rotating
    lat: dict[str, list[float]] = {v[0]: [] for v in variants}
    for rep in range(repeat):
        for i in range(len(variants)):
            label, fn, threads, _ = variants[(rep + i) % len(variants)]

            def block(fn=fn):
                for q in questions[:3]:
                    fn([q])
                return [timed(lambda q=q: fn([q]))[1] * 1000 for q in questions]
            lat[label] += with_threads(threads, block)

    rows = []
    for label, fn, threads, note in variants:
        def check(fn=fn):
            engine.embedder = FnEmbedder(fn)
            try:
                vecs = np.vstack([engine.embedder.embed_query(q) for q in dev])
                res_f, res_d = search_all(fused), search_all(dense)
                return (vecs, sum(a == b for a, b in zip(ids(res_f), ref_fused)) / len(dev),
                        sum(a == b for a, b in zip(ids(res_d), ref_dense)) / len(dev),
                        score("", dev_questions, res_f, []).mrr, score("", dev_questions, res_d, []).mrr)
            finally:
                engine.embedder = reference
        vecs, same_f, same_d, mrr_f, mrr_d = with_threads(threads, check)
        v = lat[label]
        rows.append({"variant": label, "p50_ms": pct(v, 50), "p95_ms": pct(v, 95),
                     "mean_ms": statistics.mean(v), "same_top5_fused": same_f, "same_top5_dense": same_d,
                     "mrr_fused": mrr_f, "mrr_dense": mrr_d, "min_cos": float(np.min(np.sum(vecs * ref_vecs, axis=1))), "note": note})
    engine.embedder = own
    return {"rows": rows, **notes}


def onnx_variants(model, notes: dict) -> list:
    """Export the transformer + mean pooling to ONNX (fp32), quantize it (dynamic int8), and return
    ORT encoders with 1 and 2 intra-op threads. Raises if onnxruntime/onnx are missing."""
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    transformer, pooling = model[0], model[1]
    mode = pooling.get_config_dict().get("pooling_mode", "mean")
    if mode not in ("mean", "mean_tokens") and not pooling.get_config_dict().get("pooling_mode_mean_tokens"):
        raise RuntimeError(f"pooling mode {mode!r}: only mean pooling is exported here")
    bert, tokenizer = transformer.auto_model, transformer.tokenizer
    max_len = model.max_seq_length

    class MeanPooled(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(h.dtype)
            return (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    folder = Path(tempfile.mkdtemp(prefix="bench-onnx-"))
    fp32, int8 = folder / "m3e-small.onnx", folder / "m3e-small.int8.onnx"
    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = tokenizer(["北三县交通有哪些项目", "样例"], padding=True, return_tensors="pt")
    t = time.perf_counter()
    with torch.inference_mode():
        torch.onnx.export(MeanPooled(bert).eval(), tuple(sample[n] for n in names), str(fp32),
                          input_names=names, output_names=["embedding"], opset_version=17, dynamo=False,
                          dynamic_axes={**{n: {0: "batch", 1: "seq"} for n in names}, "embedding": {0: "batch"}})
    notes["onnx_export_s"] = time.perf_counter() - t
    t = time.perf_counter()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic suggests pre-processing on the root logger
    try:
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)
    notes["onnx_quantize_s"] = time.perf_counter() - t
    notes["onnx_fp32_mb"] = fp32.stat().st_size / 2**20
    notes["onnx_int8_mb"] = int8.stat().st_size / 2**20
    notes["onnxruntime"] = ort.__version__

    def encoder(path: Path, threads: int):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

        def encode(texts):
            enc = tokenizer(texts, padding=True, truncation=True, max_length=max_len, return_tensors="np")
            return session.run(None, {n: enc[n].astype(np.int64) for n in names})[0]
        return encode

    return [(f"onnxruntime fp32, {n} thread{'s' * (n > 1)}", encoder(fp32, n), None, "") for n in (1, 2)] + \
           [(f"onnxruntime int8 dynamic, {n} thread{'s' * (n > 1)}", encoder(int8, n), None, "") for n in (1, 2)]


# ---------------------------------------------------------------- output

def quality_table(label: str, results: list[dict]) -> str:
    head = (f"{label:<12}{'hit@1':>7}{'hit@3':>7}{'hit@5':>7}{'MRR':>7}{'cov@5':>7}{'chars@5':>9}"
            f"{'right report@5':>16}")
    rows = [head, "-" * len(head)]
    for r in results:
        q = r["quality"][label]
        right = q.get("right5", float("nan"))
        rows.append(f"{r['name']:<12}{q['hit1']:>7.3f}{q['hit3']:>7.3f}{q['hit5']:>7.3f}{q['mrr']:>7.3f}"
                    f"{q['coverage']:>7.3f}{q['chars5']:>9.0f}"
                    f"{('—' if right != right else f'{right:.3f}'):>16}")
    return "\n".join(rows)


def cost_table(results: list[dict]) -> str:
    head = (f"{'system':<12}{'passages':>9}{'vectors':>9}{'load s':>8}{'build s':>9}{'p50 ms':>9}"
            f"{'p95 ms':>9}{'peak MiB':>10}")
    rows = [head, "-" * len(head)]
    for r in results:
        mem = r.get("memory", {}).get("VmHWM")
        rows.append(f"{r['name']:<12}{r['passages']:>9}{r['vectors']:>9}{r['model_load_s']:>8.2f}"
                    f"{r['build_s']:>9.2f}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}"
                    f"{(f'{mem:.0f}' if mem else 'n/a'):>10}")
    return "\n".join(rows)


def ratios(results: list[dict]) -> dict:
    by = {r["name"]: r for r in results}
    out = {}
    ours = by.get("ours")
    for b in BASELINES:
        if ours is None or b not in by:
            continue
        base = by[b]
        om, bm = ours.get("memory", {}).get("VmHWM"), base.get("memory", {}).get("VmHWM")
        out[f"ours/{b}"] = {"p50": ours["p50_ms"] / base["p50_ms"], "p95": ours["p95_ms"] / base["p95_ms"],
                            "build": ours["build_s"] / base["build_s"],
                            "peak_rss": om / bm if om and bm else None}
    return out


def ratio_table(rat: dict) -> str:
    head = f"{'ratio':<18}{'p50':>8}{'p95':>8}{'build':>8}{'peak RSS':>10}"
    rows = [head, "-" * len(head)]
    for k, v in rat.items():
        mem = f"{v['peak_rss']:.2f}" if v["peak_rss"] else "n/a"
        rows.append(f"{k:<18}{v['p50']:>8.2f}{v['p95']:>8.2f}{v['build']:>8.2f}{mem:>10}")
    return "\n".join(rows)


def encoder_table(enc: dict) -> str:
    head = (f"{'query encoder (m3e-small)':<36}{'p50 ms':>8}{'p95 ms':>8}{'mean ms':>9}"
            f"{'same top5 fused':>17}{'same top5 dense':>17}{'MRR fused':>11}{'MRR dense':>11}{'min cos':>9}")
    rows = [head, "-" * len(head)]
    for r in enc["rows"]:
        rows.append(f"{r['variant']:<36}{r['p50_ms']:>8.2f}{r['p95_ms']:>8.2f}{r['mean_ms']:>9.2f}"
                    f"{r['same_top5_fused']:>17.3f}{r['same_top5_dense']:>17.3f}"
                    f"{r['mrr_fused']:>11.3f}{r['mrr_dense']:>11.3f}{r['min_cos']:>9.5f}")
    return "\n".join(rows)


# ---------------------------------------------------------------- main

def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", action="append", type=Path, metavar="FILE",
                    help="JSONL question file (repeatable; default: shared dev set and tests/data/own.jsonl)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes over all questions (default 3)")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="corpus folder (default: corpus/)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    ap.add_argument("--no-encoders", action="store_true", help="skip the query-encoder comparison")
    ap.add_argument("--_worker", choices=SYSTEMS, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error(f"--repeat must be at least 1, not {args.repeat}")
    questions_files = args.questions or DEFAULT_QUESTIONS
    for p in questions_files:
        if not p.is_file():
            ap.error(f"question file not found: {p}")
    if args._worker:
        worker(args._worker, args.corpus, questions_files)
        return 0

    from qa.evaluate import load_questions

    sets = {}
    for p in questions_files:
        label = p.stem if p.stem not in sets else f"{p.parent.name}/{p.stem}"
        sets[label] = load_questions(p)
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr, flush=True))

    systems, results = [], []
    load0 = os.getloadavg()
    for name in SYSTEMS:
        say(f"[bench] {name}: load model, build index, score …")
        systems.append(make_system(name, args.corpus))
        results.append(prepare_system(systems[-1], sets))
    say(f"[bench] latency: {args.repeat} interleaved passes …")
    all_q = [q.question for qs in sets.values() for q in qs]
    timing = time_searches(systems, all_q, args.repeat)
    for r in results:
        r.update(timing[r["name"]])
    if not args.no_memory:
        for r in results:
            say(f"[bench] {r['name']}: peak memory in a subprocess …")
            r["memory"] = measure_memory(r["name"], args.corpus, questions_files)
    enc = None
    if not args.no_encoders:
        say("[bench] query encoders …")
        enc = encoder_benchmark(systems[0].engine, all_q, next(iter(sets.values())), args.repeat)

    import torch

    env = {"python": sys.version.split()[0], "torch": torch.__version__, "cpus": os.cpu_count(),
           "torch_threads": torch.get_num_threads(), "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
           "loadavg_start": load0, "loadavg_end": os.getloadavg(),
           "model": model_folder(), "questions": {k: len(v) for k, v in sets.items()}, "repeat": args.repeat}
    rat = ratios(results)
    if args.json:
        print(json.dumps({"env": env, "systems": results, "ratios": rat, "encoders": enc},
                         ensure_ascii=False, indent=1))
        return 0
    print(f"# report-qa benchmark  python {env['python']}, torch {env['torch']}, {env['cpus']} CPUs "
          f"({env['torch_threads']} torch threads), m3e-small, {args.repeat} timed passes over "
          f"{sum(env['questions'].values())} questions")
    print(f"# load average (1/5/15 min) at start {'/'.join(f'{x:.1f}' for x in env['loadavg_start'])}, "
          f"at end {'/'.join(f'{x:.1f}' for x in env['loadavg_end'])}")
    for label in sets:
        print(f"\n## Retrieval quality: {label} ({len(sets[label])} questions, top 5)")
        print(quality_table(label, results))
    print("\n## Cost (latency: warm, per query, highlights included for ours; "
          "peak = VmHWM of a subprocess doing load + build + one pass of queries)")
    print(cost_table(results))
    for r in results:
        if "error" in r.get("memory", {}):
            print(f"  {r['name']}: memory subprocess failed: {r['memory']['error']}")
    print("\n## Ratios ours / baseline (below 1 = ours cheaper)")
    print(ratio_table(rat))
    if enc:
        print(f"\n## Query encoder options (per query, {args.repeat} passes over all questions; "
              f"'same top5' = share of the {len(next(iter(sets.values())))} {next(iter(sets))} questions "
              "whose engine top-5 equals the engine's own torch path; MRR on those questions)")
        print(encoder_table(enc))
        if "onnx_error" in enc:
            print(f"  ONNX Runtime path unavailable: {enc['onnx_error']}")
        else:
            print(f"  onnxruntime {enc['onnxruntime']}: export {enc['onnx_export_s']:.1f} s "
                  f"({enc['onnx_fp32_mb']:.0f} MiB), int8 quantization {enc['onnx_quantize_s']:.1f} s "
                  f"({enc['onnx_int8_mb']:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
