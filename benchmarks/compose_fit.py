"""The answer's weights fitted leave-one-report-out.

    python benchmarks/compose_fit.py                 # the grid below over the 8 reports
    python benchmarks/compose_fit.py --only 河北省 山东省
    python benchmarks/compose_fit.py --sets eval/gov2026 eval/gov2026/extra   # a report's questions of both sets

Retrieval runs once per question (indexes cached as benchmarks/reports.py caches them); then every
point of the grid of composition constants (qa.answer, qa.answer.abstain) composes every answer
again, which is cheap. For each report the point that does best on the other seven (share of
questions answered) is chosen and its figures on the report left out are printed, per kind, with
the current constants beside: the figures to report. Tongzhou dev is shown with the point chosen
on all eight reports, never used to choose. Figures, not a test.
"""
from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.reports import REPORTS, SETS, TONGZHOU_SET, engine_for, load, norm, summarise  # noqa: E402
import qa  # noqa: E402
from qa import answer as answer_module  # noqa: E402
from qa.answer import abstain  # noqa: E402

GRID = {
    (answer_module, "LIST_SHARE"): (0.3, 0.4, 0.5, 0.7),
    (answer_module, "RELEVANT"): (0.3, 0.45, 0.6, 0.75),
    (answer_module, "SPAN_PENALTY"): (0.0, 0.15, 0.3),
    (abstain, "MIN_FIGURE_SHARE"): (0.3, 0.4, 0.5, 0.6),
}
# fitted apart (--grid with these names), the grid above held at its values:
# python benchmarks/compose_fit.py --grid TOPIC_NEIGHBOURS=0,1,2,3,4 SAME_INDICATOR=0,0.25,0.5,1 SAID_BONUS=0,0.15,0.3,0.5
MORE = {
    (answer_module, "TOPIC_NEIGHBOURS"): (0, 1, 2, 3, 4),
    (answer_module, "SAME_INDICATOR"): (0.0, 0.25, 0.5, 1.0),
    (answer_module, "SAID_BONUS"): (0.0, 0.15, 0.3, 0.5),
    (answer_module, "SAID_SPAN_PENALTY"): (0.0, 0.15, 0.3, 0.5),
    (abstain, "MIN_SHARE"): (0.1, 0.2, 0.3),
    (abstain, "OTHER_PERIOD"): (0.4, 0.6, 0.8),
}
LIBRARY = "library:"  # --library: the library set's questions, each a fold of its (first) report


def retrieve_all(engine, questions):
    out = []
    for q in questions:
        try:
            out.append((q, engine.retrieve(q["question"], history=list(q.get("history") or ()))))
        except qa.QAError:
            out.append((q, None))
    return out


def judge(q: dict, ans) -> dict:
    if ans is None:
        return dict(id=q["id"], kind=q["kind"], ok=False, top5=None, ms=0.0, got="error")
    text = norm(ans.text)
    if q["kind"] == "out_of_scope":
        ok = not ans.covered
    else:
        ok = ans.covered and sum(norm(m) in text for m in q["must"]) >= q["must_min"]
    return dict(id=q["id"], kind=q["kind"], ok=bool(ok), top5=None, ms=1.0, got=ans.text[:160])


def run(engine, retrieved) -> dict:
    from qa.answer import compose

    rows = [judge(q, r and compose(r, documents=engine._docs, idf=engine.bm25.idf, years=engine.years))
            for q, r in retrieved]
    return summarise(rows)


def retrieve_library(engine, questions):
    """As Engine.ask retrieves (each place's passages kept for the answer composed per report)."""
    from qa.query import DEFAULT_K

    out = []
    for q in questions:
        try:
            out.append((q, engine._retrieve(q["question"], DEFAULT_K, history=list(q.get("history") or ()),
                                            every_place=True)))
        except qa.QAError:
            out.append((q, None))
    return out


def run_library(engine, retrieved) -> dict:
    from qa.query import DEFAULT_K

    return summarise([judge(q, r and engine._compose(r, None, DEFAULT_K)) for q, r in retrieved])


def with_constants(point: dict, fn):
    saved = {k: getattr(*k) for k in point}
    try:
        for (mod, name), v in point.items():
            setattr(mod, name, v)
        return fn()
    finally:
        for (mod, name), v in saved.items():
            setattr(mod, name, v)


def kinds_line(r: dict) -> str:
    return " ".join(f"{k} {ok}/{n}" for k, (ok, n) in sorted(r["kinds"].items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--cache", default=str(ROOT / ".cache" / "reports"))
    ap.add_argument("--table", action="store_true", help="every point's answered per report")
    ap.add_argument("--library", action="store_true",
                    help="also the library set over all 20 reports, its questions folded with their (first) report")
    ap.add_argument("--sets", nargs="*", default=[str(SETS)], metavar="DIR",
                    help="folders of <report stem>.jsonl sets; a report's questions from all of them are one fold "
                         "(e.g. eval/gov2026 eval/gov2026/extra)")
    ap.add_argument("--grid", nargs="*", default=(), metavar="NAME=V1,V2",
                    help="replace the grid (names: " + ", ".join(name for _m, name in list(GRID) + list(MORE)) + ")")
    a = ap.parse_args()
    if a.grid:
        by_name = {name: (mod, name) for mod, name in list(GRID) + list(MORE)}
        GRID.clear()
        for item in a.grid:
            name, _, values = item.partition("=")
            GRID[by_name[name]] = tuple(float(v) for v in values.split(","))
    cache = Path(a.cache)
    folders = [Path(d) for d in a.sets]
    names = sorted({p.stem for d in folders for p in d.glob("*.jsonl")
                    if p.stem != "library" and (not a.only or p.stem in a.only)})
    engines = {n: engine_for([REPORTS / f"{n}.txt"], cache, n) for n in names}
    retrieved = {n: retrieve_all(engines[n], [q for d in folders if (d / f"{n}.jsonl").exists()
                                              for q in load(d / f"{n}.jsonl")]) for n in names}
    runs = {n: run for n in names}
    if a.library:  # a fold per report named first by a library question (beside that report's own set)
        lib = engine_for(sorted(REPORTS.glob("*.txt")), cache, "library")
        by_report: dict[str, list] = {}
        for q, r in retrieve_library(lib, load(SETS / "library.jsonl")):
            doc = q.get("doc")
            by_report.setdefault(LIBRARY + ((doc if isinstance(doc, str) else doc[0]) if doc else "none"), []).append((q, r))
        for n, got in sorted(by_report.items()):
            names.append(n)
            engines[n], retrieved[n], runs[n] = lib, got, run_library
    keys = list(GRID)
    points = [dict(zip(keys, vs)) for vs in itertools.product(*GRID.values())]
    results = [{n: with_constants(p, lambda n=n: runs[n](engines[n], retrieved[n])) for n in names} for p in points]
    current = {n: runs[n](engines[n], retrieved[n]) for n in names}
    label = lambda p: ", ".join(f"{name}={v}" for (_m, name), v in p.items())  # noqa: E731
    if a.table:
        for p, res in zip(points, results):
            print(f"{label(p)}: " + " ".join(f"{n} {res[n]['answered']:.2f}" for n in names)
                  + f" | mean {sum(res[n]['answered'] for n in names) / len(names):.3f}")
    print("leave one report out (point chosen on the other reports → figures on the one left out):")
    print("| report | current | left out | chosen | kinds (left out) |\n|---|---|---|---|---|")
    held_out = []
    for n in names:
        # left out: the report and the library questions about it (or, for those, the report's own set)
        rest = [m for m in names if m.removeprefix(LIBRARY) != n.removeprefix(LIBRARY)]
        best = max(range(len(points)), key=lambda i: (sum(results[i][m]["answered"] for m in rest), -i))
        r = results[best][n]
        held_out.append(r["answered"])
        print(f"| {n} | {current[n]['answered']:.2f} | {r['answered']:.2f} | {label(points[best])} | {kinds_line(r)} |")
    print(f"\nmean: current {sum(c['answered'] for c in current.values()) / len(names):.3f}, "
          f"left out {sum(held_out) / len(held_out):.3f}")
    lib = [n for n in names if n.startswith(LIBRARY)]
    if lib:  # the library questions, each answered with the point chosen without its report
        count = sum(current[n]["n"] for n in lib)
        now = sum(current[n]["answered"] * current[n]["n"] for n in lib) / count
        out = sum(h * current[n]["n"] for n, h in zip(names, held_out) if n in lib) / count
        print(f"library questions ({count}): current {now:.3f}, left out {out:.3f}")
    overall = max(range(len(points)), key=lambda i: (sum(results[i][m]["answered"] for m in names), -i))
    print(f"chosen on all {len(names)} reports: {label(points[overall])}")
    if TONGZHOU_SET.exists():
        eng = engine_for(sorted((ROOT / "corpus").iterdir()), cache, "tongzhou")
        got = retrieve_all(eng, load(TONGZHOU_SET))
        now = run(eng, got)
        chosen = with_constants(points[overall], lambda: run(eng, got))
        print(f"Tongzhou dev: current {now['answered']:.2f}, with that point {chosen['answered']:.2f}")


if __name__ == "__main__":
    main()
