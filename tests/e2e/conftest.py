"""Real-browser journeys: Debian's Chromium driven by Playwright against `live_server`.

Playwright cannot download browsers here, so we launch /usr/bin/chromium (installed by
`make test` / `.ci/run` when missing). Every page a journey visits can be checked with axe
(axe-core bundled in the `axe-playwright-python` package, injected through the DevTools
protocol — never from a CDN) and photographed into artifacts/ for people to look at.
"""

import json
import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
AXE_SCRIPT = (
    Path(__import__("axe_playwright_python").__file__).with_name("axe.min.js").read_text(encoding="utf-8")
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(params=list(SIZES), ids=list(SIZES))
def size(request):
    return request.param


@pytest.fixture
def browser_context_args(browser_context_args, size):
    return {**browser_context_args, "viewport": SIZES[size], "locale": "en-GB", "accept_downloads": True}


def check_accessibility(page, *, label: str = "") -> None:
    """Fail on axe `critical` or `serious` violations, and on horizontal scrolling."""
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    )
    serious = [v for v in results if v.get("impact") in ("critical", "serious")]
    assert not serious, f"axe violations on {label or page.url}: " + json.dumps(
        [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]} for v in serious],
        indent=1,
    )
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{label or page.url} scrolls sideways by {overflow}px"


def snapshot(page, name: str, size: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^a-z0-9_-]+", "-", name.lower())
    page.screenshot(path=str(ARTIFACTS / f"{safe}-{size}.png"), full_page=True)


@pytest.fixture
def visit(page, live_server, size):
    """Open a path, check accessibility and take a screenshot; returns the page."""

    def _visit(path: str, name: str | None = None):
        page.goto(live_server.url + path)
        check_accessibility(page, label=path)
        snapshot(page, name or path.strip("/") or "home", size)
        return page

    return _visit
