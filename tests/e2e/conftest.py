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
    Path(__import__("axe_playwright_python").__file__)
    .with_name("axe.min.js")
    .read_text(encoding="utf-8")
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
    return {
        **browser_context_args,
        "viewport": SIZES[size],
        "locale": "en-GB",
        "accept_downloads": True,
    }


def check_accessibility(page, *, label: str = "") -> None:
    """Fail on axe `critical` or `serious` violations, and on horizontal scrolling."""
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    )
    serious = [v for v in results if v.get("impact") in ("critical", "serious")]
    assert not serious, f"axe violations on {label or page.url}: " + json.dumps(
        [
            {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
            for v in serious
        ],
        indent=1,
    )
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
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


# --- journeys ----------------------------------------------------------------------------
#
# Journeys run against `live_server` in a thread of this process, so they need committed
# data (transaction=True). `serialized_rollback` restores what data migrations created
# (categories, the Moderators group) after each journey's flush, so the next journey and
# the rest of the suite still find them.
JOURNEY = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="session")
def _serialized_snapshot(django_db_setup):
    from django.db import connections

    return getattr(connections["default"], "_test_serialized_contents", None)


@pytest.fixture(scope="session", autouse=True)
def _snapshot_visible_under_playwright(_serialized_snapshot, playwright):
    """Make serialized_rollback work once Playwright runs.

    Playwright's sync API keeps an event loop running in this thread, so Django's
    connection handler switches from thread-local to context-local storage and the
    connection it hands out no longer carries the snapshot taken when the test database
    was created. Hand the snapshot (read before Playwright started) to that connection.
    """
    from django.db import connections

    if _serialized_snapshot is not None:
        connections["default"]._test_serialized_contents = _serialized_snapshot


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """.mo files are not committed: compile them (only stale ones) before any page renders."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, str(root / "scripts" / "compilemessages.py")], check=True, cwd=root
    )
    import gettext

    from asgiref.local import Local
    from django.utils.translation import trans_real

    # Forget catalogues loaded before the compile (as Django's autoreloader does when a
    # .mo changes), so pages render with the fresh ones.
    gettext._translations = {}
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = Local()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.journey_failed = report.failed


@pytest.fixture
def page(page, request, size):
    """Fail fast instead of waiting 30 s, and say yes to the site's confirm() dialogs.

    When a journey fails, the page it stopped on is kept in artifacts/failed-*.png / .html.
    """
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    if getattr(request.node, "journey_failed", False):
        name = f"failed-{request.node.originalname}"
        snapshot(page, name, size)
        safe = re.sub(r"[^a-z0-9_-]+", "-", name.lower())
        (ARTIFACTS / f"{safe}-{size}.html").write_text(page.content(), encoding="utf-8")


NARROWEST = 360  # DESIGN.md §7: responsive from 360 px


def look(page, size: str, name: str | None = None) -> None:
    """What every journey does on every page: axe + no sideways scroll; a photo if named.

    At phone size the page is also squeezed to the narrowest supported width for a moment.
    """
    page.wait_for_load_state("load")
    check_accessibility(page)
    if size == "phone":
        page.set_viewport_size({**SIZES["phone"], "width": NARROWEST})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        page.set_viewport_size(SIZES["phone"])
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at {NARROWEST}px"
    if name:
        snapshot(page, name, size)


def sign_in_as(page, live_server, user) -> None:
    """Start a browser session for `user` (a fresh one: any other user is signed out).

    Journeys about something else than signing in skip the form: the session is made by
    Django's test client and handed to the browser as its cookie.
    """
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def main_nav(page):
    """The header's navigation, opened first on a phone (where it hides behind "Menu").

    Found by landmark and state rather than by name, so it works in every language.
    """
    banner = page.get_by_role("banner")
    toggle = banner.get_by_role("button", expanded=False)
    if toggle.count() and toggle.is_visible():
        toggle.click()
    return banner.get_by_role("navigation")


def make_png(path: Path, text: str = "sample") -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), "#f4f1ea")
    ImageDraw.Draw(image).text((20, 90), text, fill="#1d3557")
    image.save(path, format="PNG")
    return path


def make_pdf(path: Path, text: str = "sample") -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(image).text((60, 80), text, fill="black")
    image.save(path, format="PDF")
    return path


def field(scope, label: str):
    """The form control labelled exactly `label` (ignoring the required-field asterisk)."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\W*$"))


def tab_to(page, target, *, limit: int = 150) -> None:
    """Press Tab until `target` has the focus, then check that the focus can be seen."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            outline, shadow = target.evaluate(
                "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.boxShadow]; }"
            )
            assert outline != "none" or shadow != "none", f"no visible focus on {target}"
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{limit} presses of Tab never reached {target}")
