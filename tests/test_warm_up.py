"""Warm-up: ``Engine.warm_up`` loads both encoders (main first), the app runs it in the background
and a failure never stops the app."""
from __future__ import annotations

import pytest


class Recorder:
    def __init__(self, log, name):
        self.log, self.name = log, name

    def warm_up(self):
        self.log.append(f"{self.name}.warm_up")
        return self


def test_engine_warm_up_loads_the_main_encoder_then_the_answer_path_then_the_cross_lingual_one(
        tiny_engine, monkeypatch):
    log = []
    monkeypatch.setattr(tiny_engine.embedder, "warm_up", Recorder(log, "embedder").warm_up, raising=False)
    monkeypatch.setattr(tiny_engine, "cross", Recorder(log, "cross"))
    ask = tiny_engine.ask
    monkeypatch.setattr(tiny_engine, "ask", lambda q, **kw: log.append(f"ask:{q}") or ask(q, **kw))
    monkeypatch.setattr(tiny_engine, "search", lambda q, **kw: log.append(f"search:{q}") or [])
    assert tiny_engine.warm_up() is tiny_engine
    assert log == ["embedder.warm_up", "ask:预热", "cross.warm_up", "search:warm up"]


def test_engine_warm_up_without_a_cross_lingual_encoder(tiny_engine, monkeypatch):
    log = []
    monkeypatch.setattr(tiny_engine, "cross", None)
    monkeypatch.setattr(tiny_engine, "search", lambda q, **kw: log.append(f"search:{q}") or [])
    tiny_engine.warm_up()
    assert log == []  # no cross-lingual search without the encoder


class FakeEngine:
    def __init__(self, fail=False):
        self.fail, self.calls = fail, 0

    def warm_up(self):
        self.calls += 1
        if self.fail:
            raise RuntimeError("boom")
        return self


def test_the_app_warms_the_engine_up_in_a_thread_and_a_failure_is_only_reported(capsys):
    pytest.importorskip("gradio")
    from qa.web import warmup

    engine = FakeEngine()
    warmup.start(engine).join(timeout=60)
    assert engine.calls == 1 and "models ready" in capsys.readouterr().err
    warmup.warm_up(FakeEngine(fail=True))  # logs, never raises
    assert "warm-up failed" in capsys.readouterr().err
