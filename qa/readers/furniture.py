"""Page furniture of text copied from a web page: navigation, tool bars, source, date, editor,
share and photo-caption lines, told apart from the report's own lines (a pure function).

Raw web text of a government site starts with the page's title, then its furniture (下载 打印
全屏 收藏 【字号： 加大 还原 减小 】, 来源：…, 时间：…, breadcrumbs 首页 > 要闻) before the body,
and ends with more (分享到 扫一扫 【关闭窗口】 相关报道： 编辑：…). Read by method, not by a list
of one site's words:

- before the body (the first full sentence or numbered heading): runs of three or more short
  lines without sentence punctuation (a tool bar), a breadcrumb (lines joined by ">"), a
  label line (来源：, 时间：, 责任编辑：… with its value on the same or the next line), a line
  that is only a date and time, a repeat of the title or of an earlier line;
- after the body (the last full sentence): short lines without sentence punctuation and label
  lines;
- anywhere: a photo caption (…作政府工作报告。本报记者 某某 摄; …。某某日报记者 某某).

The title line (the first), a subtitle (——2026年1月28日在…会议上), the speaker's line
(省长 王予波) and the salutation (各位代表：) are kept, once.
"""
from __future__ import annotations

import re
from typing import Sequence

SHORT = 4  # at most this many characters of words: a tool bar button or a menu item
_WORD = re.compile(r"[\w\u4e00-\u9fff]")
_SENTENCE = re.compile(r"[。！？!?；;]")
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.．、](?!\d)|#)")
# "来源：" "发布时间:" "责任编辑：" "（来源：青海日报）": a field label of the page, value after it
_LABEL = re.compile(r"^[（(【\[]?\s*(?:信息)?(?:来源|稿源|出处|发布时间|发表时间|发布日期|时间|日期|作者|"
                    r"编辑|责任编辑|审核|校对|阅读量|阅读|浏览量|浏览次数|点击数|访问量|字号|字体|分享到?|"
                    r"当前位置|您的位置|你的位置|所在位置|相关报道|相关文档|相关链接|附件下载)\s*[:：]")
# labels whose value may stand on the next line (来源：\n云南日报)
_VALUE_LABEL = re.compile(r"^[（(【\[]?\s*(?:信息)?(?:来源|稿源|出处|发布时间|发表时间|发布日期|时间|日期|作者|编辑|"
                          r"责任编辑|审核|校对)\s*[:：]")
_DATE_TIME = re.compile(r"^[\d\s:：/.\-年月日]+$")
_CRUMB = re.compile(r"^[>›»/]$|^(?:[^>›»]{1,12}\s*[>›»]\s*)+[^>›»]{0,12}$")
# a photo caption: a reporter's (or photographer's) name and 摄 at the end of the line
_CAPTION = re.compile(r"(?:记者|摄影|通讯员|图片|图)[^。！？，]{0,20}摄\s*[)）]?$|[（(]\s*[^（()）]{0,20}摄\s*[)）]$|"
                      r"。\s*[^。！？，]{0,12}(?:记者|摄影|通讯员)\s*[\u4e00-\u9fff·]{1,4}(?:\s[\u4e00-\u9fff]{1,3})?$")


def _words(line: str) -> int:
    return len(_WORD.findall(line))


def _is_sentence(line: str) -> bool:
    """A line of the body: a full sentence (sentence punctuation and some length) that is no
    caption or label, or a numbered heading."""
    if _NUMBERED.match(line):
        return True
    return bool(_SENTENCE.search(line)) and _words(line) >= 10 and not _CAPTION.search(line) \
        and not _LABEL.match(line)


def _short(line: str) -> bool:
    """A line too short to be a sentence, without sentence punctuation (下载, 【字号：, 》, 大)."""
    return _words(line) <= SHORT and not _SENTENCE.search(line)


def furniture(lines: Sequence[str]) -> frozenset[int]:
    """The indices of ``lines`` (one paragraph a line, the first being the title) that are page
    furniture rather than the report's text."""
    n = len(lines)
    if n < 3:
        return frozenset()
    drop: set[int] = set()
    body = next((i for i in range(1, n) if _is_sentence(lines[i])), n)
    end = max((i for i in range(body, n) if _is_sentence(lines[i])), default=n - 1)
    title = lines[0].strip()
    head = range(1, body)
    # a tool bar: runs of three or more short lines (labels and brackets count as short)
    run: list[int] = []
    for i in list(head) + [None]:
        if i is not None and (_short(lines[i]) or _LABEL.match(lines[i])):
            run.append(i)
            continue
        if len(run) >= 3:
            drop.update(run)
        run = []
    seen = {title}
    for i in head:
        line = lines[i].strip()
        if _LABEL.match(line):
            drop.add(i)
            value = line.split("：" if "：" in line else ":", 1)[1].strip(" 】]）)")
            if not value and _VALUE_LABEL.match(line) and i + 1 < body and not _is_sentence(lines[i + 1]):
                drop.add(i + 1)  # 来源：\n云南日报
        elif _DATE_TIME.match(line) or _CRUMB.match(line) or line in seen \
                or (len(line) >= 4 and title.endswith(line)):
            drop.add(i)  # a date, a breadcrumb, a repeat of the title or of another header line
        seen.add(line)
        if _CRUMB.match(line) and re.fullmatch(r"[>›»/]", line):  # 首页\n>\n要闻: the items around it
            drop.update(j for j in (i - 1, i + 1) if 0 < j < body and _words(lines[j]) <= 12
                        and not _SENTENCE.search(lines[j]))
    # after the body: short lines and labels (分享到, 【关闭窗口】, 相关报道：, 编辑：某某)
    for i in range(end + 1, n):
        line = lines[i].strip()
        if _LABEL.match(line) or _DATE_TIME.match(line) or (_words(line) <= 12 and not _SENTENCE.search(line)):
            drop.add(i)
    for i in range(1, n):
        if _CAPTION.search(lines[i].strip()):
            drop.add(i)
    return frozenset(drop)
