"""Rendered HTML cached under what it shows, so a change shows on the next request.

Rendering Django templates is most of what our list pages cost. A page therefore reads the
current *state* of what it shows from PostgreSQL on every request — narrow tuples such as
ids, `updated_at` stamps and counters, not whole objects — and renders a fragment only when
that state has not been rendered before. A fragment's key is a digest of

- the template name and the caller's key parts (the row's state, page-level choices),
- the active language and time zone,
- the release: a digest of our templates, translations and Python source taken at start,

so new state means a new key. Nothing is ever invalidated; unused entries age out. The
caller's parts must cover everything the fragment shows: values themselves, or stamps that
every write of them moves (`auto_now` fields, which the services save); each page's tests
change every shown thing through the services and expect it on the next request.

Two levels: a bounded LRU inside the process (a fragment is a pure function of its key, so
processes never have to agree) and Redis (the fail-soft "fragments" cache) shared by every
process. Fragments render without the request: their context is exactly what the caller
passes — which is what the key must cover — plus `csrf_token`, a marker that `bind()`
replaces with the viewer's own token, so cached HTML never holds anyone's token.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Private-use characters: HTML escaping leaves them alone and nobody types them by accident.
CSRF_MARKER = "\ue000csrf\ue000"
# The request's own path (the language switch's `next`), filled in like the token.
PATH_MARKER = "\ue000path\ue000"
# Where a cached frame (a page around its list) takes its cached rows: `{{ slot }}`.
SLOT = "\ue000slot\ue000"
# Redis keeps a fragment this long after it was last written; the process LRU is bounded.
REDIS_TIMEOUT = 24 * 60 * 60
_SOURCE_SUFFIXES = {".html", ".txt", ".py", ".mo", ".po"}


def _source_folders(base: Path) -> list[Path]:
    """The project's templates and translations, and every app of ours (not the packages)."""
    from django.apps import apps

    ours = [
        Path(app.path)
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(base) and "site-packages" not in Path(app.path).parts
    ]
    return [base / "templates", base / "locale", *sorted(ours)]


def _release_digest() -> str:
    """A digest of everything that shapes our HTML: templates, translations, Python code."""
    import django

    digest = hashlib.sha256(django.get_version().encode())  # the template engine's own
    base = Path(settings.BASE_DIR)
    for folder in _source_folders(base):
        for path in sorted(folder.rglob("*")):
            if path.suffix in _SOURCE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class _LocalCache:
    """A least-recently-used map of key → HTML, bounded by the total length of the HTML."""

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self._items: OrderedDict[Hashable, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
            return html

    def set(self, key: Hashable, html: str) -> None:
        if len(html) > self.max_chars // 8:
            return  # one huge fragment must not push everything else out
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._chars -= len(old)
            self._items[key] = html
            self._chars += len(html)
            while self._chars > self.max_chars and self._items:
                _key, dropped = self._items.popitem(last=False)
                self._chars -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = 0

    def __len__(self) -> int:
        return len(self._items)


_release: str | None = None
local = _LocalCache(max_chars=getattr(settings, "FRAGMENT_CACHE_LOCAL_CHARS", 16 * 1024 * 1024))


def release() -> str:
    global _release
    if _release is None:
        _release = _release_digest()
    return _release


def reset() -> None:
    """Forget the release digest and the process cache (templates changed under runserver)."""
    global _release
    _release = None
    local.clear()


def forget_all() -> None:
    """Drop every rendered fragment, here and in Redis, so pages render from scratch.

    Never needed for correctness (new state, new key); tests use it to measure a page's
    rendering path (its queries), and it leaves everything else in Redis alone.
    """
    local.clear()
    cache = caches["fragments"]
    pattern = cache.make_key("frag:*")
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=pattern, count=1000))
    if keys:
        client.delete(*keys)


def _local_key(name: str, parts, where: tuple | None = None) -> Hashable:
    # Inside one process the release is fixed, so the parts themselves are the key (their
    # repr when they hold something unhashable, such as a notification's JSON data).
    key = (name, where or _where(), parts)
    try:
        hash(key)
    except TypeError:
        return repr(key)
    return key


def _where() -> tuple:
    """The active language and time zone: what every fragment's key has in it."""
    return (translation.get_language(), timezone.get_current_timezone_name())


def make_key(name: str, parts, where: tuple | None = None) -> str:
    """The key shared through Redis: a digest, with the release in it."""
    text = repr((release(), name, where or _where(), parts))
    return "frag:" + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def cached_many(
    name: str,
    parts: Sequence[Hashable],
    build: Callable[[list[int]], Sequence[dict]],
) -> list[str]:
    """The HTML of `name` for each key in `parts`, rendering only those never seen before.

    `build(missing)` gets the positions (in `parts`) of the fragments to render and returns
    their contexts in that order; it is not called when every fragment is cached, so the
    objects behind the fragments are loaded only for the ones that changed.
    """
    where = _where()
    local_keys = [_local_key(name, part, where) for part in parts]
    found: dict[int, str] = {}
    remote: dict[str, int] = {}
    for i, key in enumerate(local_keys):
        html = local.get(key)
        if html is None:
            remote[make_key(name, parts[i], where)] = i
        else:
            found[i] = html
    if remote:
        for key, html in caches["fragments"].get_many(list(remote)).items():
            i = remote.pop(key)
            local.set(local_keys[i], html)
            found[i] = html
    if remote:
        missing = sorted(remote.values())
        shared_keys = {i: key for key, i in remote.items()}
        template = get_template(name)
        rendered = {}
        for i, context in zip(missing, build(missing), strict=True):
            html = template.render({**context, "csrf_token": CSRF_MARKER})
            rendered[shared_keys[i]] = html
            local.set(local_keys[i], html)
            found[i] = html
        caches["fragments"].set_many(rendered, REDIS_TIMEOUT)
    return [found[i] for i in range(len(parts))]


def cached(name: str, parts: Hashable, build: Callable[[], dict]) -> str:
    """One fragment: `cached_many` for a single key."""
    return cached_many(name, [parts], lambda missing: [build()])[0]


# Where a cached form rendering (`form`) takes a text field's value, escaped: the field's
# name between private-use characters, so no one's text can contain it by accident.
_VALUE = re.compile("\ue001([a-z0-9_-]+)\ue001")


def form(form_obj, parts: Hashable, template: str = "includes/form.html") -> SafeString:
    """`template` rendered with the search form `form_obj` (bound or not), cached so that a
    query never seen before costs a dictionary lookup and a substitution.

    A valid bound form is rendered once per combination of its choices (a small, fixed
    set: selects and radios take only their choices' values) with a marker in place of
    each non-empty text value (`q`, a rate…), and each marker is replaced by that value
    escaped as the template would have escaped it — the same HTML as rendering the form
    itself. A form with errors (they quote nothing fixed) is rendered under its whole data.
    `parts` must cover what else the rendering shows (category names: catalogue_version).
    """
    from django import forms as django_forms
    from django.forms.utils import ErrorDict
    from django.utils.datastructures import MultiValueDict

    if not form_obj.is_bound:
        return mark_safe(cached(template, (parts, "unbound"), lambda: {"form": form_obj}))  # noqa: S308
    data = form_obj.data

    def listed(key: str) -> list:
        if hasattr(data, "getlist"):
            return data.getlist(key)
        return [data[key]] if key in data else []

    if form_obj.errors:
        whole = tuple(sorted((k, tuple(listed(k))) for k in data))
        return mark_safe(cached(template, (parts, "errors", whole), lambda: {"form": form_obj}))  # noqa: S308
    stand_in: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for name, field in form_obj.fields.items():
        key = form_obj.add_prefix(name)
        raw = listed(key)
        if not raw:
            continue
        if isinstance(field.widget, django_forms.TextInput) and raw[-1]:
            values[name] = escape(raw[-1])
            raw = [f"\ue001{name}\ue001"]
        stand_in[key] = list(raw)

    def build() -> dict:
        filled = type(form_obj)(MultiValueDict(stand_in), prefix=form_obj.prefix)
        filled._errors = ErrorDict()  # valid, as `form_obj` is: never validate the markers
        return {"form": filled}

    shape = tuple(sorted((k, tuple(v)) for k, v in stand_in.items()))
    html = cached(template, (parts, "bound", shape), build)
    return mark_safe(_VALUE.sub(lambda m: values[m.group(1)], html))  # noqa: S308 - escaped


def bind(html: str, request) -> SafeString:
    """Put the viewer's CSRF token and the request's path into cached HTML (and mark the
    result safe)."""
    if PATH_MARKER in html:
        html = html.replace(PATH_MARKER, escape(request.get_full_path()))
    if CSRF_MARKER in html:
        # One masked token per request, as a template's {% csrf_token %} gives (masking
        # draws 32 random characters from the OS each time).
        token = getattr(request, "_fragments_csrf_token", None)
        if token is None:
            token = request._fragments_csrf_token = get_token(request)
        html = html.replace(CSRF_MARKER, token)
    return mark_safe(html)  # noqa: S308 - rendered by our own templates with autoescape on


def framed(name: str, key: Hashable, build: Callable[[], dict], parts: Sequence[str]) -> SafeString:
    """A list page's content: the frame `name` (cached under `key`, its context from
    `build` plus `slot`) with the cached `parts` where its `{{ slot }}` is. Still unbound:
    the page it goes into is (`page`)."""
    frame = cached(name, key, lambda: {**build(), "slot": SLOT})
    return mark_safe(frame.replace(SLOT, "".join(parts), 1))  # noqa: S308 - our templates


def page(request, name: str, key: Hashable, build: Callable[[], dict]) -> HttpResponse:
    """A signed-in page, cached whole for its viewer while what it shows stays the same.

    `key` is the page's state (its frame's and rows' keys); with the viewer's id, language,
    time zone and header (roles, unread count) it keys the finished HTML, markers in place
    of the CSRF token and the path. On a hit nothing is rendered: not the rows, not the
    layout. Only this process keeps whole pages (they are per viewer and large; another
    process renders its own from the shared row fragments). A page with messages to show
    is rendered as usual and not kept.
    """
    if get_messages(request):
        return render(request, name, build())
    whole = _local_key(name, ("page", request.user.pk, header_state(request), key))
    html = local.get(whole)
    if html is None:
        response = render(
            request, name, {**build(), "csrf_token": CSRF_MARKER, "fragments_page": True}
        )
        html = response.content.decode()
        local.set(whole, html)
        response.content = bind(html, request).encode()
        return response
    return HttpResponse(bind(html, request))


def header_state(request) -> tuple:
    """What the site header shows of the viewer: signed in, as what, with how many unread."""
    # No user on pages rendered before the auth middleware ran (a bad Host header's 400).
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return (False, None, 0)
    counted = getattr(user, "unread_notifications_count", None)
    if counted is None:
        from django.apps import apps

        counted = apps.get_model("notifications", "Notification").objects.unread_count(user)
    return (True, (user.is_client, user.is_va, user.is_staff), counted)


def _reset_when_templates_change(sender, file_path, **kwargs):
    if Path(file_path).suffix in _SOURCE_SUFFIXES:
        reset()


if settings.DEBUG:
    from django.utils.autoreload import file_changed

    file_changed.connect(_reset_when_templates_change, dispatch_uid="fragments-reset")
