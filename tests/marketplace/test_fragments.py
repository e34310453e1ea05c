"""Cached HTML (marketplace.fragments): rendered once per state, never anyone's token."""

import pytest
from django.core.cache import caches
from django.middleware.csrf import get_token
from django.test import RequestFactory, override_settings
from django.utils import timezone, translation

from marketplace import fragments

# A template of ours with a form (CSRF token), a translated string and a time.
TEMPLATE = "notifications/includes/notification_row.html"


class Row:
    def __init__(self, pk, read=False):
        self.pk = pk
        self.read_at = timezone.now() if read else None
        self.created_at = timezone.now()


def _context(pk, read=False):
    return {"n": Row(pk, read), "item": {"summary": f"Thing {pk}", "url": "/bids/"}}


@pytest.fixture
def renders():
    calls = []

    def build(missing):
        calls.append(list(missing))
        return [_context(i) for i in missing]

    build.calls = calls
    return build


def test_a_fragment_is_rendered_once_per_state(renders):
    first = fragments.cached_many(TEMPLATE, [("a",), ("b",)], renders)
    second = fragments.cached_many(TEMPLATE, [("a",), ("b",), ("c",)], renders)
    assert renders.calls == [[0, 1], [2]]  # only the new one the second time
    assert second[:2] == first
    assert "Thing 0" in first[0] and "Thing 1" in first[1] and "Thing 2" in second[2]


def test_other_processes_find_it_in_redis(renders):
    fragments.cached_many(TEMPLATE, [("a",)], renders)
    fragments.local.clear()  # another process: nothing of its own yet
    fragments.cached_many(TEMPLATE, [("a",)], renders)
    assert renders.calls == [[0]]


def test_language_and_time_zone_are_part_of_the_key(renders):
    with translation.override("en"):
        english = fragments.cached_many(TEMPLATE, [("a",)], renders)[0]
    with translation.override("id"):
        indonesian = fragments.cached_many(TEMPLATE, [("a",)], renders)[0]
    with translation.override("en"), timezone.override("America/New_York"):
        fragments.cached_many(TEMPLATE, [("a",)], renders)
    assert len(renders.calls) == 3
    assert "Mark as read" in english and "Mark as read" not in indonesian


def test_a_new_release_never_reuses_html_of_the_old_one(renders, monkeypatch):
    fragments.cached_many(TEMPLATE, [("a",)], renders)
    fragments.local.clear()
    monkeypatch.setattr(fragments, "_release", "another-release")
    fragments.cached_many(TEMPLATE, [("a",)], renders)
    assert len(renders.calls) == 2


def test_cached_html_holds_no_token_and_each_viewer_gets_their_own(renders, client_user, va):
    html = fragments.cached_many(TEMPLATE, [("a",)], renders)[0]
    assert fragments.CSRF_MARKER in html and "csrfmiddlewaretoken" in html
    stored = caches["fragments"].get(fragments.make_key(TEMPLATE, ("a",)))
    assert fragments.CSRF_MARKER in stored
    tokens = []
    for user in (client_user, va):
        request = RequestFactory().get("/")
        request.user = user
        bound = fragments.bind(html, request)
        assert fragments.CSRF_MARKER not in bound
        token = bound.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        tokens.append(token)
        assert token in bound and len(token) == 64
    # Each request holds a different secret: the two masked tokens cannot be the same.
    assert tokens[0] != tokens[1]
    assert get_token(request)  # the request whose token was used now sets the cookie


def test_a_frame_takes_its_parts_in_its_slot():
    parts = ["<li>one</li>", "<li>two</li>"]
    html = fragments.framed(
        "bids/includes/my_bids_frame.html",
        ("frame",),
        lambda: {"page": None, "has_rows": True},
        parts,
    )
    assert "<li>one</li><li>two</li>" in html
    assert fragments.SLOT not in html


@override_settings(
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "fragments": {
            "BACKEND": "marketplace.cache.FailSoftRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
)
def test_with_redis_down_fragments_are_rendered_not_failed(renders):
    from django.core.cache import caches as fresh

    fresh._settings = None  # noqa: SLF001 - let override_settings' CACHES take effect
    html = fragments.cached_many(TEMPLATE, [("a",)], renders)
    assert "Thing 0" in html[0]
    fragments.local.clear()
    fragments.cached_many(TEMPLATE, [("a",)], renders)
    assert renders.calls == [[0], [0]]


def test_the_process_cache_keeps_to_its_size():
    small = fragments._LocalCache(max_chars=1000)
    for i in range(50):
        small.set(("k", i), "x" * 100)
    assert len(small) <= 10
    assert small.get(("k", 49)) == "x" * 100  # the newest stay
    assert small.get(("k", 0)) is None
    small.set(("huge",), "x" * 500)  # more than an eighth of the whole: never kept
    assert small.get(("huge",)) is None
