"""marketplace.uploads: the type comes from the content; anything a browser could run is refused."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from PIL import Image

from marketplace.uploads import make_thumbnail, validate_upload
from tests.bids import files


@pytest.mark.parametrize("content_type", sorted(files.GOOD_FILES))
def test_it_accepts_each_allowed_type(content_type):
    name, make = files.GOOD_FILES[content_type]
    data = make()
    sniffed = validate_upload(files.upload(name, data, "application/x-whatever"))
    assert sniffed.content_type == content_type
    assert sniffed.size == len(data)
    assert sniffed.original_name == name
    import hashlib

    assert sniffed.sha256 == hashlib.sha256(data).hexdigest()


def test_it_decides_the_type_by_content_not_by_name():
    sniffed = validate_upload(files.upload("holiday.pdf", files.png_bytes(), "application/pdf"))
    assert sniffed.content_type == "image/png"
    assert sniffed.extension == ".png"
    assert sniffed.original_name == "holiday.png"


def test_it_keeps_only_a_sanitised_name():
    sniffed = validate_upload(files.upload("../../etc/<b>notes</b>.txt", b"hello world\n"))
    assert "/" not in sniffed.original_name and "<" not in sniffed.original_name
    assert sniffed.original_name.endswith(".txt")


def _refusal(name, data) -> str:
    with pytest.raises(ValidationError) as exc:
        validate_upload(files.upload(name, data))
    return " ".join(exc.value.messages)


def test_it_refuses_a_renamed_windows_program():
    assert "not a file type we accept" in _refusal("invoice.pdf", files.exe_bytes())


def test_it_refuses_a_renamed_linux_program():
    assert "not a file type we accept" in _refusal("notes.txt", files.elf_bytes())


def test_it_refuses_an_html_file():
    assert "web page code" in _refusal("page.html", files.html_bytes())


def test_it_refuses_an_html_file_renamed_to_txt():
    assert "web page code" in _refusal("page.txt", files.html_bytes())


def test_it_refuses_an_svg():
    assert "web page code" in _refusal("logo.svg", files.svg_bytes())


def test_it_refuses_a_text_file_that_starts_like_markup():
    assert "web page code" in _refusal("data.csv", b"<?xml version='1.0'?><rows/>")


def test_it_refuses_a_pdf_with_html_in_its_first_bytes():
    assert "web page code" in _refusal("cv.pdf", files.pdf_html_polyglot_bytes())


def test_it_refuses_a_file_over_the_size_limit(settings):
    settings.SAMPLE_MAX_FILE_BYTES = 1000
    message = _refusal("big.txt", b"a" * 1001)
    assert "at most 1000" in message


def test_it_honours_a_callers_own_limit():
    with pytest.raises(ValidationError):
        validate_upload(files.upload("a.txt", b"a" * 20), max_bytes=10)


def test_it_refuses_an_empty_file():
    assert "empty" in _refusal("empty.txt", b"")


def test_it_refuses_a_pixel_bomb_with_a_clear_message():
    message = _refusal("tiny.png", files.pixel_bomb_png_bytes())
    assert "too many pixels" in message


def test_it_refuses_a_damaged_image():
    data = files.png_bytes()
    assert "not a valid image" in _refusal("broken.png", data[:40] + b"\x00" * 20)


def test_it_refuses_a_zip_bomb_disguised_as_a_word_file():
    assert "expands to far more data" in _refusal("cv.docx", files.docx_bomb_bytes())


def test_it_refuses_a_plain_zip():
    assert "not a valid Word" in _refusal("cv.docx", files.plain_zip_bytes())


def test_it_refuses_text_that_is_not_utf8():
    assert "not valid UTF-8" in _refusal("list.csv", "café;naïve\n".encode("latin-1"))


def test_it_refuses_binary_data_posing_as_text():
    assert "not a file type we accept" in _refusal("x.txt", b"abc\x00def" * 3)


def test_it_refuses_text_with_a_nul_byte_past_the_first_bytes():
    assert "not a text file" in _refusal("x.txt", b"a" * 20_000 + b"\x00")


def test_it_refuses_types_the_caller_does_not_allow():
    with pytest.raises(ValidationError):
        validate_upload(files.upload("a.pdf", files.pdf_bytes()), allowed={"image/png"})


def test_it_streams_a_large_upload_from_disk(settings):
    """Uploads over 1 MB are temporary files: they are checked chunk by chunk."""
    settings.SAMPLE_MAX_FILE_BYTES = 10 * 1024 * 1024
    data = ("line of text, " * 100 + "\n").encode() * 2000  # ~2.8 MB
    upload = TemporaryUploadedFile("big.txt", "text/plain", len(data), "utf-8")
    upload.write(data)
    upload.seek(0)
    sniffed = validate_upload(upload)
    assert sniffed.content_type == "text/plain"
    assert sniffed.size == len(data)


def test_a_thumbnail_is_a_small_webp():
    thumb = make_thumbnail(io.BytesIO(files.image_bytes("JPEG", size=(1600, 1200))))
    image = Image.open(io.BytesIO(thumb.read()))
    assert image.format == "WEBP"
    assert max(image.size) <= 320


def test_a_thumbnail_is_never_made_of_a_pixel_bomb():
    with pytest.raises(ValidationError):
        make_thumbnail(io.BytesIO(files.pixel_bomb_png_bytes()))
