"""The rating and completed contracts stored on a VA's profile follow the contracts."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import VAProfile
from contracts import services as contract_services
from contracts.models import Contract
from contracts.ratings import va_rating_summary
from contracts.tasks import refresh_va_stats_for_closed_review_windows
from tests.contracts.factories import fixed_contract
from tests.directory.helpers import STARS, finished_with_review

pytestmark = pytest.mark.django_db


def stats(va) -> tuple:
    profile = VAProfile.objects.get(user=va)
    return profile.rating_average, profile.rating_count, profile.completed_contracts


def test_completing_a_contract_counts_it_at_once(client_user, va):
    contract = fixed_contract(client=client_user, va=va)
    assert stats(va) == (Decimal("0"), 0, 0)
    contract_services.contract_complete(contract=contract, client=client_user)
    assert stats(va) == (Decimal("0"), 0, 1)


def test_the_rating_counts_once_both_sides_have_reviewed(client_user, va):
    contract = fixed_contract(client=client_user, va=va)
    contract_services.contract_complete(contract=contract, client=client_user)
    contract_services.review_leave(contract=contract, author=client_user, overall=4, **STARS)
    assert stats(va)[1] == 0  # double-blind: hidden until the VA reviews too
    contract_services.review_leave(contract=contract, author=va, overall=5, **STARS)
    assert stats(va) == (Decimal("4.0"), 1, 1)


def test_the_stored_numbers_are_the_public_profiles(va):
    for overall in (5, 4, 4):
        finished_with_review(va, overall=overall)
    summary = va_rating_summary(va)
    assert stats(va) == (summary.average, summary.count, summary.completed_contracts)
    assert stats(va) == (Decimal("4.3"), 3, 3)


def test_a_lone_review_counts_when_its_window_closes(client_user, va):
    contract = fixed_contract(client=client_user, va=va)
    contract_services.contract_complete(contract=contract, client=client_user)
    contract_services.review_leave(contract=contract, author=client_user, overall=3, **STARS)
    Contract.objects.filter(pk=contract.pk).update(
        ended_at=timezone.now() - timedelta(days=14, minutes=30)
    )
    assert stats(va)[1] == 0
    assert refresh_va_stats_for_closed_review_windows() == 1
    assert stats(va) == (Decimal("3.0"), 1, 1)


def test_the_management_command_recomputes_every_va(client_user, va, other_va):
    finished_with_review(va, overall=5)
    VAProfile.objects.update(rating_average=0, rating_count=0, completed_contracts=0)
    out = StringIO()
    call_command("refresh_va_stats", stdout=out)
    assert "Refreshed" in out.getvalue()
    assert stats(va) == (Decimal("5.0"), 1, 1)
    assert stats(other_va) == (Decimal("0"), 0, 0)


def test_the_backfill_migration_writes_what_the_services_write(client_user, va, other_va):
    """contracts/0003 is plain SQL (so later service changes cannot break migrating from
    scratch); on the same data it must give the numbers and vectors the services give."""
    import importlib

    from django.db import connection

    from accounts.services import va_search_vectors_refresh

    migration = importlib.import_module("contracts.migrations.0003_va_directory_backfill")
    for overall in (5, 4):
        finished_with_review(va, overall=overall)
    lone = fixed_contract(client=client_user, va=other_va)
    contract_services.contract_complete(contract=lone, client=client_user)
    contract_services.review_leave(contract=lone, author=client_user, overall=2, **STARS)
    Contract.objects.filter(pk=lone.pk).update(ended_at=timezone.now() - timedelta(days=15))
    contract_services.va_stats_refresh()
    va_search_vectors_refresh(profile_ids=VAProfile.objects.values_list("pk", flat=True))
    columns = ("user_id", "rating_average", "rating_count", "completed_contracts", "search_vector")
    expected = sorted(VAProfile.objects.values_list(*columns))
    assert [row[1:4] for row in expected] == [
        (Decimal("4.5"), 2, 2),
        (Decimal("2.0"), 1, 1),
    ]
    VAProfile.objects.update(
        rating_average=0, rating_count=0, completed_contracts=0, search_vector=None
    )
    with connection.cursor() as cursor:
        cursor.execute(migration.SEARCH_VECTORS)
        cursor.execute(migration.VA_STATS)
    assert sorted(VAProfile.objects.values_list(*columns)) == expected
