"""Portfolio items: add, edit, delete my own; files private to their owner and staff."""

import pytest
from django.urls import reverse

from accounts.models import PortfolioItem
from accounts.services import portfolio_item_create
from tests.accounts.factories import (
    PortfolioLinkFactory,
    html_pretending_to_be_png,
    pdf_upload,
    png_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def vina_item(va):
    return PortfolioLinkFactory(profile=va.va_profile, title="Vina's invoice template")


@pytest.fixture
def vina_file_item(va):
    return portfolio_item_create(user=va, title="Scanned receipts sorted", file=png_upload())


def test_a_va_adds_a_link_to_their_portfolio(client, va):
    client.force_login(va)

    response = client.post(
        reverse("accounts:portfolio_create"),
        {
            "title": "Travel itinerary",
            "description": "Two weeks in Japan",
            "link": "https://example.com/trip",
        },
    )

    assert response.url == reverse("accounts:profile")
    item = PortfolioItem.objects.get(profile__user=va)
    assert (item.title, item.link, bool(item.file)) == (
        "Travel itinerary",
        "https://example.com/trip",
        False,
    )


def test_a_va_uploads_a_file_stored_under_a_generated_name(client, va):
    client.force_login(va)

    client.post(
        reverse("accounts:portfolio_create"),
        {"title": "Report", "file": pdf_upload("../../etc/report.pdf")},
    )

    item = PortfolioItem.objects.get(profile__user=va)
    assert item.content_type == "application/pdf"
    assert item.original_name == "report.pdf"
    assert item.file.name.startswith("portfolio/") and "report" not in item.file.name
    assert item.file.storage.exists(item.file.name)


def test_a_file_that_is_not_what_its_name_says_is_refused_next_to_the_field(client, va):
    client.force_login(va)

    response = client.post(
        reverse("accounts:portfolio_create"),
        {"title": "Cute picture", "description": "Kept text", "file": html_pretending_to_be_png()},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_file_error"' in html
    assert "Kept text" in html and 'value="Cute picture"' in html
    assert not PortfolioItem.objects.exists()


def test_an_item_needs_a_file_or_a_link(client, va):
    client.force_login(va)

    response = client.post(
        reverse("accounts:portfolio_create"), {"title": "Nothing to show", "link": ""}
    )

    assert response.status_code == 200
    assert 'id="id_link_error"' in response.content.decode()
    assert not PortfolioItem.objects.exists()


def test_a_bad_link_is_refused_next_to_the_field(client, va):
    client.force_login(va)

    response = client.post(
        reverse("accounts:portfolio_create"), {"title": "Site", "link": "javascript:alert(1)"}
    )

    assert 'id="id_link_error"' in response.content.decode()
    assert not PortfolioItem.objects.exists()


def test_members_who_do_not_work_as_vas_are_sent_to_switch_the_role_on(client, client_user):
    client.force_login(client_user)

    response = client.get(reverse("accounts:portfolio_create"))

    assert response.url == reverse("accounts:profile")


def test_a_va_edits_their_item_and_a_new_file_replaces_the_old_one(
    client, va, vina_file_item, django_capture_on_commit_callbacks
):
    client.force_login(va)
    old_name = vina_file_item.file.name
    storage = vina_file_item.file.storage

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:portfolio_edit", args=[vina_file_item.pk]),
            {"title": "Receipts, sorted by month", "file": pdf_upload()},
        )

    assert response.url == reverse("accounts:profile")
    vina_file_item.refresh_from_db()
    assert vina_file_item.title == "Receipts, sorted by month"
    assert vina_file_item.content_type == "application/pdf"
    assert storage.exists(vina_file_item.file.name)
    assert not storage.exists(old_name)


def test_removing_the_file_needs_a_link_to_remain(client, va, vina_file_item):
    client.force_login(va)
    url = reverse("accounts:portfolio_edit", args=[vina_file_item.pk])

    refused = client.post(url, {"title": "Receipts", "remove_file": "on"})
    assert 'id="id_link_error"' in refused.content.decode()

    client.post(
        url, {"title": "Receipts", "remove_file": "on", "link": "https://example.com/receipts"}
    )
    vina_file_item.refresh_from_db()
    assert not vina_file_item.file and vina_file_item.link == "https://example.com/receipts"


def test_a_va_deletes_their_item_and_its_file(
    client, va, vina_file_item, django_capture_on_commit_callbacks
):
    client.force_login(va)
    storage, name = vina_file_item.file.storage, vina_file_item.file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:portfolio_delete", args=[vina_file_item.pk]))

    assert response.url == reverse("accounts:profile")
    assert not PortfolioItem.objects.filter(pk=vina_file_item.pk).exists()
    assert not storage.exists(name)


@pytest.mark.parametrize("url_name", ["accounts:portfolio_edit", "accounts:portfolio_delete"])
@pytest.mark.parametrize("persona", ["other_va", "client_user", "staff"])
def test_nobody_else_can_edit_or_delete_a_portfolio_item(
    client, request, vina_item, url_name, persona
):
    client.force_login(request.getfixturevalue(persona))
    url = reverse(url_name, args=[vina_item.pk])

    assert (
        client.post(url, {"title": "Hijacked", "link": "https://evil.example"}).status_code == 404
    )
    vina_item.refresh_from_db()
    assert vina_item.title == "Vina's invoice template"


@pytest.mark.parametrize(
    ("persona", "status"), [("va", 200), ("staff", 200), ("other_va", 404), ("client_user", 404)]
)
def test_portfolio_files_open_only_for_their_owner_and_staff(
    client, request, vina_file_item, persona, status
):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("accounts:portfolio_file", args=[vina_file_item.pk]))

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]


def test_anonymous_visitors_cannot_open_portfolio_files(client, vina_file_item):
    response = client.get(reverse("accounts:portfolio_file", args=[vina_file_item.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_public_page_links_files_only_for_those_who_may_open_them(client, va, vina_file_item):
    url = reverse("accounts:va_public", args=[va.pk])
    file_url = reverse("accounts:portfolio_file", args=[vina_file_item.pk])

    assert file_url not in client.get(url).content.decode()
    client.force_login(va)
    assert file_url in client.get(url).content.decode()
