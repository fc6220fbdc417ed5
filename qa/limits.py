"""Per-file limits, checked before the work they bound: a file's size, what a .docx decompresses to,
a PDF's pages, content streams and extracted characters, a web page's size, and the characters a
document brings into the index. Past a limit a file is refused at once, with a Chinese message that
names the limit and how to raise it (``QA_MAX_*`` or ``qa.open(limits=qa.Limits(…))``).

The defaults fit the largest real reports with room to spare: the 20 provincial 2026 government work
reports are 30–70 KB of text (at most 23,146 characters), a report PDF has about 100 pages.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from .errors import CorpusError, InputError
from .settings import BY_NAME, get

MB = 1024 * 1024
CHARS_PER_SECOND = 1000  # rough embedding speed on 2 CPU cores, for the time estimate of a big file

# field → (environment variable, what it limits, unit): the variable declares the default (qa.settings)
_ENV = {
    "warn_mb": ("QA_WARN_FILE_MB", "文件大小提醒线", "MB"),
    "max_mb": ("QA_MAX_FILE_MB", "文件大小", "MB"),
    "max_chars": ("QA_MAX_CHARS", "文档字数", "字"),
    "max_unzipped_mb": ("QA_MAX_UNZIPPED_MB", ".docx 解压后的大小", "MB"),
    "max_xml_mb": ("QA_MAX_XML_MB", ".docx 中 XML 部分解压后的大小", "MB"),
    "max_pages": ("QA_MAX_PAGES", "PDF 页数", "页"),
    "max_content_mb": ("QA_MAX_CONTENT_MB", "PDF 内容流解压后的大小", "MB"),
    "max_html_mb": ("QA_MAX_HTML_MB", "网页文件大小", "MB"),
}


def _default(field: str):
    return BY_NAME[_ENV[field][0]].default


@dataclass(frozen=True)
class Limits:
    """Per-file limits. Over ``warn_mb`` (or ``warn_chars`` of text) a file loads with a warning;
    past any ``max_*`` it is refused before the work it would cost:

    - ``max_mb``: the file's size (``QA_MAX_FILE_MB``);
    - ``max_chars``: characters a document brings into the index, and characters read or
      extracted on the way (``QA_MAX_CHARS``);
    - ``max_unzipped_mb``, ``max_xml_mb``: what a .docx's parts, and its XML parts alone,
      decompress to, as its zip directory declares them (``QA_MAX_UNZIPPED_MB``, ``QA_MAX_XML_MB``);
    - ``max_pages``, ``max_content_mb``: a PDF's pages and its content streams decompressed
      (pages and the forms they draw; ``QA_MAX_PAGES``, ``QA_MAX_CONTENT_MB``);
    - ``max_html_mb``: a web page's size (``QA_MAX_HTML_MB``).

    The defaults are those of the variables (``qa.settings``).
    """

    warn_mb: float = _default("warn_mb")
    max_mb: float = _default("max_mb")
    warn_chars: int = 300_000
    max_chars: int = _default("max_chars")
    max_unzipped_mb: float = _default("max_unzipped_mb")
    max_xml_mb: float = _default("max_xml_mb")
    max_pages: int = _default("max_pages")
    max_content_mb: float = _default("max_content_mb")
    max_html_mb: float = _default("max_html_mb")

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise InputError(f"限制 {f.name} 必须是正数，而不是 {value!r}")

    @classmethod
    def from_env(cls) -> "Limits":
        """The limits the ``QA_WARN_FILE_MB`` and ``QA_MAX_*`` variables set (their defaults when
        unset); InputError naming the variable for a bad value."""
        return cls(**{name: get(var) for name, (var, _what, _unit) in _ENV.items()})

    def refusal(self, name: str, field: str, value: float) -> CorpusError:
        """The CorpusError for ``name`` over limit ``field`` (``value`` in the limit's unit)."""
        var, what, unit = _ENV[field]
        limit = getattr(self, field)
        shown = f"{value:.1f}" if unit == "MB" else f"{int(value):,}"
        return CorpusError(f"{name}: {what} {shown} {unit}，超过上限 {limit:,g} {unit}，未读取"
                           f"（可设置环境变量 {var}，或 qa.open(limits=qa.Limits({field}=…)) 放宽）")

    def check(self, name: str, field: str, value: float) -> None:
        """Raise the refusal when ``value`` (in the limit's unit: MB, characters, pages) is over."""
        if value > getattr(self, field):
            raise self.refusal(name, field, value)

    def check_size(self, size: int, name: str) -> str | None:
        """Raise CorpusError over the hard limit; return a warning over the soft one."""
        if size > self.max_mb * MB:
            raise CorpusError(f"{name}: 文件 {size / MB:.1f} MB，超过上限 {self.max_mb:g} MB，未读取"
                              f"（可设置 QA_MAX_FILE_MB 或 qa.open(limits=…) 放宽；建议拆分文件）")
        if size > self.warn_mb * MB:
            return f"{name}: 文件较大（{size / MB:.1f} MB，超过 {self.warn_mb:g} MB），读取和建索引会较慢"
        return None

    def check_text(self, chars: int, name: str) -> str | None:
        """A warning with a time estimate over ``warn_chars`` (``max_chars`` is the readers' check)."""
        if chars > self.warn_chars:
            return (f"{name}: 正文 {chars} 字，建索引约需 {max(1, chars // CHARS_PER_SECOND // 60)} 分钟"
                    f"（超过 {self.warn_chars} 字的提醒线）")
        return None
