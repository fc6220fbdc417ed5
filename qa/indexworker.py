"""The indexing of a running app in child processes, so that an upload never takes the app's
interpreter lock (nor, while it is embedded, its CPU core).

:func:`split_in_child` does the keyword step of new files (read, split, tokenize; the pinyin of
their words) in a child at the app's priority, since the upload waits for it; the app assembles
and installs its result. :func:`build_in_child` starts one process which reads, splits, tokenizes
and embeds the new documents exactly as ``qa.open`` would — the unchanged ones come from the index
on disk — saves the index (atomically, as ever), and sends back plain data: the documents, the
catalogue (:class:`qa.index.IndexData`, numpy arrays and frozen dataclasses) and the corpus state
it read. The parent only installs it. That child runs at a lower priority, on one core when there
are several (one thread per encoder). Both are forked from a ``forkserver`` (a clean server that
has imported ``qa.indexpreload`` once, so no lock of the app's threads is inherited) and run under
an address-space limit (``QA_INDEXING_MEMORY_MB``), so a file that slips past the size checks
kills the child and not the app. A child that fails, dies
or is killed is a :class:`~qa.errors.QAError` with a Chinese message; nothing it did is installed.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from . import settings
from .errors import QAError

__all__ = ["Built", "Split", "build_in_child", "prestart", "split_in_child"]

CHILD_NICE = 19  # the build child's niceness, the lowest: questions get the CPU first (idle, it runs at full speed)
SPLIT_NICE = 0  # the keyword child's (on any core): its few seconds are waited for, and take no lock of the app
POLL = 0.5  # seconds between checks that the child is alive
_MAIN = threading.Lock()  # one child started at a time while the main script is hidden


@dataclass(frozen=True)
class Built:
    """What the child built: the documents (catalogue order), their catalogue, the corpus state,
    and the BM25 index of the catalogue's passages (its bm25s index made: the app only installs it)."""

    docs: tuple
    data: object  # qa.index.IndexData
    state: tuple
    lexicon: object = None  # qa.lexical.BM25 over data.tokens


@dataclass(frozen=True)
class Split:
    """What the keyword child made of new files: the documents, their entries without vectors
    (``qa.indexing.split_entry``), the files it skipped (why, in a log line) and the pinyin of
    their two-character words (``qa.lexicon.pinyin_table``)."""

    docs: tuple
    entries: tuple
    skipped: tuple[str, ...]
    pinyin: dict


def build_in_child(opened: dict, *, progress: Callable[[int, int], None] | None = None,
                   started: Callable[[int], None] | None = None,
                   memory_mb: int | None = None) -> Built:
    """Bring the index of ``opened`` (how ``qa.open`` opened the engine: corpus, index, embedder,
    settings, …) in line with its corpus in a child process and return what it built. ``progress``
    gets (texts embedded, texts to embed); ``started`` the child's pid. Raises QAError when the
    child fails or dies."""
    job = {k: opened[k] for k in ("corpus", "index", "embedder", "settings", "cross", "limits", "store", "rebuild")}
    return Built(*_run(_build, job, progress=progress, started=started, memory_mb=memory_mb))


def split_in_child(files: Sequence[tuple[str, str]], settings, limits, *,
                   memory_mb: int | None = None) -> Split:
    """Read, split and tokenize ``files`` ((path, document id) pairs) in a child process: the keyword
    step of an upload, whose CPU would otherwise be taken from the questions answered meanwhile
    (it holds the interpreter lock for seconds per MB). A file that cannot be read is skipped (its
    reason in ``skipped``), as ``qa.open`` skips it. Raises QAError when the child fails or dies."""
    job = {"files": tuple((str(p), name) for p, name in files), "settings": settings, "limits": limits}
    return Split(*_run(_split, job, memory_mb=memory_mb, nice=SPLIT_NICE, one_core=False))


def _context():
    """The start method of the children: a forkserver that has imported ``qa.indexpreload``."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["qa.indexpreload"])
    return ctx


def prestart() -> None:
    """Start the children's forkserver now, in the background (it loads for a few seconds), so the
    first upload's keyword step does not wait for it. Nothing where there is no forkserver."""
    if _context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _run(body, job: dict, *, progress: Callable[[int, int], None] | None = None,
         started: Callable[[int], None] | None = None, memory_mb: int | None = None,
         nice: int = CHILD_NICE, one_core: bool = True) -> tuple:
    """Run ``body(job, send)`` in a limited child process (``_limit_child``: at niceness ``nice``,
    on ``one_core`` of several) and return what it
    sent last ("done", …); "progress" messages go to ``progress``."""
    memory_mb = settings.get("QA_INDEXING_MEMORY_MB") if memory_mb is None else memory_mb
    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    watched, alive = ctx.Pipe(duplex=False)  # only this process holds ``alive``: the child ends with it
    child = ctx.Process(target=_child, args=(body, send, watched, job, memory_mb, nice, one_core), name="qa-indexing",
                        daemon=True)
    with _main_script_hidden():
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
                return message[1:]
    finally:
        receive.close()
        alive.close()
        if child.is_alive():  # the parent gave up (an error in a callback): the child goes too
            child.kill()
        child.join(5)


@contextmanager
def _main_script_hidden():
    """While a child starts, hide the parent's main script (``__main__.__file__``, ``__spec__``)
    from multiprocessing, which would otherwise have the child run it again as ``__mp_main__``
    before its target: for ``app.py`` that is Gradio's import, 2–3 s added to every upload. The
    children run only ``qa`` code, which their forkserver has imported."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    with _MAIN:
        saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
        main.__dict__.pop("__file__", None)
        main.__spec__ = None
        try:
            yield
        finally:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


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


def _limit_child(memory_mb: int, nice: int = CHILD_NICE, one_core: bool = True) -> None:
    """Lower priority, one core (``one_core``), one thread per encoder, at most ``memory_mb`` MB of address space."""
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:  # ``nice`` itself, not added to the niceness of the thread that started the forkserver
        os.setpriority(os.PRIO_PROCESS, 0, max(nice, os.getpriority(os.PRIO_PROCESS, 0)))
    except OSError:
        pass
    try:
        cores = sorted(os.sched_getaffinity(0))
        if one_core and len(cores) > 1:  # the app keeps the other cores for answering
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


def _child(body, send, watched, job: dict, memory_mb: int, nice: int, one_core: bool) -> None:
    """The child's frame: limits, then ``body``; its result (or the error, in Chinese) is sent."""
    import threading

    threading.Thread(target=_end_with_parent, args=(watched,), name="qa-parent-watch", daemon=True).start()
    try:
        _limit_child(memory_mb, nice, one_core)
        send.send(("done", *body(job, send)))
    except MemoryError:
        _send_error(send, f"建立索引超出内存上限（QA_INDEXING_MEMORY_MB={memory_mb}）")
    except QAError as err:
        _send_error(send, str(err))
    except BaseException as err:  # noqa: BLE001 - said to the parent, which keeps serving
        _send_error(send, f"{type(err).__name__}: {err}")
    finally:
        send.close()


def _build(job: dict, send) -> tuple:
    """Build as ``qa.open`` does, sending progress: (documents, catalogue, corpus state)."""
    from .corpus import corpus_state, load_corpus
    from .indexing import release_memory
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
    return tuple(docs), store.data, state, store.lexicon.prepare()  # pickled with data: tokens sent once


def _split(job: dict, _send) -> tuple:
    """The keyword step of new files: (documents, entries without vectors, skipped, pinyin)."""
    from pathlib import Path

    from .corpus import read_document
    from .errors import CorpusError
    from .indexing import split_entry
    from .lexicon import pinyin_table

    docs, entries, skipped = [], [], []
    for path, name in job["files"]:
        try:
            doc = read_document(Path(path), name, job["limits"])[0]
        except CorpusError as err:
            skipped.append(str(err))
            continue
        docs.append(doc)
        entries.append(split_entry(doc, job["settings"]))
    pinyin = pinyin_table(t for e in entries for tokens in e.tokens for t in tokens)
    return tuple(docs), tuple(entries), tuple(skipped), pinyin


def _send_error(send, text: str) -> None:
    try:
        send.send(("error", text))
    except (OSError, ValueError, MemoryError):
        pass  # the parent sees the child end without an answer
