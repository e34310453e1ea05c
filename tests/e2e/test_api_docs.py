"""The API docs (/api/docs/) in Chromium under the site's Content-Security-Policy: the
Swagger UI renders our schema and the browser reports no blocked script or style."""

import pytest

from tests.e2e.conftest import JOURNEY

pytestmark = JOURNEY


@pytest.mark.parametrize("size", ["desktop"], indirect=True)
def test_the_api_docs_render_with_nothing_blocked_by_the_csp(page, live_server):
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith((live_server.url, "data:"))
            else None
        ),
    )
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Asisten API" in page.inner_text(".swagger-ui .info .title")
    # An operation of ours is listed (the schema was fetched and read).
    page.wait_for_selector("text=/api/v1/jobs/")
    assert page.evaluate("window.__violations") == []
    assert blocked == []
    assert outside == []
