"""The directory caches its cards' HTML and its filter form (issue 21): every change made
through the services shows on the very next request, in the viewer's language."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from moderation import services as moderation_services
from tests.accounts.factories import png_upload
from tests.directory.helpers import card_names, directory_va, finished_with_review
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


def test_each_client_sees_their_own_saved_marks_and_buttons(cached, sari):
    from directory import services as directory_services
    from tests.factories import ClientFactory

    keeper, other = Client(), Client()
    keeper_user = ClientFactory(email="keeper@example.com")
    keeper.force_login(keeper_user)
    other.force_login(ClientFactory(email="other@example.com"))
    assert "Save VA" in page(keeper) and "Invite to bid" in page(keeper)

    directory_services.saved_va_add(client=keeper_user, va=sari)

    assert "Remove from saved" in page(keeper)
    html = page(other)
    assert "Remove from saved" not in html and "Save VA" in html
    assert "Save VA" not in cached and "Invite to bid" not in cached  # anonymous: no buttons


def test_a_cached_save_form_carries_the_viewers_token_and_path(cached):
    from tests.factories import ClientFactory

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ClientFactory())
    for sort in ("rating", "completed"):
        response = browser.get(URL, {"sort": sort})
        html = response.content.decode()
        assert f'name="next" value="/vas/?sort={sort}"' in html
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        action = re.search(r'<form method="post" action="(/vas/\d+/save/)"', html).group(1)
        saved = browser.post(action, {"csrfmiddlewaretoken": token, "next": f"/vas/?sort={sort}"})
        assert saved.status_code == 302 and saved.url == f"/vas/?sort={sort}"
        browser.post(action.replace("/save/", "/unsave/"), {"csrfmiddlewaretoken": token})


def test_a_client_who_also_works_as_a_va_gets_no_buttons_on_their_own_card(cached, sari):
    sari.is_client = True
    sari.save(update_fields=["is_client"])
    me = Client()
    me.force_login(sari)
    html = page(me)
    assert "Save VA" not in html and "Invite to bid" not in html


# --- cached search results (directory.listing._search_results) ---------------------------


def search_names(who=None, **params) -> list[str]:
    response = (who or Client()).get(URL, params)
    assert response.status_code == 200
    return card_names(response)


def test_a_repeated_search_reads_only_the_rows_of_its_page(cached, django_assert_num_queries):
    assert search_names(q="bookkeeper") == ["Sari Rapi"]
    # The ranking and count come from the cache: only the page's rows are read, by id.
    with django_assert_num_queries(1):
        html = page(q="bookkeeper")
    assert "Tidy bookkeeper" in html


def test_a_new_va_is_found_by_a_cached_search_at_once(cached, sari):
    assert search_names(q="bookkeeper") == ["Sari Rapi"]
    directory_va(name="Dewi Baru", headline="Bookkeeper for cafes")
    assert set(search_names(q="bookkeeper")) == {"Sari Rapi", "Dewi Baru"}


def test_new_words_in_a_profile_are_found_by_a_cached_search_at_once(cached, sari):
    assert search_names(q="payroll") == []
    account_services.profile_update(
        user=sari, user_data={}, va_data={"headline": "Payroll and bookkeeping"}
    )
    assert search_names(q="payroll") == ["Sari Rapi"]


def test_a_new_rating_reorders_a_cached_search_sorted_by_rating(cached, sari):
    dewi = directory_va(name="Dewi Baru", headline="Bookkeeper for cafes")
    finished_with_review(dewi, overall=3)
    assert search_names(q="bookkeeper", sort="rating") == ["Dewi Baru", "Sari Rapi"]
    finished_with_review(sari, overall=5)
    assert search_names(q="bookkeeper", sort="rating") == ["Sari Rapi", "Dewi Baru"]


def test_a_suspended_va_leaves_a_cached_search_at_once(cached, sari, staff):
    assert search_names(q="bookkeeper") == ["Sari Rapi"]
    moderation_services.user_suspend(user_id=sari.pk, moderator=staff, reason="Spam")
    assert search_names(q="bookkeeper") == []
    moderation_services.user_reinstate(user_id=sari.pk, moderator=staff, reason="Appeal")
    assert search_names(q="bookkeeper") == ["Sari Rapi"]


def test_a_cached_search_never_shows_a_va_who_is_no_longer_listed(cached, sari):
    # Even a change that bypasses the services (no generation bump) cannot show a VA who
    # is not listed now: the page's rows are read from PostgreSQL on every request.
    from accounts.models import User

    assert search_names(q="bookkeeper") == ["Sari Rapi"]
    User.objects.filter(pk=sari.pk).update(is_active=False)
    assert search_names(q="bookkeeper") == []


def test_search_pages_go_by_number_over_the_cached_results(db):
    for i in range(23):
        directory_va(name=f"Numbered {i:02d}", headline="Bookkeeper in Bandung")
    first = Client().get(URL, {"q": "bookkeeper", "sort": "rating"})
    assert 'href="?q=bookkeeper&amp;sort=rating&amp;page=2"' in first.content.decode()
    second = search_names(q="bookkeeper", sort="rating", page="2")
    assert len(second) == 3
    assert len(card_names(first)) == 20 and not set(second) & set(card_names(first))
