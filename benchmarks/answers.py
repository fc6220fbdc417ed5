"""How fast ``ask`` answers, warm: p50/p95 over the answer questions, against ``search`` (the
retrieval it composes from) in the same run. Figures, not a test.

    python benchmarks/answers.py [--rounds 3]
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import qa
from qa.evaluate import load_answer_questions

ROOT = Path(__file__).resolve().parent.parent
SETS = [ROOT / "tests" / "data" / "answers-own.jsonl", ROOT.parent / "shared" / "eval" / "answers-dev.jsonl"]


def timed(fn, questions, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    engine = qa.open(ROOT / "corpus", ROOT / "index", progress=False).warm_up()
    questions = [q for path in SETS if path.exists() for q in load_answer_questions(path)]
    for q in questions[:5]:  # warm: tokenizer, pinyin index, place tagger, lexicon
        engine.ask(q.question, history=list(q.history))
    search = timed(lambda q: engine.search(q.question, history=list(q.history)), questions, args.rounds)
    ask = timed(lambda q: engine.ask(q.question, history=list(q.history)), questions, args.rounds)
    for name, ms in (("search", search), ("ask", ask)):
        p95 = statistics.quantiles(ms, n=20)[-1]
        print(f"{name:<7} n={len(ms):<4} p50 {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms")
    print(f"ask / search p50: {statistics.median(ask) / statistics.median(search):.2f}")


if __name__ == "__main__":
    main()
