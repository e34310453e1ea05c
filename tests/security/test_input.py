"""Input and business rules (issue 9): property tests and stored XSS."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bids import services as bid_services
from bids.services import validate_bid_amount
from contracts import services as contract_services
from jobs import services as job_services
from jobs.models import Job
from tests import factories
from tests.security.world import png_bytes

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'><svg onload=alert(2)>'


def _job(currency: str, max_rate: Decimal) -> Job:
    # Unsaved: validate_bid_amount reads only currency and max_rate.
    return Job(currency=currency, max_rate=max_rate, pay_type=Job.PayType.FIXED)


amounts = st.decimals(
    min_value=Decimal("-1000000"), max_value=Decimal("100000000"), places=4, allow_nan=False
)
maxima = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000000"), places=2)


@settings(max_examples=300, deadline=None)
@given(amount=amounts, max_rate=maxima, currency=st.sampled_from(["IDR", "USD"]))
def test_a_bid_is_accepted_iff_it_is_positive_within_the_max_and_in_currency_precision(
    amount, max_rate, currency
):
    places = 0 if currency == "IDR" else 2
    max_rate = max_rate.quantize(Decimal(1).scaleb(-places)) or Decimal(1)
    job = _job(currency, max_rate)
    expected = (
        amount > 0 and amount <= max_rate and amount == amount.quantize(Decimal(1).scaleb(-places))
    )
    try:
        validate_bid_amount(amount, job)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == expected


texts = st.one_of(
    st.text(min_size=1, max_size=300),
    st.just("مرحبا \u202e evil \u202c 😀 " * 10),
    st.just("x" * 100_000),
    st.just("nul\x00byte"),
)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=texts)
def test_any_text_in_a_cover_letter_is_saved_and_escaped_or_refused_never_a_500(
    text, client, va, client_user
):
    job = factories.JobFactory(client=client_user)
    client.force_login(va)
    response = client.post(
        f"/jobs/{job.pk}/bid/",
        {
            "amount": "100000",
            "delivery_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
            "cover_letter": text,
            "manual_version": job.current_manual.number,
            "manual_acknowledged": "on",
            "files": [SimpleUploadedFile("work.png", png_bytes(), "image/png")],
        },
    )
    # Saved (redirect) or refused with the form shown again (400) — never a server error.
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        page = client.get(f"/jobs/{job.pk}/bid/").content.decode()
        assert (
            "<script" not in text or "<script>" not in page.split("<main", 1)[1].split("</main>")[0]
        )


@pytest.mark.django_db
def test_stored_xss_in_every_free_text_field_renders_escaped(
    client, client_user, va, staff, django_capture_on_commit_callbacks
):
    job = factories.JobFactory(
        client=client_user, title=f"Task {XSS}", description=f"About {XSS}", deliverables=XSS
    )
    job_services.manual_update(job=job, by=client_user, body=f"# Steps\n{XSS}", checklist=[XSS])
    bid = bid_services.bid_submit(
        job=job,
        va=va,
        terms=bid_services.BidTerms(
            amount=Decimal("100000"),
            cover_letter=f"Letter {XSS} " * 3,
            delivery_date=timezone.localdate() + timedelta(days=3),
            manual_version=job.current_manual,
            manual_acknowledged=True,
        ),
        uploads=bid_services.prepare_sample_uploads(
            [SimpleUploadedFile("w.png", png_bytes(), "image/png")]
        ),
    )
    hired = factories.BidFactory(job=factories.JobFactory(client=client_user), va=va)
    contract = bid_services.bid_hire(bid=hired, client=client_user)
    contract_services.message_send(contract=contract, author=va, body=f"Hi {XSS}")
    pages = [
        (None, f"/jobs/{job.pk}/"),
        (None, "/jobs/?q=Task"),
        (client_user, f"/jobs/{job.pk}/bids/"),
        (client_user, f"/contracts/{contract.pk}/"),
        (va, "/bids/"),
        (staff, f"/admin/jobs/job/{job.pk}/change/"),
        (staff, f"/admin/bids/bid/{bid.pk}/change/"),
        (client_user, "/notifications/"),
    ]
    for user, path in pages:
        client.logout()
        if user is not None:
            client.force_login(user)
        html = client.get(path).content.decode()
        assert "<script>alert" not in html, path
        assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", ""), path
        assert "<svg onload" not in html, path
