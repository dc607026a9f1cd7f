"""The dashboard in headless Chromium (Debian's chromium + chromedriver, driven by Selenium).

Each page loads with no console error, its charts draw (a non-blank canvas or a non-empty SVG), and a
run started during the test appears in the runs table and its energy grows on its page without a
reload. Screenshots are kept in ``$MLFOOTPRINT_ARTIFACTS/screenshots`` (default ``out/screenshots``);
the folder is printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("selenium")
pytest.importorskip("starlette")
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from helpers.net import free_port
from mlfootprint.store import open_store

from .conftest import fill

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
#: read at import: the test session's fixtures clear MLFOOTPRINT_* variables
ARTIFACTS = Path(os.environ.get("MLFOOTPRINT_ARTIFACTS") or ROOT / "out") / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = "/usr/bin/chromedriver"
ROWS = "#runs tbody tr"
A, B = "01AAAAAAAAAAAAAAAAAAAAAAAA", "01BBBBBBBBBBBBBBBBBBBBBBBB"


@pytest.fixture(scope="module")
def shots() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {ARTIFACTS}")
    return ARTIFACTS


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    if CHROMIUM is None or not Path(CHROMEDRIVER).exists():
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,1000", f"--user-data-dir={tmp_path / 'chromium'}",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A real ``mlfootprint dashboard`` on a ledger holding three finished runs: (base URL, ledger URL)."""
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    store = open_store(db)
    fill(store)
    store.close()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlfootprint", "dashboard", "--db", db, "--port", str(port)],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/api/runs", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the dashboard did not start: {proc.communicate()[1]}")
            time.sleep(0.2)
    try:
        yield base, db
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def drawn_pixels(driver: Any, chart_id: str) -> int:
    """Painted pixels of the chart's canvas (uPlot), or drawn elements of its SVG."""
    return int(
        driver.execute_script(
            """
            const box = document.getElementById(arguments[0]);
            if (!box) return -1;
            const canvas = box.querySelector('canvas');
            if (canvas) {
              const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              let n = 0;
              for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
              return n;
            }
            const svg = box.querySelector('svg');
            return svg ? svg.querySelectorAll('rect,line,circle,path').length : 0;
            """,
            chart_id,
        )
    )


def wait_for_charts(driver: Any, ids: list[str]) -> dict[str, int]:
    WebDriverWait(driver, 15).until(lambda d: all(drawn_pixels(d, i) > 0 for i in ids))
    return {i: drawn_pixels(driver, i) for i in ids}


def test_every_page_loads_without_console_errors_and_draws_its_charts(
    browser: Any, dashboard: tuple[str, str], shots: Path
) -> None:
    base, _ = dashboard
    pages = {
        "projects": ("/", ["chart-energy-time", "chart-co2e-time", "chart-breakdown"]),
        "runs": ("/runs", []),
        "run": (f"/runs/{A}", ["chart-power", "chart-energy", "chart-intensity"]),
        "compare": (
            f"/compare?ids={A},01BBBBBBBBBBBBBBBBBBBBBBBB",
            ["chart-compare-energy", "chart-compare-co2e"],
        ),
    }
    for name, (path, charts) in pages.items():
        browser.get(base + path)
        if name == "runs":
            WebDriverWait(browser, 15).until(
                lambda d: len(d.find_elements(By.CSS_SELECTOR, "#runs tbody tr")) == 3
            )
        drawn = wait_for_charts(browser, charts)
        assert all(n > 100 or ((n > 0 and "compare" in c) or "breakdown" in c) for c, n in drawn.items()), (
            drawn
        )
        browser.save_screenshot(str(shots / f"{name}.png"))
        assert console_errors(browser) == [], (name, console_errors(browser))
    # the table sorts and filters in the page
    browser.get(base + "/runs")
    WebDriverWait(browser, 15).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ROWS)) == 3)
    browser.find_element(By.CSS_SELECTOR, 'th[data-key="energy_kwh"]').click()
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#runs tbody tr td:nth-child(2)")]
    assert names == ["resnet", "small", "big"]  # 0.025, 0.2325, 0.84 kWh
    # embodied CO2e has its own column (2 A100s for 1 h: 20.7 g; 1 for 30 min: 5.18 g; no GPU: "-")
    browser.find_element(By.CSS_SELECTOR, 'th[data-key="embodied_co2e_kg"]').click()
    cells = browser.find_elements(By.CSS_SELECTOR, "#runs tbody tr td.embodied")
    assert [e.text for e in cells] == ["-", "5.18 g", "20.7 g"]
    assert [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#runs tbody tr td.co2e")] == [
        "10 g",
        "93 g",
        "336 g",
    ]  # the operational CO2e, nothing added
    assert "not included" in browser.find_element(By.CSS_SELECTOR, "#runs + p.note").text
    browser.find_element(By.ID, "search").send_keys("lr=0.01")
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#runs tbody tr td:nth-child(2)")]
    assert names == ["small"]
    assert console_errors(browser) == []
    # and a card of its own on the run's page, kept by the page script's refresh
    browser.get(f"{base}/runs/{A}")
    WebDriverWait(browser, 15).until(lambda d: d.find_element(By.ID, "energy").get_attribute("data-kwh"))
    assert browser.find_element(By.ID, "embodied").text == "20.7 g"
    assert browser.find_element(By.ID, "co2e").text == "336 g"
    assert "lifetime x utilisation" in browser.find_element(By.ID, "embodied-note").text
    assert console_errors(browser) == []


def test_a_run_started_during_the_test_appears_and_grows_without_reload(
    browser: Any, dashboard: tuple[str, str], shots: Path
) -> None:
    base, db = dashboard
    browser.get(base + "/runs")
    WebDriverWait(browser, 15).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ROWS)) == 3)
    browser.execute_script("window.__sameDocument = 'yes';")
    busy = "import time\nt = time.time()\nwhile time.time() - t < 10: pass"
    run = subprocess.Popen(
        [sys.executable, "-m", "mlfootprint", "run", "--db", db, "--project", "live",
         "--name", "live-training", "--region", "FR", "--interval", "0.1", "--flush-interval", "0.3",
         "--", sys.executable, "-c", busy],
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        row = 'tr[data-status="running"]'
        WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, row))
        assert browser.execute_script("return window.__sameDocument") == "yes"  # no reload happened
        assert "live-training" in browser.find_element(By.CSS_SELECTOR, row).text
        assert browser.find_element(By.ID, "live").is_displayed()
        browser.save_screenshot(str(shots / "runs-live.png"))
        browser.find_element(By.CSS_SELECTOR, f"{row} a").click()
        WebDriverWait(browser, 15).until(lambda d: d.find_element(By.ID, "energy").get_attribute("data-kwh"))
        browser.execute_script("window.__sameDocument = 'run page';")
        first = float(browser.find_element(By.ID, "energy").get_attribute("data-kwh"))
        WebDriverWait(browser, 20).until(
            lambda d: float(d.find_element(By.ID, "energy").get_attribute("data-kwh") or 0) > first
        )
        wait_for_charts(browser, ["chart-power", "chart-energy", "chart-intensity"])
        assert browser.execute_script("return window.__sameDocument") == "run page"
        time.sleep(1.0)  # a few more samples on the charts
        browser.save_screenshot(str(shots / "run-live.png"))
        browser.execute_script("document.getElementById('chart-power').scrollIntoView()")
        browser.save_screenshot(str(shots / "run-live-charts.png"))
        browser.set_window_size(1280, 2000)  # the whole page, for the README
        browser.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.3)
        browser.save_screenshot(str(shots / "run-live-full.png"))
        browser.set_window_size(1280, 1000)
        assert console_errors(browser) == []
    finally:
        run.wait(timeout=60)
    # when the run ends, the page says so by itself
    WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "status").text == "finished")
    assert browser.execute_script("return window.__sameDocument") == "run page"
