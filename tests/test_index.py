import json

import numpy as np
import pytest

import qa
from fixtures import FakeEmbedder

from qa.errors import IndexFileError
from qa.index import current_version, load_index, read_manifest, sentence_spans, stale_reason
import qa.store.faiss as store_faiss


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
    assert set(m["checksums"]) == {"chunks.json", "tokens.json", "passages.faiss", "sentences.faiss"}
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
    assert isinstance(records["chunks"]["text"], list)
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
    def refuse(data, folder):
        raise PermissionError(13, "Read-only file system", str(folder))

    monkeypatch.setattr(store_faiss, "save_index", refuse)
    eng = qa.open(tiny_corpus, tmp_path / "ro-index", embedder=fake_embedder, progress=False)
    assert eng.search("学校") and "using it from memory" in caplog.text


MANIFEST_DAMAGE = {
    "a list": lambda m: [],
    "a number": lambda m: 1,
    "a string": lambda m: "manifest",
    "null": lambda m: None,
    "checksums a list": lambda m: dict(m, checksums=[]),
    "checksums a string": lambda m: dict(m, checksums="abc"),
    "checksum values not strings": lambda m: dict(m, checksums={k: 1 for k in m["checksums"]}),
    "corpus not an object": lambda m: dict(m, corpus=["a.txt"]),
    "n_chunks a string": lambda m: dict(m, n_chunks="12"),
    "dim a bool": lambda m: dict(m, dim=True),
    "documents missing": lambda m: {k: v for k, v in m.items() if k != "documents"},
}


@pytest.mark.parametrize("damage", list(MANIFEST_DAMAGE))
def test_manifest_of_the_wrong_shape_is_damage_and_healed(tiny_corpus, tmp_path, fake_embedder, tiny_engine, damage):
    root = tmp_path / "index"
    path = current_version(root) / "manifest.json"
    path.write_text(json.dumps(MANIFEST_DAMAGE[damage](json.loads(path.read_text()))), encoding="utf-8")
    with pytest.raises(IndexFileError, match="corrupt index manifest"):
        read_manifest(root)
    with pytest.raises(IndexFileError, match="corrupt index manifest"):
        qa.open(tiny_corpus, root, embedder=fake_embedder, rebuild=False)
    eng = qa.open(tiny_corpus, root, embedder=fake_embedder, progress=False)
    assert eng.search("学校") and read_manifest(root)["n_chunks"] == len(eng.data.chunks)


def test_cli_index_on_an_unwritable_folder_fails_with_the_reason(tiny_corpus, tmp_path, monkeypatch, capsys):
    """`python -m qa index` must not say "index ok" when nothing could be saved."""
    import qa.cli
    import qa.engine as engine_mod

    def refuse(data, folder):
        raise PermissionError(30, "Read-only file system", str(folder))

    monkeypatch.setattr(engine_mod, "load_embedder", lambda model=None: FakeEmbedder())
    monkeypatch.setattr(store_faiss, "save_index", refuse)
    monkeypatch.setattr(engine_mod, "is_available", lambda: False)
    code = qa.cli.main(["--corpus", str(tiny_corpus), "--index", str(tmp_path / "ro"), "index"])
    out, err = capsys.readouterr()
    assert code != 0 and "index ok" not in out
    assert "Read-only file system" in err and str(tmp_path / "ro") in err


def test_cli_index_on_a_path_that_cannot_be_a_folder(tiny_corpus, tmp_path, monkeypatch, capsys):
    import qa.cli
    import qa.engine as engine_mod

    monkeypatch.setattr(engine_mod, "load_embedder", lambda model=None: FakeEmbedder())
    monkeypatch.setattr(engine_mod, "is_available", lambda: False)
    (tmp_path / "file").write_text("x")
    code = qa.cli.main(["--corpus", str(tiny_corpus), "--index", str(tmp_path / "file" / "index"), "index"])
    out, err = capsys.readouterr()
    assert code != 0 and "index ok" not in out and "error" in err


def test_readers_never_fail_while_a_writer_replaces_versions(tiny_engine, tmp_path):
    """A reader whose version is deleted by a writer while it loads retries with the new CURRENT.
    Runs until the writer has replaced the version 10 times and the readers have loaded 30 times
    (a deadline only guards against a hang)."""
    import threading
    import time

    from qa.index import save_index

    root = tmp_path / "index"
    data = load_index(root)
    stop, errors, loads, writes = threading.Event(), [], [0], [0]

    def write():
        while not stop.is_set():
            save_index(data, root)
            writes[0] += 1

    def read():
        while not stop.is_set():
            try:
                assert len(load_index(root).chunks) == len(data.chunks)
                read_manifest(root)
                loads[0] += 1
            except Exception as exc:  # noqa: BLE001 - any failure is the bug
                errors.append(repr(exc))

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    while (writes[0] < 10 or loads[0] < 30) and not errors and time.monotonic() < deadline:
        stop.wait(0.05)
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert writes[0] >= 10 and loads[0] >= 30, (writes, loads)  # else the deadline ended it
    assert {p.name for p in root.iterdir()} == {"CURRENT", current_version(root).name}


# ---------------------------------------------------------------- incremental

class CountingEmbedder(FakeEmbedder):
    def __init__(self):
        super().__init__()
        self.texts: list[str] = []

    def embed_batch(self, texts):
        self.texts += list(texts)
        return super().embed_batch(texts)


def _reopened_after(change, corpus, index):
    """Index ``corpus``, apply ``change`` to it, open again: (engine, texts the second opening embedded)."""
    emb = CountingEmbedder()
    qa.open(corpus, index, embedder=emb, progress=False)
    change()
    emb.texts.clear()
    return qa.open(corpus, index, embedder=emb, progress=False), emb.texts


def test_adding_a_document_embeds_only_it(tiny_corpus, tmp_path):
    eng, embedded = _reopened_after(lambda: (tiny_corpus / "c.txt").write_text(
        "新文件\n新增一段关于地铁换乘枢纽建设的内容。", encoding="utf-8"), tiny_corpus, tmp_path / "index")
    assert embedded and all("换乘" in t or "新文件" in t for t in embedded)
    assert eng.data.manifest["embedded"] == ["c.txt"]
    assert eng.search("地铁换乘枢纽", k=1)[0].doc_id == "c.txt"
    full = qa.open(tiny_corpus, tmp_path / "full", embedder=FakeEmbedder(), progress=False)
    assert eng.data.chunks == full.data.chunks and eng.data.tokens == full.data.tokens
    assert (eng.data.passage_vectors == full.data.passage_vectors).all()


def test_removing_a_document_leaves_no_passage(tiny_corpus, tmp_path):
    eng, embedded = _reopened_after((tiny_corpus / "b.md").unlink, tiny_corpus, tmp_path / "index")
    assert embedded == []
    assert {c.doc_id for c in load_index(tmp_path / "index").chunks} == {"a.txt"}
    assert all(h.doc_id == "a.txt" for h in eng.search("新建学校 医院", k=100))


def test_changed_document_is_re_embedded(tiny_corpus, tmp_path):
    eng, embedded = _reopened_after(lambda: (tiny_corpus / "b.md").write_text(
        "# 教育报告\n## 学校\n新建学校五所，新增学位三千个。", encoding="utf-8"), tiny_corpus, tmp_path / "index")
    assert embedded and not any("厂通路" in t for t in embedded)
    assert "五所" in eng.search("新建学校", k=1)[0].text
    assert not any("三所" in h.text for h in eng.search("新建学校", k=100))


def test_refresh_picks_up_added_and_removed_documents(tiny_corpus, tmp_path):
    emb = CountingEmbedder()
    eng = qa.open(tiny_corpus, tmp_path / "index", embedder=emb, progress=False)
    assert eng.refresh() is False  # nothing changed: a stat per file, no work
    (tiny_corpus / "c.txt").write_text("新文件\n新增一段关于地铁换乘枢纽建设的内容。", encoding="utf-8")
    assert eng.refresh() is True
    assert "c.txt" in {d.id for d in eng.documents}
    assert eng.search("地铁换乘枢纽", k=1)[0].doc_id == "c.txt"
    assert eng.search("换乘", k=1, documents=["c.txt"])
    (tiny_corpus / "c.txt").unlink()
    assert eng.refresh() is True
    assert "c.txt" not in {d.id for d in eng.documents}
    assert all(h.doc_id != "c.txt" for h in eng.search("地铁换乘枢纽", k=100))
    assert eng.refresh() is False


def test_refresh_reuses_the_catalogue_in_memory(tiny_corpus, tmp_path, monkeypatch):
    """A refresh takes the unchanged documents from the running engine, not from the index on
    disk (no second copy held), and ends with the same catalogue a fresh build gives."""
    eng = qa.open(tiny_corpus, tmp_path / "index", embedder=FakeEmbedder(), progress=False)
    (tiny_corpus / "c.txt").write_text("新文件\n新增一段关于地铁换乘枢纽建设的内容。", encoding="utf-8")
    loads = []
    monkeypatch.setattr(store_faiss, "load_index", lambda *a, **k: loads.append(a) or load_index(*a, **k))
    assert eng.refresh() is True and loads == []
    full = qa.open(tiny_corpus, tmp_path / "fresh", embedder=FakeEmbedder(), progress=False)
    assert eng.data.chunks == full.data.chunks and eng.data.tokens == full.data.tokens
    assert np.array_equal(eng.data.passage_vectors, full.data.passage_vectors)
    # a catalogue built with other settings is not reused: the index on disk serves
    (tiny_corpus / "c.txt").unlink()
    other = qa.open(tiny_corpus, tmp_path / "index", embedder=FakeEmbedder(), progress=False,
                    reuse=qa.engine.replace(eng.data, manifest=dict(eng.data.manifest, tokenizer="other")))
    assert len(loads) == 1 and "c.txt" not in {c.doc_id for c in other.data.chunks}


def test_refresh_while_searching(tiny_corpus, tmp_path):
    import threading

    eng = qa.open(tiny_corpus, tmp_path / "index", embedder=FakeEmbedder(), progress=False)
    stop, errors = threading.Event(), []

    def search():
        while not stop.is_set():
            try:
                for h in eng.search("交通 学校", k=5):
                    if h.doc_id == "c.txt":  # looked up after the search, it may be gone or rewritten
                        continue
                    assert eng.document(h.doc_id).text[h.start:h.end] == h.text
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))

    threads = [threading.Thread(target=search) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(4):
        path = tiny_corpus / "c.txt"
        if i % 2 == 0:
            path.write_text(f"新文件{i}\n新增一段关于地铁换乘枢纽建设的内容{i}。", encoding="utf-8")
        else:
            path.unlink()
        assert eng.refresh()
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[:3]


def test_chunks_and_tokens_files_round_trip_and_share_values(tiny_engine):
    """chunks.json and tokens.json are columnar (no JSON object per passage): what is written reads
    back equal, with one object per document id, section path and token."""
    from qa.index import pack_chunks, pack_tokens, unpack_chunks, unpack_tokens

    data = tiny_engine.data
    records = json.loads(json.dumps(pack_chunks(data.chunks, data.sentences), ensure_ascii=False))
    chunks, sentences = unpack_chunks(records)
    assert chunks == data.chunks and sentences == data.sentences
    assert len(records["sections"]) == len({c.section for c in chunks})  # each path written once
    by_section = {}
    for c in chunks:
        assert by_section.setdefault(c.section, c.section) is c.section
    tokens = unpack_tokens(json.loads(json.dumps(pack_tokens(data.tokens), ensure_ascii=False)))
    assert tokens == data.tokens
    words = {}
    assert all(words.setdefault(t, t) is t for toks in tokens for t in toks)
    assert unpack_chunks(pack_chunks((), ())) == ((), ()) and unpack_tokens(pack_tokens(())) == ()
    bad = dict(pack_tokens([("交通", "学校")]), vocab=["交通"])  # a position past the vocabulary
    with pytest.raises(ValueError):
        unpack_tokens(bad)
