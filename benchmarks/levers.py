"""Levers measured on every report, and chosen leave-one-report-out.

    python benchmarks/levers.py                    # the retrieval variants below, every report
    python benchmarks/levers.py --only 河北省 山东省
    python benchmarks/levers.py --sets eval/gov2026 eval/gov2026/extra --kinds english --variants default "no dictionary"

Each variant (a set of SearchParams) is run over the answer sets of eval/gov2026 (one report
each, indexes cached as benchmarks/reports.py caches them) and the Tongzhou dev set. Printed:
answered and top 5 per report and variant, then the leave-one-report-out choice: for each report,
the variant that does best on the other seven (answered, then top 5), and that variant's figures
on the report left out. A lever is kept only when it wins across reports this way; Tongzhou is
shown beside and never used to choose. Figures, not a test.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.reports import REPORTS, SETS, TONGZHOU_SET, engine_for, load, score  # noqa: E402
from qa.search import SearchParams  # noqa: E402

BASE = SearchParams()
VARIANTS: dict[str, SearchParams] = {
    "default": BASE,
    "sentence 0.3": replace(BASE, sentence_weight=0.3),
    "sentence 0.7": replace(BASE, sentence_weight=0.7),
    "dense 0.4": replace(BASE, dense_weight=0.4),
    "dense 0.6": replace(BASE, dense_weight=0.6),
    "no lexicon": replace(BASE, use_lexicon=False),
    "lexicon only for words the corpus lacks": replace(BASE, lexicon_known=False),
    "neighbours": replace(BASE, use_neighbours=True),
    "english dense only": replace(BASE, english_lexical=0.0),
    "english lexical 0.2": replace(BASE, english_lexical=0.2),
    "english lexical 0.6": replace(BASE, english_lexical=0.6),
    "english lexical 0.8": replace(BASE, english_lexical=0.8),
    "no dictionary": replace(BASE, use_dictionary=False),
    "no dictionary, english lexical 0.2": replace(BASE, use_dictionary=False, english_lexical=0.2),
}


class _Params:
    """An engine whose ask() uses ``params``."""

    def __init__(self, engine, params):
        self.engine, self.params = engine, params

    def ask(self, question, history=()):
        return self.engine.ask(question, history=history, params=self.params)


def loro(table: dict[str, dict[str, dict]], reports: list[str]) -> dict[str, tuple[str, dict]]:
    """For each report: the variant best on the others (mean answered, then mean top 5)."""
    out = {}
    for held in reports:
        rest = [r for r in reports if r != held]

        def merit(v):
            rows = [table[v][r] for r in rest]
            return (sum(x["answered"] for x in rows) / len(rows), sum(x["top5"] or 0 for x in rows) / len(rows))
        best = max(table, key=merit)
        out[held] = (best, table[best][held])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--variants", nargs="*", help="names among: " + ", ".join(VARIANTS))
    ap.add_argument("--cache", default=str(ROOT / ".cache" / "reports"))
    ap.add_argument("--json")
    ap.add_argument("--sets", nargs="*", default=[str(SETS)], metavar="DIR",
                    help="folders of <report stem>.jsonl sets, a report's questions of all of them together")
    ap.add_argument("--kinds", nargs="*", help="only questions of these kinds (e.g. english)")
    a = ap.parse_args()
    cache = Path(a.cache)
    folders = [Path(d) for d in a.sets]
    names = sorted({p.stem for d in folders for p in d.glob("*.jsonl")
                    if p.stem != "library" and (not a.only or p.stem in a.only)})
    variants = {k: v for k, v in VARIANTS.items() if not a.variants or k in a.variants}
    engines = {n: engine_for([REPORTS / f"{n}.txt"], cache, n) for n in names}
    wanted = lambda qs: [q for q in qs if not a.kinds or q["kind"] in a.kinds]  # noqa: E731
    sets = {n: wanted([q for d in folders if (d / f"{n}.jsonl").exists() for q in load(d / f"{n}.jsonl")])
            for n in names}
    if TONGZHOU_SET.exists() and wanted(load(TONGZHOU_SET)):
        engines["Tongzhou dev"] = engine_for(sorted((ROOT / "corpus").iterdir()), cache, "tongzhou")
        sets["Tongzhou dev"] = wanted(load(TONGZHOU_SET))
    table = {v: {n: score(_Params(engines[n], p), sets[n]) for n in engines} for v, p in variants.items()}
    head = "| variant | " + " | ".join(engines) + " | mean (reports) |"
    print(head + "\n|" + "---|" * (len(engines) + 2))
    for v, rows in table.items():
        mean = sum(rows[n]["answered"] for n in names) / len(names)
        mtop = sum(rows[n]["top5"] or 0 for n in names) / len(names)
        print(f"| {v} | " + " | ".join(f"{r['answered']:.2f} / {r['top5'] or 0:.2f}" for r in rows.values())
              + f" | {mean:.3f} / {mtop:.3f} |")
    print("\nleave one report out (chosen on the other reports → figure on the one left out):")
    chosen = loro(table, names)
    for n, (v, r) in chosen.items():
        print(f"  {n}: {v} → answered {r['answered']:.2f}, top 5 {r['top5'] or 0:.2f}")
    print(f"  mean on left-out reports: answered {sum(r['answered'] for _v, r in chosen.values()) / len(names):.3f}, "
          f"top 5 {sum(r['top5'] or 0 for _v, r in chosen.values()) / len(names):.3f}")
    if a.json:
        Path(a.json).write_text(json.dumps({v: {n: {k: r[k] for k in ('answered', 'top5', 'kinds')} for n, r in rows.items()}
                                            for v, rows in table.items()}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
