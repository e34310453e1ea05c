"""Portfolio previews: a VA may show a small public copy of a picture on their public page
and directory card; the file itself stays private (issue 21)."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts import services
from accounts.models import PortfolioItem
from tests.accounts.factories import pdf_upload, png_upload
from tests.directory.helpers import directory_va

pytestmark = pytest.mark.django_db

SECRET = b"GPS-6.2088S-106.8456E-home"


def photo_with_metadata(name: str = "desk.jpg", size=(1600, 1200)) -> SimpleUploadedFile:
    """A camera-sized JPEG whose EXIF carries where it was taken."""
    image = Image.new("RGB", size, (30, 110, 160))
    exif = Image.Exif()
    exif[0x010E] = SECRET.decode()  # ImageDescription
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    assert SECRET in buffer.getvalue()
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def preview_url(item: PortfolioItem) -> str:
    return reverse("accounts:portfolio_preview", args=[item.profile.user_id, item.pk])


def stored(item: PortfolioItem, name: str) -> bool:
    return bool(name) and item.thumbnail.storage.exists(name)


def test_a_va_shows_a_preview_of_a_picture_and_everyone_sees_a_small_clean_copy(client, va):
    client.force_login(va)
    response = client.post(
        reverse("accounts:portfolio_create"),
        {"title": "Desk set-up guide", "file": photo_with_metadata(), "show_preview": "on"},
    )
    assert response.url == reverse("accounts:profile")
    item = PortfolioItem.objects.get(profile__user=va)
    assert item.show_preview and item.thumbnail.name.startswith("portfolio-previews/")

    client.logout()
    preview = client.get(preview_url(item))
    assert preview.status_code == 200
    assert preview["Content-Type"] == "image/webp"
    assert preview["Cache-Control"] == "public, max-age=300"
    body = preview.content
    image = Image.open(io.BytesIO(body))
    assert image.format == "WEBP" and max(image.size) <= 320
    assert SECRET not in body  # re-encoded: no metadata of the original survives
    # The original stays private.
    assert client.get(reverse("accounts:portfolio_file", args=[item.pk])).status_code == 302


def test_without_the_choice_there_is_no_preview(client, va):
    item = services.portfolio_item_create(user=va, title="Receipts", file=png_upload())
    assert not item.thumbnail
    assert client.get(preview_url(item)).status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"title": "Report", "file": "pdf"},
        {"title": "Website", "link": "https://example.com/site"},
    ],
    ids=["pdf", "link"],
)
def test_a_preview_of_something_that_is_not_a_picture_is_refused_and_nothing_is_kept(
    client, va, data
):
    client.force_login(va)
    storage = PortfolioItem._meta.get_field("file").storage
    before = storage.listdir("portfolio")[1] if storage.exists("portfolio") else []
    if data.get("file") == "pdf":
        data = {**data, "file": pdf_upload()}

    response = client.post(reverse("accounts:portfolio_create"), {**data, "show_preview": "on"})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_show_preview_error"' in page
    assert "A preview can be shown only for a picture (PNG, JPEG or WebP)" in page
    assert 'value="' + data["title"] + '"' in page  # what was typed is still there
    assert not PortfolioItem.objects.filter(profile__user=va).exists()
    after = storage.listdir("portfolio")[1] if storage.exists("portfolio") else []
    assert after == before  # the refused upload was not left behind


def test_switching_the_preview_off_removes_the_copy(client, va, django_capture_on_commit_callbacks):
    item = services.portfolio_item_create(
        user=va, title="Receipts", file=png_upload(), show_preview=True
    )
    old = item.thumbnail.name
    assert stored(item, old)
    client.force_login(va)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:portfolio_edit", args=[item.pk]), {"title": "Receipts"})

    item.refresh_from_db()
    assert not item.show_preview and not item.thumbnail
    assert not stored(item, old)
    assert client.get(preview_url(item)).status_code == 404


def test_a_new_picture_gets_a_new_preview_and_the_old_copy_goes(
    client, va, django_capture_on_commit_callbacks
):
    item = services.portfolio_item_create(
        user=va, title="Receipts", file=png_upload(), show_preview=True
    )
    old = item.thumbnail.name
    client.force_login(va)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:portfolio_edit", args=[item.pk]),
            {"title": "Receipts", "file": photo_with_metadata(), "show_preview": "on"},
        )

    item.refresh_from_db()
    assert item.thumbnail.name != old and stored(item, item.thumbnail.name)
    assert not stored(item, old)
    assert Image.open(io.BytesIO(client.get(preview_url(item)).content)).size == (320, 240)


def test_replacing_a_previewed_picture_with_a_pdf_asks_to_switch_the_preview_off(client, va):
    item = services.portfolio_item_create(
        user=va, title="Receipts", file=png_upload(), show_preview=True
    )
    client.force_login(va)
    url = reverse("accounts:portfolio_edit", args=[item.pk])

    form = client.get(url).content.decode()
    assert re.search(r'<input type="checkbox" name="show_preview"[^>]* checked>', form)
    refused = client.post(url, {"title": "Receipts", "file": pdf_upload(), "show_preview": "on"})

    assert 'id="id_show_preview_error"' in refused.content.decode()
    item.refresh_from_db()
    assert item.content_type == "image/png" and stored(item, item.thumbnail.name)


def test_deleting_the_item_deletes_its_preview(client, va, django_capture_on_commit_callbacks):
    item = services.portfolio_item_create(
        user=va, title="Receipts", file=png_upload(), show_preview=True
    )
    name = item.thumbnail.name
    client.force_login(va)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:portfolio_delete", args=[item.pk]))

    assert not stored(item, name)


def test_previews_of_suspended_vas_and_under_another_vas_address_are_not_found(
    client, va, other_va
):
    item = services.portfolio_item_create(
        user=va, title="Receipts", file=png_upload(), show_preview=True
    )
    wrong_owner = reverse("accounts:portfolio_preview", args=[other_va.pk, item.pk])
    assert client.get(wrong_owner).status_code == 404

    va.suspended_at = va.date_joined
    va.save(update_fields=["suspended_at"])
    assert client.get(preview_url(item)).status_code == 404


def test_the_card_and_the_public_page_show_the_preview(client):
    sari = directory_va(name="Sari Foto")
    shown = services.portfolio_item_create(
        user=sari, title="Shop photos edited", file=png_upload(), show_preview=True
    )
    services.portfolio_item_create(user=sari, title="Newer link", link="https://example.com/x")
    plain = directory_va(name="Budi Plain")
    services.portfolio_item_create(user=plain, title="Budi's ledger", file=png_upload())

    directory = client.get(reverse("directory:vas")).content.decode()
    # The newest item with a preview wins over a newer one without.
    assert f'src="{preview_url(shown)}"' in directory
    assert "<figcaption>Shop photos edited</figcaption>" in directory
    assert directory.count("portfolio-previews") == 0  # storage keys never reach the page
    assert directory.count("<img") == 1  # Budi chose no preview: his card shows the title

    page = client.get(reverse("accounts:va_public", args=[sari.pk])).content.decode()
    assert f'src="{preview_url(shown)}" alt="Shop photos edited"' in page
