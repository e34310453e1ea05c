"""Upload checks shared by every app: the type is decided by the content, never by the name.

`validate_upload(...)` reads an uploaded file in chunks (Django keeps uploads above
FILE_UPLOAD_MAX_MEMORY_SIZE in a temporary file; we never `.read()` the whole thing),
decides its real type from its bytes, refuses anything a browser could run (HTML, SVG,
executables, polyglots that hide markup in their first bytes), checks each allowed type in
depth (images open and verify with Pillow under a pixel limit; DOCX/XLSX are real OOXML
zips whose decompressed size is bounded; CSV/TXT are UTF-8 text) and returns what the
caller stores: content type, extension, size, sha256 and a sanitised original name.

`make_thumbnail(...)` re-encodes an image as a small WebP under the same pixel limit.
"""

import codecs
import hashlib
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.storage import sanitise_filename

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
TXT = "text/plain"
ZIP = "application/zip"

# content type -> extensions accepted as "matching" (the first is the canonical one).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    WEBP: (".webp",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    CSV: (".csv",),
    TXT: (".txt", ".text", ".md", ".log"),
}
ALLOWED_SAMPLE_TYPES: frozenset[str] = frozenset(EXTENSIONS)
IMAGE_TYPES: frozenset[str] = frozenset({PNG, JPEG, WEBP})
# Human names for the error message listing what is accepted.
TYPE_LABELS = {
    PDF: "PDF",
    PNG: "PNG",
    JPEG: "JPEG",
    WEBP: "WebP",
    DOCX: "DOCX",
    XLSX: "XLSX",
    CSV: "CSV",
    TXT: "TXT",
}

# Images larger than this (width × height) are refused before any pixel is decoded: a tiny
# PNG can declare 50 000 × 50 000 pixels and would need gigabytes once decompressed.
MAX_IMAGE_PIXELS = 40_000_000
# OOXML zips: bounds on what we are willing to decompress while checking one.
OOXML_MAX_ENTRIES = 2_000
OOXML_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
OOXML_MAX_RATIO = 200  # a single entry expanding more than this is a zip bomb

HEAD_BYTES = 8192
# How far into a file we look for markup a browser might sniff as a web page.
MARKUP_SCAN_BYTES = 1024
_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|svg|style|title|meta|object|embed"
    rb"|img|table|div|font|form|link|base)(?=[\s>/])",
    re.IGNORECASE,
)
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class SniffedFile:
    """What validate_upload learnt about a file."""

    content_type: str
    extension: str
    size: int
    sha256: str
    original_name: str

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


def validate_upload(
    uploaded_file,
    *,
    allowed: frozenset[str] | set[str] = ALLOWED_SAMPLE_TYPES,
    max_bytes: int | None = None,
) -> SniffedFile:
    """Check an uploaded file and describe it; raise ValidationError with a clear message.

    `uploaded_file` is a Django UploadedFile (or any File with `size`, `chunks()`, `seek`).
    """
    if max_bytes is None:
        max_bytes = settings.SAMPLE_MAX_FILE_BYTES
    display_name = sanitise_filename(getattr(uploaded_file, "name", "") or "file")
    size = uploaded_file.size
    if not size:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": display_name}, code="empty")
    if size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(max)s.")
            % {
                "name": display_name,
                "size": filesizeformat(size),
                "max": filesizeformat(max_bytes),
            },
            code="too_big",
        )

    uploaded_file.seek(0)
    head = uploaded_file.read(HEAD_BYTES)
    uploaded_file.seek(0)
    if _MARKUP.search(head[:MARKUP_SCAN_BYTES]):
        raise ValidationError(
            _("“%(name)s” contains web page code (HTML or SVG), which is not accepted.")
            % {"name": display_name},
            code="markup",
        )

    content_type = _sniff(head)
    if content_type is None:
        content_type = _check_text(uploaded_file, display_name)
    elif content_type == ZIP:
        content_type = _ooxml_kind(uploaded_file, display_name)
    if content_type not in allowed:
        raise _not_accepted(display_name, allowed)

    if content_type in IMAGE_TYPES:
        _check_image(uploaded_file, content_type, display_name)
    elif content_type == PDF:
        _check_pdf(head, display_name)

    if content_type == TXT and PurePath(display_name).suffix.lower() == ".csv" and CSV in allowed:
        # Both are plain UTF-8 text (checked above); the name only picks the friendlier label.
        content_type = CSV

    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks(_CHUNK):
        digest.update(chunk)
    uploaded_file.seek(0)

    extension = EXTENSIONS[content_type][0]
    return SniffedFile(
        content_type=content_type,
        extension=extension,
        size=size,
        sha256=digest.hexdigest(),
        original_name=_name_with_extension(display_name, content_type),
    )


def _not_accepted(display_name: str, allowed) -> ValidationError:
    labels = sorted({TYPE_LABELS.get(t, t) for t in allowed})
    return ValidationError(
        _("“%(name)s” is not a file type we accept. Accepted: %(types)s.")
        % {"name": display_name, "types": ", ".join(labels)},
        code="type",
    )


def _sniff(head: bytes) -> str | None:
    """The content type of a binary format recognised from its first bytes, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return ZIP  # DOCX / XLSX decided by _ooxml_kind's look inside

    import filetype

    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime  # something binary we know and do not accept (exe, elf, gif, …)
    if b"\x00" in head:
        return "application/octet-stream"
    return None


def _check_text(uploaded_file, display_name: str) -> str:
    """UTF-8 text without NUL bytes that does not start like markup; returns TXT."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    start = ""
    uploaded_file.seek(0)
    try:
        for chunk in uploaded_file.chunks(_CHUNK):
            if b"\x00" in chunk:
                raise ValidationError(
                    _("“%(name)s” is not a text file.") % {"name": display_name}, code="binary"
                )
            text = decoder.decode(chunk)
            if len(start) < 64:
                start += text[:64]
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("“%(name)s” is not valid UTF-8 text. Save it as UTF-8 (CSV UTF-8) and try again.")
            % {"name": display_name},
            code="encoding",
        ) from exc
    finally:
        uploaded_file.seek(0)
    if start.lstrip("\ufeff \t\r\n").startswith("<"):
        raise ValidationError(
            _("“%(name)s” looks like web page code (HTML, SVG or XML), which is not accepted.")
            % {"name": display_name},
            code="markup",
        )
    return TXT


def _open_image(fileobj):
    """Open an image (headers only) refusing pixel bombs before anything is decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(fileobj)
    if image.width * image.height > MAX_IMAGE_PIXELS:
        raise Image.DecompressionBombError(f"{image.width}x{image.height}")
    return image


def _check_image(uploaded_file, content_type: str, display_name: str) -> None:
    expected = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP"}[content_type]
    uploaded_file.seek(0)
    try:
        image = _open_image(uploaded_file)
        if image.format != expected:
            raise UnidentifiedImageError(image.format)
        image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            _("“%(name)s” has too many pixels to open safely (at most %(megapixels)d megapixels).")
            % {"name": display_name, "megapixels": MAX_IMAGE_PIXELS // 1_000_000},
            code="pixels",
        ) from exc
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError) as exc:
        raise ValidationError(
            _("“%(name)s” is not a valid image or is damaged.") % {"name": display_name},
            code="image",
        ) from exc
    finally:
        uploaded_file.seek(0)


def _check_pdf(head: bytes, display_name: str) -> None:
    # The markup scan covers HTML hidden in the first bytes; a PDF must also not carry a
    # second format's signature right behind its header.
    if not re.match(rb"%PDF-\d\.\d", head):
        raise ValidationError(
            _("“%(name)s” is not a valid PDF.") % {"name": display_name}, code="pdf"
        )


def _ooxml_kind(uploaded_file, display_name: str) -> str:
    """DOCX or XLSX if the zip is a real, bounded OOXML package; raise otherwise."""
    invalid = ValidationError(
        _("“%(name)s” is not a valid Word (DOCX) or Excel (XLSX) file.") % {"name": display_name},
        code="ooxml",
    )
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            infos = archive.infolist()
            if len(infos) > OOXML_MAX_ENTRIES:
                raise invalid
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names:
                raise invalid
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise ValidationError(
                    _("“%(name)s” contains macros, which are not accepted.")
                    % {"name": display_name},
                    code="macros",
                )
            if "word/document.xml" in names:
                kind = DOCX
            elif "xl/workbook.xml" in names:
                kind = XLSX
            else:
                raise invalid
            # Decompress every entry for real, counting bytes: declared sizes can lie.
            total = 0
            for info in infos:
                if info.is_dir():
                    continue
                if info.file_size > OOXML_MAX_RATIO * max(info.compress_size, 1) + 1024 * 1024:
                    raise _zip_bomb(display_name)
                with archive.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        total += len(chunk)
                        if total > OOXML_MAX_UNCOMPRESSED_BYTES:
                            raise _zip_bomb(display_name)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
    ) as exc:
        raise invalid from exc
    except RuntimeError as exc:  # encrypted members
        raise invalid from exc
    finally:
        uploaded_file.seek(0)
    return kind


def _zip_bomb(display_name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” expands to far more data than a document should.") % {"name": display_name},
        code="zip_bomb",
    )


def _name_with_extension(display_name: str, content_type: str) -> str:
    """The sanitised name, its extension made to match the real type (so a download of a
    text file once called `page.html` can never be opened as a web page)."""
    path = PurePath(display_name)
    if path.suffix.lower() in EXTENSIONS[content_type]:
        return display_name
    stem = path.stem if path.suffix and len(path.suffix) <= 10 else display_name
    return sanitise_filename(f"{stem or 'file'}{EXTENSIONS[content_type][0]}")


def make_thumbnail(fileobj, *, max_size: tuple[int, int] = (320, 320)) -> ContentFile:
    """A small WebP preview of an image file (re-encoded, so no original bytes survive).

    Raises ValidationError for pixel bombs or unreadable images.
    """
    fileobj.seek(0)
    try:
        image = _open_image(fileobj)
        image.draft("RGB", max_size)  # JPEG: decode at a reduced scale
        image = ImageOps.exif_transpose(image)
        image.thumbnail(max_size)
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        out = io.BytesIO()
        image.save(out, "WEBP", quality=80, method=4)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            _("This image has too many pixels to open safely."), code="pixels"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("This image could not be read."), code="image") from exc
    finally:
        fileobj.seek(0)
    return ContentFile(out.getvalue(), name="thumbnail.webp")
