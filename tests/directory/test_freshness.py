"""The directory caches its cards' HTML and its filter form (issue 21): every change made
through the services shows on the very next request, in the viewer's language."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from moderation import services as moderation_services
from tests.accounts.factories import png_upload
from tests.directory.helpers import directory_va, finished_with_review
from tests.factories import SkillFactory

pytestmark = pytest.mark.django_db

URL = reverse("directory:vas")


@pytest.fixture
def sari():
    user = directory_va(
        name="Sari Rapi",
        headline="Tidy bookkeeper",
        hourly_rate=Decimal("90000"),
        new_skills=["Xero"],
    )
    account_services.portfolio_item_create(
        user=user, title="Ledger for a bakery", link="https://example.com/ledger"
    )
    return user


def page(who=None, **params) -> str:
    response = (who or Client()).get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def cached(sari):
    html = page()  # renders and caches Sari's card
    assert "Tidy bookkeeper" in html and "Ledger for a bakery" in html
    return html


def test_a_profile_edit_shows_at_once(cached, sari):
    account_services.profile_update(
        user=sari, user_data={"name": "Sari Teliti"}, va_data={"headline": "Careful bookkeeper"}
    )
    html = page()
    assert "Sari Teliti" in html and "Careful bookkeeper" in html
    assert "Sari Rapi" not in html and "Tidy bookkeeper" not in html


def test_a_new_rate_and_new_skills_show_at_once(cached, sari):
    account_services.profile_update(
        user=sari,
        user_data={},
        va_data={"hourly_rate": Decimal("120000"), "new_skills": ["Jurnal.id"]},
    )
    html = page()
    assert "Rp 120,000 / hour" in html and "Jurnal.id" in html and "90,000" not in html


def test_portfolio_changes_show_at_once(cached, sari, django_capture_on_commit_callbacks):
    item = account_services.portfolio_item_create(
        user=sari, title="Receipt photos", file=png_upload(), show_preview=True
    )
    html = page()
    assert "<figcaption>Receipt photos</figcaption>" in html
    with django_capture_on_commit_callbacks(execute=True):
        account_services.portfolio_item_delete(item=item)
    html = page()
    assert "Receipt photos" not in html and "Ledger for a bakery" in html


def test_a_new_review_and_a_completed_contract_show_at_once(cached, sari):
    assert "No reviews yet" in cached and "0 completed contracts" in cached
    finished_with_review(sari, overall=4)
    html = page()
    assert "4.0 out of 5" in html and "1 completed contract" in html
    assert "No reviews yet" not in html


def test_a_renamed_skill_shows_at_once(cached, sari, monkeypatch):
    from jobs import models as job_models

    skill = SkillFactory(name="Xero")
    skill.name = "Xero Accounting"
    skill.save()
    monkeypatch.setattr(job_models, "_catalogue", (0.0, ""))  # as a minute passing does
    assert "Xero Accounting" in page()


def test_a_suspended_va_leaves_the_directory_at_once(cached, sari, staff):
    moderation_services.user_suspend(user_id=sari.pk, moderator=staff, reason="Spam")
    assert "Sari Rapi" not in page()


def test_cards_are_cached_per_language(cached, sari):
    indonesian = Client(headers={"accept-language": "id"})
    html = page(indonesian)
    assert "Rp90.000" in html.replace("\xa0", "") or "Rp 90.000" in html
    assert "Belum ada ulasan" in html
    assert "No reviews yet" in page()


def test_the_filter_form_keeps_each_querys_values_and_errors(cached):
    assert 'value="xero"' in page(q="xero")
    bad = page(rate_min="lots", currency="IDR")
    assert 'id="id_rate_min_error"' in bad
    assert 'id="id_rate_min_error"' not in page(rate_min="1000", currency="IDR")


def test_a_warm_directory_page_reads_only_the_count_and_the_page(cached, django_assert_num_queries):
    with django_assert_num_queries(2):  # the capped count and the page's profiles with users
        assert "Tidy bookkeeper" in page()
