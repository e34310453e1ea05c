"""Private file storage: generated keys, and serving a file only after a permission check.

Every private file (work samples, manual attachments, message files, portfolio files) is
stored under a random key in the `private` storage; its original name is metadata only.
Views check permission first, then call `serve_private_file`, which streams from local disk
or redirects to a presigned S3 URL that expires within settings.PRESIGNED_URL_SECONDS.
"""

import re
import unicodedata
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.functional import LazyObject, empty

# Types a browser may show inline without risk once nosniff and a sandbox CSP are set.
INLINE_SAFE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/webp"}


class _PrivateStorage(LazyObject):
    """The `private` storage, looked up when first used (so tests can swap STORAGES)."""

    def _setup(self):
        self._wrapped = storages["private"]


_private = _PrivateStorage()


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        _private._wrapped = empty


def private_storage():
    """Callable for FileField(storage=...): keeps migrations free of settings."""
    return _private


def is_local(storage) -> bool:
    storage = getattr(storage, "_wrapped", storage)
    if storage is empty:
        storage = storages["private"]
    return isinstance(storage, FileSystemStorage)


def sanitise_filename(name: str, *, max_length: int = 120) -> str:
    """Keep a display-safe version of a user's file name (metadata only, never a path)."""
    name = PurePath(name.replace("\\", "/")).name
    name = unicodedata.normalize("NFKC", name)
    name = re.sub(r"[\x00-\x1f\x7f\"<>:/\\|?*]", "", name).strip(" .")
    if not name:
        name = "file"
    if len(name) > max_length:
        stem, dot, ext = name.rpartition(".")
        if dot and len(ext) <= 10:
            name = stem[: max_length - len(ext) - 1] + "." + ext
        else:
            name = name[:max_length]
    return name


def generated_key(prefix: str, filename: str = "", *, extension: str | None = None) -> str:
    """A storage key the uploader cannot influence: prefix/yyyy/uuid.ext."""
    from django.utils import timezone

    ext = extension if extension is not None else ""
    return f"{prefix}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"


def serve_private_file(
    file_field, *, download_name: str, content_type: str, inline: bool = False
) -> HttpResponse:
    """Stream a private file (local) or redirect to a short-lived presigned URL (S3).

    Call only after checking the user may see the file.
    """
    disposition_inline = inline and content_type in INLINE_SAFE_TYPES
    if not is_local(file_field.storage):
        disposition = "inline" if disposition_inline else "attachment"
        url = file_field.storage.url(
            file_field.name,
            parameters={
                "ResponseContentDisposition": f'{disposition}; filename="{_ascii(download_name)}"',
                "ResponseContentType": content_type,
            },
            expire=settings.PRESIGNED_URL_SECONDS,
        )
        response: HttpResponse = HttpResponseRedirect(url)
    else:
        response = FileResponse(
            file_field.storage.open(file_field.name, "rb"),
            as_attachment=not disposition_inline,
            filename=download_name,
            content_type=content_type,
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _ascii(name: str) -> str:
    return name.encode("ascii", "ignore").decode() or "file"
