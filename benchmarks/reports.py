"""The development loop over many real reports: one table, per report and per kind, of the share of
questions answered and of gold passages in the top 5, with the Tongzhou sets beside them.

    python benchmarks/reports.py                       # every set in eval/gov2026 (one report each) + Tongzhou
    python benchmarks/reports.py --only 河北省 山东省   # some reports
    python benchmarks/reports.py --library             # also the 20 reports loaded as one library
    python benchmarks/reports.py --json out.json       # the figures, for before/after comparisons
    python benchmarks/reports.py --sets DIR --library  # other sets (e.g. held back from development)

Scored as ../shared/eval/score_answers.py scores the held-out sets: an answer counts when, markdown,
[n] markers and spaces dropped, it holds ``must_min`` of its ``must`` strings and ``covered`` is
True; an out-of-scope question counts when ``covered`` is False; top 5: a gold string inside one of
the answer's first five hits, from the question's document (``doc``; for a list, from each). Each
report is indexed alone (real model, indexes cached under --cache and reused while valid).
Figures, not a test. The sets were written by helpers that read only the reports; nothing in the
code was fitted to them.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qa  # noqa: E402
from qa.evaluate import shift_corpus  # noqa: E402

SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared").is_dir()), ROOT.parent / "shared")  # a worktree too
REPORTS = SHARED / "corpora" / "gov2026"
SETS = ROOT / "eval" / "gov2026"
TONGZHOU_SET = SHARED / "eval" / "answers-dev.jsonl"
KINDS = ("number", "fact", "list", "topic", "why", "compare", "english", "followup", "out_of_scope")


def norm(s: str) -> str:
    """As the shared scorer: [n] markers, tags, whitespace and markdown marks dropped."""
    return re.sub(r"\[\d+\]|<[^>]+>|[\s*_#>`|]", "", s or "")


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(engine, questions: list[dict]) -> dict:
    """Per question: answered (bool), top5 (bool or None for out-of-scope), ms."""
    engine.ask("预热")
    rows = []
    for q in questions:
        t = time.perf_counter()
        try:
            ans = engine.ask(q["question"], history=list(q.get("history") or ()))
        except qa.QAError as exc:
            rows.append(dict(id=q["id"], kind=q["kind"], ok=False, top5=None, ms=0.0, got=f"error: {exc}"))
            continue
        ms = (time.perf_counter() - t) * 1000
        text = norm(ans.text)
        if q["kind"] == "out_of_scope":
            ok, top5 = not ans.covered, None
        else:
            ok = ans.covered and sum(norm(m) in text for m in q["must"]) >= q["must_min"]
            docs = q.get("doc")
            docs = [docs] if isinstance(docs, str) else list(docs or [None])
            top5 = all(any(g in h.text and (d is None or d in h.doc_id) for h in ans.hits[:5] for g in q["gold"])
                       for d in docs)
        rows.append(dict(id=q["id"], kind=q["kind"], ok=bool(ok), top5=top5, ms=ms, got=ans.text[:160]))
    return summarise(rows)


def summarise(rows: list[dict]) -> dict:
    mean = lambda xs: sum(xs) / len(xs) if xs else None  # noqa: E731
    kinds = {}
    for r in rows:
        kinds.setdefault(r["kind"], []).append(r["ok"])
    top = [r["top5"] for r in rows if r["top5"] is not None]
    return dict(n=len(rows), answered=mean([r["ok"] for r in rows]), top5=mean(top),
                kinds={k: (sum(v), len(v)) for k, v in kinds.items()},
                p50_ms=statistics.median([r["ms"] for r in rows if r["ms"]] or [0]),
                fails=[(r["id"], r["got"]) for r in rows if not r["ok"]], rows=rows)


def prefixes(rows: list[dict]) -> str:
    """Answered and top 5 per id prefix (lib, lib2, lib3: the batches the library set was written in)."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["id"].rsplit("-", 1)[0], []).append(r)
    out = []
    for name, rs in sorted(groups.items()):
        top = [r["top5"] for r in rs if r["top5"] is not None]
        out.append(f"{name}: n {len(rs)}, answered {sum(r['ok'] for r in rs) / len(rs):.2f}, "
                   f"top 5 {fmt(sum(top) / len(top) if top else None)}")
    return "\n".join(out)


def engine_for(files: list[Path], cache: Path, name: str, rebuild: bool = False):
    """An engine over ``files`` (copied into a corpus folder under ``cache``), its index beside it."""
    corpus, index = cache / name / "corpus", cache / name / "index"
    if rebuild and (cache / name).exists():
        shutil.rmtree(cache / name)
    corpus.mkdir(parents=True, exist_ok=True)
    want = {f.name for f in files}
    for old in corpus.iterdir():
        if old.name not in want:
            old.unlink()
    for f in files:
        dest = corpus / f.name
        if not dest.exists() or dest.read_bytes() != f.read_bytes():
            shutil.copyfile(f, dest)
    return qa.open(corpus, index, progress=False)


def fmt(v) -> str:
    return "—" if v is None else f"{v:.2f}"


def table(results: dict[str, dict]) -> str:
    kinds = [k for k in KINDS if any(k in r["kinds"] for r in results.values())]
    kinds += sorted({k for r in results.values() for k in r["kinds"]} - set(kinds))
    head = "| set | n | answered | top 5 | p50 ms | " + " | ".join(kinds) + " |"
    lines = [head, "|" + "---|" * (5 + len(kinds))]
    for name, r in results.items():
        cells = []
        for k in kinds:
            ok, n = r["kinds"].get(k, (0, 0))
            cells.append(f"{ok}/{n}" if n else "")
        lines.append(f"| {name} | {r['n']} | {fmt(r['answered'])} | {fmt(r['top5'])} | {r['p50_ms']:.0f} | "
                     + " | ".join(cells) + " |")
    single = [r for n, r in results.items() if not n.startswith(("Tongzhou", "library"))]
    if single:
        allq = sum(r["n"] for r in single)
        answered = sum(r["answered"] * r["n"] for r in single) / allq
        lines.append(f"\nover the {len(single)} single reports: {allq} questions, answered {answered:.2f}; "
                     f"reports at ≥ 0.85: {sum(r['answered'] >= 0.85 for r in single)}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="report names (file stems) to run")
    ap.add_argument("--library", action="store_true", help="also the library set over all 20 reports")
    ap.add_argument("--no-tongzhou", action="store_true")
    ap.add_argument("--library-only", action="store_true",
                    help="only the library set (no single-report sets, no Tongzhou)")
    ap.add_argument("--sets", default=str(SETS), help="folder of <report stem>.jsonl sets (and library.jsonl)")
    ap.add_argument("--cache", default=str(ROOT / ".cache" / "reports"), help="corpus/index folders")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached indexes")
    ap.add_argument("--json", help="write the figures (and failures) here")
    ap.add_argument("--show", action="store_true", help="print each failed question and its answer")
    a = ap.parse_args()
    cache, sets = Path(a.cache), Path(a.sets)
    results: dict[str, dict] = {}
    for path in sorted(sets.glob("*.jsonl")):
        if path.stem == "library" or a.library_only or (a.only and path.stem not in a.only):
            continue
        eng = engine_for([REPORTS / f"{path.stem}.txt"], cache, path.stem, a.rebuild)
        results[path.stem] = score(eng, load(path))
        print(f"{path.stem}: {fmt(results[path.stem]['answered'])}", file=sys.stderr)
    if not (a.no_tongzhou or a.library_only) and TONGZHOU_SET.exists():
        results["Tongzhou dev"] = score(engine_for(sorted((ROOT / "corpus").iterdir()), cache, "tongzhou",
                                                   a.rebuild), load(TONGZHOU_SET))
        shifted = shift_corpus(ROOT / "corpus", cache / "tongzhou-shift-src", 1)
        from qa.evaluate import shift_years
        qs = [dict(q, question=shift_years(q["question"]), history=[shift_years(h) for h in q["history"]],
                   must=[shift_years(m) for m in q["must"]], gold=[shift_years(g) for g in q["gold"]])
              for q in load(TONGZHOU_SET)]
        results["Tongzhou dev, years +1"] = score(engine_for(sorted(Path(shifted).iterdir()), cache,
                                                             "tongzhou-shift", a.rebuild), qs)
    if (a.library or a.library_only) and (sets / "library.jsonl").exists():
        eng = engine_for(sorted(REPORTS.glob("*.txt")), cache, "library", a.rebuild)
        results["library (20 reports)"] = score(eng, load(sets / "library.jsonl"))
    print(table(results))
    lib = results.get("library (20 reports)")
    if lib:
        print("\nlibrary per id prefix:\n" + prefixes(lib["rows"]))
    if a.show:
        for name, r in results.items():
            for qid, got in r["fails"]:
                print(f"{name} {qid}: {got!r}")
    if a.json:
        Path(a.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
