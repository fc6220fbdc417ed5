"""Faults: a build killed at any moment, damaged index files, paths leading out of the corpus,
and a loader that only ever reads JSON and FAISS (never unpickles)."""
from __future__ import annotations

import ast
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures import FakeEmbedder

import qa
import qa.index
from qa.corpus import load_corpus
from qa.errors import CorpusError, IndexFileError, QAError
from qa.index import current_version, load_index, pack_chunks, read_manifest, unpack_chunks

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

# A build in its own process, with a hook that announces the chosen stage (by writing `marker`)
# and then sleeps there, so the test can SIGKILL it at exactly that point.
BUILDER = r'''
import os, sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from fixtures import FakeEmbedder
import qa, qa.index

corpus, index, stage, marker = sys.argv[1:5]

def arrive():
    Path(marker).write_text(str(os.getpid()))
    time.sleep(600)

class SlowEmbedder(FakeEmbedder):
    def embed_batch(self, texts):
        time.sleep(0.05)  # a slow model
        if stage == "embed":
            arrive()
        return super().embed_batch(texts)

if stage == "write":  # passages.faiss written into the .build-* folder, the rest not yet
    write = qa.index._write_faiss
    def slow_write(vectors, path):
        write(vectors, path)
        arrive()
    qa.index._write_faiss = slow_write

if stage == "swap":  # version folder complete and renamed, CURRENT not yet swapped
    replace = os.replace
    def slow_replace(src, dst):
        if Path(dst).name == "CURRENT":
            arrive()
        return replace(src, dst)
    os.replace = slow_replace

qa.open(corpus, index, embedder=SlowEmbedder(), progress=False)
print("finished")
'''


def tree(root: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under ``root``."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def fresh(corpus: Path, index: Path) -> qa.Engine:
    return qa.open(corpus, index, embedder=FakeEmbedder(), progress=False)


# ---------------------------------------------------------------- (a) killed builds

@pytest.mark.slow
@pytest.mark.parametrize("stage", ["embed", "write", "swap"])
def test_sigkill_during_rebuild_leaves_the_previous_index_live(tiny_corpus, tmp_path, stage):
    root = tmp_path / "index"
    fresh(tiny_corpus, root)
    old_version = current_version(root)
    old_files = tree(root)

    (tiny_corpus / "c.txt").write_text("新文件\n新增一段关于地铁换乘的内容。", encoding="utf-8")
    script = tmp_path / "builder.py"
    script.write_text(BUILDER.format(tests=str(TESTS)), encoding="utf-8")
    marker = tmp_path / "arrived"
    proc = subprocess.Popen([sys.executable, str(script), str(tiny_corpus), str(root), stage, str(marker)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the build never reached the kill point"
            time.sleep(0.05)
        names = {p.name for p in root.iterdir()}
        if stage == "embed":
            assert names == {"CURRENT", old_version.name}  # nothing written while embedding
        elif stage == "write":
            builds = [p for p in root.iterdir() if p.name.startswith(".build-")]
            assert len(builds) == 1 and (builds[0] / "passages.faiss").exists()
        else:
            assert len([n for n in names if n.startswith("v-")]) == 2
            assert any(n.startswith(".CURRENT.") for n in names)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    # The previous version is still live, complete and byte-for-byte unchanged.
    assert current_version(root) == old_version
    now = tree(root)
    assert {k: v for k, v in now.items() if k == "CURRENT" or k.startswith(old_version.name)} == old_files
    data = load_index(root)
    assert set(data.manifest["corpus"]) == {"a.txt", "b.md"}
    # It is stale (the corpus changed), so it is refused without rebuilding ...
    with pytest.raises(IndexFileError, match="corpus changed"):
        qa.open(tiny_corpus, root, embedder=FakeEmbedder(), rebuild=False)
    # ... and the next open rebuilds it, sweeping away what the killed build left behind.
    eng = fresh(tiny_corpus, root)
    assert "c.txt" in {d.id for d in eng.documents}
    assert "地铁换乘" in eng.search("地铁换乘", k=1)[0].text
    new_version = current_version(root)
    assert new_version != old_version
    assert {p.name for p in root.iterdir()} == {"CURRENT", new_version.name}
    assert set(load_index(root).manifest["corpus"]) == {"a.txt", "b.md", "c.txt"}


@pytest.mark.slow
def test_killed_build_without_previous_index(tiny_corpus, tmp_path):
    """Killed during the very first build: no index (not a broken one), and the next open builds."""
    root = tmp_path / "index"
    script = tmp_path / "builder.py"
    script.write_text(BUILDER.format(tests=str(TESTS)), encoding="utf-8")
    marker = tmp_path / "arrived"
    proc = subprocess.Popen([sys.executable, str(script), str(tiny_corpus), str(root), "write", str(marker)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert current_version(root) is None and read_manifest(root) is None
    with pytest.raises(IndexFileError, match="no index"):
        load_index(root)
    with pytest.raises(IndexFileError, match="no index yet"):
        qa.open(tiny_corpus, root, embedder=FakeEmbedder(), rebuild=False)
    fresh(tiny_corpus, root)
    assert {p.name for p in root.iterdir()} == {"CURRENT", current_version(root).name}


def test_failed_save_cleans_up_and_keeps_the_old_index(tiny_corpus, tmp_path, monkeypatch):
    """An exception while writing (e.g. disk full) removes the half-written build folder."""
    root = tmp_path / "index"
    fresh(tiny_corpus, root)
    old_version, old_files = current_version(root), tree(root)

    def disk_full(vectors, path):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(qa.index, "_write_faiss", disk_full)
    (tiny_corpus / "c.txt").write_text("新文件\n新增一段内容。", encoding="utf-8")
    with pytest.raises(OSError, match="磁盘空间不足"):
        qa.index.save_index(qa.index.build_index(*load_corpus(tiny_corpus), FakeEmbedder()), root)
    assert current_version(root) == old_version and tree(root) == old_files


# FAISS reports a full disk as a RuntimeError (its message as seen on a full 64 KB tmpfs)
FAISS_DISK_FULL = ("Error in void faiss::write_index(const Index*, IOWriter*, int) at "
                   "/project/faiss/impl/index_write.cpp:499: Error: 'ret == (size * 4)' failed: write error "
                   "in {path}: 8147 != 50944 (No space left on device)")


@pytest.fixture
def full_disk(monkeypatch):
    """FAISS's writes fail as on a full disk."""
    import faiss

    def write_index(index, path):
        raise RuntimeError(FAISS_DISK_FULL.format(path=path))

    monkeypatch.setattr(faiss, "write_index", write_index)


def test_disk_full_while_faiss_writes_is_an_os_error_saying_so(tiny_corpus, tmp_path, full_disk):
    """FAISS's RuntimeError becomes the OSError a full disk is (handled where saving is)."""
    root = tmp_path / "index"
    data = qa.index.build_index(*load_corpus(tiny_corpus), FakeEmbedder())
    with pytest.raises(OSError) as err:
        qa.index.save_index(data, root)
    assert err.value.errno == 28 and "磁盘空间不足（No space left on device）" in err.value.strerror
    assert current_version(root) is None and not any(root.iterdir())  # nothing half-written left
    with pytest.raises(IndexFileError, match=f"无法保存索引到 {root}：磁盘空间不足"):
        qa.open(tiny_corpus, root, embedder=FakeEmbedder(), progress=False, cross=None, must_save=True)


@pytest.mark.parametrize("failure", ["faiss", "json"])
def test_cli_index_on_a_full_disk_prints_one_error_line(tiny_corpus, tmp_path, monkeypatch, capsys, failure):
    import faiss

    import qa.cli
    import qa.engine as engine_mod

    def faiss_full(index, path):
        raise RuntimeError(FAISS_DISK_FULL.format(path=path))

    real_write_text = Path.write_text

    def json_full(self, *args, **kwargs):
        if self.suffix == ".json":
            raise OSError(28, "No space left on device", str(self))
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(engine_mod, "load_embedder", lambda model=None: FakeEmbedder())
    monkeypatch.setattr(engine_mod, "is_available", lambda: False)
    if failure == "faiss":
        monkeypatch.setattr(faiss, "write_index", faiss_full)
    else:
        monkeypatch.setattr(Path, "write_text", json_full)
    code = qa.cli.main(["--corpus", str(tiny_corpus), "--index", str(tmp_path / "index"), "index"])
    out, err = capsys.readouterr()
    assert code == 2 and "index ok" not in out
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert "磁盘空间不足" in err and str(tmp_path / "index") in err


def test_search_on_a_full_disk_serves_the_index_from_memory(tiny_corpus, tmp_path, full_disk, caplog):
    eng = qa.open(tiny_corpus, tmp_path / "index", embedder=FakeEmbedder(), progress=False, cross=None)
    assert eng.search("学校") and "using it from memory" in caplog.text
    (tiny_corpus / "c.txt").write_text("新文件\n新建体育馆一座，新增一段内容。", encoding="utf-8")
    assert eng.refresh() and eng.search("体育馆", documents=["c.txt"])  # an update is served too


def _mount_tmpfs(target: Path, size: str) -> bool:
    """Mount a tmpfs of ``size`` on ``target`` (root only; False when it cannot be done)."""
    import ctypes

    if os.geteuid() != 0:
        return False
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    return libc.mount(b"tmpfs", bytes(target), b"tmpfs", 0, f"size={size}".encode()) == 0


def test_a_real_full_disk_is_an_index_file_error(tiny_corpus, tmp_path):
    """A 64 KB tmpfs: the real FAISS and file-system errors, not a simulation of them."""
    import ctypes

    for name in list(os.listdir(tiny_corpus)):  # a corpus whose index needs more than 64 KB
        path = tiny_corpus / name
        path.write_text(path.read_text(encoding="utf-8") * 20, encoding="utf-8")
    root = tmp_path / "small-disk"
    root.mkdir()
    if not _mount_tmpfs(root, "64k"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        data = qa.index.build_index(*load_corpus(tiny_corpus), FakeEmbedder())
        with pytest.raises(OSError, match="磁盘空间不足"):
            qa.index.save_index(data, root)
        assert not any(root.iterdir())
        eng = qa.open(tiny_corpus, root, embedder=FakeEmbedder(), progress=False, cross=None)
        assert eng.search("学校")
        with pytest.raises(IndexFileError, match="磁盘空间不足"):
            qa.open(tiny_corpus, root, embedder=FakeEmbedder(), progress=False, cross=None, must_save=True)
    finally:
        ctypes.CDLL("libc.so.6").umount2(bytes(root), 2)  # MNT_DETACH


# ---------------------------------------------------------------- (b) damaged files

def _rewrite_checksum(version: Path, name: str) -> None:
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    manifest["checksums"][name] = hashlib.sha256((version / name).read_bytes()).hexdigest()
    (version / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def _truncate(version: Path, name: str, keep: float = 0.5) -> None:
    data = (version / name).read_bytes()
    (version / name).write_bytes(data[:int(len(data) * keep)])


DAMAGE = {
    "chunks.json truncated": (lambda v: _truncate(v, "chunks.json"), "checksum"),
    "sentences.faiss truncated": (lambda v: _truncate(v, "sentences.faiss"), "checksum"),
    "passages.faiss emptied": (lambda v: _truncate(v, "passages.faiss", 0), "checksum"),
    "sentences.faiss deleted": (lambda v: (v / "sentences.faiss").unlink(), "missing"),
    "chunks.json bit flip": (lambda v: (v / "chunks.json").write_bytes(
        (v / "chunks.json").read_bytes().replace("道路".encode(), "道理".encode(), 1)), "checksum"),
    "checksums removed": (lambda v: (v / "manifest.json").write_text(json.dumps(
        {k: x for k, x in json.loads((v / "manifest.json").read_text()).items() if k != "checksums"})),
        "checksum"),
    "manifest deleted": (lambda v: (v / "manifest.json").unlink(), "corrupt index manifest"),
    "manifest truncated": (lambda v: _truncate(v, "manifest.json"), "corrupt index manifest"),
    # damage that passes the checksum (the manifest was rewritten to match): still caught
    "sentences.faiss garbage, checksum matching": (
        lambda v: ((v / "sentences.faiss").write_bytes(b"IxFI" + b"\x00" * 40), _rewrite_checksum(v, "sentences.faiss")),
        "cannot read index"),
    "chunks.json one chunk short, checksum matching": (
        lambda v: ((v / "chunks.json").write_text(json.dumps(
            (lambda c, s: pack_chunks(c[:-1], s))(*unpack_chunks(json.loads((v / "chunks.json").read_text()))),
            ensure_ascii=False), encoding="utf-8"), _rewrite_checksum(v, "chunks.json")),
        "inconsistent"),
    "chunks.json wrong shape, checksum matching": (
        lambda v: ((v / "chunks.json").write_text('{"chunks": {"nope": 1}, "sentences": []}'),
                   _rewrite_checksum(v, "chunks.json")),
        "cannot read index"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_is_refused_or_rebuilt(tiny_corpus, tmp_path, damage):
    root = tmp_path / "index"
    eng = fresh(tiny_corpus, root)
    expected = [(h.doc_id, h.start, h.end) for h in eng.search("厂通路 大桥", k=3)]
    version = current_version(root)
    hurt, message = DAMAGE[damage]
    hurt(version)
    with pytest.raises(IndexFileError, match=message):
        load_index(root)
    with pytest.raises(IndexFileError, match=message):
        qa.open(tiny_corpus, root, embedder=FakeEmbedder(), rebuild=False)
    eng = fresh(tiny_corpus, root)
    assert [(h.doc_id, h.start, h.end) for h in eng.search("厂通路 大桥", k=3)] == expected
    assert current_version(root) != version and not version.exists()
    assert load_index(root).manifest["n_chunks"] == len(eng.data.chunks)


@pytest.mark.parametrize("pointer", ["", "\n", "v-missing", "../outside", "/etc", "v-a/../../x", "\x00\x01"])
def test_bad_current_pointer(tiny_corpus, tmp_path, pointer):
    root = tmp_path / "index"
    fresh(tiny_corpus, root)
    (root / "CURRENT").write_text(pointer, encoding="utf-8")
    with pytest.raises(IndexFileError, match="missing index version"):
        load_index(root)
    assert fresh(tiny_corpus, root).search("学校")


def test_current_pointer_that_is_not_text(tiny_corpus, tmp_path):
    root = tmp_path / "index"
    fresh(tiny_corpus, root)
    (root / "CURRENT").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(IndexFileError):
        qa.open(tiny_corpus, root, embedder=FakeEmbedder(), rebuild=False)
    assert fresh(tiny_corpus, root).search("学校")


def test_index_path_that_is_a_file(tiny_corpus, tmp_path):
    (tmp_path / "index").write_text("not a folder")
    with pytest.raises(IndexFileError):
        qa.open(tiny_corpus, tmp_path / "index", embedder=FakeEmbedder(), rebuild=False)
    # rebuilding cannot save there either, but the engine still serves from memory
    assert fresh(tiny_corpus, tmp_path / "index").search("学校")


# ---------------------------------------------------------------- (c) nothing outside the corpus

def test_document_ids_are_relative_paths_inside_the_corpus(tiny_corpus):
    (tiny_corpus / "sub" / "deeper").mkdir(parents=True)
    (tiny_corpus / "sub" / "deeper" / "c.txt").write_text("深层报告\n地下管廊建设。", encoding="utf-8")
    docs, prints = load_corpus(tiny_corpus)
    assert [d.id for d in docs] == ["a.txt", "b.md", "sub/deeper/c.txt"] == list(prints)
    for d in docs:
        assert not d.id.startswith("/") and ".." not in d.id.split("/") and "\\" not in d.id
        assert (tiny_corpus / d.id).resolve().is_relative_to(tiny_corpus.resolve())


@pytest.mark.parametrize("doc_id", ["../../etc/passwd", "/etc/passwd", "../corpus/a.txt", "./a.txt",
                                    "sub/../a.txt", "a.txt/", "A.TXT", "", "a.txt\x00", "%2e%2e/etc/passwd",
                                    "..\\..\\windows\\win.ini"])
def test_document_lookup_never_touches_the_file_system(tiny_engine, tiny_corpus, doc_id, monkeypatch):
    import builtins
    import io

    def no_open(*args, **kwargs):
        raise AssertionError(f"document() opened a file: {args[0]!r}")

    with monkeypatch.context() as m:
        m.setattr(builtins, "open", no_open)
        m.setattr(io, "open", no_open)
        with pytest.raises(QAError, match="没有文档"):
            tiny_engine.document(doc_id)


def test_document_by_absolute_path_is_refused(tiny_engine, tiny_corpus):
    with pytest.raises(QAError):
        tiny_engine.document(str(tiny_corpus / "a.txt"))
    assert tiny_engine.document("a.txt").id == "a.txt"


def test_symlinks_leading_outside_are_skipped(tmp_path, tiny_corpus, caplog):
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "secret.txt").write_text("机密\n不应被索引的外部文件内容。", encoding="utf-8")
    (outside / "dir" / "more.txt").write_text("机密二\n另一份外部文件。", encoding="utf-8")
    (tiny_corpus / "link.txt").symlink_to(outside / "secret.txt")
    (tiny_corpus / "linkdir").symlink_to(outside / "dir", target_is_directory=True)
    (tiny_corpus / "rel.txt").symlink_to(Path("..") / "outside" / "secret.txt")
    (tiny_corpus / "inside.txt").symlink_to(tiny_corpus / "a.txt")  # inside: allowed (a duplicate here)
    (tiny_corpus / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (tiny_corpus / "loop").symlink_to(tiny_corpus, target_is_directory=True)
    with caplog.at_level(logging.WARNING, logger="qa.corpus"):
        docs, prints = load_corpus(tiny_corpus)
    assert [d.id for d in docs] == ["a.txt", "b.md"]
    assert not any("机密" in d.text for d in docs)
    assert "link.txt" in caplog.text and "rel.txt" in caplog.text and "outside the corpus" in caplog.text
    eng = qa.open(tiny_corpus, tmp_path / "index", embedder=FakeEmbedder(), progress=False)
    with pytest.raises(QAError):
        eng.document("link.txt")


def test_corpus_that_is_itself_a_symlink(tmp_path, tiny_corpus):
    link = tmp_path / "corpus-link"
    link.symlink_to(tiny_corpus, target_is_directory=True)
    docs, _ = load_corpus(link)
    assert [d.id for d in docs] == ["a.txt", "b.md"]


def test_only_symlinks_outside_means_no_documents(tmp_path):
    (tmp_path / "outside.txt").write_text("外部\n外部内容。", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "x.txt").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(CorpusError, match="no documents"):
        load_corpus(corpus)


# ---------------------------------------------------------------- (d) no unpickling

def test_loader_runs_with_pickle_and_numpy_load_disabled(tiny_corpus, tmp_path, monkeypatch):
    import pickle

    import numpy as np

    root = tmp_path / "index"
    fresh(tiny_corpus, root)
    # a planted pickle next to the real files is never looked at
    (current_version(root) / "chunks.pkl").write_bytes(pickle.dumps({"evil": True}))

    def forbidden(*args, **kwargs):
        raise AssertionError("the index loader must never unpickle")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    data = load_index(root)
    assert data.chunks and data.passage_vectors.shape[0] == len(data.chunks)
    eng = qa.open(tiny_corpus, root, embedder=FakeEmbedder(), rebuild=False)
    assert eng.search("学校", k=1)


def test_index_module_reads_only_json_and_faiss():
    tree_ = ast.parse(Path(qa.index.__file__).read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree_) if isinstance(n, ast.Import) for a in n.names}
    imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree_) if isinstance(n, ast.ImportFrom)}
    assert not imported & {"pickle", "cPickle", "dill", "joblib", "shelve", "marshal", "torch", "cloudpickle"}
    loads = {(ast.unparse(n.func.value), n.func.attr) for n in ast.walk(tree_)
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr in ("load", "loads", "read_index", "fromfile", "frombuffer")}
    assert loads <= {("json", "loads"), ("json", "load"), ("faiss", "read_index"), ("np", "frombuffer")}, loads
    assert ("faiss", "read_index") in loads and ("json", "loads") in loads
    # base64 arrays are read as little-endian integers only, never an object dtype
    dtypes = {ast.literal_eval(a) for n in ast.walk(tree_) if isinstance(n, ast.Call)
              and getattr(n.func, "id", "") == "_unb64" for a in n.args[1:2]}
    assert dtypes and dtypes <= {"<i4", "<i8"}, dtypes


# ---------------------------------------------------------------- (e) what users type

from qa.errors import InputError  # noqa: E402
from qa.query import (MAX_K, MAX_QUERY_CHARS, MAX_RAW_CHARS, check_k, k_from_request,  # noqa: E402
                      last_sentence, prepare_query)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_huge_query_is_cut_before_any_per_character_work(monkeypatch):
    import qa.query
    seen = []
    real = qa.query.unicodedata.category

    def counting(ch):
        seen.append(ch)
        return real(ch)

    monkeypatch.setattr(qa.query.unicodedata, "category", counting)
    q = prepare_query("道路建设" * 50_000)  # 200,000 characters
    assert len(seen) <= MAX_RAW_CHARS
    assert q.truncated and len(q.text) == MAX_QUERY_CHARS and q.original_length == 200_000
    assert "200000" in q.notice and _has_cjk(q.notice)


def test_a_30_million_character_query_is_searched_by_its_start(tiny_engine):
    raw = "厂通路" + "。" * 30_000_000
    q = prepare_query(raw)
    assert q.text.startswith("厂通路") and len(q.text) <= MAX_QUERY_CHARS and q.truncated
    assert "厂通路" in tiny_engine.search(raw, k=1)[0].text


def test_a_long_paste_can_keep_its_question_at_the_end():
    paste = "道路建设稳步推进，厂通路建成通车。" * 200 + "以上材料里，新建了几所学校？请简要说明。"
    q = prepare_query(paste, keep="last_sentence")
    assert q.text == "以上材料里，新建了几所学校？" and q.truncated and q.kept == "last_sentence"
    assert "最后一句" in q.notice
    huge = "材料" * 20_000_000 + "。厂通路什么时候通车"  # 40M characters: only the tail is looked at
    assert prepare_query(huge, keep="last_sentence").text == "厂通路什么时候通车"
    short = "厂通路什么时候通车？谢谢"  # not long: kept whole
    assert prepare_query(short, keep="last_sentence").text == short
    assert last_sentence("一句话。第二句话；最后没有标点") == "最后没有标点"


@pytest.mark.parametrize("raw, expected", [
    ("交通\ud800", "交通"),
    ("\udcff交通", "交通"),  # what `python -m qa search $'\xff交通'` receives
    ("厂\udfff通路\ud83d", "厂通路"),
    ("厂\u200b通\x00路\t\n大\ufeff桥", "厂通路 大桥"),
])
def test_surrogates_and_invisible_characters_are_dropped(tiny_engine, raw, expected):
    q = prepare_query(raw)
    assert q.text == expected
    q.text.encode("utf-8")  # always encodable
    hits = tiny_engine.search(raw, k=1)
    assert hits and tiny_engine.ask(raw).text


@pytest.mark.parametrize("raw", ["𠀀𠀁𠀂", "通州𪚥交通", "马克・吐温", "ＧＤＰ增长", "What is the GDP target?"])
def test_chinese_rare_characters_and_english_are_words(raw):
    assert prepare_query(raw).text


@pytest.mark.parametrize("raw, language", [
    ("교통 프로젝트", "韩语"),
    ("통주구 교통은?", "韩语"),
    ("こうつう", "日语"),
    ("カタカナ", "日语"),
    ("2024年の地域総生産の成長目標は何ですか", "日语"),
    ("Какой план на 2024 год?", "这种文字"),
])
def test_unsupported_languages_get_an_honest_message(tiny_engine, raw, language):
    with pytest.raises(InputError, match=language):
        prepare_query(raw)
    with pytest.raises(InputError, match="请用中文提问"):
        tiny_engine.ask(raw)


@pytest.mark.parametrize("raw", ["", "   ", "\u200b\ufeff", "？？！！", "🙂🎉", "\ud800\udc00", None, 42, b"\xe4\xba\xa4"])
def test_input_errors_are_in_chinese(raw):
    with pytest.raises(InputError) as info:
        prepare_query(raw)
    assert _has_cjk(str(info.value)), str(info.value)


@pytest.mark.parametrize("k", [0, -1, MAX_K + 1, 10_000, 2.5, "5", True, None, [1]])
def test_bad_k_is_refused_in_chinese_naming_k(k):
    with pytest.raises(InputError) as info:
        check_k(k)
    assert str(info.value).startswith("k") and _has_cjk(str(info.value))


@pytest.mark.parametrize("value, expected", [(5, 5), ("5", 5), (" 7 ", 7), (3.0, 3), (MAX_K, MAX_K)])
def test_k_from_a_request(value, expected):
    assert k_from_request(value) == expected


@pytest.mark.parametrize("value", ["abc", "1e3", "", "2.5", None, [1], {"k": 1}, 2.5, True, False,
                                   0, "0", "101", float("nan"), float("inf"), "9" * 5000])
def test_bad_k_from_a_request_names_k(value):
    with pytest.raises(InputError) as info:
        k_from_request(value)
    assert str(info.value).startswith("k") and _has_cjk(str(info.value))


# ---------------------------------------------------------------- (f) starting the app

import socket  # noqa: E402

from qa.launch import port_problem  # noqa: E402


@pytest.fixture
def taken_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_a_free_port_has_no_problem():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert port_problem("127.0.0.1", port) is None


def test_a_taken_port_is_named_with_the_fix(taken_port):
    message = port_problem("127.0.0.1", taken_port)
    assert f"端口 {taken_port} 已被占用" in message and "--port" in message and "\n" not in message


@pytest.mark.parametrize("port", [0, -1, 65536, 70000, True])
def test_a_port_out_of_range_is_named(port):
    message = port_problem("127.0.0.1", port)
    assert str(port) in message and "1 到 65535" in message and "--port" in message


def test_an_unknown_host_is_named():
    assert "--host" in port_problem("no-such-host.invalid", 7860)


def _app(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", **(env or {}))
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=300)


@pytest.mark.slow
def test_app_on_a_taken_port_says_so_in_one_line(taken_port):
    r = _app("--port", str(taken_port))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(taken_port) in lines[0], r.stderr
    assert "--port" in lines[0]


@pytest.mark.slow
def test_app_on_a_port_out_of_range_says_so_in_one_line():
    r = _app("--port", "70000")
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "70000" in lines[0] and "--port" in lines[0], r.stderr


@pytest.mark.slow  # imports gradio
@pytest.mark.parametrize("env, name", [
    ({"QA_LLM_BASE_URL": "http://127.0.0.1:8000/v1", "QA_LLM_MODEL": "m", "QA_LLM_TIMEOUT": "abc"},
     "QA_LLM_TIMEOUT"),
    ({"QA_LLM_BASE_URL": "127.0.0.1:8000/v1", "QA_LLM_MODEL": "m"}, "QA_LLM_BASE_URL"),
])
def test_app_warns_once_about_a_bad_llm_setting(monkeypatch, capsys, env, name):
    monkeypatch.syspath_prepend(str(ROOT))
    import app
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    _module, config = app._llm_config()
    assert config is None
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ") and name in lines[0]
    monkeypatch.delenv("QA_LLM_BASE_URL")
    monkeypatch.delenv("QA_LLM_MODEL")
    monkeypatch.delenv("QA_LLM_TIMEOUT", raising=False)
    assert app._llm_config()[1] is None and capsys.readouterr().err == ""  # off: nothing to say


@pytest.mark.slow
def test_real_engine_takes_surrogates_and_refuses_japanese_honestly(real_engine):
    """The real tokenizer raised TypeError on a lone surrogate; a Japanese question got an
    unrelated answer marked covered."""
    expected = [(h.doc_id, h.start) for h in real_engine.search("北三县交通", k=3)]
    assert [(h.doc_id, h.start) for h in real_engine.search("北三县\ud800交通\udcff", k=3)] == expected
    assert real_engine.ask("\udcff北三县交通有哪些项目").covered
    for question in ("通州区の2024年の地域総生産の成長目標は何ですか", "통주구 교통 프로젝트는?"):
        with pytest.raises(InputError, match="暂不支持"):
            real_engine.ask(question)


# ---------------------------------------------------------------- (g) the chat path

@pytest.mark.parametrize("typed", ["交通\ud800", "\udcff北三县\n交通", "\ud83d" * 400 + "交通"])
def test_a_surrogate_typed_into_the_chat_can_still_be_sent_as_json(typed):
    """orjson (Gradio's encoder) refuses lone surrogates: the chat stream used to break."""
    import orjson

    from qa.query import encodable
    from qa.web import chat
    orjson.dumps(chat.user_message(typed))
    assert encodable(typed) == "".join(ch for ch in typed if not "\ud800" <= ch <= "\udfff")
    assert encodable("北三县\n交通") == "北三县\n交通"


@pytest.mark.slow  # imports gradio
@pytest.mark.parametrize("typed", ["交通\ud800", "\udcff北三县交通有哪些项目", "材料。" * 300 + "\ud800交通？"])
def test_the_question_kept_in_the_conversation_is_json_safe(typed, monkeypatch):
    import orjson
    monkeypatch.syspath_prepend(str(ROOT))
    import app
    question, _note = app.fit_question(typed)
    orjson.dumps([question])
    assert "交通" in question


@pytest.mark.parametrize("history", [["？？"], ["こうつう"], [None, 42], ["🙂"], ["\u200b"]])
def test_an_unusable_earlier_question_does_not_fail_the_question_asked_now(tiny_engine, history):
    expected = tiny_engine.ask("那2024年呢？").text  # a follow-up with nothing usable to lean on
    assert tiny_engine.ask("那2024年呢？", history=history).text == expected


def test_earlier_questions_are_cleaned_and_bounded():
    from qa.query import usable_history
    assert usable_history(["交通\ud800", "？？", "道路" * 10_000_000, "学校"]) == ["交通", "道路" * 250, "学校"]
    assert usable_history(["问题"] * 1000) == ["问题"] * 20
    assert usable_history("道路") == [] and usable_history(None) == []
