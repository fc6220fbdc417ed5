"""Ask latency over a library grown by a large upload, this tree against an earlier commit.

    python benchmarks/grown_ask.py                       # against main, 3 rounds
    python benchmarks/grown_ask.py --baseline HEAD~3 --rounds 5
    python benchmarks/grown_ask.py --profile grown       # this tree only: where an ask spends its time

The libraries of ``benchmarks/upload_load.py`` without the app and its clients: the repository's
report alone (*alone*), the report with a 1.5 MB text made of the shared 2026 reports (``--size-mb``)
just added, searchable by keywords and never embedded (*pending*: the state during the upload's
indexing, the embedding itself left out), and the two indexed (*grown*: after it). Each side runs
in a child process of its own (the baseline's ``qa`` exported with ``git archive``), one per library, on the indexes
made once under ``--cache``, and asks the load questions (tests/data/own.jsonl, the dev set) one at a
time: a pass to warm up, then ``--passes`` timed ones. The sides alternate round by round. Printed:
p50 per side and library, the ratios pending / alone and grown / alone (what the goal "p50 within
1.5× of before" asks, without the load of 20 clients and of the embedding), and this / baseline.
Figures, not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from library_speed import export  # noqa: E402
from load import load_questions  # noqa: E402
from upload_load import big_text  # noqa: E402

NAMES = ("alone", "pending", "grown")
CHILD = r"""
import json, os, shutil, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
os.environ["QA_INDEXING"] = "thread"  # the keyword step in this process (the embedding never runs)
import qa, qa.engine
from pathlib import Path
questions = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
passes, profile, big = int(sys.argv[3]), sys.argv[4], Path(sys.argv[5])
out = {}
for name, corpus, index in zip(sys.argv[6::3], sys.argv[7::3], sys.argv[8::3]):
    if name == "pending":  # the report alone, then the upload shown by keywords, never embedded
        tmp = Path(tempfile.mkdtemp())
        shutil.copytree(corpus, tmp / "corpus")
        shutil.copytree(index, tmp / "index")
        corpus, index = tmp / "corpus", tmp / "index"
    engine = qa.open(Path(corpus), Path(index), progress=False)
    if name == "pending":
        qa.engine.Engine._embed_pending = lambda self, job: None
        shutil.copy(big, Path(corpus) / big.name)
        engine.refresh_in_background()
        assert engine.pending, "the upload is not pending"
    engine.warm_up(crosslingual=False)
    for q in questions:
        engine.ask(q)
    ms, cpu = [], []
    if profile and name == profile:
        import cProfile, pstats
        prof = cProfile.Profile()
        prof.enable()
    for _ in range(passes):
        for q in questions:
            t, c = time.perf_counter(), time.process_time()
            engine.ask(q)
            ms.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    if profile and name == profile:
        prof.disable()
        stats = pstats.Stats(prof, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
    out[name] = ms
    out[name + " cpu"] = cpu
    del engine
print(json.dumps(out))
"""


def libraries(cache: Path, size_mb: float) -> tuple[Path, list[tuple[str, Path, Path]]]:
    """The large text, and (name, corpus, index) of the report alone, of the report with the text
    added and not embedded yet (its copy, made by each child), and of the grown library, under ``cache``."""
    alone, grown = cache / "alone", cache / f"grown-{size_mb:g}"
    for lib in (alone, grown):
        if not (lib / "corpus").is_dir():
            shutil.rmtree(lib, ignore_errors=True)
            shutil.copytree(ROOT / "corpus", lib / "corpus")
    big = grown / "corpus" / "汇编.txt"
    if not big.exists():
        big.write_text(big_text(size_mb), encoding="utf-8")
    return big, [("alone", alone / "corpus", alone / "index"), ("pending", alone / "corpus", alone / "index"),
                 ("grown", grown / "corpus", grown / "index")]


def run(src: Path, questions: Path, passes: int, big: Path, libs, profile: str = "") -> dict[str, list[float]]:
    """Each library in a process of its own (a second engine in one process slows the cross-lingual
    encoder of the second ~20×: two models' thread pools)."""
    out = {}
    for lib in libs:
        done = subprocess.run([sys.executable, "-c", CHILD, str(src), str(questions), str(passes), profile,
                               str(big), *map(str, lib)], check=True, stdout=subprocess.PIPE,
                              stderr=None if profile else subprocess.DEVNULL, text=True)
        out.update(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="main", help="git revision to compare with")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--passes", type=int, default=2, help="timed passes over the questions per round")
    ap.add_argument("--size-mb", type=float, default=1.5)
    ap.add_argument("--cache", default=str(ROOT / ".cache" / "grown"))
    ap.add_argument("--profile", choices=NAMES, help="profile this tree's asks on one library (cProfile, stderr)")
    a = ap.parse_args()
    big, libs = libraries(Path(a.cache), a.size_mb)
    with tempfile.TemporaryDirectory() as tmp:
        qfile = Path(tmp) / "questions.json"
        questions = load_questions()
        qfile.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
        run(ROOT, qfile, 0, big, [libs[0], libs[2]])  # the indexes built (or checked) once, by this tree
        if a.profile:
            ms = run(ROOT, qfile, a.passes, big, [lib for lib in libs if lib[0] == a.profile], a.profile)
            print(f"{a.profile} p50 {statistics.median(ms[a.profile]):.1f} ms "
                  f"(CPU {statistics.median(ms[a.profile + ' cpu']):.1f} ms), profiled")
            return
        sides = {"baseline": export(a.baseline, Path(tmp) / "baseline"), "this": ROOT}
        times = {s: {} for s in sides}
        for n in range(a.rounds):
            for side in (sides if n % 2 == 0 else dict(reversed(list(sides.items())))):
                for name, ms in run(sides[side], qfile, a.passes, big, libs).items():
                    times[side].setdefault(name, []).extend(ms)
                    print(f"round {n + 1} {side:8s} {name:11s} p50 {statistics.median(ms):6.1f} ms", flush=True)
    print(f"{len(questions)} questions × {a.passes} passes × {a.rounds} rounds; baseline {a.baseline}; "
          f"load average {os.getloadavg()[0]:.1f}")
    for unit, suffix in (("wall", ""), ("CPU", " cpu")):
        print(f"| side ({unit}) | alone p50 ms | pending p50 ms | grown p50 ms | pending / alone | grown / alone |")
        print("|---|---|---|---|---|---|")
        for side in times:
            alone, pending, grown = (statistics.median(times[side][n + suffix]) for n in NAMES)
            print(f"| {side} | {alone:.1f} | {pending:.1f} | {grown:.1f} | {pending / alone:.2f}× | "
                  f"{grown / alone:.2f}× |")
        for name in NAMES:
            b, t = (statistics.median(times[s][name + suffix]) for s in ("baseline", "this"))
            print(f"{name} p50 ({unit}), this / baseline: {t / b:.2f}×")


if __name__ == "__main__":
    main()
