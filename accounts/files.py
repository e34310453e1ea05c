"""Portfolio file checks: the shared upload validation, limited to what a portfolio may hold."""

from django.core.files.uploadedfile import UploadedFile

from marketplace.uploads import JPEG, PDF, PNG, WEBP, SniffedFile, validate_upload

# Documents and images a browser can show safely (inline, sandboxed).
PORTFOLIO_TYPES = frozenset({PDF, PNG, JPEG, WEBP})


def check_portfolio_upload(upload: UploadedFile) -> SniffedFile:
    """Accept PDF, PNG, JPEG or WebP (by their bytes, not their name) up to the sample size limit."""
    return validate_upload(upload, allowed=PORTFOLIO_TYPES)
