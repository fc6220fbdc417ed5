"""Parameters at every entry point (issue 20, item 4): wrong types, empty and huge lists and odd
digits become an InputError with a short Chinese message (a few names, the counts), never another
exception, a traceback or a message that lists thousands of ids."""
from __future__ import annotations

import pytest
from conftest import FakeEmbedder

from qa.errors import InputError
from qa.query import check_k, k_from_request
from qa.web import reader

MANY = [f"unknown-{i}.txt" for i in range(10_000)]
SHORT = 300  # characters a message may take, at most


@pytest.mark.parametrize("call", ["search", "ask", "retrieve"])
@pytest.mark.parametrize("documents, says", [
    ([], "documents 是空的"),
    ((), "documents 是空的"),
    (5, "documents 必须是文档 ID 的列表，而不是 int"),
    (b"a.txt", "documents 必须是文档 ID 的列表"),
    ({"a.txt": 1}, "documents 必须是文档 ID 的列表"),
    ((d for d in ["a.txt"]), "documents 必须是文档 ID 的列表"),
    ([5, None], "文档 ID 必须是文本：有 2 个不是"),
    ([["a.txt"]], "文档 ID 必须是文本"),
    (["nope.txt"], "没有文档 'nope.txt'（现有 2 个文档：'a.txt'、'b.md'）"),
    (MANY, "有 10000 个未知文档 ID，例如 'unknown-0.txt'、'unknown-1.txt'、'unknown-2.txt'…"),
    (["a.txt"] + MANY, "有 10000 个未知文档 ID"),
], ids=["empty-list", "empty-tuple", "int", "bytes", "dict", "generator", "not-strings", "nested",
        "one-unknown", "10000-unknown", "known-and-unknown"])
def test_bad_documents_are_a_short_input_error(tiny_engine, call, documents, says):
    with pytest.raises(InputError) as err:
        getattr(tiny_engine, call)("学校", documents=documents)
    message = str(err.value)
    assert says in message and len(message) < SHORT, message
    assert "unknown-9999" not in message


def test_good_documents_in_any_collection_and_with_repeats(tiny_engine):
    for documents in (["b.md"], ("b.md",), {"b.md"}, "b.md", ["b.md"] * 10_000):
        assert {h.doc_id for h in tiny_engine.search("学校", k=3, documents=documents)} == {"b.md"}


def test_a_long_document_id_is_cut_in_the_message(tiny_engine):
    with pytest.raises(InputError) as err:
        tiny_engine.search("学校", documents=["x" * 100_000])
    assert len(str(err.value)) < SHORT
    with pytest.raises(InputError) as err:
        tiny_engine.document("y" * 100_000)
    assert len(str(err.value)) < SHORT and "没有文档" in str(err.value)
    with pytest.raises(InputError):
        tiny_engine.document(["a.txt"])  # unhashable


def test_check_documents_keeps_none_and_drops_repeats():
    from qa.query import check_documents
    assert check_documents(None, {"a"}) is None
    assert check_documents(["a", "a", "b"], {"a", "b"}) == ("a", "b")
    with pytest.raises(InputError, match="语料中还没有文档"):
        check_documents(["a"], set())


@pytest.mark.parametrize("k", [10 ** 5000, -10 ** 5000, "9" * 5000, "²", "٣", "１", "5 5", 1e308, float("nan"),
                               float("inf"), [5], {"k": 5}, b"5", None, True], ids=lambda v: type(v).__name__)
def test_odd_k_is_a_short_input_error_naming_k(k):
    with pytest.raises(InputError) as err:
        k_from_request(k)
    assert "k（返回的段落数）" in str(err.value) and len(str(err.value)) < SHORT
    if not isinstance(k, str):
        with pytest.raises(InputError) as err:
            check_k(k)
        assert len(str(err.value)) < SHORT


@pytest.mark.parametrize("k", [10 ** 5000, 0, 101, "5", 2.0], ids=lambda v: type(v).__name__)
def test_the_api_refuses_odd_k(tiny_engine, k):
    with pytest.raises(InputError, match="k（返回的段落数）"):
        tiny_engine.search("学校", k=k)


# ---------------------------------------------------------------- the reader's URL parameters

@pytest.mark.parametrize("value", ["²", "٣", "１２", "9" * 5000, "-1", " 5", "5 ", "+5", "0x10", "", None, "1e3",
                                   "5" * 20], ids=lambda v: repr(v)[:12])
def test_a_reader_offset_that_is_not_plain_digits_in_range_is_ignored(value):
    assert reader.parse_offset(value, 1000) == -1


def test_a_reader_offset_in_range_is_read():
    assert reader.parse_offset("0", 10) == 0 and reader.parse_offset("10", 10) == 10
    assert reader.parse_offset("11", 10) == -1


@pytest.mark.parametrize("marks", ["²-³", "1-²", "9" * 5000 + "-1", "1-" + "9" * 5000, "٣-٤", "-", ",,,", "5-3"],
                         ids=lambda v: v[:12])
def test_odd_marks_are_ignored(marks):
    assert reader.parse_marks(marks, 1000) == ()


def test_marks_are_read_and_bounded():
    assert reader.parse_marks("1-5,²-3,7-9", 100) == ((1, 5), (7, 9))
    assert len(reader.parse_marks(",".join(["1-2"] * 100_000), 100)) == reader.MAX_MARKS


def test_a_reader_page_with_odd_parameters_still_renders(tiny_engine):
    doc = tiny_engine.document("a.txt")
    n = len(doc.text)
    page = reader.reader_page(doc, reader.parse_offset("²", n), reader.parse_offset("9" * 5000, n),
                              reader.parse_marks("²-³", n))
    assert 'lang="zh-CN"' in page and 'id="qa-here"' not in page


# ---------------------------------------------------------------- the command line

@pytest.fixture
def cli(tiny_corpus, tmp_path, monkeypatch, capsys):
    import qa.cli
    import qa.engine as engine_mod

    monkeypatch.setattr(engine_mod, "load_embedder", lambda model=None: FakeEmbedder())
    monkeypatch.setattr(engine_mod, "is_available", lambda: False)

    def run(*args):
        try:
            code = qa.cli.main(["--corpus", str(tiny_corpus), "--index", str(tmp_path / "index"), *args])
        except SystemExit as exc:  # a usage error: argparse exits
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.mark.parametrize("args, says", [
    (["search", "学校", "--doc", "nope.txt"], "没有文档 'nope.txt'"),
    (["search", "学校", *sum((["--doc", f"n{i}.txt"] for i in range(500)), [])], "有 500 个未知文档 ID"),
    (["ask", "学校", "--doc", "a.txt", "--doc", "x.txt", "--doc", "y.txt"], "有 2 个未知文档 ID"),
    (["search", "学校", "-k", "0"], "k（返回的段落数）"),
    (["search", "学校", "-k", "²"], "k（返回的段落数）必须是整数，而不是 '²'"),
    (["search", "学校", "-k", "9" * 5000], "k（返回的段落数）"),
])
def test_cli_parameters_give_one_error_line(cli, args, says):
    code, out, err = cli(*args)
    assert code == 2 and not out
    assert err.startswith("error: ") and err.count("\n") == 1 and says in err and len(err) < SHORT, err


def test_cli_doc_filter_works(cli):
    code, out, _err = cli("search", "学校", "--doc", "b.md", "--doc", "b.md", "--json")
    assert code == 0 and out.count('"doc_id": "b.md"') == len(out.splitlines()) > 0
