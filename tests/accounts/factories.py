"""Accounts-only factories and tiny real files for portfolio uploads."""

import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory
from PIL import Image

from accounts.models import PortfolioItem


class PortfolioLinkFactory(DjangoModelFactory):
    """A portfolio item that points at a link (no stored file)."""

    class Meta:
        model = PortfolioItem

    title = factory.Sequence(lambda n: f"Monthly bookkeeping report #{n}")
    description = "Reconciled bank statements and a one-page summary."
    link = factory.Sequence(lambda n: f"https://example.com/work/{n}")


def png_upload(name: str = "invoice.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf_upload(name: str = "report.pdf") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def html_pretending_to_be_png(name: str = "cute.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"<html><script>alert(1)</script></html>", content_type="image/png"
    )
