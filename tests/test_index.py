import json

import pytest

import qa
from qa.errors import IndexFileError
from qa.index import current_version, load_index, read_manifest, sentence_spans, stale_reason


def test_sentence_spans_merge_short_ones():
    text = "短句。这是一个比较长的句子，说明情况。好。最后一句话也比较长一些。"
    spans = sentence_spans(text, 10)
    assert [text[s - 10:e - 10] for s, e in spans] == ["短句。这是一个比较长的句子，说明情况。", "好。最后一句话也比较长一些。"]


def test_build_save_load_round_trip(tiny_engine, tmp_path):
    data = load_index(tmp_path / "index")
    assert len(data.chunks) == len(tiny_engine.data.chunks)
    assert (data.passage_vectors == tiny_engine.data.passage_vectors).all()
    m = read_manifest(tmp_path / "index")
    assert m["model"] == "fake-bigrams" and m["dim"] == 64 and set(m["corpus"]) == {"a.txt", "b.md"}
    assert set(m["checksums"]) == {"chunks.json", "passages.faiss", "sentences.faiss"}
    assert stale_reason(m, m) is None


def test_reopen_reuses_index(tiny_corpus, tmp_path, fake_embedder, tiny_engine):
    calls = fake_embedder.calls
    qa.open(tiny_corpus, tmp_path / "index", embedder=fake_embedder, progress=False)
    assert fake_embedder.calls == calls  # nothing re-embedded


def test_changed_corpus_triggers_rebuild(tiny_corpus, tmp_path, fake_embedder, tiny_engine):
    before = current_version(tmp_path / "index")
    (tiny_corpus / "c.txt").write_text("新文件\n新增一段内容。", encoding="utf-8")
    with pytest.raises(IndexFileError, match="corpus changed"):
        qa.open(tiny_corpus, tmp_path / "index", embedder=fake_embedder, rebuild=False)
    eng = qa.open(tiny_corpus, tmp_path / "index", embedder=fake_embedder, progress=False)
    assert "c.txt" in {d.id for d in eng.documents}
    assert current_version(tmp_path / "index") != before and not before.exists()


def test_changed_model_triggers_rebuild(tiny_corpus, tmp_path, fake_embedder, tiny_engine):
    fake_embedder.name = "another-model"
    with pytest.raises(IndexFileError, match="model changed"):
        qa.open(tiny_corpus, tmp_path / "index", embedder=fake_embedder, rebuild=False)


def test_corrupt_file_detected_and_rebuilt(tiny_corpus, tmp_path, fake_embedder, tiny_engine):
    version = current_version(tmp_path / "index")
    path = version / "passages.faiss"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(IndexFileError, match="checksum"):
        qa.open(tiny_corpus, tmp_path / "index", embedder=fake_embedder, rebuild=False)
    eng = qa.open(tiny_corpus, tmp_path / "index", embedder=fake_embedder, progress=False)
    assert eng.search("厂通路", k=1)[0].text


def test_corrupt_manifest_and_pointer(tiny_corpus, tmp_path, fake_embedder, tiny_engine):
    root = tmp_path / "index"
    (current_version(root) / "manifest.json").write_text("{not json")
    with pytest.raises(IndexFileError, match="corrupt index manifest"):
        qa.open(tiny_corpus, root, embedder=fake_embedder, rebuild=False)
    (root / "CURRENT").write_text("../../etc")
    with pytest.raises(IndexFileError, match="missing index version"):
        qa.open(tiny_corpus, root, embedder=fake_embedder, rebuild=False)
    assert qa.open(tiny_corpus, root, embedder=fake_embedder, progress=False).search("学校")


def test_loader_never_unpickles(tiny_engine, tmp_path):
    version = current_version(tmp_path / "index")
    records = json.loads((version / "chunks.json").read_text(encoding="utf-8"))
    assert isinstance(records["chunks"], list)
    import qa.index as idx
    src = open(idx.__file__, encoding="utf-8").read()
    assert "pickle" not in src.replace("never pickle", "")


def test_fresh_index_is_only_read(tiny_corpus, tmp_path, fake_embedder, tiny_engine):
    """Opening an up-to-date index writes nothing, so a read-only index folder serves searches."""
    root = tmp_path / "index"
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
    assert qa.open(tiny_corpus, root, embedder=fake_embedder).search("学校")
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*")} == before


def test_unwritable_index_folder_serves_from_memory(tiny_corpus, tmp_path, fake_embedder, monkeypatch, caplog):
    import qa.engine as engine_mod

    def refuse(data, folder):
        raise PermissionError(13, "Read-only file system", str(folder))

    monkeypatch.setattr(engine_mod, "save_index", refuse)
    eng = qa.open(tiny_corpus, tmp_path / "ro-index", embedder=fake_embedder, progress=False)
    assert eng.search("学校") and "using it from memory" in caplog.text
