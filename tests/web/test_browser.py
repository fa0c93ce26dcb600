"""End to end in a real browser: Debian's chromium driven by Playwright against the app served by
uvicorn on 127.0.0.1. Screenshots are saved in each test's temporary folder.

These tests never skip: a browser that cannot start is a failure (CI installs ``chromium`` and
``fonts-noto-cjk`` from .ci/apt-packages.txt, and playwright with the test extra).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import CASE_FILE, Customer, LiveServer, clusterip_transcript, triage_start_facts

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def server(app: Any) -> Any:
    with LiveServer(app) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Any:
    from playwright.sync_api import Error, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/apt-packages.txt; make system-packages)")
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=60_000)
        except Error as exc:
            pytest.fail(f"chromium does not start: {exc}")
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: Any) -> Any:
    """A fresh page that fails the test on any JavaScript dialog (an injected script ran), page
    error or console error (a Content-Security-Policy violation is one)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server.url)
    pg = context.new_page()
    problems: list[str] = []
    pg.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # a refused request (the error test makes one on purpose) is logged by the browser and htmx
    refused = ("the server responded with a status of 4", "Response Status Error Code 4")
    pg.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" and not any(r in m.text for r in refused) else None)
    pg.set_default_timeout(30_000)
    yield pg
    context.close()
    assert problems == []


def test_paste_the_clusterip_transcript_and_see_the_dual_address_first(page: Any, tmp_path: Path) -> None:
    page.goto("/?lang=en")
    page.fill("#paste", clusterip_transcript())
    page.click("#diagnose-button")
    page.wait_for_selector("#diagnosis")
    first = page.locator("li.cause").first
    assert first.get_attribute("data-cause") == "node_dual_address_vxlan"
    assert float(first.locator(".num").inner_text()) >= 0.9
    assert "static and a DHCP address" in first.locator(".cause-title").inner_text()
    assert page.locator("li.cause .evidence .for li").count() >= 3
    # the packet path: hop 3 (flannel.1 on the peer node) is where the request disappears
    fail = page.locator("#path-request g.hop[data-mark=fail]")
    assert fail.count() == 1 and fail.get_attribute("data-hop") == "3" and "flannel.1" in fail.text_content()
    assert page.locator("#path-request g.hop[data-mark=seen]").count() == 3
    # a copy button copies its command
    copy = first.locator("button.copy").first
    copy.click()
    page.locator("li.cause >> nth=0 >> button.copy.done").first.wait_for()
    page.screenshot(path=str(tmp_path / "diagnosis-en.png"), full_page=True)
    # downloads: the case as a fact file, the report as Markdown
    with page.expect_download() as got:
        page.click("#download-facts")
    facts = json.loads(Path(got.value.path()).read_text())
    assert facts["case"]["id"] == "raw-paste" and len(facts["observations"]) >= 10
    with page.expect_download() as got:
        page.click("#download-report")
    assert got.value.suggested_filename.endswith(".md") and "node_dual_address_vxlan" in Path(got.value.path()).read_text()
    assert (tmp_path / "diagnosis-en.png").stat().st_size > 10_000


def test_click_through_a_triage_in_chinese(page: Any, tmp_path: Path) -> None:
    start = tmp_path / "start.json"
    start.write_text(json.dumps(triage_start_facts()))
    customer = Customer()
    page.goto("/triage?lang=zh")
    assert page.inner_text("#nav-triage") == "引导排障"
    page.set_input_files("#start-facts", str(start))
    page.click("#start-button")
    page.wait_for_selector("#triage-panel")
    page.screenshot(path=str(tmp_path / "triage-zh-0.png"), full_page=True)
    # the same session as the terminal: what fails comes first; "back" undoes an answer and the
    # same question comes again
    first = page.locator("#question")
    assert first.get_attribute("data-type") == "symptom"
    key = first.get_attribute("data-key")
    assert CJK.search(first.locator(".qtext").inner_text())
    page.click('#question button[data-answer="unknown"]')
    page.locator('#triage-panel[data-steps="1"]').wait_for()
    page.click("#back-button")
    page.locator('#triage-panel[data-steps="0"]').wait_for()
    assert page.locator("#question").get_attribute("data-key") == key
    rankings = [page.locator("#ranking-posterior li").first.inner_text()]
    for n in range(1, 17):
        if page.locator("#question").count() == 0:
            break
        q = page.locator("#question")
        answer, probe = customer.reply({"type": q.get_attribute("data-type"), "key": q.get_attribute("data-key")})
        if probe:
            page.check("#probe")
        page.click(f'#question button[data-answer="{answer}"]')
        page.locator(f'#triage-panel[data-steps="{n}"]').wait_for()
        rankings.append(page.locator("#ranking-posterior li").first.inner_text())
        page.screenshot(path=str(tmp_path / f"triage-zh-{n}.png"), full_page=True)
    assert page.get_attribute("#triage-panel", "data-done") == "true"
    assert page.get_attribute("#stopped", "data-stop") == "confident"
    stopped = page.inner_text("#stopped")
    assert "node_dual_address_vxlan" in stopped and "结束" in stopped
    assert page.locator("#ranking-rules li").first.get_attribute("data-cause") == "node_dual_address_vxlan"
    assert len(set(rankings)) > 1  # the ranking changed along the way
    assert page.locator("#final-report li.cause").first.get_attribute("data-cause") == "node_dual_address_vxlan"
    assert CJK.search(page.locator("#final-report li.cause .cause-title").first.inner_text())
    with page.expect_download() as got:
        page.click("#download-facts")
    assert len(json.loads(Path(got.value.path()).read_text())["observations"]) >= 3


def test_injected_markup_stays_text(page: Any, tmp_path: Path) -> None:
    """<script> and an onerror handler in a summary and in a pasted transcript are shown as text,
    and nothing runs (the page fixture fails on any dialog)."""
    data = json.loads(CASE_FILE.read_text())
    data["case"]["summary"] = "ticket <script>alert(1)</script> <img src=x onerror=alert(2)>"
    facts = tmp_path / "case.json"
    facts.write_text(json.dumps(data))
    page.goto("/?lang=en")
    page.set_input_files("#facts-files", str(facts))
    page.click("#diagnose-button")
    page.wait_for_selector("#diagnosis")
    assert page.inner_text(".summary") == data["case"]["summary"]
    assert page.locator("#result script").count() == 0 and page.locator("#result img").count() == 0
    page.goto("/?lang=en")
    page.fill("#paste", clusterip_transcript() + "[root@yq01-aip-aikefu12 ~]# <script>alert(3)</script>\n<img src=x onerror=alert(4)>\n")
    page.click("#diagnose-button")
    page.wait_for_selector("#diagnosis")
    assert "<script>alert(3)</script>" in page.inner_text("details.warnings")
    assert page.locator("#result script").count() == 0 and page.locator("#result img").count() == 0
    page.screenshot(path=str(tmp_path / "escaped.png"), full_page=True)


def test_errors_show_in_the_error_box_and_the_language_switches(page: Any) -> None:
    page.goto("/?lang=en")
    page.fill("#paste", "hello world")
    page.click("#diagnose-button")
    err = page.locator("#errors .error")
    err.wait_for()
    assert err.get_attribute("data-code") == "E-INGEST-EMPTY"
    page.click("#lang-zh")
    page.wait_for_selector("text=诊断一个案例")
    assert page.inner_text("#nav-diagnose") == "诊断"
