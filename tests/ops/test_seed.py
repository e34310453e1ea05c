"""`manage.py seed` (issue 11): realistic data at any scale, repeatable, with progress; and
the benchmark's pages answer on it. Run here at a small scale."""

import hashlib
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Q
from django.test import Client, override_settings

from accounts.models import User, VAProfile
from bids.models import Bid, Interview
from contracts.models import Contract, Review
from demo.management.commands.seed import BENCH_CLIENT, BENCH_READER, BENCH_VA
from jobs.models import Job
from notifications.models import Notification
from tests.factories import category

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SMALL = ["--users", "400", "--jobs", "420", "--bids", "3000", "--notifications", "1500"]


def _seed(*extra) -> None:
    call_command("seed", *SMALL, *extra, stdout=io.StringIO())


def _digest() -> str:
    rows = Job.objects.order_by("pk").values_list("title", "max_rate", "currency", "status")
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def test_the_seed_fills_every_table_consistently_with_progress(capsys):
    _seed("--seed", "7")
    progress = capsys.readouterr().err
    for label in ("users", "jobs", "bids", "contracts", "reviews", "interviews", "notifications"):
        assert f"\r{label:<22} [" in progress, label
    # The benchmark's fixed cases.
    bench_job = Job.objects.filter(client__email=BENCH_CLIENT).order_by("pk").first()
    assert bench_job.bids.count() == 200
    assert Bid.objects.filter(va__email=BENCH_VA).count() == 300
    assert Notification.objects.filter(recipient__email=BENCH_READER).count() == 1000
    # Bids as the bid service accepts them: above zero, at most the job's maximum, in the
    # job's currency (whole rupiah).
    assert not Bid.objects.filter(Q(amount__lte=0) | Q(amount__gt=F("job__max_rate"))).exists()
    rupiah = Bid.objects.filter(job__currency="IDR").values_list("amount", flat=True)
    assert rupiah and all(amount == amount.to_integral_value() for amount in rupiah)
    assert Bid.objects.filter(job__currency="USD").exists()
    # VA rates in the profile's own currency: no "Rp 12" or "$50,000" (issue 21).
    rates = VAProfile.objects.values_list("currency", "hourly_rate")
    idr = [rate for currency, rate in rates if currency == "IDR"]
    usd = [rate for currency, rate in rates if currency == "USD"]
    assert idr and all(30_000 <= r <= 250_000 and r == r.to_integral_value() for r in idr)
    assert usd and all(Decimal("5") <= r <= Decimal("40") for r in usd)
    # Hires as the hire service leaves them.
    hired = Job.objects.filter(status__in=["hired", "completed"]).annotate(
        accepted=Count("bids", filter=Q(bids__status="accepted"))
    )
    for job in hired.filter(contract__isnull=False):
        assert job.accepted == 1
        assert job.contract.bid.status == "accepted" and job.contract.bid.job_id == job.pk
        assert not job.bids.filter(status__in=["submitted", "shortlisted"]).exists()
    completed = Contract.objects.filter(status="completed")
    assert completed.exists() and not completed.filter(ended_at__isnull=True).exists()
    assert Contract.objects.filter(status="active", job__status="hired").exists()
    # Reviews in pairs (both sides), so they are visible and VAs have ratings.
    assert Review.objects.exists()
    assert Review.objects.visible().count() == Review.objects.count()
    assert not Contract.objects.annotate(n=Count("reviews")).filter(n=1).exists()
    # Interviews only on shortlisted bids; a confirmed one has one of its own slots chosen.
    assert Interview.objects.exists()
    assert not Interview.objects.exclude(bid__status="shortlisted").exists()
    for interview in Interview.objects.filter(status="confirmed")[:50]:
        assert interview.chosen_slot.interview_id == interview.pk
    # Every job is searchable, with the board's filter lexemes in its vector.
    assert not Job.objects.filter(search_vector__isnull=True).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM jobs_job ORDER BY id LIMIT 1")
        assert "'pay=" in cursor.fetchone()[0]
    assert User.objects.count() == 400


def test_the_same_seed_gives_the_same_data():
    _seed("--seed", "11")
    first = _digest()
    call_command("flush", "--no-input", verbosity=0)
    category()  # the task categories the data migration made, again
    _seed("--seed", "11")
    assert _digest() == first


@override_settings(ROOT_URLCONF="tests.ops.bench_urls")
def test_the_benchmarks_pages_answer_on_seeded_data():
    from bench import scenarios

    _seed("--seed", "3")
    pages = scenarios.pages(deep_page=5)
    assert [page.name.split()[0] for page in pages] == [
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "10",
        "11",
        "-",
    ]
    for page in pages:
        browser = Client(HTTP_X_FORWARDED_PROTO="https")
        if page.email:
            browser.force_login(User.objects.get(email=page.email))
        response = browser.get(page.path)
        assert response.status_code == 200, (page.name, response.status_code)
        if page.name.startswith("4 "):
            assert response.context["page"].number == 5  # followed Next from page 1
