"""What the stores whose vectors live in a server (Qdrant, Milvus) share: opening one brings the
server's collections and the local catalogue (passages, offsets, sentences, tokens in the index
folder) in line with the corpus, the same way for every such backend."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import IndexFileError
from ..index import (SETTINGS, IndexData, assemble, content_key, embed_documents, load_index, manifest_for,
                     passage_tokens, save_index, sentence_spans, stale_reason)
from ..types import DocumentEntry


SENTENCE_WEIGHT = 0.5  # baked into the ``mixed`` rows (SearchParams.sentence_weight's default)


def mixed_rows(passage: np.ndarray, sentences: np.ndarray, rows: list[int]) -> np.ndarray:
    """A passage's ``mixed`` rows: ½ passage + ½ sentence for each of its sentence units ``rows``
    (the passage's own vector when it has none), so its best row is exactly our dense score."""
    if not rows:
        return np.asarray(passage, dtype=np.float32)[None, :]
    return ((1 - SENTENCE_WEIGHT) * passage[None, :] + SENTENCE_WEIGHT * sentences[rows]).astype(np.float32)


def sentence_from_row(row: float, passage: float) -> float:
    """A sentence's similarity given back by its ``mixed`` row's and its passage's:
    sentence = (row − ½ passage) / ½."""
    return (row - (1 - SENTENCE_WEIGHT) * passage) / SENTENCE_WEIGHT


def check_weight(w: float, backend: str) -> None:
    """Only the weight baked into the rows (or 0: passages alone) can be searched."""
    if abs(w - SENTENCE_WEIGHT) > 1e-9:
        raise ValueError(f"the {backend} store holds ½ passage + ½ sentence rows: sentence_weight must be "
                         f"{SENTENCE_WEIGHT} or 0, not {w}")


class RemoteCatalogue:
    """The local half of a server-backed store: the catalogue (passages, sentences, tokens) kept in
    the index folder without vectors. Needs ``_data``, ``dim``, ``_set(data)`` and
    ``_mixed_scores(query_vector, passages, space)``: a function (passage, row) → (similarity of
    that ``mixed`` row, of the passage)."""

    def catalogue(self, entries: dict[str, DocumentEntry]) -> None:
        """Set the catalogue to ``entries`` (documents in id order, vectors dropped)."""
        manifest = {k: v for k, v in self._data.manifest.items() if k != "checksums"}
        manifest["dim"] = self.dim
        bare = [DocumentEntry(e.doc_id, e.key, e.chunks, e.sentences, e.tokens, None, None)
                for _d, e in sorted(entries.items())]
        self._set(assemble(bare, manifest))

    def upsert(self, entry: DocumentEntry) -> None:
        self.write(entry)
        entries = self._data.entries()
        entries[entry.doc_id] = entry
        self.catalogue(entries)

    def delete(self, doc_id: str) -> None:
        self.erase(doc_id)
        entries = self._data.entries()
        if entries.pop(doc_id, None) is not None:
            self.catalogue(entries)

    def save(self, folder: str | Path) -> Path:
        return save_index(self._data, folder)

    def flush(self, *, wait: bool = True) -> None:
        """Make the rows written so far searchable through the server's index (nothing here:
        a backend whose server needs it says so)."""

    def sentence_scores(self, query_vector: np.ndarray, sentence_ids: np.ndarray, *,
                        space: str = "main") -> np.ndarray:
        """Recovered from the ``mixed`` rows: sentence = (row − ½ passage) / ½, with the row's and
        passage's similarities from ``_mixed_scores`` (the backend's)."""
        sentence_ids = np.asarray(sentence_ids, dtype=np.int64)
        if not len(sentence_ids):
            return np.zeros(0)
        data = self._data
        scores = self._mixed_scores(query_vector, sorted({int(data.sentence_chunk[j]) for j in sentence_ids}), space)
        out = []
        for j in sentence_ids:
            i = int(data.sentence_chunk[j])
            out.append(sentence_from_row(*scores(i, int(j) - int(data.sentence_bounds[i][0]))))
        return np.array(out, dtype=np.float64)


def sync_remote(make: Callable, name: str, collection: str, config, docs, fingerprints, embedder, settings,
                cross, index, *, rebuild: bool, force: bool, progress: Callable | None, save: Callable):
    """The store ``make(catalogue, dim, cross_dim, settings)`` returns (connected, its collections
    ensured), with documents removed or changed deleted and new or changed ones embedded and
    upserted; the catalogue saved through ``save`` when it changed. ``name`` and ``collection``
    name the backend in the message for a mismatch with ``rebuild=False``."""
    expected = manifest_for(fingerprints, embedder, settings, cross, config.describe())
    catalogue = None
    try:
        if stale_reason(load_index(index).manifest, expected) in (None, "corpus changed"):
            catalogue = load_index(index)
    except IndexFileError:
        pass
    if catalogue is None:
        catalogue = IndexData((), (), None, None, dict(expected, dim=0), tokens=())
    probe = embed_documents(docs[:1], embedder, settings, cross=cross) if force or not catalogue.chunks else []
    dim = probe[0].passage_vectors.shape[1] if probe else catalogue.manifest.get("dim") or embedder.dim
    cross_dim = (probe[0].cross_passage_vectors.shape[1] if probe and cross is not None else
                 (getattr(cross, "dim", None) if cross is not None else None))
    store = make(catalogue, int(dim), cross_dim, {k: expected[k] for k in SETTINGS if k != "store"})
    if force:  # the catalogue is set once at the end: per document it would cost O(documents²)
        for doc_id in store.documents():
            store.erase(doc_id)
    have, want = store.documents(), {d.id: content_key(d) for d in docs}
    stale = [d for d in have if want.get(d) != have[d]]
    fresh = [d for d in docs if have.get(d.id) != want[d.id]]
    if (stale or fresh) and not rebuild:
        raise IndexFileError(f"{name} collection {collection} does not match the corpus; "
                             "run `python -m qa index` to update it")
    for doc_id in stale:
        store.erase(doc_id)
    reuse = {e.key: e for e in probe}
    made = [reuse[want[d.id]] for d in fresh if want[d.id] in reuse]
    made += embed_documents([d for d in fresh if want[d.id] not in reuse], embedder, settings, cross=cross,
                            progress=progress)
    for entry in made:
        store.write(entry)
    if stale or made:  # the server indexes what was written (without our waiting for it)
        store.flush(wait=False)
    entries = {k: v for k, v in store.data.entries().items() if k in want and v.key == want[k]}
    entries.update((e.doc_id, e) for e in made)
    for d in docs:
        if d.id not in entries:
            entries[d.id] = bare_entry(d, settings)
    store._data = replace(store.data, manifest=dict(store.data.manifest, **expected))
    store.catalogue(entries)
    if reason_changed(catalogue, store.data):
        save(store.save)
    return store


def bare_entry(doc, settings) -> DocumentEntry:
    """A document's catalogue entry without vectors (they are in the server already)."""
    from ..chunking import chunk_document

    chunks = tuple(chunk_document(doc, settings))
    sentences = tuple((i, s, e) for i, c in enumerate(chunks) for s, e in sentence_spans(c.text, c.start))
    return DocumentEntry(doc.id, content_key(doc), chunks, sentences, passage_tokens(doc, chunks), None, None)


def reason_changed(before: IndexData, after: IndexData) -> bool:
    """Whether the catalogue must be saved again: its corpus, settings or passages changed."""
    keys = ("corpus", "documents", "model", "splitter", "tokenizer", "store", "cross_model", "format")
    return any(before.manifest.get(k) != after.manifest.get(k) for k in keys) or before.chunks != after.chunks
