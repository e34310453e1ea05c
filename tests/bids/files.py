"""Small real files for upload tests, generated on the fly (good ones and hostile ones)."""

import functools
import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(fmt: str = "PNG", size=(40, 30), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def png_bytes() -> bytes:
    return image_bytes("PNG")


def jpeg_bytes() -> bytes:
    return image_bytes("JPEG")


def webp_bytes() -> bytes:
    return image_bytes("WEBP")


@functools.cache
def pdf_bytes() -> bytes:
    """A one-page PDF, built by Pillow (once: it embeds the creation time)."""
    return image_bytes("PDF", size=(60, 80), color=(255, 255, 255))


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def _zip(entries: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_bytes() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": _CONTENT_TYPES,
            "_rels/.rels": "<Relationships/>",
            "word/document.xml": "<w:document><w:body><w:p>Hello</w:p></w:body></w:document>",
        }
    )


def xlsx_bytes() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": _CONTENT_TYPES,
            "_rels/.rels": "<Relationships/>",
            "xl/workbook.xml": "<workbook><sheets/></workbook>",
            "xl/worksheets/sheet1.xml": "<worksheet><sheetData/></worksheet>",
        }
    )


def docx_bomb_bytes() -> bytes:
    """A DOCX whose one entry inflates to 300 MB of zeros (a few hundred KB compressed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/blob.bin", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(300):
                member.write(chunk)
    return out.getvalue()


def plain_zip_bytes() -> bytes:
    return _zip({"notes.txt": "just a zip"})


def exe_bytes() -> bytes:
    """The start of a Windows program: MZ header, DOS stub, PE signature."""
    header = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    header += b"\x00" * (0x3C - len(header)) + struct.pack("<I", 0x80)
    header += b"\x00" * (0x80 - len(header)) + b"PE\x00\x00" + b"\x00" * 200
    return bytes(header)


def elf_bytes() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 200


def html_bytes() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def svg_bytes() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(1)</script></svg>"
    )


def pdf_html_polyglot_bytes() -> bytes:
    """Starts like a PDF, but carries a web page in its first bytes for a sniffing browser."""
    return (
        b"%PDF-1.4\n<html><body><script>alert(document.domain)</script></body></html>\n"
        + (pdf_bytes()[9:])
    )


def pixel_bomb_png_bytes(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny, valid PNG whose header declares width × height pixels."""
    raw = png_bytes()
    ihdr_start = 8
    length = struct.unpack(">I", raw[ihdr_start : ihdr_start + 4])[0]
    data = bytearray(raw[ihdr_start + 8 : ihdr_start + 8 + length])
    data[0:8] = struct.pack(">II", width, height)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(data)) & 0xFFFFFFFF)
    end = ihdr_start + 8 + length + 4
    return raw[: ihdr_start + 8] + bytes(data) + crc + raw[end:]


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    """An uploaded file as Django hands it to a form (the browser's content type is ignored)."""
    return SimpleUploadedFile(name, data, content_type=content_type)


GOOD_FILES = {
    "application/pdf": ("report.pdf", pdf_bytes),
    "image/png": ("screenshot.png", png_bytes),
    "image/jpeg": ("photo.jpg", jpeg_bytes),
    "image/webp": ("banner.webp", webp_bytes),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "letter.docx",
        docx_bytes,
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "budget.xlsx",
        xlsx_bytes,
    ),
    "text/csv": ("contacts.csv", lambda: b"name,email\nAyu,ayu@example.com\n"),
    "text/plain": ("notes.txt", lambda: "Rapat jam 10.00 — catatan singkat.\n".encode()),
}
