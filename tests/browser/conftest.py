"""Browser fixtures: Playwright driving Debian's Chromium (``make browser`` installs it).

Playwright cannot download its own browser here, so the tests use ``/usr/bin/chromium``
through ``executable_path``. Each test gets a fresh browser context (empty localStorage).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable, Iterator

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Playwright,
    expect,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}

# The machine running the suite may be busy (training, other servers): be patient.
expect.set_options(timeout=15_000)


# Module scope, not session: Playwright's sync API keeps an event loop running in this
# thread while it is open, which would break every later test that calls asyncio.run().
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make browser` (scripts/ensure-chromium.sh)."
        )
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@pytest.fixture()
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh desktop-sized browser context."""
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture()
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh phone-sized browser context (iPhone SE / 8 size) with touch."""
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``test-artifacts/`` (git-ignored), where the tests save screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def save_screenshot(artifacts: Path) -> Callable[..., Path]:
    """Saves a screenshot to ``test-artifacts/``; with ``UPDATE_SCREENSHOTS=1`` also to
    ``docs/screenshots/`` (the images the docs show)."""

    def save(page: "object", name: str) -> Path:
        path = artifacts / name
        page.screenshot(path=str(path))  # type: ignore[attr-defined]
        assert path.stat().st_size > 1000, f"empty screenshot {path}"
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            target = ROOT / "docs" / "screenshots" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        return path

    return save
