"""Memory of the app serving a library: the 20 real reports, then 31 (the 20 and 11 synthetic ones).

The 11 synthetic reports are real reports with their province's names (full name, short names,
one-character 简称) replaced by those of the 11 provinces the shared corpus lacks, so the library
covers 31 provinces; each is labelled synthetic in its file name (``合成-广东省（据云南省改写）.txt``)
and in a first line. Figures, not a test:

1. build: ``qa.open`` of the corpus in a subprocess (the 31-report index starts from a copy of
   the 20-report one, so only the 11 synthetic reports are embedded);
2. serve: ``python app.py --corpus C --index I`` on a free loopback port; once it serves, a few
   questions through its named ``/ask`` endpoint (places, a comparison, 哪些省份…);
3. memory: the app process's VmRSS after the questions and VmHWM (its peak) from /proc.

    python benchmarks/library_memory.py                     # 20 and 31 reports
    python benchmarks/library_memory.py --work /tmp/libmem  # keep the corpora and indexes here
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from load import MemoryWatch, free_port, one_request, stop_app, _OPENER  # noqa: E402

SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared").is_dir()), ROOT.parent / "shared")
REPORTS = SHARED / "corpora" / "gov2026"
LIMIT_MB = 1536  # issue 18: the app serving 31 reports stays <= 1.5 GB RSS
# places, comparisons (each place a scope of its own: more than the engine keeps), 哪些省份…, a
# place the library may lack, a question naming none
QUESTIONS = ("河北去年GDP增长多少？", "山东和河北去年的GDP增速各是多少？", "哪些省份今年GDP增长目标定在5%左右？",
             "广东今年粮食产量目标是多少？", "云南和贵州去年粮食产量分别是多少？", "甘肃跟宁夏去年的经济增速差多少？",
             "湖北和江西今年的经济增长目标分别定了多少？", "哪些省份今年城镇调查失业率目标高于5.5%？",
             "新疆和西藏去年城镇新增就业各是多少？", "全国第一条沙戈荒新能源外送通道是哪个工程？",
             "浙江和江苏去年进出口增长多少？", "陕西今年城镇新增就业目标是多少？")


def synthetic(text: str, source, target) -> str:
    """``text`` (a report about region ``source``) made about ``target``: every name of the one
    replaced by the same kind of name of the other (full, then short names, longest first)."""
    pairs = [(source.name, target.name)]
    src_short = sorted(source.short, key=len, reverse=True)
    tgt_multi = [s for s in target.short if len(s) > 1] or [target.name]
    tgt_one = [s for s in target.short if len(s) == 1] or tgt_multi
    pairs += [(s, (tgt_multi if len(s) > 1 else tgt_one)[0]) for s in src_short]
    for old, new in pairs:
        text = text.replace(old, new)
    return text


def make_corpora(work: Path) -> tuple[Path, Path]:
    """corpus-20 (the real reports) and corpus-31 (those and 11 synthetic ones) under ``work``."""
    from qa.places import PROVINCE, gazetteer, region_of

    real = sorted(REPORTS.glob("*.txt"))
    c20, c31 = work / "corpus-20", work / "corpus-31"
    for folder in (c20, c31):
        folder.mkdir(parents=True, exist_ok=True)
        for f in real:
            if not (folder / f.name).exists():
                shutil.copyfile(f, folder / f.name)
    gaz = gazetteer()
    held = {}
    for f in real:
        text = f.read_text(encoding="utf-8")
        held[f] = region_of(f.stem, text)
    have = {r.code for r in held.values() if r is not None}
    missing = [r for r in gaz.regions.values() if r.level == PROVINCE and r.code not in have
               and r.code[:2] not in ("71", "81", "82")][:11]  # not Taiwan, Hong Kong, Macao
    for (f, source), target in zip(sorted(held.items()), missing):
        out = c31 / f"合成-{target.name}（据{source.name}改写）.txt"
        if not out.exists():
            body = synthetic(f.read_text(encoding="utf-8"), source, target)
            out.write_text(f"（合成文本：据{source.name}报告替换地名而成，仅用于测内存）\n{body}", encoding="utf-8")
    return c20, c31


def build(corpus: Path, index: Path) -> float:
    """Seconds to open (build or load) the engine over ``corpus`` in a fresh process."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sys, qa; qa.open(sys.argv[1], sys.argv[2], progress=False)",
                    str(corpus), str(index)], check=True, cwd=ROOT)
    return time.perf_counter() - t


def serve(corpus: Path, index: Path, log: Path, timeout: float = 600) -> dict:
    """Start the app over ``corpus``, ask QUESTIONS through /ask, read its memory, stop it."""
    import os

    port = free_port()
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1",
               PYTHONPATH=str(ROOT))
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), "--corpus", str(corpus),
                                 "--index", str(index)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with _OPENER.open(base + "/", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    time.sleep(0.5)
            else:
                raise RuntimeError(f"the app did not serve (see {log})")
            memory = MemoryWatch(proc.pid)
            served = memory.rss()
            results, each = [], []
            with memory:
                for q in QUESTIONS:
                    results.append(one_request(base, "ask", q, 5, 120))
                    each.append(round(memory.rss() or 0))
            return dict(rss_served_mb=served, rss_after_mb=memory.rss(), peak_mb=memory.peak(),
                        ok=sum(r.ok for r in results), asked=len(results),
                        ask_ms=[round(r.seconds * 1000) for r in results], rss_each_mb=each,
                        errors=sorted({r.error for r in results if not r.ok})[:2])
        finally:
            stop_app(proc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", default=str(ROOT / ".cache" / "library_memory"), help="corpora and indexes")
    ap.add_argument("--seed-index", help="a built index of the 20 reports to start from (copied)")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    work = Path(a.work)
    c20, c31 = make_corpora(work)
    rows = {}
    for name, corpus in (("20 reports", c20), ("31 reports (11 synthetic)", c31)):
        index = work / f"index-{corpus.name}"
        if not index.exists() and a.seed_index:
            shutil.copytree(a.seed_index, index)
        if not index.exists() and name.startswith("31") and (work / "index-corpus-20").exists():
            shutil.copytree(work / "index-corpus-20", index)  # only the synthetic reports embedded
        seconds = build(corpus, index)
        row = serve(corpus, index, work / f"app-{corpus.name}.log")
        row.update(open_s=round(seconds, 1), reports=len(list(corpus.glob("*.txt"))),
                   index_mb=round(sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 2**20, 1))
        rows[name] = row
        print(f"{name}: app RSS once serving {row['rss_served_mb']:.0f} MB, after {row['asked']} questions "
              f"{row['rss_after_mb']:.0f} MB, peak (VmHWM) {row['peak_mb']:.0f} MB; index {row['index_mb']} MB; "
              f"RSS after each question {row['rss_each_mb']}; "
              f"{row['ok']}/{row['asked']} answered over HTTP; open/build {row['open_s']} s", flush=True)
    peak = rows["31 reports (11 synthetic)"]["peak_mb"]
    print(f"31 reports: peak {peak:.0f} MB against the {LIMIT_MB} MB limit: {'within' if peak <= LIMIT_MB else 'OVER'}")
    if a.json:
        Path(a.json).write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
