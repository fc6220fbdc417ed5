"""Retrieval evaluation on a JSONL question set (format of shared/eval/dev.jsonl)."""
from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from .errors import InputError
from .types import Hit


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold: tuple[str, ...]
    match: str = "any"
    kind: str = ""


@dataclass(frozen=True)
class Report:
    """Averages over a question set; ``coverage`` is over ``match: all`` questions only."""

    name: str
    n: int
    hit1: float
    hit3: float
    hit5: float
    mrr: float
    coverage: float
    chars5: float
    p50_ms: float
    misses: tuple[str, ...] = ()


def load_questions(path: str | Path) -> list[Question]:
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(Question(d["id"], d["question"], tuple(d["gold"]), d.get("match", "any"), d.get("kind", "")))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{n}: not a question record ({exc})") from None
    if not out:
        raise InputError(f"{path}: no questions")
    return out


def first_rank(texts: Sequence[str], gold: Sequence[str]) -> int | None:
    """1-based rank of the first passage holding any gold string."""
    for i, t in enumerate(texts, 1):
        if any(g in t for g in gold):
            return i
    return None


def coverage(texts: Sequence[str], gold: Sequence[str]) -> float:
    """Fraction of gold strings found inside some passage."""
    return sum(any(g in t for t in texts) for g in gold) / len(gold)


def score(name: str, questions: Sequence[Question], results: Sequence[Sequence[Hit]],
          latencies_ms: Sequence[float]) -> Report:
    """Pure metric computation over the top-5 results of each question."""
    ranks, covs, chars, misses = [], [], [], []
    for q, hits in zip(questions, results):
        texts = [h.text for h in hits[:5]]
        r = first_rank(texts, q.gold)
        ranks.append(r)
        if r is None:
            misses.append(q.id)
        if q.match == "all":
            covs.append(coverage(texts, q.gold))
        chars.append(sum(len(t) for t in texts))
    n = len(questions)

    def at(k):
        return sum(1 for r in ranks if r is not None and r <= k) / n

    return Report(name, n, at(1), at(3), at(5), sum(1 / r for r in ranks if r) / n,
                  statistics.mean(covs) if covs else float("nan"), statistics.mean(chars),
                  statistics.median(latencies_ms) if latencies_ms else 0.0, tuple(misses))


def evaluate(search: Callable[[str], Sequence[Hit]], questions: Sequence[Question], name: str) -> Report:
    results, lat = [], []
    for q in questions:
        t = time.perf_counter()
        results.append(search(q.question))
        lat.append((time.perf_counter() - t) * 1000)
    return score(name, questions, results, lat)


def compare(engine, questions: Sequence[Question], variants: dict) -> list[Report]:
    """One report per named variant of the engine's search parameters (e.g. dense, bm25, fused)."""
    engine.search(questions[0].question)  # warm up
    return [evaluate(lambda q, p=p: engine.search(q, k=5, params=p), questions, name)
            for name, p in variants.items()]


def standard_variants(params) -> dict:
    return {"dense": replace(params, fusion="dense"), "bm25": replace(params, fusion="bm25"),
            "fused": params}


def format_table(reports: Sequence[Report]) -> str:
    width = max([22] + [len(r.name) + 2 for r in reports])
    head = f"{'variant':<{width}}{'hit@1':>7}{'hit@3':>7}{'hit@5':>7}{'MRR':>7}{'cov@5':>7}{'chars@5':>9}{'p50 ms':>8}"
    rows = [head, "-" * len(head)]
    for r in reports:
        rows.append(f"{r.name:<{width}}{r.hit1:>7.3f}{r.hit3:>7.3f}{r.hit5:>7.3f}{r.mrr:>7.3f}"
                    f"{r.coverage:>7.3f}{r.chars5:>9.0f}{r.p50_ms:>8.1f}")
    return "\n".join(rows)
