"""The web UI in a real browser: Debian's headless Chromium driven by Playwright.

Starts ``python app.py --port FREE``, clicks an example question, and checks what a person sees:
the answer cites [n], card n marks the answering sentence, and user input is shown as text.
Screenshots go to tests/artifacts/. Skipped only when /usr/bin/chromium is missing
(install it with: apt-get update && apt-get install -y chromium fonts-noto-cjk).
"""
from __future__ import annotations

import os
import re
import time

import pytest

from apprunner import ARTIFACTS, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ANSWER_TIMEOUT_MS = 120_000

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) "
                "to run the browser tests", allow_module_level=True)


# ---------------------------------------------------------------- the app server


@pytest.fixture(scope="module")
def app_url():
    with running_app("app-browser.log") as url:
        yield url


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, url, width=1366, height=900):
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#qa-input textarea").wait_for(state="visible", timeout=60_000)
    return page


@pytest.fixture
def page(browser, app_url):
    p = open_page(browser, app_url)
    yield p
    p.close()


def bot_messages(page):
    return page.locator('#qa-chat [data-testid="bot"]')


def wait_for_answer(page, count=1, timeout_ms=ANSWER_TIMEOUT_MS) -> str:
    """Wait until there are ``count`` bot messages and the last one stopped changing."""
    bots = bot_messages(page)
    deadline = time.monotonic() + timeout_ms / 1000
    last, stable = None, 0
    while time.monotonic() < deadline:
        if bots.count() >= count:
            text = bots.nth(count - 1).inner_text()
            if text and "正在检索" not in text and text == last:
                stable += 1
                if stable >= 3:
                    return text
            else:
                stable = 0
            last = text
        time.sleep(0.3)
    raise AssertionError(f"no finished answer within {timeout_ms} ms; last seen: {last!r}")


def cards(page) -> dict[int, list[str]]:
    """Evidence card number -> texts of its <mark> elements in the passage."""
    out = {}
    for card in page.locator("#qa-evidence .qa-card").all():
        n = int(card.get_attribute("data-n"))
        out[n] = [m.inner_text() for m in card.locator(".qa-passage mark").all()]
    return out


# ---------------------------------------------------------------- tests


def test_example_question_answers_with_highlighted_cited_evidence(page):
    page.get_by_text("北三县交通有哪些项目", exact=True).first.click()
    page.locator("#qa-evidence .qa-card mark").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    answer = wait_for_answer(page)

    user = page.locator('#qa-chat [data-testid="user"]').first.inner_text()
    assert "北三县交通有哪些项目" in user

    marked = {n for n, marks in cards(page).items()
              if any("厂通路" in m or "22号线" in m for m in marks)}
    assert marked, f"no card marks 厂通路/22号线: {cards(page)}"
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    assert cited & marked, f"answer cites {sorted(cited)} but 厂通路/22号线 is marked in cards {sorted(marked)}"

    # every card shows where it comes from, how relevant it is, and can expand its paragraph
    card = page.locator("#qa-evidence .qa-card").first
    assert card.locator(".qa-title").inner_text().strip()
    assert card.locator(".qa-rel .qa-bar").count() == 1
    details = card.locator("details.qa-more")
    if details.count():
        details.locator("summary").click()
        assert details.locator(".qa-para").is_visible()
        details.locator("summary").click()
    page.locator('#qa-chat [role="log"]').evaluate("log => { log.scrollTop = 0; }")  # show the question
    page.mouse.move(0, 0)
    time.sleep(0.3)
    page.screenshot(path=str(ARTIFACTS / "answer-desktop.png"), full_page=True)


def test_phone_width_has_no_horizontal_scroll(browser, app_url):
    page = open_page(browser, app_url, width=390, height=844)
    try:
        page.get_by_text("北三县交通有哪些项目", exact=True).first.click()
        page.locator("#qa-evidence .qa-card mark").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
        wait_for_answer(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"page is {overflow}px wider than a 390px phone screen"
        page.screenshot(path=str(ARTIFACTS / "answer-phone.png"), full_page=True)
    finally:
        page.close()


def test_target_question_is_answered(page):
    page.get_by_text("2024年地区生产总值增长目标是多少", exact=True).first.click()
    answer = wait_for_answer(page)
    assert re.search(r"\[\d+\]", answer), answer
    assert "5%" in page.locator("#qa-evidence").inner_text()


@pytest.mark.parametrize("payload", [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
])
def test_user_input_is_shown_as_text_never_run(page, payload):
    box = page.locator("#qa-input textarea")
    box.fill(payload)
    box.press("Enter")
    wait_for_answer(page)
    user = page.locator('#qa-chat [data-testid="user"]').first
    assert payload in user.inner_text()
    assert user.locator("script, img").count() == 0
    assert page.locator("#qa-evidence script, #qa-evidence img").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_empty_question_gets_a_friendly_message(page):
    page.locator("#qa-send").click()
    text = wait_for_answer(page)
    assert text.strip() and "Error" not in text
    assert page.locator('#qa-chat [data-testid="user"]').count() == 0


def test_clear_button_resets_chat_and_panel(page):
    page.get_by_text("北三县交通有哪些项目", exact=True).first.click()
    wait_for_answer(page)
    assert page.locator("#qa-evidence .qa-card").count() > 0
    page.locator("#qa-clear").click()
    page.wait_for_function(
        "() => !document.querySelector('#qa-chat [data-testid=\"bot\"]')"
        " && !document.querySelector('#qa-evidence .qa-card')", timeout=15_000)


def test_huge_question_is_answered_with_a_note(page):
    box = page.locator("#qa-input textarea")
    box.fill("北三县交通有哪些项目" + "啊" * 800)
    box.press("Enter")
    answer = wait_for_answer(page)
    assert "问题较长" in answer
    assert len(page.locator('#qa-chat [data-testid="user"]').first.inner_text()) < 400  # echo is cut
