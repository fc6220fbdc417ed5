"""What the forkserver of the indexing children (``qa.indexworker``) imports before it forks any:
the engine's modules, jieba's dictionary and pypinyin's tables (about 2 s to load), so that each
child inherits them and starts working at once: the keyword step of an upload is waited for."""
from __future__ import annotations

from . import engine  # noqa: F401  (every module a child uses)
from .lexical import _jieba_dictionary
from .lexicon import _pinyin

_jieba_dictionary()
_pinyin("改造")
