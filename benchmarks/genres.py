"""Genre, years and page furniture of every report in a folder, as the corpus reader sees them.

    python benchmarks/genres.py                                  # ../shared/corpora/gov2026 and corpus/
    python benchmarks/genres.py FOLDER [FOLDER …] [--expect work_report:2025:2026]

One row per file: genre, reviewed year (or span), planned year (or span), the lines dropped as
page furniture and the title kept. With ``--expect GENRE:REPORT:PLAN`` the rows of the first
folder are checked against it and the script ends with the count that differ (exit 1 if any).
No model is loaded and nothing is indexed.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.corpus import Limits, corpus_files, read_document  # noqa: E402
from qa.periods import document_years  # noqa: E402
from qa.readers.common import clean_line  # noqa: E402
from qa.readers.furniture import furniture  # noqa: E402
from qa.readers.text import decode  # noqa: E402


def rows(folder: Path):
    for path in corpus_files(folder):
        doc, _digest, _notes = read_document(path, path.relative_to(folder).as_posix(), Limits())
        years = document_years(doc.title, doc.text)
        dropped = None
        if doc.format in ("txt", "md"):
            raw = decode(path.read_bytes(), path.name)
            lines = [ln for ln in (clean_line(x) for x in raw.replace("\r", "\n").split("\n")) if ln]
            dropped = len(furniture(lines))
        review = f"{years.review_from}–{years.report_year}" if years.review_from else str(years.report_year or "-")
        plan = f"{years.plan_year}–{years.plan_until}" if years.plan_until else str(years.plan_year or "-")
        yield path.stem, years, review, plan, dropped, doc.title


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    shared = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()),
                  ROOT.parent / "shared")
    ap.add_argument("folders", nargs="*", type=Path, default=[shared / "corpora" / "gov2026", ROOT / "corpus"])
    ap.add_argument("--expect", default="work_report:2025:2026", metavar="GENRE:REPORT:PLAN",
                    help="what every report of the first folder should read as ('' to skip)")
    args = ap.parse_args(argv)
    wrong = 0
    print(f"{'report':<28}{'genre':<16}{'reviews':<12}{'plans':<12}{'furniture':>10}  title")
    for n, folder in enumerate(args.folders):
        if not folder.is_dir():
            print(f"(no folder {folder})")
            continue
        for name, years, review, plan, dropped, title in rows(folder):
            flag = ""
            if n == 0 and args.expect:
                genre, report, planned = args.expect.split(":")
                ok = (years.genre, str(years.report_year), str(years.plan_year)) == (genre, report, planned)
                wrong += not ok
                flag = "" if ok else "  <-- expected " + args.expect
            shown = "-" if dropped is None else str(dropped)
            print(f"{name[:26]:<28}{years.genre or '-':<16}{review:<12}{plan:<12}{shown:>10}  {title[:40]}{flag}")
    if args.expect:
        print(f"\n{wrong} report(s) of {args.folders[0].name} read otherwise than {args.expect}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
