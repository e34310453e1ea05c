"""Two entries sent at the same moment cannot both squeeze into the last hours of a week."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from contracts import services
from contracts.models import HourEntry, Timesheet
from contracts.services import week_start_of
from tests.contracts.factories import hourly_contract, local_today


# serialized_rollback: the flush after a transactional test must not take the seeded
# categories with it for the tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_entries_respect_the_weekly_cap(client_user, va):
    contract = hourly_contract(client=client_user, va=va, cap=Decimal("10"))
    monday = week_start_of(local_today(va)) - timedelta(days=7)
    services.hours_log(contract=contract, va=va, work_date=monday, hours="4", memo="Start")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def log_six_hours(day_offset: int) -> None:
        try:
            barrier.wait()
            services.hours_log(
                contract=contract,
                va=va,
                work_date=monday + timedelta(days=day_offset),
                hours="6",
                memo="Rush",
            )
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=log_six_hours, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ok", "refused"]
    sheet = Timesheet.objects.get(contract=contract, week_start=monday)
    assert sheet.total_hours == Decimal("10")
    assert sum(e.hours for e in HourEntry.objects.filter(timesheet=sheet)) == Decimal("10")
