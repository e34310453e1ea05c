"""Saved VAs (clients) and saved tasks (VAs): POST-only, signed in, idempotent, no leaks."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory.models import SavedJob, SavedVA
from jobs.models import Job
from tests.directory.helpers import directory_va
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def save_va(client, va, **data):
    return client.post(reverse("directory:va_save", args=[va.pk]), data)


def save_job(client, job, **data):
    return client.post(reverse("directory:job_save", args=[job.pk]), data)


# --- saved VAs ---------------------------------------------------------------------------


def test_a_client_saves_a_va_from_the_directory_and_finds_them_on_the_saved_page(
    client, client_user, va
):
    client.force_login(client_user)
    card = client.get("/vas/").content.decode()
    assert reverse("directory:va_save", args=[va.pk]) in card
    response = save_va(client, va, next="/vas/?sort=rating")
    assert response.status_code == 302 and response["Location"] == "/vas/?sort=rating"
    assert SavedVA.objects.filter(client=client_user, va=va).count() == 1
    page = client.get(reverse("directory:saved")).content.decode()
    assert "Vina Assistant" in page and "Remove from saved" in page
    # The card now offers to remove her instead.
    assert reverse("directory:va_unsave", args=[va.pk]) in client.get("/vas/").content.decode()


def test_saving_twice_keeps_one_row_and_unsaving_twice_is_harmless(client, client_user, va):
    client.force_login(client_user)
    save_va(client, va)
    save_va(client, va)
    assert SavedVA.objects.filter(client=client_user, va=va).count() == 1
    for _ in range(2):
        client.post(reverse("directory:va_unsave", args=[va.pk]))
    assert not SavedVA.objects.exists()


def test_the_save_button_is_on_the_vas_public_page(client, client_user, va):
    client.force_login(client_user)
    page = client.get(reverse("accounts:va_public", args=[va.pk])).content.decode()
    assert reverse("directory:va_save", args=[va.pk]) in page
    save_va(client, va)
    page = client.get(reverse("accounts:va_public", args=[va.pk])).content.decode()
    assert reverse("directory:va_unsave", args=[va.pk]) in page


def test_vas_and_anonymous_visitors_see_no_save_vA_button(client, va, other_va):
    assert "Save VA" not in client.get("/vas/").content.decode()
    client.force_login(other_va)
    assert "Save VA" not in client.get(reverse("accounts:va_public", args=[va.pk])).content.decode()


def test_a_va_who_does_not_hire_cannot_save_a_va(client, va, other_va):
    client.force_login(other_va)
    response = save_va(client, va, next="/vas/")
    assert response.status_code == 302
    assert not SavedVA.objects.exists()
    assert "Switch on hiring to save VAs." in client.get("/vas/").content.decode()


def test_nobody_saves_their_own_profile(client, va):
    va.is_client = True
    va.save(update_fields=["is_client"])
    client.force_login(va)
    save_va(client, va)
    assert not SavedVA.objects.exists()


def test_suspended_vas_and_clients_cannot_be_saved(client, client_user, other_client, suspended):
    client.force_login(client_user)
    assert save_va(client, suspended).status_code == 404
    assert save_va(client, other_client).status_code == 404  # not a VA
    assert not SavedVA.objects.exists()


def test_a_saved_va_who_is_suspended_later_drops_off_the_list(client, client_user):
    gone = directory_va(name="Gina Gone")
    client.force_login(client_user)
    save_va(client, gone)
    client.get("/")  # shows (and so drops) the "saved" message
    gone.suspended_at = timezone.now()
    gone.save(update_fields=["suspended_at"])
    assert "Gina Gone" not in client.get(reverse("directory:saved")).content.decode()


def test_saving_needs_a_sign_in_a_post_and_a_csrf_token(client, client_user, va):
    url = reverse("directory:va_save", args=[va.pk])
    response = client.post(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(client_user)
    assert client.get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(client_user)
    assert strict.post(url).status_code == 403
    assert not SavedVA.objects.exists()


def test_next_never_leaves_the_site(client, client_user, va):
    client.force_login(client_user)
    for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = save_va(client, va, next=bad)
        assert response["Location"] == reverse("accounts:va_public", args=[va.pk])


def test_the_saved_list_makes_the_same_number_of_queries_for_2_vas_and_for_12(
    client, client_user, django_assert_num_queries
):
    # Guards the per-card N+1s on the saved VAs (user, skills, portfolio of each) and the
    # per-row job reads of the saved tasks (one query for all of them, with category).
    client_user.is_va = True
    client_user.save(update_fields=["is_va"])
    client.force_login(client_user)
    for i in range(2):
        save_va(client, directory_va(name=f"Few {i}", new_skills=["Xero"]))
        save_job(client, JobFactory())
    client.get(reverse("directory:saved"))  # warm up
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("directory:saved"))
    few_queries = len(few)  # now: the log only keeps the latest queries
    for i in range(10):
        save_va(client, directory_va(name=f"Many {i}", new_skills=["Canva", f"S{i}"]))
        save_job(client, JobFactory())
    with django_assert_num_queries(few_queries):
        page = client.get(reverse("directory:saved")).content.decode()
    assert page.count("Remove from saved") == 24


# --- saved tasks -------------------------------------------------------------------------


def test_a_va_saves_a_task_from_its_page_and_finds_it_on_the_saved_page(client, va, client_user):
    job = JobFactory(client=client_user, title="Sort the shop invoices")
    client.force_login(va)
    page = client.get(job.get_absolute_url()).content.decode()
    assert reverse("directory:job_save", args=[job.pk]) in page
    response = save_job(client, job, next=job.get_absolute_url())
    assert response["Location"] == job.get_absolute_url()
    save_job(client, job)
    assert SavedJob.objects.filter(va=va, job=job).count() == 1
    saved = client.get(reverse("directory:saved")).content.decode()
    assert "Sort the shop invoices" in saved
    page = client.get(job.get_absolute_url()).content.decode()
    assert reverse("directory:job_unsave", args=[job.pk]) in page
    client.post(reverse("directory:job_unsave", args=[job.pk]))
    assert not SavedJob.objects.exists()


def test_a_va_saves_a_task_from_a_board_card_and_stays_on_the_board(client, va, client_user):
    job = JobFactory(client=client_user, title="Sort the shop invoices")
    other = JobFactory(client=client_user, title="Answer the shop's emails")
    client.force_login(va)
    board = client.get("/jobs/?sort=newest").content.decode()
    assert "<!--save-task" not in board
    assert board.count("Save task") == 2
    assert reverse("directory:job_save", args=[job.pk]) in board
    assert 'name="next" value="/jobs/?sort=newest"' in board
    response = save_job(client, job, next="/jobs/?sort=newest")
    assert response["Location"] == "/jobs/?sort=newest"
    board = client.get("/jobs/?sort=newest").content.decode()
    # Each card says what this VA did with it: the cached cards are the same for everyone.
    assert reverse("directory:job_unsave", args=[job.pk]) in board
    assert reverse("directory:job_save", args=[other.pk]) in board
    assert board.count("Save task") == 1 and "Remove from saved" in board


def test_clients_and_visitors_get_board_cards_without_save_buttons(client, client_user):
    JobFactory(title="Sort the shop invoices")
    client.get("/jobs/")  # cache the cards as an anonymous visitor sees them
    for who in (None, client_user):
        if who:
            client.force_login(who)
        board = client.get("/jobs/").content.decode()
        assert "Sort the shop invoices" in board
        assert "Save task" not in board and "<!--save-task" not in board


def test_a_va_who_also_hires_gets_no_save_button_on_their_own_task(client, va):
    from accounts import services as account_services

    account_services.role_enable(user=va, role="client")
    mine = JobFactory(client=va, title="My own task")
    theirs = JobFactory(title="Someone else's task")
    client.force_login(va)
    board = client.get("/jobs/").content.decode()
    assert reverse("directory:job_save", args=[theirs.pk]) in board
    assert reverse("directory:job_save", args=[mine.pk]) not in board


def test_a_vas_board_reads_the_saved_marks_in_one_query_for_2_tasks_and_for_12(
    client, va, client_user
):
    jobs = [JobFactory(client=client_user) for _ in range(2)]
    SavedJob.objects.create(va=va, job=jobs[0])
    client.force_login(va)
    client.get("/jobs/")  # warm up: session, catalogue
    with CaptureQueriesContext(connection) as few:
        client.get("/jobs/")
    jobs += [JobFactory(client=client_user) for _ in range(10)]
    SavedJob.objects.create(va=va, job=jobs[-1])
    client.get("/jobs/")  # the new cards render once
    with CaptureQueriesContext(connection) as many:
        board = client.get("/jobs/").content.decode()
    assert len(many) == len(few)
    assert board.count("Remove from saved") == 2 and board.count("Save task") == 10


def test_the_dashboards_link_to_the_saved_page(client, client_user, va):
    client.force_login(client_user)
    assert reverse("directory:saved") in client.get(reverse("jobs:mine")).content.decode()
    client.force_login(va)
    assert reverse("directory:saved") in client.get(reverse("bids:mine")).content.decode()


def test_a_saved_task_that_closes_shows_its_status(client, va):
    job = JobFactory(title="Closing soon task")
    client.force_login(va)
    save_job(client, job)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.CLOSED)
    page = client.get(reverse("directory:saved")).content.decode()
    assert "Closing soon task" in page and "Bidding closed" in page


@pytest.mark.parametrize(
    "change",
    [
        {"hidden_at": timezone.now(), "hidden_reason": "scam"},
        {"status": Job.Status.CANCELLED},
        {"status": Job.Status.DRAFT},
    ],
)
def test_a_saved_task_that_is_hidden_later_never_shows_its_title(client, va, change):
    job = JobFactory(title="Secret scam task")
    client.force_login(va)
    save_job(client, job)
    Job.objects.filter(pk=job.pk).update(**change)
    page = client.get(reverse("directory:saved")).content.decode()
    assert "Secret scam task" not in page
    assert "This task is no longer available." in page
    # It can still be removed from the list.
    client.post(reverse("directory:job_unsave", args=[job.pk]))
    assert not SavedJob.objects.exists()


def test_hidden_draft_and_missing_tasks_cannot_be_saved(client, va):
    hidden = JobFactory(hidden_at=timezone.now())
    draft = JobFactory(status=Job.Status.DRAFT, published_at=None)
    client.force_login(va)
    assert save_job(client, hidden).status_code == 404
    assert save_job(client, draft).status_code == 404
    assert client.post(reverse("directory:job_save", args=[999999])).status_code == 404
    assert not SavedJob.objects.exists()


def test_a_client_who_does_not_work_as_a_va_cannot_save_tasks(client, client_user, other_client):
    job = JobFactory(client=other_client)
    client.force_login(client_user)
    assert "Save task" not in client.get(job.get_absolute_url()).content.decode()
    save_job(client, job)
    assert not SavedJob.objects.exists()
    assert "Switch on working as a VA to save tasks." in client.get("/vas/").content.decode()


def test_the_saved_page_needs_a_sign_in(client):
    response = client.get(reverse("directory:saved"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_saved_page_shows_the_latest_saves_and_says_when_there_are_more(
    client, va, monkeypatch
):
    monkeypatch.setattr("directory.views.SAVED_SHOWN", 2)
    jobs = [JobFactory(title=f"Saved task {i}") for i in range(3)]
    client.force_login(va)
    for job in jobs:
        save_job(client, job)
    client.get("/")  # shows (and so drops) the "saved" messages
    page = client.get(reverse("directory:saved")).content.decode()
    assert "Saved task 2" in page and "Saved task 1" in page and "Saved task 0" not in page
    assert "Showing the 2 tasks you saved most recently." in page
