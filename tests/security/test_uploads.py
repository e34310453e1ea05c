"""Hostile uploads pushed through every real page that takes files (issue 9, ASVS V5).

The corpus (tests/security/attack_files.py) is written once per run into pytest's temporary
directory (`<basetemp>/files/`, never the checkout). Each file goes through the real page as
the person who may use it, in a multipart body streamed as a browser sends it (hostile names
intact). Each is refused with a clear message and leaves nothing behind, or — valid content
under a hostile name — is stored under a generated key with a sanitised name and served as
a download (or inline for PDF and images) with `nosniff` and a sandbox CSP.

Memory: the test process's peak RSS is measured around every upload (the high-water mark is
reset through /proc/self/clear_refs first), so a bomb that is decoded or an upload held in
memory fails here. The validation rules themselves are unit-tested in tests/bids/test_uploads.py.
"""

import gc
import html
import re
import resource
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import PortfolioItem
from bids import services as bid_services
from bids.models import Bid, WorkSample
from contracts.models import DeliverableFile, Message, MessageAttachment
from jobs.models import JobAttachment
from marketplace.storage import INLINE_SAFE_TYPES
from tests import factories
from tests.security import attack_files
from tests.security.attack_files import HARMLESS, REFUSED, Attack, MultipartBody

pytestmark = pytest.mark.django_db

# A 30 MB upload may not grow the test process (which is the server here) by more than this.
MAX_GROWTH_KB = 50 * 1024
GENERATED_KEY = re.compile(r"^[a-z]+/\d{4}/\d{2}/[0-9a-f]{32}(\.[a-z]+)?$")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return attack_files.write_corpus(
        tmp_path_factory.getbasetemp() / "files",
        oversize_bytes=3 * django_settings.SAMPLE_MAX_FILE_BYTES,
    )


# --- the pages that take files -----------------------------------------------------------


@dataclass
class Surface:
    """One page that takes files: who posts, where, with which other fields."""

    name: str
    user: object
    url: str
    fields: list[tuple[str, str]]
    file_field: str
    rows: Callable  # -> queryset of the stored-file rows this page creates
    saved: Callable  # -> queryset of the parent objects this page creates
    open_url: Callable  # (row) -> URL that serves the stored file

    def client(self) -> Client:
        client = Client()
        client.force_login(self.user)
        return client


def _bid_surface(va, client_user) -> Surface:
    job = factories.JobFactory(client=client_user, title="Sort the receipts")
    return Surface(
        name="bid",
        user=va,
        url=reverse("bids:submit", args=[job.pk]),
        fields=[
            ("amount", "400000"),
            ("delivery_date", (timezone.localdate() + timedelta(days=7)).isoformat()),
            ("cover_letter", "I have sorted receipts for three shops and can start tomorrow."),
            ("manual_version", str(job.current_manual.number)),
            ("manual_acknowledged", "on"),
        ],
        file_field="files",
        rows=lambda: WorkSample.objects.filter(bid__job=job),
        saved=lambda: Bid.objects.filter(job=job),
        open_url=lambda row: reverse("bids:sample", args=[row.pk]),
    )


def _portfolio_surface(va, client_user) -> Surface:
    return Surface(
        name="portfolio",
        user=va,
        url=reverse("accounts:portfolio_create"),
        fields=[("title", "Receipts ledger"), ("description", "Past work"), ("link", "")],
        file_field="file",
        rows=lambda: PortfolioItem.objects.filter(profile__user=va).exclude(file=""),
        saved=lambda: PortfolioItem.objects.filter(profile__user=va),
        open_url=lambda row: reverse("accounts:portfolio_file", args=[row.pk]),
    )


def _contract(va, client_user):
    job = factories.JobFactory(client=client_user, title="Bookkeeping for March")
    bid = factories.BidFactory(job=job, va=va)
    return bid_services.bid_hire(bid=bid, client=client_user)


def _message_surface(va, client_user) -> Surface:
    contract = _contract(va, client_user)
    return Surface(
        name="message",
        user=va,
        url=reverse("contracts:message_send", args=[contract.pk]),
        fields=[("body", "Here is the file.")],
        file_field="files",
        rows=lambda: MessageAttachment.objects.filter(message__contract=contract),
        saved=lambda: Message.objects.filter(contract=contract),
        open_url=lambda row: reverse("contracts:message_file", args=[contract.pk, row.pk]),
    )


def _deliverable_surface(va, client_user) -> Surface:
    contract = _contract(va, client_user)
    return Surface(
        name="deliverable",
        user=va,
        url=reverse("contracts:deliverable_submit", args=[contract.pk]),
        fields=[("note", "The ledger is done.")],
        file_field="files",
        rows=lambda: DeliverableFile.objects.filter(deliverable__contract=contract),
        saved=lambda: contract.deliverables.all(),
        open_url=lambda row: reverse("contracts:deliverable_file", args=[contract.pk, row.pk]),
    )


def _manual_surface(va, client_user) -> Surface:
    job = factories.JobFactory(client=client_user, title="Answer support email")
    return Surface(
        name="manual",
        user=client_user,
        url=reverse("jobs:attachment_upload", args=[job.pk]),
        fields=[],
        file_field="file",
        rows=lambda: JobAttachment.objects.filter(job=job),
        saved=lambda: JobAttachment.objects.filter(job=job),
        open_url=lambda row: reverse("jobs:attachment", args=[job.pk, row.pk]),
    )


SURFACES = {
    "bid": _bid_surface,
    "portfolio": _portfolio_surface,
    "message": _message_surface,
    "deliverable": _deliverable_surface,
    "manual": _manual_surface,
}


@pytest.fixture(params=sorted(SURFACES))
def surface(request, va, client_user) -> Surface:
    return SURFACES[request.param](va, client_user)


# --- helpers -----------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"{field} missing from /proc/self/status")


@dataclass
class Growth:
    kb: int = 0


@contextmanager
def peak_memory_growth():
    """How far the process's peak RSS rose above its RSS at the start, in KB."""
    gc.collect()
    growth = Growth()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        yield growth
        growth.kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        return
    before = _status_kb("VmRSS")
    yield growth
    growth.kb = _status_kb("VmHWM") - before


def _files_on_disk() -> set[Path]:
    roots = [Path(django_settings.PRIVATE_MEDIA_ROOT), Path(django_settings.MEDIA_ROOT)]
    return {p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}


def _post(surface: Surface, files: list[tuple[str, bytes | Path]]):
    body = MultipartBody(
        surface.fields, [(surface.file_field, name, source) for name, source in files]
    )
    return surface.client().request(**body.environ(surface.url))


def _assert_nothing_saved(surface: Surface, before_files: set[Path]) -> None:
    assert not surface.saved().exists()
    assert not surface.rows().exists()
    assert _files_on_disk() == before_files


# --- refused -----------------------------------------------------------------------------


@pytest.mark.parametrize("attack", REFUSED, ids=lambda a: a.slug)
def test_a_hostile_upload_is_refused_with_a_clear_message(surface, corpus, attack: Attack):
    before_files = _files_on_disk()
    with peak_memory_growth() as growth:
        response = _post(surface, [(attack.filename, corpus[attack.slug])])
    assert response.status_code in (200, 400)
    page = html.unescape(response.content.decode())
    assert attack.refusal in page
    _assert_nothing_saved(surface, before_files)
    assert growth.kb < MAX_GROWTH_KB, f"peak RSS grew {growth.kb} KB"


def test_an_over_size_upload_is_refused_and_streams_to_disk(surface, corpus):
    before_files = _files_on_disk()
    size = corpus["oversize"].stat().st_size
    with peak_memory_growth() as growth:
        response = _post(surface, [(attack_files.OVERSIZE_NAME, corpus["oversize"])])
    assert response.status_code in (200, 400)
    page = html.unescape(response.content.decode())
    assert "files may be at most 10.0" in page, page[:2000]
    _assert_nothing_saved(surface, before_files)
    assert growth.kb < MAX_GROWTH_KB, f"a {size // 1024} KB upload grew peak RSS {growth.kb} KB"


def test_a_request_with_101_files_gets_our_own_400_page(surface):
    before_files = _files_on_disk()
    png = attack_files.samples.png_bytes()
    response = _post(surface, [(f"shot{i}.png", png) for i in range(101)])
    assert response.status_code == 400
    page = response.content.decode()
    assert "Something was wrong with that request" in page
    assert "Traceback" not in page
    _assert_nothing_saved(surface, before_files)


# --- valid content under a hostile name ----------------------------------------------------


@pytest.mark.parametrize("attack", HARMLESS, ids=lambda a: a.slug)
def test_a_hostile_name_is_stored_under_a_generated_key_and_served_safely(
    surface, corpus, tmp_path, attack: Attack
):
    data = corpus[attack.slug].read_bytes()
    response = _post(surface, [(attack.filename, corpus[attack.slug])])
    assert response.status_code == 302, html.unescape(response.content.decode())[:2000]

    [row] = surface.rows()
    assert row.original_name == attack.stored_name
    assert GENERATED_KEY.match(row.file.name), row.file.name
    private_root = Path(django_settings.PRIVATE_MEDIA_ROOT).resolve()
    stored = Path(row.file.path).resolve()
    assert stored.is_relative_to(private_root)
    assert stored.read_bytes() == data
    # Nothing was written where the name pointed.
    hostile_stem = Path(attack.stored_name).stem
    assert not [p for p in tmp_path.rglob("*") if hostile_stem in p.name]

    opened = surface.client().get(surface.open_url(row))
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content) == data
    assert opened["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in opened["Content-Security-Policy"]
    disposition = opened["Content-Disposition"]
    assert disposition.startswith("attachment") or (
        disposition.startswith("inline") and opened["Content-Type"] in INLINE_SAFE_TYPES
    )
    assert f'filename="{attack.stored_name}"' in disposition
    assert ".." not in disposition and "/" not in disposition and "\\" not in disposition
