"""Command line: ``python -m qa index|search|ask|eval|add|remove|docs``. It only translates library errors into messages."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from . import settings
from .errors import InputError, QAError
from .query import DEFAULT_K


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one ``error:`` line like every other error."""

    def error(self, message):
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def _k(value: str) -> int:
    """``-k``: plain digits 1–100; anything else ("²", 5,000 digits) named briefly, in Chinese."""
    from .query import k_from_request
    try:
        return k_from_request(value)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _SettingsHelp(argparse.Action):
    """``--help-settings``: every QA_* variable with its default and meaning, then exit."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(settings.describe())
        parser.exit(0)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m qa", description="Search and question answering over policy reports.")
    p.add_argument("--help-settings", action=_SettingsHelp, nargs=0,
                   help="list every QA_* environment variable with its default, then exit")
    p.add_argument("--corpus", default=settings.get("QA_CORPUS"), help="corpus folder (default: corpus)")
    p.add_argument("--index", default=settings.get("QA_INDEX"), help="index folder (default: index)")
    p.add_argument("--model", default=None, help="embedding model: m3e-small (default), a folder or a HF id")
    p.add_argument("--no-rebuild", action="store_true", help="fail instead of rebuilding a stale index")
    p.add_argument("-v", "--verbose", action="store_true", help="say more, model loading included")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("index", help="build the index (or check it is up to date)").add_argument(
        "--force", action="store_true", help="rebuild even when up to date")
    s = sub.add_parser("search", help="print the passages that answer a query")
    s.add_argument("query")
    s.add_argument("-k", type=_k, default=DEFAULT_K)
    s.add_argument("--json", action="store_true", help="one JSON object per hit")
    s.add_argument("--doc", action="append", metavar="ID", help="only this document (repeatable; see `docs`)")
    a = sub.add_parser("ask", help="print a short answer with citations")
    a.add_argument("question")
    a.add_argument("-k", type=_k, default=DEFAULT_K)
    a.add_argument("--json", action="store_true")
    a.add_argument("--doc", action="append", metavar="ID", help="only this document (repeatable; see `docs`)")
    ad = sub.add_parser("add", help="copy files (.txt .md .docx .pdf .html) into the corpus and index them")
    ad.add_argument("files", nargs="+", metavar="FILE")
    ad.add_argument("--no-index", action="store_true", help="copy only; index on the next run")
    rm = sub.add_parser("remove", help="remove a document (its file) from the corpus and the index")
    rm.add_argument("id", metavar="ID")
    rm.add_argument("--no-index", action="store_true", help="remove only; re-index on the next run")
    sub.add_parser("docs", help="list the documents: id, format, region, years, passages, title")
    a.add_argument("--history", action="append", default=[], metavar="QUESTION",
                   help="an earlier question of the conversation (repeat, oldest first)")
    e = sub.add_parser("eval", help="evaluate retrieval (and answers) on JSONL question files")
    e.add_argument("file", nargs="?", help="retrieval questions (format of dev.jsonl)")
    e.add_argument("--answers", metavar="FILE", action="append", default=[],
                   help="answer questions (format of answers-dev.jsonl): share answered per kind")
    e.add_argument("--ablation", action="store_true", help="print the ablation table of retrieval levers")
    e.add_argument("--shift-years", type=int, default=0, metavar="N",
                   help="with --answers: also score the report and questions with every year moved by N"
                        " (its index is kept in index-shifted/)")
    e.add_argument("--misses", action="store_true", help="list the ids of questions missed in the top 5"
                   " (with --answers: the questions not answered, with their answers)")
    return p


def _marked(hit) -> str:
    """The passage with its answering sentences in 【】 (plain terminal output)."""
    text, out, pos = hit.text, [], 0
    for s in sorted(hit.sentences, key=lambda s: s.start):
        out += [text[pos:s.start], "【", text[s.start:s.end], "】"]
        pos = s.end
    return "".join(out + [text[pos:]])


def _quiet_model_loading() -> None:
    """No progress bars or advice from transformers / the Hugging Face hub while loading a model."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if "transformers" in sys.modules:  # already imported (e.g. main() called in-process)
        from transformers.utils import logging as hf_logging
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()


def main(argv=None) -> int:
    for stream in (sys.stdout, sys.stderr):  # text that cannot be encoded is escaped, never a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    if not args.verbose:
        _quiet_model_loading()
    try:
        return _run(args)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. an index folder that cannot be written, a full disk
        if isinstance(exc, BrokenPipeError):  # output piped into `head`: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 141
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _check_input(args):
    """Validate what the user typed before the (slow) engine is opened; returns the query and
    the eval questions, raising a QAError for bad input."""
    from .query import check_k, prepare_query

    if args.command in ("search", "ask"):
        check_k(args.k)
        q = prepare_query(args.query if args.command == "search" else args.question)
        if q.notice:
            print(f"note: {q.notice}", file=sys.stderr)
        return q, None
    if args.command == "eval":
        from .evaluate import load_answer_questions, load_questions
        if not args.file and not args.answers:
            raise InputError("eval 需要一个问题文件，或 --answers FILE")
        reading = args.file
        try:
            args.answer_sets = []
            for reading in args.answers:
                args.answer_sets.append((reading, load_answer_questions(reading)))
            reading = args.file
            return None, load_questions(args.file) if args.file else None
        except OSError as exc:
            raise InputError(f"无法读取 {reading}：{exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise InputError(f"{reading}：不是 UTF-8 文本") from None
    return None, None


def _eval_answers(eng, answer_sets, misses: bool, ablation: bool = False) -> None:
    from .evaluate import answer_ablation, evaluate_answers, format_answer_report
    if ablation:
        print(format_answer_report([r for f, qs in answer_sets for r in answer_ablation(eng, qs, Path(f).stem)]))
        return
    reports = [evaluate_answers(eng, qs, Path(f).stem) for f, qs in answer_sets]
    print(format_answer_report(reports))
    if misses:
        for (f, qs), r in zip(answer_sets, reports):
            by_id = {q.id: q for q in qs}
            for qid in r.failures:
                q = by_id[qid]
                ans = eng.ask(q.question, history=list(q.history)) if q.history else eng.ask(q.question)
                print(f"\n--- {qid} [{q.kind}] {q.question}  must≥{q.must_min}: {' | '.join(q.must)}")
                print(ans.text if ans.covered else f"(not covered) {ans.text[:200]}")


def _doc_ids(eng, wanted) -> list[str] | None:
    """The ``--doc`` ids, checked against the corpus (None: all documents)."""
    from .query import check_documents
    if not wanted:
        return None
    return list(check_documents(wanted, {d.id for d in eng.documents}))


def _label(eng, doc_id: str) -> str:
    """How a result names its document: 《title》 when the corpus has more than one, else ""."""
    if len(eng.documents) < 2:
        return ""
    return f"《{eng.document(doc_id).title}》 "


def _passage_counts(eng) -> dict[str, int]:
    from collections import Counter
    return Counter(c.doc_id for c in eng.data.chunks)


def _print_docs(eng) -> None:
    counts = _passage_counts(eng)
    for d in eng.documents:
        y = eng.document_years.get(d.id)
        region = d.region.label if d.region is not None else "-"
        print(f"{d.id}\t{d.format or '-'}\t{region}\t{y.genre_name if y else '-'}\t{_years_text(y)}\t"
              f"{counts.get(d.id, 0)} passages\t{d.title}")


def _years_text(y) -> str:
    """"reviews 2025 plans 2026" as 回顾2025 计划2026; spans as 2021–2025."""
    if y is None:
        return "-"
    review = f"{y.review_from}–{y.report_year}" if y.review_from else y.report_year
    plan = f"{y.plan_year}–{y.plan_until}" if y.plan_until else y.plan_year
    parts = [f"回顾{review}" if review else "", f"计划{plan}" if plan else ""]
    return " ".join(p for p in parts if p) or "-"


def _library(args, engine_mod) -> int:
    from .library import add_files, remove_document
    if args.command == "add":
        for path in add_files(args.corpus, args.files):
            print(f"added {path}")
    else:
        print(f"removed {remove_document(args.corpus, args.id)}")
    if not args.no_index:
        eng = engine_mod.open(args.corpus, args.index, args.model)
        print(f"index ok: {len(eng.data.chunks)} passages, {len(eng.documents)} document(s)")
    return 0


def _run(args) -> int:
    from . import engine as engine_mod

    if args.command in ("add", "remove"):
        return _library(args, engine_mod)
    _query, questions = _check_input(args)
    if args.command == "index":
        eng = engine_mod.open(args.corpus, args.index, args.model, rebuild=not args.no_rebuild,
                              force=args.force, must_save=True)
        m = eng.data.manifest
        print(f"index ok: {m['n_chunks']} passages, {m['n_sentences']} sentences, model {m['model']} "
              f"({m['dim']}-d), {len(eng.documents)} document(s), in {args.index}")
        return 0
    if args.command == "eval" and args.ablation and questions:  # builds its own engines, one per lever
        from .ablation import ablation_reports
        from .evaluate import format_table
        print(f"{args.file}: {len(questions)} questions")
        print(format_table(ablation_reports(args.corpus, args.model, questions)))
        return 0
    eng = engine_mod.open(args.corpus, args.index, args.model, rebuild=not args.no_rebuild)
    if args.command == "docs":
        _print_docs(eng)
        return 0
    if args.command == "search":
        hits = eng.search(args.query, k=args.k, documents=_doc_ids(eng, args.doc))
        for i, h in enumerate(hits, 1):
            if args.json:
                print(json.dumps(h.to_dict(), ensure_ascii=False))
            else:
                print(f"[{i}] {h.score:.4f}  {_label(eng, h.doc_id)}{h.doc_id}:{h.start}-{h.end}  "
                      f"{' › '.join(h.section)}")
                print(f"    {_marked(h)}\n")
        return 0
    if args.command == "ask":
        ans = eng.ask(args.question, k=args.k, history=args.history, documents=_doc_ids(eng, args.doc))
        if args.json:
            print(json.dumps(ans.to_dict(), ensure_ascii=False))
        else:
            print(ans.text)
            if len(eng.documents) > 1 and ans.citations:  # name the documents the answer cites
                print()
                for c in ans.citations:
                    print(f"[{c.n}] {c.label or _label(eng, c.doc_id)} {' › '.join(c.section)}")
        return 0
    if args.command == "eval":
        from .evaluate import compare, format_table, standard_variants
        if questions:
            reports = compare(eng, questions, standard_variants(eng.params))
            print(f"{args.file}: {len(questions)} questions")
            print(format_table(reports))
            if args.misses:
                for r in reports:
                    print(f"{r.name}: missed {', '.join(r.misses) or 'none'}")
        if args.answer_sets:
            _eval_answers(eng, args.answer_sets, args.misses, args.ablation)
        if args.answer_sets and args.shift_years:
            from .evaluate import shift_answer_question, shift_corpus
            corpus = shift_corpus(args.corpus, "index-shifted/corpus", args.shift_years)
            shifted = engine_mod.open(corpus, "index-shifted/index", args.model, progress=False)
            sets = [(f"{Path(f).stem}+{args.shift_years}y", [shift_answer_question(q, args.shift_years) for q in qs])
                    for f, qs in args.answer_sets]
            _eval_answers(shifted, sets, args.misses, args.ablation)
        return 0
    return 1  # pragma: no cover
