"""Shared helpers for the bids tests: bid terms and validated uploads."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bids.services import BidTerms, prepare_sample_uploads
from tests.bids import files

LETTER = "I have organised shared drives for three small businesses and can start tomorrow."


def terms(job, **overrides) -> BidTerms:
    values = {
        "amount": Decimal("400000") if job.currency == "IDR" else Decimal("10.00"),
        "cover_letter": LETTER,
        "estimated_hours": Decimal("20") if job.is_hourly else None,
        "delivery_date": None if job.is_hourly else timezone.localdate() + timedelta(days=7),
        "earliest_start": timezone.localdate() + timedelta(days=1),
        "manual_version": job.current_manual,
        "manual_acknowledged": True,
    }
    values.update(overrides)
    return BidTerms(**values)


def pdf_upload(name: str = "cv.pdf"):
    return prepare_sample_uploads([files.upload(name, files.pdf_bytes())])


def png_upload(name: str = "shot.png"):
    return prepare_sample_uploads([files.upload(name, files.png_bytes())])
