"""Evaluation on JSONL question sets: retrieval (format of shared/eval/dev.jsonl) and answers
(format of shared/eval/answers-dev.jsonl, scored as ../shared/DESIGN.md "Evaluation" says)."""
from __future__ import annotations

import json
import re
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
    docs: tuple[str, ...] = ()  # the report(s) the answer must come from (the record's ``doc``)


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
    right5: float = float("nan")  # questions naming their report(s): a gold passage from each in the top 5


def _load_records(path: str | Path, make, what: str) -> list:
    """One record per non-blank JSON line of ``path``, made by ``make(dict)`` (None: left out); InputError names the
    file and line of the first bad one, or says the file holds none."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = make(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{n}: not {what} ({exc})") from None
        if record is not None:  # a record ``make`` leaves out
            out.append(record)
    if not out:
        raise InputError(f"{path}: no questions")
    return out


def _docs(value) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value or ())


def load_questions(path: str | Path) -> list[Question]:
    """Retrieval questions: records with gold strings (answer records qualify; out-of-scope ones,
    which have none, are left out)."""
    return _load_records(path, lambda d: Question(d["id"], d["question"], tuple(d["gold"]),
                                                  d.get("match", "any"), d.get("kind", ""),
                                                  _docs(d.get("doc"))) if d["gold"] else None,
                         "a question record")


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
    ranks, covs, chars, misses, right = [], [], [], [], []
    for q, hits in zip(questions, results):
        texts = [h.text for h in hits[:5]]
        if q.docs:
            right.append(right_report(hits[:5], q.gold, q.docs))
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
                  statistics.median(latencies_ms) if latencies_ms else 0.0, tuple(misses),
                  statistics.mean(right) if right else float("nan"))


def right_report(hits: Sequence[Hit], gold: Sequence[str], docs: Sequence[str]) -> bool:
    """Whether, for each of ``docs``, some hit from that document holds a gold string (a document
    is named by its id or a part of it: "河北省" names "河北省.txt")."""
    return all(any(d in str(getattr(h, "doc_id", "")) and any(g in h.text for g in gold) for h in hits)
               for d in docs)


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


# ---------------------------------------------------------------- answers


@dataclass(frozen=True)
class AnswerQuestion:
    """A realistic question with the key facts (``must``, exact report substrings) its answer
    must hold (at least ``must_min`` of them); ``out_of_scope`` questions must be "not covered"."""

    id: str
    question: str
    kind: str
    must: tuple[str, ...] = ()
    must_min: int = 1
    gold: tuple[str, ...] = ()
    history: tuple[str, ...] = ()

    @property
    def out_of_scope(self) -> bool:
        return self.kind == "out_of_scope"


@dataclass(frozen=True)
class AnswerReport:
    """Share of questions answered, overall and per kind (answered, asked); retrieval figures over
    the in-scope questions (hit@k on ``gold``; cov@5 over those with several gold strings)."""

    name: str
    n: int
    answered: float
    by_kind: dict
    retrieval: Report
    failures: tuple[str, ...] = ()
    p50_ms: float = 0.0


def load_answer_questions(path: str | Path) -> list[AnswerQuestion]:
    return _load_records(path, lambda d: AnswerQuestion(
        d["id"], d["question"], d["kind"], tuple(d.get("must", ())), int(d.get("must_min", 1)),
        tuple(d.get("gold", ())), tuple(d.get("history") or ())), "an answer question record")


def is_answer_file(path: str | Path) -> bool:
    """Whether a JSONL file holds answer questions (records with ``must``)."""
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                return "must" in json.loads(line)
            except ValueError:
                return False
    return False


_MARKER = re.compile(r"(?<!\\)\[\d+\]")
_ESCAPE = re.compile(r"\\([\\`*_\[\]<>|~#])")


def plain_text(markdown: str) -> str:
    """An answer's text as read: [n] markers, bold/italic marks, list numbers and escapes dropped."""
    text = _MARKER.sub("", markdown)
    text = re.sub(r"(?<!\\)[*_]{1,3}", "", text)
    text = re.sub(r"(?m)^[ \t]*(?:\d+[.)]|[-*+])[ \t]+", "", text)
    text = re.sub(r"(?m)^#+\s*", "", text)
    return _ESCAPE.sub(r"\1", text)


def is_answered(q: AnswerQuestion, text: str, covered: bool) -> bool:
    """DESIGN.md: in scope, covered and holding ``must_min`` of ``must``; out of scope, not covered."""
    if q.out_of_scope:
        return not covered
    plain = plain_text(text)
    return covered and sum(m in plain for m in q.must) >= q.must_min


def _ask(engine, q: AnswerQuestion):
    if q.history:
        return engine.ask(q.question, history=list(q.history))
    return engine.ask(q.question)


def evaluate_answers(engine, questions: Sequence[AnswerQuestion], name: str = "answers",
                     ask: Callable | None = None) -> AnswerReport:
    """Ask every question (with its history) and score what the user reads."""
    ask = ask or (lambda q: _ask(engine, q))
    by_kind: dict[str, list[int]] = {}
    failures, lat, retrieval_q, retrieval_hits = [], [], [], []
    for q in questions:
        t = time.perf_counter()
        answer = ask(q)
        lat.append((time.perf_counter() - t) * 1000)
        ok = is_answered(q, answer.text, answer.covered)
        counts = by_kind.setdefault(q.kind, [0, 0])
        counts[0] += ok
        counts[1] += 1
        if not ok:
            failures.append(q.id)
        if q.gold and not q.out_of_scope:
            retrieval_q.append(Question(q.id, q.question, q.gold, "all" if len(q.gold) > 1 else "any", q.kind))
            retrieval_hits.append(list(answer.hits))
    retrieval = score(name, retrieval_q, retrieval_hits, lat) if retrieval_q else None
    total = sum(ok for ok, _n in by_kind.values())
    return AnswerReport(name, len(questions), total / len(questions),
                        {k: tuple(v) for k, v in sorted(by_kind.items())}, retrieval,
                        tuple(failures), statistics.median(lat))


def answer_levers(params) -> dict:
    """The answer levers switched on one at a time (the last is the shipped configuration)."""
    off = replace(params, use_lexicon=False, use_pinyin=False)
    return {"levers off": off, "+ lexicon": replace(off, use_lexicon=True),
            "+ pinyin slips": replace(params, use_neighbours=False),
            "+ embedding neighbours": replace(params, use_neighbours=True)}


def answer_ablation(engine, questions: Sequence[AnswerQuestion], name: str) -> list[AnswerReport]:
    """One answer report per lever step (``answer_levers``)."""
    out = []
    for label, p in answer_levers(engine.params).items():
        def ask(q, p=p):
            return engine.ask(q.question, history=list(q.history), params=p)
        out.append(evaluate_answers(engine, questions, f"{name} {label}", ask=ask))
    return out


def format_answer_report(reports: Sequence[AnswerReport]) -> str:
    kinds = sorted({k for r in reports for k in r.by_kind})
    width = max([12] + [len(r.name) + 2 for r in reports])
    head = f"{'set':<{width}}{'answered':>9}" + "".join(f"{k[:11]:>12}" for k in kinds) + f"{'p50 ms':>8}"
    rows = [head, "-" * len(head)]
    for r in reports:
        cells = "".join(f"{(f'{r.by_kind[k][0] / r.by_kind[k][1]:.2f} ({r.by_kind[k][1]})' if k in r.by_kind else '–'):>12}"
                        for k in kinds)
        rows.append(f"{r.name:<{width}}{r.answered:>9.3f}{cells}{r.p50_ms:>8.1f}")
    retrieval = [r.retrieval for r in reports if r.retrieval is not None]
    if retrieval:
        rows += ["", "retrieval over the in-scope questions (hits of the answer, top 5):",
                 format_table(retrieval)]
    return "\n".join(rows)


# ---------------------------------------------------------------- the year-shifted twin

_YEAR_IN_TEXT = re.compile(r"(?<![\d.])(19[5-9]\d|20[0-4]\d)(?!\d)(?!\.\d)(?=\s*年|\s*[-—–～~至到]\s*(?:19|20)\d{2}|[\s,.?!'’)，。？！、]|$)")


def shift_years(text: str, by: int = 1) -> str:
    """``text`` with every calendar year moved by ``by`` (2023年 → 2024年, "in 2023" → "in 2024").

    A year is a number 1950–2049 followed by 年, a range dash and another year, or a word
    boundary: figures such as 2000张 or 2485公里 stay as they are.
    """
    return _YEAR_IN_TEXT.sub(lambda m: str(int(m.group(1)) + by), text)


def shift_answer_question(q: AnswerQuestion, by: int = 1) -> AnswerQuestion:
    """The same question asked of the year-shifted report: years moved in every field."""
    def move(items):
        return tuple(shift_years(t, by) for t in items)
    return replace(q, question=shift_years(q.question, by), must=move(q.must), gold=move(q.gold),
                   history=move(q.history))


def shift_corpus(corpus: str | Path, out: str | Path, by: int = 1) -> Path:
    """Write the year-shifted twin of every text file of ``corpus`` into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(corpus).iterdir()):
        if path.is_file() and path.suffix.lower() in (".txt", ".md"):
            (out / path.name).write_text(shift_years(path.read_text(encoding="utf-8"), by), encoding="utf-8")
    return out
