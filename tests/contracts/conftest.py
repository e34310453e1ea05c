from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.contracts.factories import fixed_contract, hourly_contract


@pytest.fixture
def fixed(client_user, va):
    """Alice hired Vina for a per-task job (Rp 400.000)."""
    return fixed_contract(client=client_user, va=va)


@pytest.fixture
def hourly(client_user, va):
    """Alice hired Vina by the hour ($10.00/h, at most 10 hours a week)."""
    return hourly_contract(client=client_user, va=va, cap=Decimal("10"))


def text_file(
    name: str = "notes.txt", content: bytes = b"Meeting notes, week one.\n"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def pdf_file(name: str = "invoice.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


def html_file(name: str = "page.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
