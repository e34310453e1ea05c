"""Many processes, one truth (issue 20): changes made in one place, read on another instance.

Shared by the test suite (tests/scale, two gunicorn masters) and `make scale-test`
(loadtest/scale.py, two masters behind nginx under Locust load). Both run in a process
with Django set up on the same PostgreSQL and Redis as the servers they read from.

A `World` is a small cast made for one round: a client with an open task carrying a word
no other task has, a VA who bid on it, a second VA whose bid is withdrawn, an unread
notification. Each `Scenario` reads its pages on every instance (so each process has
cached what it shows), checks they show the state before, makes one change through the
services (what a request to any instance would run), and then reads the same pages on
the *other* instance first: each read that still shows the old state is a stale read.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from html import unescape

# Words the stemmers (English, Indonesian, simple) leave alone and no seeded task holds.
_WORDS = ("quokkaz", "zebrinox", "wombatiq", "narwhalq", "axolotz", "pangolix")
_counter = itertools.count()


def gunicorn_command(python: str, port: int, workers: int = 2) -> list[str]:
    """Gunicorn as production runs it (gunicorn.conf.py: preloaded app, sync workers)."""
    return [
        python,
        "-m",
        "gunicorn",
        "marketplace.wsgi:application",
        "-c",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]


class Instance:
    """One web instance (or the balancer in front of them): GETs with a session cookie."""

    def __init__(self, name: str, base: str, host: str | None = None):
        self.name = name
        self.base = base.rstrip("/")
        self.host = host

    def get(self, path: str, cookie: str = "") -> tuple[int, str]:
        request = urllib.request.Request(self.base + path)  # noqa: S310 - local servers
        if cookie:
            request.add_header("Cookie", cookie)
        if self.host:
            request.add_header("Host", self.host)
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def session_cookie(user) -> str:
    """A real session for `user` in the shared session store (Redis)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", html))


@dataclass
class Page:
    """A page to read, and what it must show before and after the change."""

    path: str
    cookie: str
    before: Callable[[int, str], bool]
    after: Callable[[int, str], bool]
    label: str = ""


def appears(path: str, cookie: str, text: str, label: str) -> Page:
    """A page that must show `text` after the change (and not before)."""
    return Page(path, cookie, lacks(text), shows(text), label)


def appears_in_card(path: str, cookie: str, job_pk: int, text: str, label: str) -> Page:
    """A board page whose card of the job must show `text` after the change."""
    return Page(path, cookie, in_card(job_pk, lacks(text)), in_card(job_pk, shows(text)), label)


def disappears(path: str, cookie: str, text: str, label: str) -> Page:
    """A page that shows `text` before the change and must not after."""
    return Page(path, cookie, shows(text), lacks(text), label)


@dataclass
class Scenario:
    name: str
    pages: list[Page]
    change: Callable[[], None]


@dataclass
class Read:
    scenario: str
    page: str
    instance: str
    fresh: bool
    # Seconds from the change until this page showed it on this instance (0 when fresh at once).
    stale_seconds: float = 0.0


@dataclass
class Outcome:
    reads: list[Read] = field(default_factory=list)
    broken_before: list[str] = field(default_factory=list)

    @property
    def stale(self) -> list[Read]:
        return [r for r in self.reads if not r.fresh]

    @property
    def longest_stale(self) -> float:
        return max((r.stale_seconds for r in self.stale), default=0.0)


def shows(text: str) -> Callable[[int, str], bool]:
    return lambda status, html: status == 200 and text in _text(html)


def lacks(text: str) -> Callable[[int, str], bool]:
    return lambda status, html: status == 200 and text not in _text(html)


def in_card(job_pk: int, check: Callable[[int, str], bool]) -> Callable[[int, str], bool]:
    """`check` on one job card of a board page (a page without the card fails)."""

    def scoped(status, html):
        found = re.search(
            rf'<article class="card job-card" aria-labelledby="job-{job_pk}-title">.*?</article>',
            html,
            re.S,
        )
        return status == 200 and found is not None and check(status, found.group(0))

    return scoped


def status_is(code: int) -> Callable[[int, str], bool]:
    return lambda status, html: status == code


def badge(count: int | None) -> Callable[[int, str], bool]:
    """The header's unread badge shows `count` (none at all for 0; None: some number)."""

    def check(status, html):
        found = re.search(r'class="notification-link"[^>]*>(.*?)</a>', html, re.S)
        if status != 200 or not found:
            return False
        number = re.search(r'<span class="badge">(\d+)</span>', found.group(1))
        shown = int(number.group(1)) if number else 0
        return shown > 0 if count is None else shown == count

    return check


# --- the cast ----------------------------------------------------------------------------


@dataclass
class World:
    client: object
    va: object
    leaver: object
    staff: object
    job: object
    bid: object
    leaving_bid: object
    word: str
    cookies: dict[str, str]


def make_world() -> World:
    """A fresh cast for one round, written through the models and services."""
    from django.utils import timezone

    from accounts.services import va_search_vectors_refresh
    from bids.models import Bid
    from jobs.models import Category
    from jobs.services import catalogue_changed, search_vectors_refresh
    from notifications.services import notify
    from tests import factories

    n = next(_counter)
    tag = f"{int(time.time() * 1000) % 10**9}{n}"
    word = _WORDS[n % len(_WORDS)]
    client = factories.ClientFactory(email=f"scale-client-{tag}@example.test")
    va = factories.VAFactory(email=f"scale-va-{tag}@example.test", name=f"Vina Scale {tag}")
    leaver = factories.VAFactory(
        email=f"scale-leaver-{tag}@example.test", name=f"Lena Leaver {tag}"
    )
    staff = factories.UserFactory(
        email=f"scale-staff-{tag}@example.test", name="Moderator", is_staff=True
    )
    # A headline only this VA has: the directory search finds exactly their card.
    va.va_profile.headline = f"Assistant for {word}{tag} archives"
    va.va_profile.save(update_fields=["headline"])
    va_search_vectors_refresh(profile_ids=[va.va_profile.pk])
    category = Category.objects.create(
        slug=f"scale-{tag}", name_en=f"Archives {tag}", name_id=f"Arsip {tag}", position=900
    )
    # Test data, not interface text: the word is what search and the checks look for.
    name = f"Sort the {word}{tag} archive"
    job = factories.JobFactory(client=client, title=name, category=category)
    search_vectors_refresh(job_ids=[job.pk])
    catalogue_changed()  # what the category admin does for a new category
    bid = factories.BidFactory(job=job, va=va)
    leaving_bid = factories.BidFactory(job=job, va=leaver, amount=Decimal("450000"))
    job.bid_count = Bid.objects.filter(job=job).count()
    job.save(update_fields=["bid_count"])
    # A kind whose line names its actor: the VA's new name must show in the centre.
    notify(
        kind="message_received",
        recipients=[client],
        event_key=f"scale:{tag}:{timezone.now().timestamp()}",
        actor=va,
        job_id=job.pk,
        bid_id=bid.pk,
        data={"url": f"/jobs/{job.pk}/bids/", "title": job.title},
    )
    cookies = {
        "anonymous": "",
        "client": session_cookie(client),
        "va": session_cookie(va),
    }
    return World(client, va, leaver, staff, job, bid, leaving_bid, f"{word}{tag}", cookies)


def scenarios(world: World) -> list[Scenario]:
    """The changes of issue 20, each with the pages that must show it on the next request."""
    from django.urls import reverse

    from accounts.services import profile_update
    from bids.services import bid_withdraw
    from jobs import services as jobs_services
    from marketplace.templatetags.money import format_money
    from moderation.services import job_hide
    from notifications.models import Notification
    from notifications.services import notification_mark_read

    job, c = world.job, world.cookies
    title = job.title
    board = reverse("jobs:board")
    search = f"{board}?q={world.word}"
    detail = reverse("jobs:detail", args=[job.pk])
    review = reverse("bids:review", args=[job.pk])
    directory = reverse("directory:vas") + f"?q={world.word}"
    notifications = reverse("notifications:centre")
    new_title = f"{title} renamed"
    new_rate = job.max_rate + Decimal("250000")
    new_rate_text = format_money(new_rate, job.currency)
    new_name = f"Vina Renamed {world.word}"

    def edit():
        fields = {
            "title": new_title,
            "description": job.description,
            "category": job.category,
            "pay_type": job.pay_type,
            "max_rate": new_rate,
            "currency": job.currency,
            "deliverables": job.deliverables,
            "closes_at": job.closes_at,
        }
        jobs_services.job_update(job=job, by=world.client, **fields)

    category = job.category
    new_category = f"Records {world.word}"

    def rename_category():
        # What the category admin's save does (jobs.admin.CategoryAdmin.save_model).
        category.name_en = category.name_id = new_category
        category.save(update_fields=["name_en", "name_id"])
        jobs_services.category_jobs_refresh(category=category)

    def hide():
        job_hide(job_id=job.pk, moderator=world.staff, reason="Scam: asks for payment upfront.")

    def withdraw():
        bid_withdraw(bid=world.leaving_bid, va=world.leaver)

    def rename():
        profile_update(user=world.va, user_data={"name": new_name})

    def read_notification():
        for pk in Notification.objects.for_user(world.client).unread().values_list("pk", flat=True):
            notification_mark_read(user=world.client, notification_id=pk)

    leaver_card = f'id="bid-{world.leaving_bid.pk}-name"'
    return [
        Scenario(
            "a client edits the title and max rate",
            [
                Page(board, c["va"], shows(title), shows(new_title), "board"),
                Page(search, c["anonymous"], shows(title), shows(new_title), "search"),
                appears(detail, c["va"], new_title, "detail title"),
                appears(detail, c["anonymous"], new_rate_text, "detail rate"),
                appears_in_card(board, c["anonymous"], job.pk, new_rate_text, "board rate"),
            ],
            edit,
        ),
        Scenario(
            "a VA changes their name",
            [
                appears(path, c["client"], new_name, label)
                for path, label in (
                    (review, "bid review card"),
                    (directory, "directory card"),
                    (notifications, "notification"),
                )
            ],
            rename,
        ),
        Scenario(
            "a VA withdraws a bid",
            [
                disappears(review, c["client"], leaver_card, "bid review"),
            ],
            withdraw,
        ),
        Scenario(
            "the client reads their notifications",
            [
                Page(path, c["client"], badge(None), badge(0), f"badge on {label}")
                for path, label in (
                    (board, "the board"),
                    (notifications, "the centre"),
                    (review, "bid review"),
                )
            ],
            read_notification,
        ),
        Scenario(
            "an admin renames the task's category",
            [
                appears_in_card(board, c["anonymous"], job.pk, new_category, "board card"),
                appears(detail, c["anonymous"], new_category, "task page"),
                appears(f"{board}?q=zzz", c["va"], new_category, "board filter form"),
            ],
            rename_category,
        ),
        Scenario(
            "a moderator hides the task",
            [
                disappears(board, c["va"], new_title, "board"),
                disappears(board, c["anonymous"], new_title, "board (visitor)"),
                disappears(search, c["anonymous"], new_title, "search"),
                Page(detail, c["va"], status_is(200), status_is(404), "page (VA)"),
                Page(detail, c["anonymous"], status_is(200), status_is(404), "page (visitor)"),
            ],
            hide,
        ),
    ]


def _warm(instances: list[Instance], page: Page, reads: int) -> str | None:
    """Read the page on every instance (each of its workers, likely); a broken "before"
    state, or None."""
    for instance in instances:
        for _ in range(reads):
            status, html = instance.get(page.path, page.cookie)
            if not page.before(status, html):
                return f"{page.label} on {instance.name} before the change (HTTP {status})"
    return None


def run(
    checks: list[Scenario],
    instances: list[Instance],
    *,
    warm_reads: int = 3,
    settle_seconds: float = 0.0,
    on_read: Callable[[Read], None] | None = None,
) -> Outcome:
    """Every scenario: warm the pages on all instances, change, then read on the other
    instances first (the last one is where the change is said to be made), then on it.

    With `settle_seconds`, a stale page is read again until it is fresh or that time has
    passed, so the outcome says how long it lasted.
    """
    outcome = Outcome()
    order = instances[1:] + instances[:1]
    for scenario in checks:
        broken = [
            b
            for b in (_warm(instances, page, warm_reads) for page in scenario.pages)
            if b is not None
        ]
        if broken:
            outcome.broken_before += [f"{scenario.name}: {b}" for b in broken]
            continue
        scenario.change()
        changed_at = time.monotonic()
        for instance in order:
            for page in scenario.pages:
                status, html = instance.get(page.path, page.cookie)
                read = Read(scenario.name, page.label, instance.name, page.after(status, html))
                if not read.fresh:
                    read.stale_seconds = _until_fresh(instance, page, changed_at, settle_seconds)
                outcome.reads.append(read)
                if on_read is not None:
                    on_read(read)
    return outcome


def _until_fresh(instance: Instance, page: Page, changed_at: float, limit: float) -> float:
    while time.monotonic() - changed_at < limit:
        time.sleep(0.1)
        if page.after(*instance.get(page.path, page.cookie)):
            break
    return time.monotonic() - changed_at
