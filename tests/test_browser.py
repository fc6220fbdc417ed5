"""The web UI in a real browser: Debian's headless Chromium driven by Playwright.

Starts ``python app.py --port FREE`` and checks what a person sees and does: citations that lead
to their card, older answers keeping their sources, the reader at the passage, copy and export,
input that never loses a keystroke (streaming, stop, IME, busy), the phone layout, history kept
over a reload, and axe-core's accessibility rules. Answers are streamed slowly here
(QA_STREAM_DELAY) so typing and stopping during a stream can be tested. Screenshots go to
tests/artifacts/ (``QA_SCREENSHOTS=docs`` also writes the README's to docs/). Skipped only when
/usr/bin/chromium is missing (apt-get install -y chromium fonts-noto-cjk).
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from apprunner import ARTIFACTS, CHROMIUM, DESKTOP, ROOT, app_over_own_corpus, new_page, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANSWER_MS = 120_000
PHONE = {"width": 390, "height": 844}
Q1, Q2 = "北三县交通有哪些项目", "2024年地区生产总值增长目标是多少"
SCREENSHOTS = os.environ.get("QA_SCREENSHOTS") == "docs"

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) "
                "to run the browser tests", allow_module_level=True)


# ---------------------------------------------------------------- the app and the browser


@pytest.fixture(scope="module")
def app_url():
    with running_app("app-browser.log", env={"QA_STREAM_DELAY": "0.12"}) as url:
        yield url



def box(page):
    return page.locator("#qa-input textarea")


def answers(page):
    return page.locator("#qa-chat .qa-answer")


def ask(page, question: str) -> None:
    """Type ``question``, press Enter, wait until its answer is complete."""
    before = answers(page).count()
    box(page).fill(question)
    box(page).press("Enter")
    wait_done(page, before + 1)


def wait_done(page, count: int) -> None:
    """Wait until ``count`` answers are shown and the last one is complete (its copy button)."""
    page.wait_for_function(
        "n => { const a = document.querySelectorAll('#qa-chat .qa-answer');"
        " return a.length === n && !!a[n - 1].querySelector('.qa-copy')"
        " && !document.querySelector('#qa-send').disabled; }", arg=count, timeout=ANSWER_MS)


def panel_cards(page) -> dict[int, str]:
    out = {}
    for card in page.locator("#qa-evidence .qa-card").all():
        out[int(card.locator(".qa-n").inner_text())] = card.locator(".qa-passage").inner_text()
    return out


def wait_in_viewport(page, locator) -> None:
    """Wait until ``locator``'s element is wholly inside the window and its scroll containers."""
    page.wait_for_function(
        "el => { const r = el.getBoundingClientRect();"
        " if (!(r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight)) return false;"
        " for (let p = el.parentElement; p; p = p.parentElement) {"
        "   if (p.scrollHeight > p.clientHeight && getComputedStyle(p).overflowY !== 'visible') {"
        "     const b = p.getBoundingClientRect(); if (r.top < b.top - 1 || r.bottom > b.bottom + 1) return false; } }"
        " return true; }", arg=locator.element_handle())


def shot(page, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)
    if SCREENSHOTS:
        shutil.copyfile(ARTIFACTS / name, ROOT / "docs" / name)


# ---------------------------------------------------------------- citations and sources


def test_citation_is_a_control_that_marks_its_card(page):
    assert page.evaluate("document.documentElement.lang") == "zh-CN"  # English browser, Chinese page
    page.get_by_text(Q1, exact=True).first.click()
    wait_done(page, 1)
    answer = answers(page).first
    refs = answer.locator("button.qa-ref")
    assert refs.count() >= 1
    cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", answer.locator(".qa-body").inner_text())})
    cards = panel_cards(page)
    assert set(cited) <= set(cards), f"answer cites {cited}, panel has {sorted(cards)}"
    assert any("厂通路" in t or "22号线" in t for t in cards.values())

    # keyboard: Tab reaches [n]; Enter on it marks card n and brings it into view
    last = refs.last
    n = int(last.inner_text().strip("[]"))
    last.focus()
    assert page.evaluate("document.activeElement.classList.contains('qa-ref')")
    page.keyboard.press("Enter")
    marked = page.locator("#qa-evidence .qa-card.qa-marked")
    marked.wait_for()
    assert marked.count() == 1 and int(marked.locator(".qa-n").inner_text()) == n
    wait_in_viewport(page, marked)
    # a click on another citation moves the mark
    first = refs.first
    first.click()
    page.wait_for_function(
        "n => { const m = document.querySelector('#qa-evidence .qa-card.qa-marked .qa-n');"
        " return m && m.textContent.trim() === n; }", arg=first.inner_text().strip("[]"))

    # relevance: a label on an absolute scale, its tooltip saying what it is
    for rel in page.locator("#qa-evidence .qa-card .qa-rel").all():
        assert rel.locator(".qa-level").inner_text() in ("高", "中", "低")
        assert "%" not in rel.inner_text()
        tip = rel.get_attribute("title")
        assert "语义相似度" in tip and "关键词" in tip and "不与其他段落比较" in tip
    page.mouse.move(0, 0)
    page.evaluate("() => { window.scrollTo(0, 0);"
                  " document.querySelector('#qa-chat [role=\"log\"]').scrollTop = 0; }")
    shot(page, "answer-desktop.png")


def test_citations_are_one_tab_stop_per_answer_and_arrows_move_between_them(page):
    ask(page, Q1)
    refs = answers(page).first.locator("button.qa-ref")
    assert refs.count() >= 3
    assert refs.evaluate_all("rs => rs.filter(r => r.tabIndex >= 0).length") == 1
    refs.first.focus()
    page.keyboard.press("ArrowRight")
    assert refs.nth(1).evaluate("el => el === document.activeElement && el.tabIndex === 0")
    page.keyboard.press("End")
    assert refs.last.evaluate("el => el === document.activeElement && el.tabIndex === 0")
    assert refs.evaluate_all("rs => rs.filter(r => r.tabIndex >= 0).length") == 1
    page.keyboard.press("Home")
    assert refs.first.evaluate("el => el === document.activeElement")
    # from the first marker, the input is a few Tabs away, not one per marker
    for presses in range(1, refs.count()):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#qa-input')"):
            break
    else:
        pytest.fail(f"the input was not reached in {refs.count() - 1} Tabs from the first of {refs.count()} markers")
    assert presses <= 4, presses  # the copy button, the sources and details summaries at most


def test_checkbox_shows_a_focus_ring(page):
    page.locator("#qa-export").focus()
    page.keyboard.press("Tab")
    box_ = page.locator("#qa-debug-toggle input")
    assert box_.evaluate("el => el === document.activeElement && el.matches(':focus-visible')")
    style = box_.evaluate("el => { const s = getComputedStyle(el);"
                          " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
    assert style[0] != "none" and style[1] >= 2, style


def test_older_answer_keeps_its_sources(page):
    ask(page, Q1)
    first_cards = panel_cards(page)
    ask(page, Q2)
    second_cards = panel_cards(page)
    assert any("5%" in t for t in second_cards.values())
    assert second_cards != first_cards
    answers(page).first.locator("button.qa-ref").first.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#qa-evidence .qa-passage')]"
        ".some(p => p.textContent.includes('厂通路') || p.textContent.includes('22号线'))")
    assert panel_cards(page) == first_cards
    assert page.locator("#qa-evidence .qa-card.qa-marked").count() == 1
    # the newer answer's [n] brings its own sources back
    answers(page).nth(1).locator("button.qa-ref").first.click()
    page.wait_for_function("() => document.querySelector('#qa-evidence').textContent.includes('5%')")
    assert panel_cards(page) == second_cards


def test_reader_opens_the_document_at_the_passage(page):
    ask(page, Q1)
    card = page.locator("#qa-evidence .qa-card").first
    passage = card.locator(".qa-passage").inner_text()
    marked = card.locator(".qa-passage mark").first.inner_text()
    with page.context.expect_page() as new:
        card.locator("a.qa-open").click()
    reader = new.value
    reader.wait_for_load_state()
    assert reader.evaluate("document.documentElement.lang") == "zh-CN"
    here = reader.locator("#qa-here")
    here.wait_for()
    reader.wait_for_function("() => { const r = document.querySelector('#qa-here').getBoundingClientRect();"
                             " return r.top >= 0 && r.top < window.innerHeight; }")
    shown = "".join(s.inner_text() for s in reader.locator("span.passage").all())
    assert shown == passage
    assert marked in "".join(m.inner_text() for m in reader.locator("mark").all())
    shot(reader, "reader-desktop.png")
    outline = reader.locator("nav[aria-label='目录'] a")
    assert outline.count() >= 5  # parts and sections
    assert len(reader.locator("main").inner_text()) > 10 * len(passage)  # the whole document
    first = outline.first
    first.click()  # the outline jumps within the page
    target = reader.locator(first.get_attribute("href"))
    reader.wait_for_function("el => Math.abs(el.getBoundingClientRect().top) < 40", arg=target.element_handle())
    reader.close()


# ---------------------------------------------------------------- copy and export


def test_copy_gives_clean_text_with_sources(browser, app_url):
    page = new_page(browser, app_url, permissions=["clipboard-read", "clipboard-write"])
    try:
        ask(page, Q2)
        answers(page).first.locator(".qa-copy").click()
        page.locator("#qa-chat .qa-copied", has_text="已复制").wait_for()
        text = page.evaluate("navigator.clipboard.readText()")
        assert "<" not in text and "qa-ref" not in text
        assert "5%" in text
        assert re.search(r"^来源：$", text, re.M)
        assert re.search(r"^\[1\] 二、.+：.+", text, re.M), text  # [1] section path: passage
    finally:
        page.context.close()


def test_conversation_downloads_as_markdown(browser, app_url):
    page = new_page(browser, app_url, accept_downloads=True)
    try:
        ask(page, Q2)
        with page.expect_download() as info:
            page.locator("#qa-export").click()
        text = Path(info.value.path()).read_text(encoding="utf-8")
        assert text.startswith("# 报告问答记录")
        assert f"## 问：{Q2}" in text and "5%" in text and "来源：" in text
    finally:
        page.context.close()


# ---------------------------------------------------------------- input


def test_typing_during_streaming_is_kept(page):
    box(page).fill(Q1)
    box(page).press("Enter")
    page.locator("#qa-chat .qa-answer.qa-streaming").wait_for(timeout=ANSWER_MS)
    assert page.locator("#qa-send").is_disabled()  # busy
    assert page.locator("#qa-send").inner_text() == "回答中…"
    box(page).press_sequentially("那2023年呢")
    box(page).press("Enter")  # while busy: nothing is sent, the text stays, a hint says why
    page.locator("#qa-hint", has_text="还在生成").wait_for()
    wait_done(page, 1)
    assert box(page).input_value() == "那2023年呢"
    assert page.locator('#qa-chat .qa-question').count() == 1
    page.locator("#qa-hint", has_text="还在生成").wait_for(state="hidden")  # the answer ended: the hint goes


def test_stop_ends_the_current_answer(page):
    box(page).fill(Q1)
    box(page).press("Enter")
    page.locator("#qa-chat .qa-answer.qa-streaming").wait_for(timeout=ANSWER_MS)
    page.locator("#qa-chat .qa-answer.qa-streaming .qa-body li").first.wait_for(timeout=ANSWER_MS)  # a list streams in
    page.locator("#qa-stop").click()
    page.locator("#qa-chat .qa-answer", has_text="已停止").wait_for()
    page.wait_for_function("() => !document.querySelector('#qa-send').disabled")
    assert not page.locator("#qa-stop").is_visible()
    body = answers(page).first.locator(".qa-body")
    lone = body.evaluate("b => [...b.querySelectorAll('p, li')].filter(e => /^\\s*\\d*\\.?\\s*$/.test(e.textContent)).length")
    assert lone == 0, body.inner_html()  # no half-streamed "1" or empty list item
    ask(page, Q2)  # the chat goes on
    assert answers(page).count() == 2


def _key(kind: str, composing: bool) -> tuple[str, dict]:
    enter = {"key": "Enter", "code": "Enter", "bubbles": True, "cancelable": True, "isComposing": composing,
             "keyCode": 229 if composing and kind == "keydown" else 13}
    return kind, enter


IME = {  # what a browser sends while pinyin is turned into characters
    "keydown-composing": [("compositionstart", {"data": ""}), _key("keydown", True)],
    "keypress-composing": [("compositionstart", {"data": ""}), _key("keypress", False)],
    "enter-after-compositionend": [("compositionstart", {"data": ""}), ("compositionend", {"data": "交通"}),
                                   _key("keydown", False), _key("keypress", False)],
}


@pytest.mark.parametrize("events", IME)
def test_enter_during_ime_composition_does_not_send(page, events):
    box(page).fill("北三县jiaotong")
    for kind, init in IME[events]:
        box(page).dispatch_event(kind, dict(init, bubbles=True))
    box(page).dispatch_event("compositionend", {"data": "", "bubbles": True})
    box(page).dispatch_event("keyup", {"key": "Enter", "code": "Enter", "keyCode": 13, "bubbles": True})
    assert box(page).input_value() == "北三县jiaotong"
    box(page).fill(Q1)  # the IME turned the pinyin into characters
    box(page).press("Enter")
    wait_done(page, 1)
    questions = page.locator("#qa-chat .qa-question")
    assert questions.count() == 1 and questions.first.inner_text() == Q1


def test_empty_submit_changes_nothing_but_a_hint(page):
    ask(page, Q2)
    before = panel_cards(page)
    chat_before = page.locator("#qa-chat").inner_text()
    page.locator("#qa-send").click()
    page.locator("#qa-hint", has_text="请输入问题").wait_for()
    assert page.locator("#qa-chat").inner_text() == chat_before
    assert panel_cards(page) == before


def test_long_paste_keeps_the_question_at_its_end(page):
    box(page).fill("以下是会议纪要的内容。" + "会议讨论了很多事项。" * 120 + "请问2024年地区生产总值增长目标是多少？")
    box(page).press("Enter")
    wait_done(page, 1)
    answer = answers(page).first.inner_text()
    assert "问题较长" in answer and "最后一句" in answer
    assert "5%" in page.locator("#qa-evidence").inner_text()
    assert len(page.locator("#qa-chat .qa-question").first.inner_text()) < 400  # the echo is cut


@pytest.mark.parametrize("payload", ["<script>window.__xss=1</script>", '<img src=x onerror="window.__xss=1">',
                                     "a < b 的 <b>粗体</b>"])
def test_user_input_is_shown_as_text_never_run(page, payload):
    ask(page, payload)
    user = page.locator("#qa-chat .qa-question").first
    assert user.inner_text() == payload  # shown once, not escaped twice
    assert user.locator("script, img, b").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


# ---------------------------------------------------------------- phone, history, accessibility


def test_phone_layout_puts_collapsed_sources_under_each_answer(browser, app_url):
    page = new_page(browser, app_url, viewport=PHONE)
    try:
        ask(page, Q1)
        assert not page.locator("#qa-evidence-col").is_visible()
        sources = answers(page).first.locator("details.qa-sources")
        assert sources.is_visible() and sources.get_attribute("open") is None  # collapsed
        answer_box = answers(page).first.bounding_box()
        assert sources.bounding_box()["y"] < answer_box["y"] + answer_box["height"] + 1
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"page is {overflow}px wider than a 390px phone screen"
        sources.evaluate("el => { el.scrollIntoView({block: 'end'}); window.scrollTo(0, 0); }")
        shot(page, "answer-phone.png")
        ref = answers(page).first.locator("button.qa-ref").first
        ref.click()
        marked = sources.locator(".qa-card.qa-marked")
        marked.wait_for()
        assert sources.get_attribute("open") is not None
        wait_in_viewport(page, marked)
        shot(page, "sources-phone.png")
        placeholder = box(page).get_attribute("placeholder")
        assert box(page).evaluate("el => el.scrollWidth <= el.clientWidth + 1")
        header = page.locator("#qa-header").inner_text()
        assert placeholder and "右侧" not in header
        assert "针对《" in header and "通州区" in header  # the library loaded (one report), read at page load
    finally:
        page.context.close()


def test_reload_keeps_history_and_clear_forgets_it(page):
    ask(page, Q2)
    page.reload()
    answers(page).first.wait_for(timeout=30_000)
    assert page.locator("#qa-chat .qa-question").first.inner_text() == Q2
    page.wait_for_function("() => document.querySelector('#qa-evidence').textContent.includes('5%')")
    page.locator("#qa-clear").click()
    page.wait_for_function("() => !document.querySelector('#qa-chat .qa-answer')"
                           " && !document.querySelector('#qa-evidence .qa-card')")
    page.reload()
    page.wait_for_function("() => window.__qaReady === true")
    ask(page, Q1)  # were the old turn restored, this would be the second
    assert page.locator("#qa-chat .qa-question").count() == 1


def test_follow_up_passes_the_history_and_says_how_it_was_understood(page):
    ask(page, Q2)
    ask(page, "那2023年呢？")
    follow_up = answers(page).nth(1).inner_text()
    assert follow_up.count("理解为：") == 1
    understood = follow_up.split("理解为：", 1)[1].splitlines()[0]
    assert "2023" in understood and "地区生产总值" in understood  # completed from the first question


def test_retrieval_details_are_off_by_default(page):
    ask(page, Q1)
    details = answers(page).first.locator("details.qa-debug")
    assert not details.is_visible()
    page.locator("#qa-debug-toggle input").check()
    details.wait_for(state="visible")
    details.locator("summary").click()
    text = details.inner_text()
    assert "匹配词" in text and "时间段" in text and "BM25" in text and "融合" in text
    assert details.locator("tbody tr").count() >= 1


def settle(page) -> None:
    """Wait for the page's fonts and two frames: layout done, nothing left half-painted."""
    page.evaluate("() => document.fonts.ready.then(() => new Promise(r => requestAnimationFrame("
                  "() => requestAnimationFrame(r))))")


def _serious(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5]) for v in bad]


THEMES = {  # how the page is asked for: Gradio's dark theme follows the browser, or ?__theme=dark
    "light": ("", "light"),
    "dark": ("", "dark"),
    "dark-theme": ("/?__theme=dark", "light"),
}


@pytest.mark.parametrize("screen", ["desktop", "phone"])
@pytest.mark.parametrize("theme", THEMES)
def test_axe_no_serious_violations_light_and_dark_desktop_and_phone(browser, app_url, theme, screen):
    path, scheme = THEMES[theme]
    viewport = PHONE if screen == "phone" else DESKTOP
    page = new_page(browser, app_url + path, viewport=viewport, color_scheme=scheme)
    try:
        assert page.evaluate("document.body.classList.contains('dark')") == theme.startswith("dark")
        settle(page)  # what a reader sees once the page has laid out, not a frame of its loading
        assert _serious(page) == []
        ask(page, Q1)
        # everything an answer can show: its sources (phone), the retrieval details, the library
        page.locator("#qa-debug-toggle input").check()
        answers(page).first.locator("details.qa-debug").wait_for(state="visible")
        if screen == "phone":
            answers(page).first.locator("details.qa-sources > summary").click()
        page.locator("#qa-library").get_by_text("文档库").first.click()
        page.locator("#qa-docs table").wait_for()
        settle(page)
        assert _serious(page) == []
        if screen == "desktop" and theme == "dark":
            page.evaluate("() => window.scrollTo(0, 0)")
            shot(page, "answer-desktop-dark.png")
    finally:
        page.context.close()


def test_a_question_sent_while_the_server_is_down_says_so_in_chinese(browser):
    with running_app("app-down.log", env={"QA_STREAM_DELAY": "0.5"}) as url:
        idle, answering = new_page(browser, url), new_page(browser, url)
        box(answering).fill(Q1)
        box(answering).press("Enter")
        answering.locator("#qa-chat .qa-answer.qa-streaming").wait_for(timeout=ANSWER_MS)
    try:  # the server is stopped now; the pages are still open
        answering.locator("#qa-hint", has_text="连接已断开，这个回答无法完成").wait_for()
        box(idle).fill(Q2)
        box(idle).press("Enter")
        idle.locator("#qa-hint", has_text="无法连接到服务器").wait_for()
        assert box(idle).input_value() == Q2  # the question is kept
        idle.get_by_text("与服务器的连接已断开").first.wait_for()  # Gradio's notice, in Chinese
        assert "Connection to the server" not in idle.locator("body").inner_text()
    finally:
        idle.context.close()
        answering.context.close()


# ---------------------------------------------------------------- the document library


FLOWER_DOC = """# 2025年花卉产业发展情况报告

## 一、总体情况

2025年，本区花卉种植面积达到三千亩，郁金香主题花展接待游客十二万人次。

## 二、下一步安排

继续举办郁金香文化节，建设花卉交易中心，推动花卉产业与乡村旅游融合发展。
"""


@pytest.fixture(scope="module")
def library_app(tmp_path_factory):
    """The app over a corpus of its own (the report), which the tests add to and remove from."""
    with app_over_own_corpus(tmp_path_factory.mktemp("library"), "app-library.log") as served:
        yield served


def choose(page, dropdown: str, label_part: str) -> None:
    """Pick the option containing ``label_part`` in Gradio's dropdown ``dropdown``."""
    page.locator(f"{dropdown} input").click()
    page.locator('[data-testid="dropdown-option"]', has_text=label_part).first.click()
    page.keyboard.press("Escape")


def test_upload_list_filter_and_remove_a_document(browser, library_app, tmp_path):
    url, corpus = library_app
    page = new_page(browser, url)
    try:
        page.locator("#qa-library").get_by_text("文档库").first.click()
        table = page.locator("#qa-docs table")
        table.wait_for()
        assert table.locator("tbody tr").count() == 1
        report = table.locator("tbody tr").first.inner_text()
        assert "通州区" in report and "北京市 › 通州区" in report and "txt" in report

        # an unsupported type and an over-size file are refused in Chinese, before any upload
        assert "将文件拖放到这里" in page.locator("#qa-upload").inner_text()
        for name, size in (("数据.csv", 10), ("大报告.pdf", 21 * 1024 * 1024)):
            bad = tmp_path / name
            bad.write_bytes(b"a" * size)
            page.locator("#qa-upload input[type=file]").set_input_files(str(bad))
            status = page.locator("#qa-lib-status", has_text=name)
            status.wait_for()
            assert ("不支持的文件类型" if name.endswith(".csv") else "文件过大") in status.inner_text()
            assert "Invalid" not in page.locator("body").inner_text()
        assert [p.name for p in corpus.iterdir()] == [p.name for p in (ROOT / "corpus").iterdir()]

        upload = tmp_path / "花卉 报告<2025>.md"
        upload.write_text(FLOWER_DOC, encoding="utf-8")
        page.locator("#qa-upload input[type=file]").set_input_files(str(upload))
        row = table.locator("tbody tr", has_text="花卉产业")
        row.wait_for(timeout=600_000)  # copied, then the index follows
        cells = row.locator("td").all_inner_texts()
        # title, region (the flower report names no place), years, passages, format, id
        assert cells[0] == "2025年花卉产业发展情况报告" and cells[1] == "—" and cells[4] == "md" and int(cells[3]) >= 1
        saved = [p.name for p in corpus.iterdir()]
        assert len(saved) == 2 and not any("<" in n or " " in n for n in saved), saved  # sanitised
        page.locator("#qa-lib-status", has_text="已加入").wait_for()

        # the selector limits the search to the chosen document
        choose(page, "#qa-doc-filter", "花卉产业")
        ask(page, "郁金香主题花展接待了多少游客")
        titles = page.locator("#qa-evidence .qa-card .qa-title").all_inner_texts()
        assert titles and all(t == "2025年花卉产业发展情况报告" for t in titles)
        assert "十二万" in page.locator("#qa-evidence").inner_text()

        # remove it (its embedding may still run): gone from the list, the filter and the corpus
        choose(page, "#qa-doc-remove", "花卉产业")
        page.locator("#qa-remove").click()
        page.locator("#qa-lib-status", has_text="已从文档库删除").wait_for(timeout=ANSWER_MS)
        assert table.locator("tbody tr").count() == 1
        assert "花卉产业" not in page.locator("#qa-doc-filter").inner_text()
        assert [p.name for p in corpus.iterdir()] == [p.name for p in (ROOT / "corpus").iterdir()]
        # the indexing that was under way ends without bringing it back or hiding what was said
        page.locator("#qa-index-status", has_text="语义索引").filter(has_not_text="正在").wait_for(
            timeout=600_000)
        assert "已从文档库删除" in page.locator("#qa-lib-status").inner_text()
        assert table.locator("tbody tr").count() == 1
        # the last document stays, with a reason in Chinese
        choose(page, "#qa-doc-remove", "通州区")
        page.locator("#qa-remove").click()
        page.locator("#qa-lib-status", has_text="不能删除最后一份文档").wait_for()
        assert [p.name for p in corpus.iterdir()] == [p.name for p in (ROOT / "corpus").iterdir()]
        # and the chat still answers over the whole library (the filter lost the removed report)
        ask(page, "北三县交通有哪些项目")
        assert page.locator("#qa-evidence .qa-card").count() > 0
    finally:
        page.context.close()


# ---------------------------------------------------------------- the optional LLM


class _FakeLLM:
    """An OpenAI-compatible server on loopback: /v1 streams markdown that tries to make the
    browser fetch a URL; /empty/v1 answers with no text at all. It counts every GET."""

    def __init__(self):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        fake = self
        self.gets: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # an image or a link the answer made the browser fetch
                fake.gets.append(self.path)
                self.send_response(204)
                self.end_headers()

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [] if self.path.startswith("/empty") else fake.pieces
                for piece in pieces:
                    data = {"choices": [{"index": 0, "delta": {"content": piece}}]}
                    self.wfile.write(f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.pieces = ["北三县交通：厂通路**加快**建设 [1]。\n\n",
                       f"![]({self.url}/pixel.png?leak=1) ",
                       f'<a href="{self.url}/link">点我</a> <img src="{self.url}/img.png"> ',
                       f"[详情]({self.url}/md-link)"]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


@pytest.fixture(scope="module")
def fake_llm():
    server = _FakeLLM()
    yield server
    server.close()


@pytest.mark.parametrize("route", ["", "/empty"])
def test_llm_answer_never_makes_the_browser_fetch_and_empty_falls_back(browser, fake_llm, route):
    env = {"QA_LLM_BASE_URL": fake_llm.url + route + "/v1", "QA_LLM_MODEL": "fake"}
    with running_app(f"app-llm{route.replace('/', '-')}.log", env=env) as url:
        page = new_page(browser, url)
        try:
            ask(page, Q1)
            answer = answers(page).first
            body = answer.locator(".qa-body")
            if route == "/empty":  # no text from the LLM: the extractive answer, not a hang
                assert re.search(r"\[\d\]", body.inner_text()) and "厂通路" in body.inner_text()
                return
            text = body.inner_text()
            assert "加快" in text and body.locator("strong", has_text="加快").count() == 1
            assert body.locator("button.qa-ref").count() == 1  # the citation is kept
            assert f"{fake_llm.url}/pixel.png?leak=1" in text  # the URL shown as text
            assert body.locator("img, a, [src], [href]").count() == 0
            assert "<img" in text  # raw HTML shown as text, not run
            page.wait_for_load_state("load")
            assert fake_llm.gets == []
        finally:
            page.context.close()
