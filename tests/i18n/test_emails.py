"""Emails and in-app notifications speak the recipient's language, not the sender's.

The sender's request is in English; the recipient chose Indonesian (and the other way
round). Deliveries are sent with notifications.delivery.deliver, the function the Celery
worker runs, so the test covers the real path without a broker.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import PortfolioItem
from notifications.delivery import deliver
from notifications.models import Delivery
from tests import factories

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = "en-US,en;q=0.9"
INDONESIAN_BROWSER = "id-ID,id;q=0.9"


def _send_pending() -> None:
    for delivery_id in Delivery.objects.filter(status=Delivery.Status.PENDING).values_list(
        "id", flat=True
    ):
        deliver(delivery_id=delivery_id)


def _bid_through_the_page(http, va, job, amount: str, browser: str):
    item = PortfolioItem.objects.create(
        profile=va.va_profile, title="Drive clean-up", link="https://example.com/drive"
    )
    http.force_login(va)
    return http.post(
        reverse("bids:submit", args=[job.pk]),
        {
            "amount": amount,
            "delivery_date": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
            "cover_letter": "I have organised shared drives for three small firms; "
            "I would start with an inventory and a naming scheme.",
            "portfolio_items": [item.pk],
            "manual_version": job.current_manual.number,
            "manual_acknowledged": "on",
        },
        headers={"accept-language": browser},
        follow=True,
    )


def _text_of(message) -> str:
    html = next(body for body, kind in message.alternatives if kind == "text/html")
    return message.subject + "\n" + message.body + "\n" + html


def test_an_indonesian_client_is_emailed_in_indonesian_about_an_english_bid(
    client, client_user, va
):
    client_user.language = "id"
    client_user.save(update_fields=["language"])
    job = factories.JobFactory(client=client_user, max_rate=Decimal("500000"), currency="IDR")

    page = _bid_through_the_page(client, va, job, "150,000", ENGLISH_BROWSER)
    assert page.status_code == 200
    assert "Your bid has been sent." in page.text  # the VA's own page stays English

    _send_pending()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == f"Penawaran baru untuk “{job.title}”"
    text = _text_of(message)
    assert f"Vina Assistant mengajukan penawaran untuk tugas Anda “{job.title}”." in text
    assert "Penawarannya: Rp 150.000." in text
    assert "Buka di Asisten" in text
    assert "Berhenti berlangganan email ini" in text
    for english in ("New bid", "bid on your task", "Their bid", "Open on Asisten", "Unsubscribe"):
        assert english not in text, english


def test_an_english_client_is_emailed_in_english_about_an_indonesian_bid(client, client_user, va):
    va.language = "id"
    va.save(update_fields=["language"])
    job = factories.JobFactory(client=client_user, max_rate=Decimal("500000"), currency="IDR")

    page = _bid_through_the_page(client, va, job, "150.000", INDONESIAN_BROWSER)
    assert "Penawaran Anda sudah terkirim." in page.text

    _send_pending()
    (message,) = mail.outbox
    assert message.subject == f"New bid on “{job.title}”"
    text = _text_of(message)
    assert "Their bid: Rp 150,000." in text
    assert "Penawaran" not in text


def test_the_notification_centre_speaks_the_viewers_language(client, client_user, va):
    client_user.language = "id"
    client_user.save(update_fields=["language"])
    job = factories.JobFactory(client=client_user)
    _bid_through_the_page(client, va, job, "150,000", ENGLISH_BROWSER)

    client.force_login(client_user)
    page = client.get(reverse("notifications:centre"), headers={"accept-language": ENGLISH_BROWSER})
    assert page.status_code == 200
    assert f"Penawaran baru untuk “{job.title}”" in page.text


def test_account_emails_follow_the_recipients_language(client, va):
    va.language = "id"
    va.save(update_fields=["language"])
    response = client.post(
        reverse("account_reset_password"),
        {"email": va.email},
        headers={"accept-language": ENGLISH_BROWSER},
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [va.email]
    assert "Password Reset" not in message.subject
    assert "kata sandi" in (message.subject + message.body).lower()
