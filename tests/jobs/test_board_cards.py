"""The board caches each job card on its own and renders its filter form from a cached
copy (issue 20): a search never sent before renders only the cards no page showed, yet
every change to what a card shows is on the very next search, in the viewer's language,
and the form is the one Django would have rendered, the query escaped."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from bids import services as bid_services
from jobs.forms import BoardForm
from jobs.models import Job
from marketplace import fragments, generations
from moderation import services as moderation_services
from tests.bids.helpers import pdf_upload, terms
from tests.factories import ClientFactory, SkillFactory
from tests.jobs.factories import edit_job, indexed_job

pytestmark = pytest.mark.django_db


def _board(client, **params) -> str:
    response = client.get("/jobs/", params)
    assert response.status_code == 200
    return response.content.decode()


def _card(html: str, job: Job) -> str:
    found = re.search(
        rf'<article class="card job-card" aria-labelledby="job-{job.pk}-title">.*?</article>',
        html,
        re.S,
    )
    assert found, f"no card for job {job.pk}"
    return found.group(0)


@pytest.fixture
def bakery(client_user):
    job = indexed_job(
        client=client_user,
        title="Bookkeeping for a bakery",
        max_rate=Decimal("150000"),
        currency="IDR",
    )
    assert "Bookkeeping for a bakery" in _board(Client(), q="bakery")  # its card is cached
    return job


def test_an_edited_title_and_rate_show_on_the_next_search(client, bakery, client_user):
    edit_job(
        bakery, client_user, title="Bookkeeping for a bakery chain", max_rate=Decimal("275000")
    )
    card = _card(_board(client, q="bakery"), bakery)
    assert "Bookkeeping for a bakery chain" in card
    assert "275.000" in card or "275,000" in card
    assert "150.000" not in card and "150,000" not in card


def test_a_job_hidden_by_moderation_leaves_the_next_search(client, bakery, staff):
    moderation_services.job_hide(job_id=bakery.pk, moderator=staff, reason="Scam")
    assert "Bookkeeping for a bakery" not in _board(client, q="bakery")
    assert "Bookkeeping for a bakery" not in _board(client, q="bookkeeping bakery")


def test_a_new_bid_changes_the_count_on_the_next_search(client, bakery, va):
    assert "0 bids" in _card(_board(client, q="bakery"), bakery)
    bid_services.bid_submit(
        job=bakery, va=va, terms=terms(bakery, amount=Decimal("100000")), uploads=pdf_upload()
    )
    assert "1 bid<" in _card(_board(client, q="bakery"), bakery)


def test_a_new_query_shows_the_change_too(client, bakery, client_user):
    """The card is shared by every search that finds it: a query no one sent before gets
    the card's current state, not what an earlier query cached."""
    edit_job(bakery, client_user, title="Bookkeeping for a bakery chain")
    assert "Bookkeeping for a bakery chain" in _card(
        _board(client, q="bookkeeping", currency="IDR"), bakery
    )


def test_an_indonesian_page_gets_indonesian_card_text(bakery):
    english = _card(_board(Client(), q="bakery"), bakery)
    assert "0 bids" in english and "posted" in english
    indonesian = Client()
    indonesian.cookies["django_language"] = "id"
    card = _card(_board(indonesian, q="bakery"), bakery)
    with translation.override("id"):
        expected = translation.ngettext("%(counter)s bid", "%(counter)s bids", 0) % {"counter": 0}
    assert expected != "0 bids"
    assert expected in card and "0 bids" not in card and "posted" not in card


def test_vas_get_their_save_buttons_on_cached_cards(bakery, va):
    member = Client()
    member.force_login(va)
    card = _card(_board(member, q="bakery"), bakery)
    assert "Save task" in card and "<!--save-task" not in card
    assert "<!--save-task" not in _board(Client(), q="bakery")


def _cards_read(queries) -> int:
    """How many of the captured queries read whole job rows for cards (for_listing)."""
    return sum(1 for q in queries if '"jobs_job"."description"' in q["sql"])


def test_a_new_search_reads_only_the_cards_never_rendered(client, client_user, cold_pages):
    skills = [SkillFactory(name=f"Skill {i}") for i in range(3)]
    clients = [ClientFactory() for _ in range(5)]
    for i in range(25):
        indexed_job(client=clients[i % 5], title=f"Organise drive {i}", skills=skills)
    client.get("/jobs/")  # the catalogue digest
    cold_pages()
    with CaptureQueriesContext(connection) as cold:
        _board(client, q="organise drive")
    assert _cards_read(cold.captured_queries) == 1  # the page's 20 jobs in one query
    # A query never sent (a new ranking, a new page) whose cards are all cached already:
    # the ranking and the rows' states, no card read.
    generations.bump(generations.BOARD_SEARCH)
    with CaptureQueriesContext(connection) as warm:
        _board(client, q="organise")
    assert _cards_read(warm.captured_queries) == 0
    assert len(warm.captured_queries) < len(cold.captured_queries)


def test_a_cold_search_costs_the_same_queries_for_5_results_and_for_20(
    client, client_user, cold_pages, django_assert_num_queries
):
    skills = [SkillFactory(name=f"Skill {i}") for i in range(3)]
    clients = [ClientFactory() for _ in range(5)]
    for i in range(5):
        indexed_job(client=clients[i], title=f"Tidy inbox {i}", skills=skills)
    client.get("/jobs/")
    cold_pages()
    with CaptureQueriesContext(connection) as few:
        _board(client, q="tidy inbox")
    for i in range(20):
        indexed_job(client=clients[i % 5], title=f"Tidy inbox more {i}", skills=skills)
    cold_pages()
    with django_assert_num_queries(len(few)):
        _board(client, q="tidy inbox", currency="IDR")


# --- the filter form ------------------------------------------------------------------


def _form_of(html: str) -> str:
    found = re.search(r'<form method="get" action="/jobs/".*?</form>', html, re.S)
    assert found
    return found.group(0)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "bakery"},
        {"q": '"><script>alert(1)</script>', "currency": "IDR"},
        {"q": "a & b 'c'", "pay_type": "hourly", "rate_min": "1.000", "rate_max": "<5>"},
        {"q": "x", "category": "data-entry", "posted": "7", "sort": "rate"},
        {"q": "x", "currency": "nonsense"},  # an error: rendered under its whole data
        {"q": "x", "rate_min": "9", "rate_max": "1"},  # a reversed range's error
    ],
)
def test_the_cached_form_is_the_form_django_renders(params, client_user):
    indexed_job(client=client_user)
    form = BoardForm(params) if params else BoardForm()
    form.is_valid() if params else None
    expected = render_to_string("includes/form.html", {"form": form})
    for _ in range(2):  # rendering, then from the cache
        again = BoardForm(params) if params else BoardForm()
        again.is_valid() if params else None
        assert fragments.form(again, ("test",)) == expected


def test_the_query_is_escaped_in_the_form_and_the_page(client, client_user):
    evil = '"><script>alert(1)</script>'
    html = _board(client, q=evil)
    form = _form_of(html)
    assert "<script>alert(1)" not in html
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in form
    # The next evil query reuses the cached form: its own text, escaped, nothing of the first.
    other = _form_of(_board(client, q="<b>bold</b>"))
    assert 'value="&lt;b&gt;bold&lt;/b&gt;"' in other and "script" not in other


def test_the_form_keeps_its_labels_and_selected_values(client, client_user):
    form = _form_of(_board(client, q="bakery", currency="USD", pay_type="hourly"))
    assert '<label for="id_q">Search</label>' in form
    assert re.search(r'<option value="USD" selected>', form)
    assert re.search(r'<option value="hourly" selected>', form)
    assert 'value="bakery"' in form
    # The same choices with other text: the text is that query's, the choices still set.
    form = _form_of(_board(client, q="invoices", currency="USD", pay_type="hourly"))
    assert 'value="invoices"' in form and "bakery" not in form
    assert re.search(r'<option value="USD" selected>', form)


def test_a_renamed_category_shows_in_the_filter_form_of_a_search_with_no_results(client):
    """The results fragment of an empty search holds no card (whose key carries the
    category names), only the filter form: the names are in its own key too."""
    from jobs import services as job_services
    from tests.factories import category

    first = _board(client, q="zzzunfindable")
    shown = category()
    assert shown.name_en in first
    shown.name_en = "Renamed admin help"
    shown.save(update_fields=["name_en"])
    job_services.catalogue_changed()
    assert "Renamed admin help" in _board(client, q="zzzunfindable")
