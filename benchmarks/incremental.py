"""Incremental index: the cost of adding and removing a report, against a forced rebuild.

Three reports are indexed (the report and two year-shifted copies: every year +1, +2), then:

- add a 4th (year +3) and open: only it is embedded;
- a forced rebuild of all 4 (the baseline, same run, same warm model);
- remove the 4th and open: nothing is embedded.

Prints the times and the ratios (goals: add ≤ 0.6× the rebuild, remove ≤ 0.3×), and checks that the
added report answers a question about its own year and that after the removal no result comes from
it. The model is loaded once, before any timing, so the ratios compare indexing work only.

    python benchmarks/incremental.py [--corpus corpus]
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qa  # noqa: E402
from qa.embedding import load_embedder  # noqa: E402
from qa.multilingual import MultilingualEncoder, is_available  # noqa: E402


def shift_years(text: str, by: int) -> str:
    """Every year 2000–2099 moved ``by`` years later (the report's twin of another year)."""
    return re.sub(r"20\d\d", lambda m: str(int(m.group(0)) + by), text)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    args = ap.parse_args()
    source = sorted(Path(args.corpus).glob("*.txt"))[0]
    text = source.read_text(encoding="utf-8")
    embedder = load_embedder()
    embedder.embed_query("预热")  # load the model before any timing
    cross = MultilingualEncoder() if is_available() else None
    if cross is not None:
        cross.embed(["warm up"])

    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        for by in range(3):
            (corpus / f"report-{by}.txt").write_text(shift_years(text, by), encoding="utf-8")

        def open_(**kw):
            return qa.open(corpus, index, embedder=embedder, cross=cross, progress=False, **kw)

        _, t3 = timed(open_)
        fourth = corpus / "report-3.txt"
        fourth.write_text(shift_years(text, 3), encoding="utf-8")
        eng, t_add = timed(open_)
        embedded = eng.data.manifest["embedded"]
        year = int(re.search(r"20\d\d", text).group(0)) + 3
        hit = eng.search(f"{year}年地区生产总值增长目标", k=1, documents=["report-3.txt"])
        answers = bool(hit) and eng.ask(f"{year}年地区生产总值增长目标是多少", documents=["report-3.txt"]).covered
        _, t_full = timed(lambda: open_(force=True))
        fourth.unlink()
        eng, t_remove = timed(open_)
        leftover = [h for q in ("地区生产总值增长目标", "北三县交通", f"{year}年计划") for h in eng.search(q, k=100)
                    if h.doc_id == "report-3.txt"]

    print(f"3 reports indexed from scratch: {t3:.1f} s")
    print(f"add a 4th:               {t_add:7.1f} s  (embedded: {', '.join(embedded)}; answers: {answers})")
    print(f"forced rebuild of all 4: {t_full:7.1f} s")
    print(f"remove the 4th:          {t_remove:7.1f} s  (its passages left in results: {len(leftover)})")
    print(f"ratio add / rebuild:    {t_add / t_full:.2f}  (goal ≤ 0.6)")
    print(f"ratio remove / rebuild: {t_remove / t_full:.2f}  (goal ≤ 0.3)")
    ok = t_add <= 0.6 * t_full and t_remove <= 0.3 * t_full and answers and not leftover
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
