"""Ask latency over the 20-report library, this tree against an earlier commit, in one run.

    python benchmarks/library_speed.py                    # against HEAD~1
    python benchmarks/library_speed.py --baseline main --rounds 3

Each side runs in a child process of its own (the baseline's ``qa`` exported with ``git archive``
into a temporary folder), on the same cached index (benchmarks/reports.py builds it under
--cache), asking the library set's questions (with their history) in turn: a *first* pass right
after opening (one warm-up question, as benchmarks/reports.py measures: every report's first
question builds its statistics) and a *warm* pass after it (the same questions again). The two
sides alternate round by round so that load on the machine falls on both alike; printed: p50 and
p95 of each pass per side and the ratio this / baseline, and each side's RSS at the end (every
report's statistics then made). Figures, not a test.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.reports import REPORTS, SETS, engine_for, load  # noqa: E402

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="HEAD~1", help="git revision to compare with")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--sets", default=str(SETS))
    ap.add_argument("--cache", default=str(ROOT / ".cache" / "reports"))
    a = ap.parse_args()
    engine_for(sorted(REPORTS.glob("*.txt")), Path(a.cache), "library")  # built or checked once, here
    corpus, index = Path(a.cache) / "library" / "corpus", Path(a.cache) / "library" / "index"
    with tempfile.TemporaryDirectory() as tmp:
        qfile = Path(tmp) / "questions.json"
        qfile.write_text(json.dumps(load(Path(a.sets) / "library.jsonl"), ensure_ascii=False), encoding="utf-8")
        base = export(a.baseline, Path(tmp) / "baseline")
        sides = {"baseline": base, "this": ROOT}
        times: dict[str, dict[str, list[float]]] = {s: {"first": [], "warm": [], "rss": []} for s in sides}
        for n in range(a.rounds):
            for side in (sides if n % 2 == 0 else dict(reversed(list(sides.items())))):
                for name, ms in run(sides[side], corpus, index, qfile).items():
                    times[side][name] += ms
    print(f"{len(load(Path(a.sets) / 'library.jsonl'))} questions × {a.rounds} rounds; baseline {a.baseline}")
    print("| pass | baseline p50 / p95 ms | this p50 / p95 ms | p50 ratio | p95 ratio |")
    print("|---|---|---|---|---|")
    for name in ("first", "warm"):
        b, t = times["baseline"][name], times["this"][name]
        bm, tm = statistics.median(b), statistics.median(t)
        print(f"| {name} | {bm:.1f} / {pct(b, 0.95):.1f} | {tm:.1f} / {pct(t, 0.95):.1f} | "
              f"{tm / bm:.2f} | {pct(t, 0.95) / pct(b, 0.95):.2f} |")
    rss = {side: max(times[side]["rss"], default=0.0) for side in times}
    if all(rss.values()):
        print(f"RSS at the end (MB): baseline {rss['baseline']:.0f}, this {rss['this']:.0f}")


if __name__ == "__main__":
    main()
