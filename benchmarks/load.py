"""Load test of the web app: concurrent clients asking questions through its named /search API.

Starts ``python app.py --port PORT`` on 127.0.0.1 (a free port), waits until it serves, then runs
CLIENTS threads that each send QUESTIONS questions, all at once, over plain HTTP the way Gradio
exposes a named endpoint::

    POST /gradio_api/call/search  {"data": [query, k]}  -> {"event_id": ID}
    GET  /gradio_api/call/search/ID                     -> server-sent events, ending with
                                                           "event: complete" (data: [hits])
                                                           or "event: error"

and reports errors, latency p50/p95/max, throughput and the app process's peak resident memory
(VmHWM from /proc, or the largest sample psutil saw). It stops by itself: every request has a
timeout, the whole run has a deadline, and the app is stopped at the end. Loopback only.

    python benchmarks/load.py                          # 32 clients x 25 questions
    python benchmarks/load.py --clients 8 --questions 3 --json
    python benchmarks/load.py --url http://127.0.0.1:7860   # an app already running here
    python benchmarks/load.py --app /tmp/fake_app.py        # another script with the same API

Exit status: 0 when every request succeeded, 1 when some failed, 2 when the app did not start.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION_FILES = (ROOT / "tests" / "data" / "own.jsonl", ROOT.parent / "shared" / "eval" / "dev.jsonl")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
HIT_KEYS = {"text", "score", "doc_id", "section", "start", "end", "highlights"}
# No proxies: the traffic must stay on this machine whatever http_proxy says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Result:
    ok: bool
    seconds: float
    error: str = ""


@dataclass
class Report:
    url: str
    endpoint: str
    clients: int
    questions_per_client: int
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    wall_s: float
    throughput_rps: float
    warmup_ms: float
    peak_rss_mb: float | None
    rss_before_mb: float | None
    rss_after_mb: float | None
    error_samples: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- questions

def load_questions(files=QUESTION_FILES) -> list[str]:
    out: list[str] = []
    for path in files:
        if not Path(path).is_file():
            continue
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line).get("question")
                if isinstance(q, str) and q.strip():
                    out.append(q)
    if not out:
        raise SystemExit(f"no questions found in {', '.join(map(str, files))}")
    return out


# ---------------------------------------------------------------- HTTP

def _post_json(url: str, body: dict, timeout: float) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), method="POST",
                                 headers={"Content-Type": "application/json"})
    with _OPENER.open(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode("utf-8"))


def call(base: str, endpoint: str, args: list, timeout: float = 120.0):
    """Call a named Gradio endpoint; its output (the ``data`` of the ``complete`` event)."""
    api = f"{base}/gradio_api/call/{endpoint}"
    event_id = _post_json(api, {"data": args}, timeout)["event_id"]
    event = None
    with _OPENER.open(f"{api}/{urllib.parse.quote(event_id)}", timeout=timeout) as resp:
        for raw in resp:
            line = raw.decode("utf-8").rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = line[5:].strip()
                if event == "error":
                    raise RuntimeError(f"server error: {data[:200]}")
                return json.loads(data)
    raise RuntimeError(f"the event stream ended without a result (last event: {event})")


def check_output(endpoint: str, output) -> None:
    """Raise if ``output`` is not what the endpoint promises."""
    if not isinstance(output, list) or len(output) != 1:
        raise ValueError(f"expected one output, got {str(output)[:120]}")
    value = output[0]
    if endpoint == "search":
        if not isinstance(value, list) or not value:
            raise ValueError(f"expected a non-empty list of hits, got {str(value)[:120]}")
        for hit in value:
            missing = HIT_KEYS - set(hit)
            if missing:
                raise ValueError(f"hit without {sorted(missing)}")
            if len(hit["text"]) != hit["end"] - hit["start"]:
                raise ValueError("hit offsets do not match its text")
    elif not isinstance(value, dict) or not value.get("text"):
        raise ValueError(f"expected an answer with text, got {str(value)[:120]}")


def one_request(base: str, endpoint: str, query: str, k: int, timeout: float) -> Result:
    t = time.perf_counter()
    try:
        check_output(endpoint, call(base, endpoint, [query, k], timeout))
    except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
        return Result(False, time.perf_counter() - t, f"{type(exc).__name__}: {exc}"[:300])
    return Result(True, time.perf_counter() - t)


# ---------------------------------------------------------------- the app process

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(app: Path, port: int, log_path: Path, timeout: float) -> subprocess.Popen:
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1",
               HF_HUB_OFFLINE=os.environ.get("HF_HUB_OFFLINE", "1"))
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, str(app), "--port", str(port)], cwd=app.parent,
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    proc.log = log  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with _OPENER.open(url, timeout=2) as resp:
                if resp.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    stop_app(proc)
    tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
    raise RuntimeError(f"{app} did not serve on port {port} within {timeout:.0f}s "
                       f"(exit code {proc.returncode}); log:\n{tail}")


def stop_app(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
    log = getattr(proc, "log", None)
    if log:
        log.close()


class MemoryWatch:
    """Resident memory of a process: samples VmRSS while running; the peak is VmHWM (Linux) or
    the largest sample (psutil elsewhere)."""

    def __init__(self, pid: int | None, every: float = 0.2):
        self.pid, self.every = pid, every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _status(self, key: str) -> float | None:
        if self.pid is None:
            return None
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024  # kB → MB
        except OSError:
            pass
        try:
            import psutil
            return psutil.Process(self.pid).memory_info().rss / 2**20 if key == "VmRSS" else None
        except Exception:  # noqa: BLE001 - psutil missing or the process gone
            return None

    def rss(self) -> float | None:
        return self._status("VmRSS")

    def peak(self) -> float | None:
        hwm = self._status("VmHWM")
        seen = max(self.samples, default=None)
        return hwm if hwm is not None else seen

    def _run(self):
        while not self._stop.is_set():
            r = self.rss()
            if r is not None:
                self.samples.append(r)
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)


# ---------------------------------------------------------------- the run

def run_load(base: str, questions: list[str], clients: int, per_client: int, *, endpoint: str = "search",
             k: int = 5, request_timeout: float = 120.0, deadline_s: float = 900.0,
             pid: int | None = None) -> Report:
    """``clients`` threads × ``per_client`` requests, started together; a Report of the run."""
    memory = MemoryWatch(pid)
    warm = one_request(base, endpoint, questions[0], k, request_timeout)  # loads the model
    rss_before = memory.rss()
    results: list[list[Result]] = [[] for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop_at = time.monotonic() + deadline_s

    def client(i: int) -> None:
        start.wait()
        for j in range(per_client):
            left = stop_at - time.monotonic()
            if left <= 0:
                results[i].append(Result(False, 0.0, "not sent: the run's deadline passed"))
                continue
            q = questions[(i * per_client + j) % len(questions)]
            results[i].append(one_request(base, endpoint, q, k, min(request_timeout, left)))

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    with memory:
        for t in threads:
            t.start()
        start.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join(timeout=max(0.0, stop_at - time.monotonic()) + request_timeout + 5)
        wall = time.perf_counter() - t0
    flat = [r for rs in results for r in rs]
    flat += [Result(False, 0.0, "client never finished")] * (clients * per_client - len(flat))
    if not warm.ok:
        flat.append(warm)
    ok_ms = sorted(r.seconds * 1000 for r in flat if r.ok)
    errors = [r.error for r in flat if not r.ok]

    def pct(p: float) -> float:
        if not ok_ms:
            return float("nan")
        return statistics.quantiles(ok_ms, n=100, method="inclusive")[p - 1] if len(ok_ms) > 1 else ok_ms[0]

    return Report(url=base, endpoint=endpoint, clients=clients, questions_per_client=per_client,
                  requests=len(flat), errors=len(errors), p50_ms=round(pct(50), 1), p95_ms=round(pct(95), 1),
                  max_ms=round(max(ok_ms, default=float("nan")), 1), wall_s=round(wall, 2),
                  throughput_rps=round(len(ok_ms) / wall, 2) if wall > 0 else 0.0,
                  warmup_ms=round(warm.seconds * 1000, 1), peak_rss_mb=_mb(memory.peak()),
                  rss_before_mb=_mb(rss_before), rss_after_mb=_mb(memory.rss()),
                  error_samples=sorted(set(errors))[:5])


def _mb(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def format_report(r: Report) -> str:
    mem = (f"peak RSS {r.peak_rss_mb:.0f} MB (before the load {r.rss_before_mb:.0f} MB, after {r.rss_after_mb:.0f} MB)"
           if r.peak_rss_mb is not None and r.rss_before_mb is not None and r.rss_after_mb is not None
           else "peak RSS unknown (app not started here)")
    lines = [
        f"load test of {r.url} /{r.endpoint}: {r.clients} clients x {r.questions_per_client} questions",
        f"  requests   {r.requests}",
        f"  errors     {r.errors}",
        f"  latency    p50 {r.p50_ms:.0f} ms   p95 {r.p95_ms:.0f} ms   max {r.max_ms:.0f} ms"
        f"   (first request, model warm-up: {r.warmup_ms:.0f} ms)",
        f"  throughput {r.throughput_rps:.1f} requests/s over {r.wall_s:.1f} s",
        f"  memory     {mem}",
    ]
    lines += [f"  error: {e}" for e in r.error_samples]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--questions", type=int, default=25, help="questions per client")
    p.add_argument("--endpoint", choices=("search", "ask"), default="search")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--app", type=Path, default=ROOT / "app.py", help="the app script to start")
    p.add_argument("--url", help="use an app already running at this loopback URL instead")
    p.add_argument("--start-timeout", type=float, default=600, help="seconds to wait for the app")
    p.add_argument("--request-timeout", type=float, default=120)
    p.add_argument("--deadline", type=float, default=900, help="seconds for the whole load phase")
    p.add_argument("--log", type=Path, default=None, help="where the app's output goes")
    p.add_argument("--json", action="store_true", help="print the report as one JSON line")
    args = p.parse_args(argv)
    if not (1 <= args.clients <= 256 and 1 <= args.questions <= 1000):
        p.error("--clients must be 1..256 and --questions 1..1000")
    questions = load_questions()

    proc = None
    if args.url:
        host = urllib.parse.urlsplit(args.url).hostname
        if host not in LOOPBACK:
            p.error(f"--url must be on this machine ({', '.join(sorted(LOOPBACK))}), not {host}")
        base = args.url.rstrip("/")
    else:
        log_path = args.log or Path(os.environ.get("TMPDIR", "/tmp")) / f"load-app-{os.getpid()}.log"
        port = free_port()
        try:
            proc = start_app(args.app.resolve(), port, log_path, args.start_timeout)
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        base = f"http://127.0.0.1:{port}"
    try:
        report = run_load(base, questions, args.clients, args.questions, endpoint=args.endpoint, k=args.k,
                          request_timeout=args.request_timeout, deadline_s=args.deadline,
                          pid=proc.pid if proc else None)
    finally:
        if proc is not None:
            stop_app(proc)
    print(json.dumps(asdict(report), ensure_ascii=False) if args.json else format_report(report))
    return 0 if report.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
