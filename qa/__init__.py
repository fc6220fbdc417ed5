"""report-qa: semantic search and question answering over Chinese policy reports.

    import qa
    engine = qa.open(corpus="corpus", index="index")
    hits = engine.search("北三县交通有哪些项目", k=5)
    answer = engine.ask("北三县交通有哪些项目")
"""
import warnings as _warnings

# jieba imports pkg_resources, which setuptools (pinned < 81 for pymilvus) warns about on every run
_warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

from .chunking import SplitterSettings  # noqa: E402
from .limits import Limits
from .embedding import Embedder, load_embedder, resolve_model
from .engine import Engine, open
from .indexing import Indexing
from .library import add_documents, add_files, remove_document
from .errors import CorpusError, IndexFileError, InputError, ModelError, QAError
from .periods import GENRES, DocumentYears, Period, document_years
from .places import Region, places_in, region_of
from .query import AnalyzedQuery, Query, analyse, check_k, k_from_request, prepare_query
from .search import SearchParams
from .store import StoreConfig
from .types import Answer, Chunk, Citation, Document, Hit, Retrieval, Span

__all__ = [
    "open", "Engine", "Hit", "Span", "Answer", "Citation", "Document", "Chunk",
    "QAError", "InputError", "CorpusError", "IndexFileError", "ModelError",
    "Embedder", "load_embedder", "resolve_model", "SearchParams", "SplitterSettings",
    "Query", "prepare_query", "check_k", "k_from_request", "Limits", "add_files", "add_documents", "Indexing", "remove_document",
    "StoreConfig",
    "AnalyzedQuery", "analyse", "Retrieval", "Period", "DocumentYears", "document_years", "GENRES",
    "Region", "region_of", "places_in",
]
