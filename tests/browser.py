"""Headless Chromium for the view tests (Debian's chromium and chromedriver, driven by Selenium)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import time

import pytest

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", shutil.which("chromedriver") or "/usr/bin/chromedriver")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900",
         "--disable-background-networking", "--no-first-run", "--disable-extensions")


def unavailable_reason() -> str | None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(path)]
    if importlib.util.find_spec("selenium") is None:
        missing.append("selenium (pip install -e '.[test]')")
    return f"no headless browser: missing {', '.join(missing)}" if missing else None


def start_browser(*extra_flags: str):
    """A headless Chromium session; in CI (CI=true) a missing browser fails instead of skipping."""
    reason = unavailable_reason()
    if reason:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, *extra_flags):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def open_view(driver, path, url: str | None = None, timeout: float = 30.0) -> float:
    """Open an exported page from disk (at ``url``: the page's address with its state) and wait until
    it has drawn; return the seconds it took."""
    started = time.perf_counter()
    driver.get(url or path.resolve().as_uri())
    while time.perf_counter() - started < timeout:
        if driver.execute_script("return document.body && document.body.getAttribute('data-ready')"):
            return time.perf_counter() - started
        time.sleep(0.05)
    raise AssertionError(f"{path} was not drawn within {timeout} s")
