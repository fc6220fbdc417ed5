"""Cold start: from `python app.py` to the first answer of a first question.

Each run starts ``python app.py --port PORT`` (loopback, a free port) over the repository's corpus
and index (brought up to date first, so no run builds it), polls ``GET /`` until the page is
served, then at once asks one question through the app's named ``/ask`` endpoint and waits for the
answer. Figures per configuration, median over ``--runs`` (the configurations interleaved, so load
from other work on the machine hits them alike):

* page s     start → the page is served
* answer s   the page is served → the first answer is complete
* total s    start → the first answer

Configurations (the same-run baseline is the first):

* today           QA_ENCODER=torch QA_WARM_UP=0: sentence-transformers loaded by the first question
* onnx            QA_WARM_UP=0: the ONNX encoder, still loaded by the first question
* torch+warm-up   QA_ENCODER=torch: torch, models loaded in the background at start
* now             the defaults: the ONNX encoder, loaded and warmed in the background at start

    python benchmarks/coldstart.py                 # 3 runs of each
    python benchmarks/coldstart.py --runs 5 --json --question "2024年新增多少普惠托位"
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import _OPENER, call, free_port, stop_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {
    "today": {"QA_ENCODER": "torch", "QA_WARM_UP": "0"},
    "onnx": {"QA_WARM_UP": "0"},
    "torch+warm-up": {"QA_ENCODER": "torch"},
    "now": {},
}


def one_run(config: dict, question: str, timeout: float, log_path: Path) -> dict:
    port = free_port()
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1",
               **config)
    for key in ("QA_ENCODER", "QA_WARM_UP"):
        if key not in config:
            env.pop(key, None)
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed by stop_app
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)], cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    proc.log = log  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{port}"
    try:
        page = None
        while time.perf_counter() - start < timeout and proc.poll() is None:
            try:
                with _OPENER.open(base + "/", timeout=2) as resp:
                    if resp.status == 200:
                        resp.read()
                        page = time.perf_counter() - start
                        break
            except OSError:
                time.sleep(0.05)
        if page is None:
            raise RuntimeError(f"the app did not serve within {timeout:.0f} s:\n"
                               + log_path.read_text(encoding="utf-8", errors="replace")[-1500:])
        out = call(base, "ask", [question, 5], timeout=timeout)
        total = time.perf_counter() - start
        if not (isinstance(out, list) and out and isinstance(out[0], dict) and out[0].get("text")):
            raise RuntimeError(f"no answer: {str(out)[:200]}")
    finally:
        stop_app(proc)
    return {"page_s": page, "answer_s": total - page, "total_s": total}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per configuration (default 3)")
    ap.add_argument("--question", default="北三县交通有哪些项目")
    ap.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated subset of {','.join(CONFIGS)}")
    ap.add_argument("--timeout", type=float, default=180.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    names = [c for c in args.configs.split(",") if c]
    for c in names:
        if c not in CONFIGS:
            ap.error(f"unknown configuration {c!r}")
    # the index must exist and be current, so no run pays for a build
    subprocess.run([sys.executable, "-m", "qa", "index"], cwd=ROOT, check=True, capture_output=True,
                   env=dict(os.environ, HF_HUB_OFFLINE="1"))
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr, flush=True))
    load0 = os.getloadavg()
    runs: dict[str, list[dict]] = {c: [] for c in names}
    with tempfile.TemporaryDirectory(prefix="coldstart-") as tmp:
        for r in range(args.runs):
            for i in range(len(names)):
                name = names[(r + i) % len(names)]
                res = one_run(CONFIGS[name], args.question, args.timeout, Path(tmp) / f"{name}-{r}.log")
                say(f"[coldstart] {name:<14} run {r + 1}: page {res['page_s']:.1f} s, "
                    f"answer {res['answer_s']:.2f} s, total {res['total_s']:.1f} s")
                runs[name].append(res)
    summary = {name: {k: statistics.median(x[k] for x in rs) for k in ("page_s", "answer_s", "total_s")}
               for name, rs in runs.items()}
    env = {"cpus": os.cpu_count(), "loadavg_start": load0, "loadavg_end": os.getloadavg(),
           "runs": args.runs, "question": args.question}
    if args.json:
        print(json.dumps({"env": env, "median": summary, "runs": runs}, ensure_ascii=False, indent=1))
        return 0
    print(f"# cold start: `python app.py` → first answer to {args.question!r}; median of {args.runs} runs, "
          f"{env['cpus']} CPUs, load average {env['loadavg_start'][0]:.1f} → {env['loadavg_end'][0]:.1f}")
    print(f"{'configuration':<16}{'page s':>8}{'answer s':>10}{'total s':>9}")
    for name, s in summary.items():
        print(f"{name:<16}{s['page_s']:>8.1f}{s['answer_s']:>10.2f}{s['total_s']:>9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
