"""The upload attack corpus of issue 9, generated at test time (no binary file is committed).

`write_corpus(folder)` writes every hostile file into `folder`; the tests call it once per
session with pytest's temporary directory (`<basetemp>/files/`), so the corpus never lands in
the checkout. The small generators live in tests/bids/files.py (the bids owner's unit tests
use them too); this module adds the attacks that only make sense end to end: hostile names,
a PHP script posing as a JPEG, an over-size file written to disk in chunks.

`MultipartBody` streams a multipart/form-data request body from bytes and files on disk.
The test client cannot send these attacks itself: it strips directories from file names
(so `../../etc/passwd.pdf` would never reach the server as such) and builds the whole body
in memory (which would hide whether the server streams a 30 MB upload).
"""

import io
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from tests.bids import files as samples

MB = 1024 * 1024


def php_script_bytes() -> bytes:
    return b'<?php echo shell_exec($_GET["cmd"]); ?>\n'


def jpeg_with_php_comment_bytes() -> bytes:
    """A real JPEG whose comment segment carries PHP code (a classic upload-then-include)."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(out, "JPEG", comment=php_script_bytes())
    return out.getvalue()


@dataclass(frozen=True)
class Attack:
    """One hostile upload: the name the browser sends, its bytes, and what must happen.

    `refusal` is a phrase of the message the person must see; None means the file is valid
    and must be stored harmlessly, under the sanitised `stored_name`.
    """

    slug: str
    filename: str
    make: Callable[[], bytes]
    refusal: str | None = None
    stored_name: str | None = None


REFUSED = [
    Attack("html", "page.html", samples.html_bytes, "contains web page code"),
    Attack("svg-with-script", "logo.svg", samples.svg_bytes, "contains web page code"),
    Attack(
        "pdf-html-polyglot", "cv.pdf", samples.pdf_html_polyglot_bytes, "contains web page code"
    ),
    Attack("php-named-jpeg", "invoice.php.jpg", php_script_bytes, "looks like web page code"),
    Attack("elf-named-pdf", "report.pdf", samples.elf_bytes, "is not a file type we accept"),
    Attack("zip-bomb-docx", "cv.docx", samples.docx_bomb_bytes, "expands to far more data"),
    Attack(
        "50000x50000-png",
        "photo.png",
        samples.pixel_bomb_png_bytes,
        "has too many pixels to open safely",
    ),
]

# Valid content under hostile names: stored under a generated key, shown under a safe name.
HARMLESS = [
    Attack("unix-traversal", "../../etc/passwd.pdf", samples.pdf_bytes, stored_name="passwd.pdf"),
    Attack(
        "windows-traversal",
        "..\\..\\win.ini.png",
        samples.png_bytes,
        stored_name="win.ini.png",
    ),
    Attack(
        "jpeg-carrying-php",
        "invoice.php.jpg",
        jpeg_with_php_comment_bytes,
        stored_name="invoice.php.jpg",
    ),
]

OVERSIZE_NAME = "scan.pdf"


def write_corpus(folder: Path, *, oversize_bytes: int) -> dict[str, Path]:
    """Write every attack (and the over-size file) into `folder`; return slug -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for attack in [*REFUSED, *HARMLESS]:
        path = folder / f"{attack.slug}.bin"  # names on disk are ours; hostile names go on the wire
        path.write_bytes(attack.make())
        paths[attack.slug] = path
    paths["oversize"] = write_oversize(folder / "oversize.bin", oversize_bytes)
    return paths


def write_oversize(path: Path, size: int) -> Path:
    """A PDF-looking file of `size` bytes, written in 1 MB chunks (never whole in memory)."""
    head = b"%PDF-1.4\n%" + b"\xe2\xe3\xcf\xd3\n"
    with path.open("wb") as out:
        out.write(head)
        remaining = size - len(head)
        chunk = b"0" * MB
        while remaining > 0:
            out.write(chunk[: min(MB, remaining)])
            remaining -= MB
    return path


class MultipartBody:
    """A multipart/form-data body read in chunks, as a browser sends it (a WSGI input).

    `fields` are (name, value) pairs; `files` are (field name, file name as sent, source)
    where source is bytes or a Path read from disk in chunks.
    """

    def __init__(
        self,
        fields: Iterable[tuple[str, str]] = (),
        files: Iterable[tuple[str, str, bytes | Path]] = (),
    ):
        self.boundary = "----AsistenSecurity" + secrets.token_hex(12)
        parts: list[bytes | Path] = []
        dash = f"--{self.boundary}\r\n".encode()
        for name, value in fields:
            parts.append(dash)
            parts.append(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
            parts.append(str(value).encode() + b"\r\n")
        for name, filename, source in files:
            parts.append(dash)
            parts.append(
                (
                    f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n"
                ).encode()
            )
            parts.append(source)
            parts.append(b"\r\n")
        parts.append(f"--{self.boundary}--\r\n".encode())
        self._parts = parts
        self.length = sum(p.stat().st_size if isinstance(p, Path) else len(p) for p in parts)
        self._index = 0
        self._offset = 0
        self._open = None

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.length
        out = bytearray()
        while len(out) < size and self._index < len(self._parts):
            part = self._parts[self._index]
            if isinstance(part, Path):
                if self._open is None:
                    self._open = part.open("rb")
                data = self._open.read(size - len(out))
                if not data:
                    self._open.close()
                    self._open = None
                    self._index += 1
                    continue
                out += data
            else:
                data = part[self._offset : self._offset + size - len(out)]
                out += data
                self._offset += len(data)
                if self._offset >= len(part):
                    self._index, self._offset = self._index + 1, 0
        return bytes(out)

    def readline(self, size: int = -1) -> bytes:
        """Part of the WSGI input interface; the multipart parser itself only calls read()."""
        out = bytearray()
        while size is None or size < 0 or len(out) < size:
            byte = self.read(1)
            out += byte
            if not byte or byte == b"\n":
                break
        return bytes(out)

    def environ(self, path: str) -> dict:
        """The WSGI keys for `Client.request(**body.environ(path))`: a streamed POST."""
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "CONTENT_TYPE": self.content_type,
            "CONTENT_LENGTH": str(self.length),
            "wsgi.input": self,
        }
