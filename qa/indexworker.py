"""The background build of a running app in a child process, so that indexing an upload never
takes the app's CPU core or its interpreter lock.

:func:`build_in_child` starts one process (``forkserver``: forked from a clean server that has
imported ``qa`` once, so no lock of the app's threads is inherited) which reads, splits, tokenizes
and embeds the new documents exactly as ``qa.open`` would — the unchanged ones come from the index
on disk — saves the index (atomically, as ever), and sends back plain data: the documents, the
catalogue (:class:`qa.index.IndexData`, numpy arrays and frozen dataclasses) and the corpus state
it read. The parent only installs it. The child runs at a lower priority, on one core when there
are several (one thread per encoder), under an address-space limit (``QA_INDEXING_MEMORY_MB``), so
a file that slips past the size checks kills the child and not the app. A child that fails, dies
or is killed is a :class:`~qa.errors.QAError` with a Chinese message; nothing it did is installed.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass

from . import settings
from .errors import QAError

__all__ = ["Built", "build_in_child"]

CHILD_NICE = 10  # the child's niceness: questions get the CPU first
POLL = 0.5  # seconds between checks that the child is alive


@dataclass(frozen=True)
class Built:
    """What the child built: the documents (catalogue order), their catalogue, the corpus state."""

    docs: tuple
    data: object  # qa.index.IndexData
    state: tuple


def build_in_child(opened: dict, *, progress: Callable[[int, int], None] | None = None,
                   started: Callable[[int], None] | None = None,
                   memory_mb: int | None = None) -> Built:
    """Bring the index of ``opened`` (how ``qa.open`` opened the engine: corpus, index, embedder,
    settings, …) in line with its corpus in a child process and return what it built. ``progress``
    gets (texts embedded, texts to embed); ``started`` the child's pid. Raises QAError when the
    child fails or dies."""
    memory_mb = settings.get("QA_INDEXING_MEMORY_MB") if memory_mb is None else memory_mb
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods()
                                      else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["qa.engine"])
    receive, send = ctx.Pipe(duplex=False)
    watched, alive = ctx.Pipe(duplex=False)  # only this process holds ``alive``: the child ends with it
    job = {k: opened[k] for k in ("corpus", "index", "embedder", "settings", "cross", "limits", "store", "rebuild")}
    child = ctx.Process(target=_child, args=(send, watched, job, memory_mb), name="qa-indexing", daemon=True)
    child.start()
    send.close()
    watched.close()
    if started:
        started(child.pid)
    try:
        while True:
            if not receive.poll(POLL):
                if not child.is_alive() and not receive.poll(0):
                    raise QAError(_death(child))
                continue
            try:
                message = receive.recv()
            except (EOFError, OSError):
                child.join(5)
                raise QAError(_death(child)) from None
            kind = message[0]
            if kind == "progress":
                if progress:
                    progress(*message[1:])
            elif kind == "error":
                raise QAError(message[1])
            else:
                return Built(*message[1:])
    finally:
        receive.close()
        alive.close()
        if child.is_alive():  # the parent gave up (an error in a callback): the child goes too
            child.kill()
        child.join(5)


def _death(child) -> str:
    code = child.exitcode
    if code is not None and code < 0:
        try:
            how = f"被信号 {signal.Signals(-code).name} 终止"
        except ValueError:
            how = f"被信号 {-code} 终止"
    else:
        how = f"退出码 {code}"
    return f"建立索引的子进程意外结束（{how}，可能是内存不足：QA_INDEXING_MEMORY_MB）"


def _limit_child(memory_mb: int) -> None:
    """Lower priority, one core, one thread per encoder, at most ``memory_mb`` MB of address space."""
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:  # CHILD_NICE itself, not added to the niceness of the thread that started the forkserver
        os.setpriority(os.PRIO_PROCESS, 0, max(CHILD_NICE, os.getpriority(os.PRIO_PROCESS, 0)))
    except OSError:
        pass
    try:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) > 1:  # the app keeps the other cores for answering
            os.sched_setaffinity(0, cores[-1:])
    except (AttributeError, OSError):
        pass
    if memory_mb:
        import resource

        limit = int(memory_mb) * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:  # tqdm (bm25s's progress) would make a process-shared lock, left to the resource tracker
        import threading

        from tqdm import tqdm

        tqdm.set_lock(threading.RLock())
    except ImportError:
        pass
    from . import embedding

    embedding.ENCODE_THREADS = 1
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def _end_with_parent(watched) -> None:
    """Wait until the parent's end of ``watched`` closes (it ended, or gave up), then end at once:
    a child of the forkserver outlives the app otherwise."""
    try:
        watched.recv_bytes()
    except (EOFError, OSError):
        pass
    os._exit(1)


def _child(send, watched, job: dict, memory_mb: int) -> None:
    """The child's body: build as ``qa.open`` does, send progress and the result (or the error)."""
    import threading

    threading.Thread(target=_end_with_parent, args=(watched,), name="qa-parent-watch", daemon=True).start()
    try:
        _limit_child(memory_mb)
        from .corpus import load_corpus
        from .engine import corpus_state, release_memory
        from .store import open_store, store_config

        cross = job["cross"]
        if cross is not None and hasattr(cross, "threads"):
            cross.threads = 1
        state = corpus_state(job["corpus"])
        docs, fingerprints = load_corpus(job["corpus"], job["limits"])
        store = open_store(store_config(job["store"]), docs, fingerprints, job["embedder"], job["settings"], cross,
                           job["index"], rebuild=job["rebuild"], force=False,
                           progress=lambda done, total: send.send(("progress", done, total)))
        release_memory()
        send.send(("done", tuple(docs), store.data, state))
    except MemoryError:
        _send_error(send, f"建立索引超出内存上限（QA_INDEXING_MEMORY_MB={memory_mb}）")
    except QAError as err:
        _send_error(send, str(err))
    except BaseException as err:  # noqa: BLE001 - said to the parent, which keeps serving
        _send_error(send, f"{type(err).__name__}: {err}")
    finally:
        send.close()


def _send_error(send, text: str) -> None:
    try:
        send.send(("error", text))
    except (OSError, ValueError, MemoryError):
        pass  # the parent sees the child end without an answer
