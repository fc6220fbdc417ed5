"""Warm the engine up in the background at start-up, so the first question is answered at once.

The work is ``Engine.warm_up`` (main encoder, the answer path, the cross-lingual encoder); this
module only runs it in a daemon thread and says how it went.
"""
from __future__ import annotations

import sys
import threading
import time

__all__ = ["start", "warm_up"]


def warm_up(engine) -> None:
    """``engine.warm_up()``, timed; a failure is reported, never raised (it only costs the first
    question some time)."""
    started = time.perf_counter()
    try:
        engine.warm_up()
    except Exception as err:  # noqa: BLE001
        print(f"warm-up failed (the first question will load the models): {err}", file=sys.stderr)
        return
    print(f"models ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def start(engine) -> threading.Thread:
    thread = threading.Thread(target=warm_up, args=(engine,), name="qa-warm-up", daemon=True)
    thread.start()
    return thread
