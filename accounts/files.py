"""Portfolio file checks: type decided by content, size limited.

Stop-gap until `marketplace/uploads.py` (`validate_upload`) exists: when it does, portfolio
uploads should go through it instead and this module can shrink to a call.
"""

from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from marketplace.storage import sanitise_filename

# What a portfolio may hold: documents and images a browser can show safely.
ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
}


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    original_name: str
    content_type: str
    extension: str
    size: int


def check_portfolio_upload(upload: UploadedFile) -> CheckedUpload:
    """Accept PDF, PNG, JPEG or WebP (by their bytes, not their name) up to the sample size limit."""
    max_bytes = settings.SAMPLE_MAX_FILE_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s). The limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError(_("Upload a PDF, PNG, JPEG or WebP file."), code="file_type")
    return CheckedUpload(
        file=upload,
        original_name=sanitise_filename(upload.name or "file"),
        content_type=kind.mime,
        extension=ALLOWED_TYPES[kind.mime],
        size=upload.size,
    )
