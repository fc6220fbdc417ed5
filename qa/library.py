"""Manage the files of a corpus folder: add (copied under a safe name, checked first) and remove.

The index follows on the next ``qa.open`` (or ``Engine.refresh()``): a file added here is read and
embedded then, a removed one leaves the index.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import Iterable

from .corpus import Limits, corpus_files, fingerprint, read_document
from .errors import CorpusError, InputError
from .readers import SUFFIXES, conversion_hint, format_of

MAX_NAME = 80  # characters of a file name's stem


def safe_name(name: str) -> str:
    """A file name safe to write into the corpus folder: no folders, no hidden or control
    characters, only letters (Chinese included), digits and ``._-（）()``; the suffix kept,
    lower-cased. "../../etc/报告 2024?.DOCX" → "报告_2024.docx"."""
    base = unicodedata.normalize("NFKC", name.replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    stem = re.sub(r"[^\w\-()（）]+", "_", stem, flags=re.UNICODE).strip("._-")[:MAX_NAME] or "document"
    suffix = re.sub(r"[^a-z0-9]", "", suffix.lower())
    return f"{stem}.{suffix}" if suffix else stem


def _free_name(folder: Path, name: str, taken: set[str]) -> Path:
    path = folder / name
    stem, suffix = path.stem, path.suffix
    n = 2
    while path.exists() or path.name in taken:
        path = folder / f"{stem}-{n}{suffix}"
        n += 1
    return path


def _umask() -> int:
    """The process's umask, read without changing it (Linux's /proc), else by setting it back."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def add_files(corpus_dir: str | os.PathLike, paths: Iterable[str | os.PathLike], *,
              limits: Limits | None = None, names: Iterable[str] | None = None) -> list[Path]:
    """Copy files into the corpus folder and return their new paths.

    Each file is checked first — an allowed type, within the size cap (``limits.max_mb``, 20 MB by
    default), readable by its reader with some body text — and none is copied unless all pass
    (InputError names each bad file and why). Names are sanitised (``safe_name``; ``names`` gives
    the original names when ``paths`` are temporary upload files); a taken name gets "-2", "-3"…;
    a file whose content is already in the corpus is not copied again (its existing path is
    returned). Each copy is written to a hidden temporary file and renamed into place,
    with the permissions a new file gets under the user's umask.
    """
    folder = Path(corpus_dir)
    folder.mkdir(parents=True, exist_ok=True)
    limits = limits or Limits.from_env()
    paths = [Path(p) for p in paths]
    names = list(names) if names is not None else [p.name for p in paths]
    if len(names) != len(paths):
        raise InputError("names 与 paths 数量不一致")
    existing = {}
    for path in corpus_files(folder):
        try:
            existing[fingerprint(path.read_bytes(), format_of(path.name) or "")] = path
        except OSError:
            continue
    problems, plan, taken = [], [], set()
    for src, original in zip(paths, names):
        name = safe_name(original)
        if format_of(name) is None:
            problems.append(f"{original}: 不支持的文件类型（支持：{', '.join(SUFFIXES)}）{conversion_hint(name)}")
            continue
        if not src.is_file():
            problems.append(f"{original}: 文件不存在")
            continue
        try:
            _doc, digest, _notes = read_document(src, name, limits)
        except CorpusError as exc:
            problems.append(str(exc).replace(name, original, 1))
            continue
        if digest in existing:
            plan.append((src, existing[digest], False))
            continue
        target = _free_name(folder, name, taken)
        taken.add(target.name)
        existing[digest] = target
        plan.append((src, target, True))
    if problems:
        raise InputError("未添加任何文件：" + "；".join(problems))
    out = []
    for src, target, copy in plan:
        if copy:
            fd, tmp = tempfile.mkstemp(prefix=".add-", dir=folder)
            os.close(fd)
            try:
                shutil.copyfile(src, tmp)
                os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would hide the file from others
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        out.append(target)
    return out


def remove_document(corpus_dir: str | os.PathLike, doc_id: str) -> Path:
    """Delete the file of document ``doc_id`` (its path relative to the corpus folder) and return
    it. Raises InputError when no such document is in the folder."""
    folder = Path(corpus_dir)
    files = {p.relative_to(folder).as_posix(): p for p in corpus_files(folder)}
    path = files.get(doc_id)
    if path is None:
        raise InputError(f"没有文档 {doc_id!r}（现有：{', '.join(files) or '无'}）")
    path.unlink()
    return path
