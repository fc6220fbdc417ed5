"""The ablation table: each retrieval lever switched on in turn, measured dense / BM25 / fused."""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from .chunking import SplitterSettings
from .evaluate import Question, Report, compare, standard_variants
from .search import SearchParams


@dataclass(frozen=True)
class Step:
    """One row group: splitter settings, engine switches and search parameters."""

    name: str
    settings: SplitterSettings
    params: SearchParams
    user_dictionary: bool = True
    cross: bool = True


def steps() -> list[Step]:
    """Levers added one at a time, from a plain hybrid baseline to the shipped configuration."""
    plain = SearchParams(fusion="rrf", sentence_weight=0.0, use_intent=False, use_cross=False,
                         expand_abbreviations=False, use_lexicon=False, use_pinyin=False)
    base = SearchParams(use_lexicon=False, use_pinyin=False)
    small, small_ctx, final = SplitterSettings(150, context=False), SplitterSettings(150), SplitterSettings()
    out = [Step("baseline RRF, 150 chars", small, plain, user_dictionary=False, cross=False)]
    out.append(replace(out[-1], name="+ section-path context", settings=small_ctx))
    out.append(replace(out[-1], name="+ sentence vectors", params=replace(plain, sentence_weight=0.5)))
    out.append(replace(out[-1], name="+ corpus dictionary", user_dictionary=True))
    out.append(replace(out[-1], name="+ periods from the document", params=replace(out[-1].params, use_intent=True)))
    out.append(replace(out[-1], name="+ cross-lingual (en)", cross=True,
                       params=replace(out[-1].params, use_cross=True)))
    out.append(replace(out[-1], name="+ weighted fusion",
                       params=replace(base, expand_abbreviations=False)))
    out.append(replace(out[-1], name="+ 200-char passages", settings=final))
    out.append(replace(out[-1], name="+ abbreviation expansion", params=base))
    out.append(replace(out[-1], name="+ genre lexicon", params=replace(base, use_lexicon=True)))
    out.append(replace(out[-1], name="+ pinyin slips", params=SearchParams()))
    return out


def ablation_reports(corpus: str | os.PathLike, model: str | None, questions: Sequence[Question],
                     cache: str | os.PathLike = "index-ablation") -> list[Report]:
    """Run every step; indexes for each splitter setting are kept under ``cache`` for reuse."""
    from .engine import open as open_engine

    reports: list[Report] = []
    for step in steps():
        s = step.settings
        folder = Path(cache) / f"c{s.chunk_size}-{'ctx' if s.context else 'plain'}"
        engine = open_engine(corpus, folder, model, settings=s, params=step.params, progress=False,
                             cross="auto" if step.cross else None)
        if not step.user_dictionary:
            from .engine import Engine
            engine = Engine(engine.documents, engine.data, engine.embedder, step.params, engine.cross,
                            user_dictionary=False)
        for r in compare(engine, questions, standard_variants(step.params)):
            reports.append(replace(r, name=f"{step.name} / {r.name}"))
    return reports
