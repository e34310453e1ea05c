"""The schema and the browsable docs, with the docs' assets from the installed package."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_and_describes_every_api_route(client):
    response = client.get("/api/schema/", headers={"accept": "application/json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/jobs/",
        "/api/v1/jobs/{job_id}/bids/",
        "/api/v1/my/jobs/",
        "/api/v1/bids/{id}/hire/",
        "/api/v1/contracts/{id}/messages/",
        "/api/v1/notifications/",
        "/api/v1/me/",
    ):
        assert path in schema["paths"], path
    assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_the_docs_load_their_scripts_from_our_own_static_files(client):
    page = client.get("/api/docs/").content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources
    for source in sources:
        assert source.startswith("/"), f"external asset {source}"
    bundled = [s for s in sources if "swagger-ui-dist" in s]
    assert bundled
    for source in bundled:
        assert finders.find(source.removeprefix("/static/")), source


def test_the_docs_page_has_no_inline_script_or_style_for_the_csp_to_block(client):
    response = client.get("/api/docs/")
    page = response.content.decode()
    policy = response.headers["Content-Security-Policy"]
    # Nothing in the policy lets inline code run, so the page must carry none.
    assert "unsafe-inline" not in policy and "'self'" in policy
    assert not re.search(r"<style\b", page), "inline <style>"
    assert not re.search(r"\sstyle=", page), "inline style attribute"
    assert not re.search(r"\son[a-z]+=", page), "inline event handler"
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
    assert scripts
    for attributes, body in scripts:
        assert 'src="/' in attributes and not body.strip(), f"inline script {attributes}"
    # The start-up script is served by the view itself, as JavaScript.
    start = re.search(r'<script src="(/api/docs/[^"]+)"', page).group(1).replace("&amp;", "&")
    script = client.get(start)
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert any("swagger-ui-dist" in s for s in stylesheets)
    for sheet in stylesheets:
        assert finders.find(sheet.removeprefix("/static/")), sheet
