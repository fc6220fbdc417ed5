"""Index build cost: every lever separately, and the whole build against the floor.

The floor is what the issue measures against: one fresh process that loads sentence-transformers
and encodes the report's paragraphs (the non-empty lines of corpus/*.txt) once. Two parts:

1. **Levers, in one process** (models loaded first; median of ``--rounds``). The texts are those a
   build embeds: passages as the main model reads them, sentences, and the cross-lingual encoder's
   passages and sentences. Each row adds one lever to the row above:

   today              torch, batches of 32 in document order, passages then sentences, then the
                      cross-lingual encoder (passages, sentences), one after the other
   + sorted batches   batches of texts of similar length (less padding)
   + each text once   passages and sentences in one call, duplicates embedded once (both encoders)
   + onnxruntime      the ONNX export of the model, one batch at a time on one thread
   + both cores       two batches at once (one onnxruntime session, one thread each)
   + cross in thread  the cross-lingual encoder runs in a second thread meanwhile (= the build)

   with the floor's encoding step (paragraphs, torch, loaded model) as the unit, and the lowest
   cosine between the last row's vectors and today's.

2. **Whole builds, in fresh processes** (interleaved, median of ``--rounds``): from the first line
   of the process to ``qa.open(corpus, tmp, force=True)`` returning, imports and model loading
   included, against the floor process. ``today`` runs the code of ``--baseline-ref`` (default:
   the commit before the faster build), checked out with ``git archive`` into a temporary folder.
   ``now, cold cache`` includes the one-off ONNX export. Each build then answers the dev questions
   (untimed), so the figures show the results did not change.

    python benchmarks/build.py                    # 3 rounds of both parts
    python benchmarks/build.py --rounds 5 --part builds --json
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
BASELINE_REF = "53c1e73"  # main before the faster build (ONNX, sorting, dedup, threads)

FLOOR = r"""
import time
t0 = time.perf_counter()
import json, sys
from pathlib import Path
from sentence_transformers import SentenceTransformer
corpus, location = sys.argv[1], sys.argv[2]
model = SentenceTransformer(location, device="cpu", local_files_only=True)
paragraphs = [line for p in sorted(Path(corpus).glob("*.txt")) for line in p.read_text("utf-8").splitlines() if line.strip()]
model.encode(paragraphs, show_progress_bar=False)
print(json.dumps({"seconds": time.perf_counter() - t0, "texts": len(paragraphs)}))
"""

BUILD = r"""
import time
t0 = time.perf_counter()
import json, sys
import qa
corpus, index, dev = sys.argv[1], sys.argv[2], sys.argv[3]
engine = qa.open(corpus, index, force=True, progress=False)
seconds = time.perf_counter() - t0
from qa.evaluate import load_questions, score
questions = load_questions(dev)
r = score("build", questions, [engine.search(q.question, k=5) for q in questions], [])
data = getattr(engine, "data", None)
print(json.dumps({"seconds": seconds, "backend": getattr(engine.embedder, "backend", "torch"),
                  "passages": len(data.chunks) if data is not None else None,
                  "dev": {"hit1": r.hit1, "hit3": r.hit3, "hit5": r.hit5, "mrr": r.mrr, "coverage": r.coverage}}))
"""


def run_py(code: str, args: list[str], env: dict, cwd: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- part 1: levers

def index_texts(corpus: Path) -> tuple[list[str], list[str], list[str], list[str]]:
    """Passages as the main model reads them, sentences, cross-lingual passages, paragraphs."""
    from qa.chunking import SplitterSettings, chunk_document
    from qa.corpus import load_corpus
    from qa.index import passage_input, passage_units, sentence_spans

    docs, _ = load_corpus(corpus)
    settings = SplitterSettings()
    text = {d.id: d.text for d in docs}
    chunks = [c for d in docs for c in chunk_document(d, settings)]
    sentences = [text[c.doc_id][s:e] for c in chunks for s, e in sentence_spans(c.text, c.start)]
    paragraphs = [line for p in sorted(corpus.glob("*.txt")) for line in p.read_text("utf-8").splitlines()
                  if line.strip()]
    global UNITS  # what each passage vector is composed of (today's index: no passage is encoded)
    UNITS = ([], [])
    for d in docs:
        cs = [c for c in chunks if c.doc_id == d.id]
        sents = tuple((i, s, e) for i, c in enumerate(cs) for s, e in sentence_spans(c.text, c.start))
        main, cross = passage_units(d, cs, sents, settings.context)
        UNITS[0].extend(main)
        UNITS[1].extend(cross)
    return [passage_input(c, settings.context) for c in chunks], sentences, [c.text for c in chunks], paragraphs


def levers(corpus: Path, rounds: int, say) -> dict:
    import qa.embedding as emb
    from qa.multilingual import MultilingualEncoder, _strip_numbers, is_available

    passages, sentences, xpassages, paragraphs = index_texts(corpus)
    spec = emb.resolve_model()
    torch_e = emb.SentenceTransformerEmbedder(spec, backend="torch").warm_up()
    onnx_e = emb.SentenceTransformerEmbedder(spec, backend="onnx").warm_up()
    cross = MultilingualEncoder().warm_up() if is_available() else None
    st = torch_e._model

    def old_embed(e, texts):  # the Embedder.embed of before: batches of 32 in the given order
        out = [np.asarray(e.embed_batch(texts[i:i + 32]), dtype=np.float32) for i in range(0, len(texts), 32)]
        return emb.normalize(np.vstack(out))

    def old_cross(texts):  # the MultilingualEncoder.embed of before: every text, duplicates too
        return cross._load().encode([_strip_numbers(t) for t in texts]) if cross else None

    def today():
        return (old_embed(torch_e, passages), old_embed(torch_e, sentences), old_cross(xpassages),
                old_cross(sentences))

    def sorted_batches():
        return (torch_e.embed(passages), torch_e.embed(sentences), old_cross(xpassages), old_cross(sentences))

    def once(e, threads=None, parallel=False):
        def run():
            saved = emb.ENCODE_THREADS
            emb.ENCODE_THREADS = threads or saved
            try:
                v = emb.embed_for_index(e, UNITS[0], sentences, cross=cross if parallel else None,
                                        cross_passages=UNITS[1])
                if not parallel and cross is not None:
                    x = cross.embed(xpassages + sentences)
                    return v.passages, v.sentences, x[:len(xpassages)], x[len(xpassages):]
                return v.passages, v.sentences, v.cross_passages, v.cross_sentences
            finally:
                emb.ENCODE_THREADS = saved
        return run

    steps = [("today", today), ("+ sorted batches", sorted_batches), ("+ each text once", once(torch_e)),
             ("+ onnxruntime", once(onnx_e, threads=1)), ("+ both cores", once(onnx_e, threads=2)),
             ("+ cross in thread", once(onnx_e, threads=2, parallel=True))]
    floor = ("floor: paragraphs, torch", lambda: st.encode(paragraphs, show_progress_bar=False))
    times: dict[str, list[float]] = {name: [] for name, _ in [floor, *steps]}
    vectors = {}
    for r in range(rounds):
        for name, fn in [floor, *steps]:
            t = time.perf_counter()
            vectors[name] = fn()
            times[name].append(time.perf_counter() - t)
            say(f"[build] levers round {r + 1}: {name:<26} {times[name][-1]:6.2f} s")
    base = statistics.median(times[floor[0]])
    first, last = vectors["today"], vectors[steps[-1][0]]
    cos = {label: float(np.min(np.sum(np.asarray(a) * np.asarray(b), axis=1)))
           for label, a, b in zip(("passages", "sentences", "cross passages", "cross sentences"), first, last)
           if a is not None}
    return {"texts": {"passages": len(passages), "sentences": len(sentences),
                      "distinct main": len(set(passages + sentences)),
                      "distinct cross": len({_strip_numbers(t) for t in xpassages + sentences}),
                      "paragraphs": len(paragraphs)},
            "rows": [{"step": name, "seconds": statistics.median(v), "x_floor_encode": statistics.median(v) / base}
                     for name, v in times.items()],
            "min_cosine_vs_today": cos}


# ---------------------------------------------------------------- part 2: whole builds

def checkout(ref: str, dest: Path) -> Path:
    archive = subprocess.run(["git", "archive", ref, "qa"], cwd=ROOT, capture_output=True, check=True).stdout
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def builds(corpus: Path, rounds: int, baseline_ref: str | None, say) -> dict:
    from qa.embedding import resolve_model

    location = resolve_model().location
    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        tmp = Path(tmp)
        run_dir = tmp / "cwd"  # no qa/ here: each process imports the qa its PYTHONPATH names
        run_dir.mkdir()
        warm_cache = tmp / "cache-warm"
        base_env = {k: v for k, v in os.environ.items() if k not in ("QA_ENCODER", "QA_CACHE_DIR", "PYTHONPATH")}
        base_env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        configs = {"floor": None,
                   "now": dict(PYTHONPATH=str(ROOT), QA_CACHE_DIR=str(warm_cache)),
                   "now, torch": dict(PYTHONPATH=str(ROOT), QA_ENCODER="torch"),
                   "now, cold cache": dict(PYTHONPATH=str(ROOT))}
        if baseline_ref:
            old = checkout(baseline_ref, tmp / "old")
            configs = {"floor": None, "today": dict(PYTHONPATH=str(old)), **{k: v for k, v in configs.items() if k != "floor"}}
        # fill the warm cache untimed, so "now" never pays for the export
        run_py("from qa.embedding import load_embedder; load_embedder().warm_up(); print('{}')", [],
               dict(base_env, PYTHONPATH=str(ROOT), QA_CACHE_DIR=str(warm_cache)), run_dir)
        names = list(configs)
        for r in range(rounds):
            for i in range(len(names)):
                name = names[(r + i) % len(names)]
                env = dict(base_env, **(configs[name] or {}))
                if name == "now, cold cache":
                    env["QA_CACHE_DIR"] = str(tmp / f"cache-cold-{r}")
                if name == "floor":
                    res = run_py(FLOOR, [str(corpus), location], env, run_dir)
                else:
                    res = run_py(BUILD, [str(corpus), str(tmp / f"index-{r}-{i}"), str(DEV)], env, run_dir)
                results.setdefault(name, []).append(res)
                say(f"[build] builds round {r + 1}: {name:<16} {res['seconds']:6.2f} s")
    floor = statistics.median(x["seconds"] for x in results["floor"])
    rows = []
    for name, rs in results.items():
        s = statistics.median(x["seconds"] for x in rs)
        rows.append({"config": name, "seconds": s, "x_floor": s / floor, "min_s": min(x["seconds"] for x in rs),
                     "backend": rs[0].get("backend"), "dev": rs[0].get("dev")})
    return {"rows": rows, "runs": results}


# ---------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--part", choices=("all", "levers", "builds"), default="all")
    ap.add_argument("--baseline-ref", default=BASELINE_REF,
                    help=f"git ref whose qa/ is 'today' in the whole-build part (default {BASELINE_REF}; '' to skip)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr, flush=True))
    corpus = args.corpus.resolve()
    out = {"env": {"cpus": os.cpu_count(), "loadavg_start": os.getloadavg(), "rounds": args.rounds}}
    if args.part in ("all", "levers"):
        out["levers"] = levers(corpus, args.rounds, say)
    if args.part in ("all", "builds"):
        out["builds"] = builds(corpus, args.rounds, args.baseline_ref or None, say)
    out["env"]["loadavg_end"] = os.getloadavg()
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    env = out["env"]
    print(f"# index build, {env['cpus']} CPUs, median of {args.rounds} rounds, load average "
          f"{env['loadavg_start'][0]:.1f} → {env['loadavg_end'][0]:.1f}")
    if "levers" in out:
        lv = out["levers"]
        t = lv["texts"]
        print(f"\n## Encoding levers, models loaded ({t['passages']} passages + {t['sentences']} sentences; "
              f"distinct: {t['distinct main']} main, {t['distinct cross']} cross-lingual; floor: "
              f"{t['paragraphs']} paragraphs)")
        print(f"{'step':<28}{'seconds':>9}{'x floor encode':>16}")
        for row in lv["rows"]:
            print(f"{row['step']:<28}{row['seconds']:>9.2f}{row['x_floor_encode']:>16.2f}")
        print("lowest cosine, last row vs today: " + ", ".join(f"{k} {v:.6f}" for k, v in lv["min_cosine_vs_today"].items()))
    if "builds" in out:
        print("\n## Whole build in a fresh process (imports and model loading included) vs the floor process")
        print(f"{'config':<18}{'seconds':>9}{'min s':>8}{'x floor':>9}  {'encoder':<8}{'dev hit@1/3/5, MRR'}")
        for row in out["builds"]["rows"]:
            d = row["dev"]
            dev = f"{d['hit1']:.3f}/{d['hit3']:.3f}/{d['hit5']:.3f}, {d['mrr']:.3f}" if d else ""
            print(f"{row['config']:<18}{row['seconds']:>9.2f}{row['min_s']:>8.2f}{row['x_floor']:>9.2f}  "
                  f"{(row['backend'] or ''):<8}{dev}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
