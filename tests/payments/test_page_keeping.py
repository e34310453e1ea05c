"""The statement and the earnings page are kept whole per viewer (marketplace.fragments.page)
while what they show stays the same. A repeat view renders nothing, and every change they
show — through the services, or by staff in the admin — is on the next request."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from payments import services
from payments.models import DisputeFile
from tests.contracts.factories import fixed_contract
from tests.payments.conftest import approve, fund

pytestmark = pytest.mark.django_db


def _get(client, url) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    # Each response masks the CSRF token afresh; the rest must be the same HTML.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return html, len(queries.captured_queries)


def test_a_repeat_view_of_the_statement_renders_nothing(client, fixed):
    fund(fixed)
    client.force_login(fixed.client)
    url = reverse("payments:statement", args=[fixed.pk])
    first, rendered = _get(client, url)
    again, kept = _get(client, url)
    assert again == first
    assert kept < rendered  # the summary's queries are not run for a kept page


def test_the_statement_shows_each_change_on_the_next_request(client, fixed, moderator):
    client.force_login(fixed.client)
    url = reverse("payments:statement", args=[fixed.pk])
    page, _n = _get(client, url)
    assert "Rp 400,000" not in page
    payment = fund(fixed)
    page, _n = _get(client, url)
    assert "Funded, held in escrow" in page and "Rp 400,000" in page
    dispute = services.dispute_open(
        contract=fixed, user=fixed.client, payment_id=payment.pk, reason="Not what we agreed"
    )
    page, _n = _get(client, url)
    assert "Not what we agreed" in page
    # Staff add a file to the dispute in the admin: shown at once.
    DisputeFile.objects.create(
        dispute=dispute,
        file="disputes/proof.pdf",
        original_name="proof-from-staff.pdf",
        content_type="application/pdf",
        size=10,
    )
    page, _n = _get(client, url)
    assert "proof-from-staff.pdf" in page
    services.dispute_settle(
        dispute_id=dispute.pk, moderator=moderator, outcome="release", reason="Work was done"
    )
    page, _n = _get(client, url)
    assert "Work was done" in page and "Rp 360,000" in page
    # Names and the job's title come from the contract's own rows.
    fixed.va.name = "Vina Renamed"
    fixed.va.save(update_fields=["name"])
    fixed.job.title = "A retitled task"
    fixed.job.save(update_fields=["title"])
    page, _n = _get(client, url)
    assert "Vina Renamed" in page and "A retitled task" in page


def test_each_party_gets_their_own_kept_statement(client, fixed):
    fund(fixed)
    url = reverse("payments:statement", args=[fixed.pk])
    client.force_login(fixed.client)
    as_client, _n = _get(client, url)
    client.force_login(fixed.va)
    as_va, _n = _get(client, url)
    assert "Open a dispute" in as_client and "Open a dispute" in as_va
    assert as_client != as_va  # each page has its own header (roles) and token


def _all_read() -> None:
    """The header's unread count is part of every kept page's key; keep it still, so only
    the page's own state can make it new."""
    Notification.objects.update(read_at=timezone.now())


def test_the_earnings_page_shows_a_new_release_on_the_next_request(client, client_user, va):
    client.force_login(va)
    url = reverse("payments:earnings")
    page, rendered = _get(client, url)
    assert "Nothing has been released to you yet." in page
    again, kept = _get(client, url)
    assert again == page and kept <= rendered
    contract = fixed_contract(client=client_user, va=va)
    fund(contract)
    approve(contract)
    _all_read()
    page, _n = _get(client, url)
    assert "Rp 360,000" in page
    second = fixed_contract(client=client_user, va=va)
    fund(second)
    approve(second)
    _all_read()
    page, _n = _get(client, url)
    assert "Rp 720,000" in page


def test_the_earnings_page_follows_the_viewers_language(client, client_user, va):
    contract = fixed_contract(client=client_user, va=va)
    fund(contract)
    approve(contract)
    client.force_login(va)
    url = reverse("payments:earnings")
    english, _n = _get(client, url)
    va.language = "id"
    va.save(update_fields=["language"])
    indonesian, _n = _get(client, url)
    assert indonesian != english
    assert 'lang="id"' in indonesian


def test_the_workspace_panel_is_a_fragment_that_follows_the_money(client, fixed, moderator):
    client.force_login(fixed.client)
    url = reverse("contracts:workspace", args=[fixed.pk])
    page, rendered = _get(client, url)
    assert f'action="{reverse("payments:fund", args=[fixed.pk])}"' in page
    again, kept = _get(client, url)
    assert kept < rendered  # the panel's summary is not built again
    payment = fund(fixed)
    _all_read()
    page, _n = _get(client, url)
    assert f'action="{reverse("payments:fund", args=[fixed.pk])}"' not in page
    assert "Rp 400,000 is held in escrow until the client approves the work." in page
    services.dispute_open(
        contract=fixed, user=fixed.va, payment_id=payment.pk, reason="Client went quiet"
    )
    _all_read()
    page, _n = _get(client, url)
    assert "dispute" in page.lower()
    # The VA sees the same money without the client's buttons.
    client.force_login(fixed.va)
    page, _n = _get(client, url)
    assert f'action="{reverse("payments:fund", args=[fixed.pk])}"' not in page
