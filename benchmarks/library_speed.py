"""Ask latency over the 20-report library, this tree against an earlier commit, in one run.

    python benchmarks/library_speed.py                    # against HEAD~1
    python benchmarks/library_speed.py --baseline main --rounds 3
    python benchmarks/library_speed.py --report tongzhou --report 云南省   # single reports instead

Each side runs in a child process of its own (the baseline's ``qa`` exported with ``git archive``
into a temporary folder), on the same cached index (benchmarks/reports.py builds it under
--cache), asking the library set's questions (with their history) in turn: a *first* pass right
after opening (one warm-up question, as benchmarks/reports.py measures: every report's first
question builds its statistics) and a *warm* pass after it (the same questions again). The two
sides alternate round by round so that load on the machine falls on both alike; printed: p50 and
p95 of each pass per side and the ratio this / baseline, and each side's RSS at the end (every
report's statistics then made). ``--report NAME`` (repeatable) times single reports instead, each on
its own cached index with its own set (``tongzhou``: the Tongzhou report and the shared
answers-dev.jsonl; another name: ``<name>.txt`` of the shared 2026 reports and ``<name>.jsonl``).
Figures, not a test.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import io
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.reports import REPORTS, SETS, TONGZHOU_SET, engine_for, load  # noqa: E402

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import qa
from pathlib import Path
questions = json.loads(Path(sys.argv[4]).read_text(encoding="utf-8"))
engine = qa.open(Path(sys.argv[2]), Path(sys.argv[3]), progress=False)
engine.ask("预热")
out = {}
for name in ("first", "warm"):
    ms = []
    for q in questions:
        t = time.perf_counter()
        engine.ask(q["question"], history=list(q.get("history") or ()))
        ms.append((time.perf_counter() - t) * 1000)
    out[name] = ms
status = Path("/proc/self/status").read_text() if Path("/proc/self/status").exists() else ""
out["rss"] = [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS")]
print(json.dumps(out))
"""


def export(rev: str, dest: Path) -> Path:
    """The ``qa`` package of ``rev`` written under ``dest`` (returned: the folder to import from)."""
    blob = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "qa"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(dest)
    return dest


def run(src: Path, corpus: Path, index: Path, questions: Path) -> dict[str, list[float]]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(src), str(corpus), str(index), str(questions)],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def targets(a) -> list[tuple[str, Path, Path, list[dict]]]:
    """(name, corpus, index, questions) of each thing to time: the library, or each ``--report``."""
    cache = Path(a.cache)
    if not a.report:
        engine_for(sorted(REPORTS.glob("*.txt")), cache, "library")  # built or checked once, here
        return [("library", cache / "library" / "corpus", cache / "library" / "index",
                 load(Path(a.sets) / "library.jsonl"))]
    out = []
    for name in a.report:
        if name == "tongzhou":
            engine_for(sorted((ROOT / "corpus").iterdir()), cache, name)
            questions = load(TONGZHOU_SET)
        else:
            engine_for([REPORTS / f"{name}.txt"], cache, name)
            questions = load(Path(a.sets) / f"{name}.jsonl")
        out.append((name, cache / name / "corpus", cache / name / "index", questions))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="HEAD~1", help="git revision to compare with")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--sets", default=str(SETS))
    ap.add_argument("--cache", default=str(ROOT / ".cache" / "reports"))
    ap.add_argument("--report", action="append", default=[],
                    help="time this single report instead of the library (repeatable; 'tongzhou' too)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = export(a.baseline, Path(tmp) / "baseline")
        sides = {"baseline": base, "this": ROOT}
        for name, corpus, index, questions in targets(a):
            qfile = Path(tmp) / "questions.json"
            qfile.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
            times: dict[str, dict[str, list[float]]] = {s: {"first": [], "warm": [], "rss": []} for s in sides}
            for n in range(a.rounds):
                for side in (sides if n % 2 == 0 else dict(reversed(list(sides.items())))):
                    for what, ms in run(sides[side], corpus, index, qfile).items():
                        times[side][what] += ms
            report(name, questions, a, times)


def report(name: str, questions: list[dict], a, times: dict) -> None:
    print(f"\n{name}: {len(questions)} questions × {a.rounds} rounds; baseline {a.baseline}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| pass | baseline p50 / p95 ms | this p50 / p95 ms | p50 ratio | p95 ratio |")
    print("|---|---|---|---|---|")
    for what in ("first", "warm"):
        b, t = times["baseline"][what], times["this"][what]
        bm, tm = statistics.median(b), statistics.median(t)
        print(f"| {what} | {bm:.1f} / {pct(b, 0.95):.1f} | {tm:.1f} / {pct(t, 0.95):.1f} | "
              f"{tm / bm:.2f} | {pct(t, 0.95) / pct(b, 0.95):.2f} |")
    rss = {side: max(times[side]["rss"], default=0.0) for side in times}
    if all(rss.values()):
        print(f"RSS at the end (MB): baseline {rss['baseline']:.0f}, this {rss['this']:.0f}")


if __name__ == "__main__":
    main()
