"""A real Milvus standalone server for tests and benchmarks: the binary the PyPI package
``milvus==2.3.5`` bundles (embedded etcd, local storage, rocksmq), in a folder of our choosing.

    server = MilvusServer(tmp / "milvus").start()     # free ports, waits until healthy
    server.uri                                         # http://127.0.0.1:PORT for pymilvus
    server.stop(); server.start()                      # a restart: same ports, same data
    server.stop()

Unlike the package's own ``default_server``, every port is a free one (etcd's peer port too) and
the pid file has its own name, so several servers (a test session and a benchmark) run side by
side. The server writes its pid file under /run/milvus (created when it can, else /tmp/milvus).
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

READY_SECONDS = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> str | None:
    """None when the bundled server can run here, else why not."""
    try:
        import milvus  # noqa: F401
    except ImportError:
        return "the milvus package (bundled Milvus server) is not installed: pip install 'report-qa[test]'"
    if os.name != "posix" or os.uname().machine not in ("x86_64", "AMD64"):
        return "the bundled Milvus server is built for Linux x86-64 only"
    return None


class MilvusServer:
    """One Milvus standalone process with its configuration, data and logs under ``folder``."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder).resolve()
        self.proc: subprocess.Popen | None = None
        self.ports: dict[str, int] = {}

    @property
    def port(self) -> int:
        return self.ports["proxy_port"]

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def _configure(self) -> None:
        """Unpack the binary and write milvus.yaml and etcd.yaml (ports chosen once: a restart
        keeps them)."""
        import milvus

        package = Path(milvus.__file__).parent / "data"
        bin_dir = self.folder / "bin"
        if not (bin_dir / "milvus").exists():
            milvus._initialize_data_files(str(self.folder))
        for sub in ("configs", "logs", "data"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        if not self.ports:
            names = ("etcd_port", "etcd_peer_port", "root_coord_port", "proxy_port", "proxy_internal_port",
                     "query_coord_port", "query_node_port", "index_coord_port", "index_node_port",
                     "data_coord_port", "data_node_port", "metrics_port")
            self.ports = {name: free_port() for name in names}
        data, logs = self.folder / "data", self.folder / "logs"
        values = dict(self.ports, etcd_log_path=str(logs / "etcd.log"), etcd_data_dir=str(data / "etcd.data"),
                      local_storage_dir=str(data), rocksmq_data_dir=str(data / "rocksmq"),
                      system_log_path=str(logs), etcd_log_level="warn")
        template = (package / "config.yaml.template").read_text(encoding="utf-8")

        def fill(m: re.Match) -> str:
            key, _, default = m.group(1).partition(":")
            key = key.split("(")[0].strip()
            return str(values.get(key, default.strip()))

        text = re.sub(r"\{\{(.*?)\}\}", fill, template)
        etcd = self.folder / "configs" / "etcd.yaml"
        text = text.replace("\n  use:\n", f"\n  config:\n    path: {etcd}\n  use:\n", 1)
        (self.folder / "configs" / "milvus.yaml").write_text(text, encoding="utf-8")
        client, peer = self.ports["etcd_port"], self.ports["etcd_peer_port"]
        etcd.write_text(f"name: default\nlisten-client-urls: http://127.0.0.1:{client}\n"
                        f"advertise-client-urls: http://127.0.0.1:{client}\n"
                        f"listen-peer-urls: http://127.0.0.1:{peer}\n"
                        f"initial-advertise-peer-urls: http://127.0.0.1:{peer}\n"
                        f"initial-cluster: default=http://127.0.0.1:{peer}\n", encoding="utf-8")
        (self.folder / "configs" / "glog.conf").write_bytes((package / "glog.conf").read_bytes())

    def start(self, ready_seconds: float = READY_SECONDS) -> "MilvusServer":
        """Start (or restart) the server and wait until it answers its health check."""
        if self.proc is not None:
            return self
        self._configure()
        bin_dir = self.folder / "bin"
        env = dict(os.environ, DEPLOY_MODE="STANDALONE", METRICS_PORT=str(self.ports["metrics_port"]),
                   MILVUS_RUN_DIR=str(self.folder / "run"),
                   LD_LIBRARY_PATH=f"{bin_dir}:{os.environ.get('LD_LIBRARY_PATH', '')}")
        out = open(self.folder / "logs" / "milvus-stdout.log", "ab")  # noqa: SIM115 - the child holds it
        err = open(self.folder / "logs" / "milvus-stderr.log", "ab")  # noqa: SIM115
        try:
            self.proc = subprocess.Popen(
                [str(bin_dir / "milvus"), "run", "standalone", "--alias", f"qa-{os.getpid()}-{self.port}"],
                cwd=self.folder, env=env, stdout=out, stderr=err, start_new_session=True)
        finally:
            out.close()
            err.close()
        self._wait_healthy(ready_seconds)
        return self

    def _wait_healthy(self, seconds: float) -> None:
        url = f"http://127.0.0.1:{self.ports['metrics_port']}/healthz"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                raise RuntimeError(f"the Milvus server exited at start (see {self.folder / 'logs'})")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if b"OK" in resp.read():
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)  # polling the health check, with a deadline
        self.stop()
        raise RuntimeError(f"the Milvus server was not healthy within {seconds:.0f} s (see {self.folder / 'logs'})")

    def stop(self, seconds: float = 10) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``seconds``)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=seconds)

    def rss(self) -> int:
        """Resident memory of the server process in bytes (0 when not running)."""
        if self.proc is None:
            return 0
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def __enter__(self) -> "MilvusServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
