"""The app's background warm-up: both encoders loaded, a failure never stops the app."""
from __future__ import annotations

import pytest


class Recorder:
    def __init__(self, log, name):
        self.log, self.name = log, name

    def warm_up(self):
        self.log.append(f"{self.name}.warm_up")
        return self


class FakeEngine:
    def __init__(self, cross=True, fail=False):
        self.log = []
        self.embedder = Recorder(self.log, "embedder")
        self.cross = Recorder(self.log, "cross") if cross else None
        self.fail = fail

    def search(self, query, k=5):
        if self.fail:
            raise RuntimeError("boom")
        self.log.append(f"search:{query}")
        return []

    def ask(self, query, k=5):
        if self.fail:
            raise RuntimeError("boom")
        self.log.append(f"ask:{query}")


@pytest.fixture
def app_module(monkeypatch):
    pytest.importorskip("gradio")
    import app
    monkeypatch.setattr(app, "CROSS_WARM_UP_DELAY", 0)
    return app


def test_warm_up_loads_the_main_encoder_first_then_the_cross_lingual_one(app_module, capsys):
    engine = FakeEngine()
    app_module.warm_up(engine)
    assert engine.log == ["embedder.warm_up", "ask:预热", "cross.warm_up", "search:warm up"]
    assert "models ready" in capsys.readouterr().err


def test_warm_up_without_cross_encoder_and_after_a_failure(app_module, capsys):
    engine = FakeEngine(cross=False)
    app_module.warm_up(engine)
    assert engine.log == ["embedder.warm_up", "ask:预热"]
    app_module.warm_up(FakeEngine(fail=True))  # logs, never raises
    assert "warm-up failed" in capsys.readouterr().err
