"""The demo gains an active hourly contract and a completed, reviewed per-task one; twice is once."""

import io

import pytest

from contracts.models import Contract, HourEntry, Message, Review

pytestmark = pytest.mark.django_db


def test_the_demo_contracts_load_once():
    from accounts import demo as accounts_demo
    from contracts import demo

    out = io.StringIO()
    accounts_demo.load(out)
    demo.load(out)
    counts = (
        Contract.objects.count(),
        Message.objects.count(),
        HourEntry.objects.count(),
        Review.objects.count(),
    )
    demo.load(out)
    assert (
        Contract.objects.count(),
        Message.objects.count(),
        HourEntry.objects.count(),
        Review.objects.count(),
    ) == counts
    hourly = Contract.objects.get(pay_type="hourly")
    assert (
        hourly.status == "active" and hourly.messages.exists() and hourly.hour_entries.count() == 5
    )
    fixed = Contract.objects.get(pay_type="fixed")
    assert fixed.status == "completed"
    assert Review.objects.filter(contract=fixed).visible().count() == 2
