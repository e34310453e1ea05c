"""The VA sees what they receive after the platform fee: on the bid form (server-rendered,
updated by static/js/fees.js as they type) and on the contract; the figure is the one the
ledger charges on release."""

from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from marketplace.templatetags.money import platform_fee
from payments.models import LedgerTransaction
from tests.bids.test_views import form_data
from tests.factories import JobFactory
from tests.payments.conftest import approve, fund

pytestmark = pytest.mark.django_db


def test_the_bid_form_says_what_the_va_receives_after_a_submit(client, va, client_user):
    job = JobFactory(client=client_user)
    client.force_login(va)
    page = client.get(reverse("bids:submit", args=[job.pk])).content.decode()
    assert 'data-fee-for="id_amount"' in page and "js/fees.js" in page
    assert "you receive Rp" not in page  # nothing typed yet
    # A submit refused for another field shows the line for the typed amount.
    response = client.post(
        reverse("bids:submit", args=[job.pk]), form_data(job, amount="450.000", cover_letter="")
    )
    assert response.status_code == 400
    assert "Platform fee 10%: you receive Rp 405,000 of Rp 450,000" in response.content.decode()


def test_the_line_follows_the_fee_setting_and_the_language(client, va, client_user, settings):
    settings.PLATFORM_FEE_PERCENT = "12.5"
    job = JobFactory(client=client_user)
    client.force_login(va)
    response = client.post(
        reverse("bids:submit", args=[job.pk]),
        form_data(job, amount="400000", cover_letter=""),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Platform fee 12.5%: you receive Rp 350,000 of Rp 400,000" in response.content.decode()


def test_the_contract_shows_the_va_what_they_receive(client, fixed):
    client.force_login(fixed.va)
    page = client.get(reverse("contracts:workspace", args=[fixed.pk])).content.decode()
    assert "Platform fee 10%: you receive Rp 360,000 of Rp 400,000" in page


def test_the_hint_is_what_the_ledger_charges(fixed_usd):
    fund(fixed_usd)
    approve(fixed_usd)
    release = LedgerTransaction.objects.get(kind="release")
    assert release.fee == platform_fee(Decimal("123.45"), "USD") == Decimal("12.34")


def test_the_script_is_our_own_static_file():
    assert finders.find("js/fees.js")
