"""Every URL pattern × every persona, against the checked-in table in matrix.py.

A URL pattern without a row fails the suite (test_every_url_pattern_has_a_row), so a new
page cannot skip its permission decision. Objects a persona may not see answer 404.
Set MATRIX_PRINT=1 to print what the app does now in the table's format (for review —
never paste it in without reading every row).
"""

import os
from datetime import date

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.matrix import ADMIN_EXPECTED, PERSONAS, ROWS
from tests.security.world import build_world

IGNORED = {
    # Served only in DEBUG (static/media helpers) or by allauth internals with no page.
    None,
}


def url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_pattern_has_a_row():
    missing = sorted(n for n in url_names() if not n.startswith("admin:") and n not in ROWS)
    assert not missing, f"URL patterns with no row in tests/security/matrix.py: {missing}"
    stale = sorted(n.split("[")[0] for n in ROWS if n.split("[")[0] not in url_names())
    assert not stale, f"Rows for URL patterns that no longer exist: {stale}"


def kwargs_for(world, spec: str) -> dict:
    """Turn a row's argument spec ("pk=job", "file_id=message_file") into URL kwargs."""
    kwargs = {}
    for part in filter(None, spec.split(",")):
        key, _, source = part.partition("=")
        if source.startswith("'"):
            kwargs[key] = source.strip("'")
        elif source == "monday":
            today = date.today()
            kwargs[key] = date.fromordinal(today.toordinal() - today.weekday())
        else:
            obj_name, _, attr = source.partition(".")
            obj = world.objects.get(obj_name) or world.users.get(obj_name)
            kwargs[key] = getattr(obj, attr or "pk")
    return kwargs


def outcome(response) -> str:
    code = response.status_code
    if code in (301, 302):
        location = response.headers.get("Location", "")
        if "/accounts/login/" in location or "/admin/login/" in location:
            return "login"
        return "redirect"
    if code == 200:
        return "ok"
    return str(code)


@pytest.fixture
def world(
    client_user, other_client, va, other_va, staff, suspended, django_capture_on_commit_callbacks
):
    return build_world(
        client_user=client_user,
        other_client=other_client,
        va=va,
        other_va=other_va,
        staff=staff,
        suspended=suspended,
    )


def clients_for(world) -> dict[str, Client]:
    clients = {"anonymous": Client()}
    for persona, user in world.users.items():
        client = Client()
        client.force_login(user)
        clients[persona] = client
    # A suspended user is signed out on their next request and sent to sign in; from then
    # on they are an anonymous visitor (which is what their column in the matrix shows).
    first = clients["suspended"].get("/")
    assert first.status_code == 302 and "/accounts/login/" in first.headers["Location"]
    return clients


def observe(world, names) -> dict[str, list[str]]:
    clients = clients_for(world)
    table = {}
    for row_name in names:
        url_name, _, variant = row_name.partition("[")
        spec = ROWS[row_name][0] if row_name in ROWS else ""
        path = reverse(url_name, kwargs=kwargs_for(world, spec) or None)
        row = []
        for persona in PERSONAS:
            response = clients[persona].get(path)
            row.append(outcome(response))
        table[row_name] = row
    return table


@pytest.mark.django_db
def test_each_persona_gets_exactly_what_the_table_says(world):
    observed = observe(world, sorted(ROWS))
    if os.environ.get("MATRIX_PRINT"):
        for name, row in observed.items():
            print(f'    "{name}": ("{ROWS[name][0]}", "{" ".join(row)}"),')
    mismatches = []
    for name, (_spec, expected) in ROWS.items():
        if observed[name] != expected.split():
            pairs = [
                f"{p}: expected {e}, got {o}"
                for p, e, o in zip(PERSONAS, expected.split(), observed[name], strict=True)
                if e != o
            ]
            mismatches.append(f"{name}: " + "; ".join(pairs))
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.django_db
def test_the_admin_is_for_staff_with_mfa_only(world):
    clients = clients_for(world)
    paths = ["/admin/"] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in __import__("django.contrib.admin", fromlist=["site"]).site._registry
    ]
    for persona in PERSONAS:
        for path in paths:
            got = outcome(clients[persona].get(path))
            assert got == ADMIN_EXPECTED[persona], f"{persona} on {path}: {got}"
