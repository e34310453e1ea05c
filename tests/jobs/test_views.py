"""Job pages and who may see them: owner, other client, VA, anonymous, staff."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bids.models import Bid
from contracts.models import Contract
from jobs.models import Job, JobAttachment
from tests.factories import BidFactory, ClientFactory, HourlyJobFactory, JobFactory
from tests.jobs.factories import post_data as _post_data

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _login(client, user):
    if user is not None:
        client.force_login(user)


@pytest.fixture
def people(client_user, other_client, va, staff):
    return {
        "owner": client_user,
        "other_client": other_client,
        "va": va,
        "staff": staff,
        "anonymous": None,
    }


# --- detail ------------------------------------------------------------------------------


def test_an_open_task_shows_its_rate_manual_and_bid_count(client, client_user):
    job = JobFactory(client=client_user, max_rate=Decimal("150000"), bid_count=4)
    job.manual_versions.update(body="## Steps\n\n**Sort** the files. <script>alert(1)</script>")
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "up to Rp 150,000 per task" in html
    assert "<strong>Sort</strong>" in html
    assert "<script>alert(1)" not in html
    assert "Folders per year" in html  # checklist
    assert "4 bids so far" in html
    assert "Tasks posted" in html and "Hires made" in html


def test_an_hourly_rate_reads_per_hour_in_indonesian(client, client_user):
    job = HourlyJobFactory(client=client_user, max_rate=Decimal("12.50"))
    client.cookies["django_language"] = "id"
    assert "$12,50" in client.get(f"/jobs/{job.pk}/").content.decode()


def test_an_hourly_rate_reads_per_hour(client, client_user):
    job = HourlyJobFactory(client=client_user, max_rate=Decimal("12.50"))
    assert "up to $12.50 / hour" in client.get(f"/jobs/{job.pk}/").content.decode()


def test_anonymous_visitors_are_asked_to_sign_in_to_bid(client, client_user):
    job = JobFactory(client=client_user)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Sign in to bid" in html
    assert "/accounts/login/?next=" in html


def test_the_client_facts_count_posted_jobs(client, client_user):
    job = JobFactory(client=client_user)
    JobFactory(client=client_user)
    JobFactory(client=client_user, status=Job.Status.DRAFT, published_at=None)
    response = client.get(f"/jobs/{job.pk}/")
    assert response.context["client_facts"]["posted"] == 2
    assert response.context["client_facts"]["hires"] == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("staff", 200), ("other_client", 404), ("va", 404), ("anonymous", 404)],
)
@pytest.mark.parametrize("job_status", ["draft", "cancelled"])
def test_drafts_and_cancelled_tasks_are_404_to_everyone_but_owner_and_staff(
    client, people, who, status, job_status
):
    job = JobFactory(client=people["owner"], status=job_status)
    _login(client, people[who])
    assert client.get(f"/jobs/{job.pk}/").status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("staff", 200), ("other_client", 404), ("va", 404), ("anonymous", 404)],
)
def test_a_hidden_task_is_404_to_everyone_but_owner_and_staff(client, people, who, status):
    job = JobFactory(client=people["owner"], hidden_at=timezone.now())
    _login(client, people[who])
    assert client.get(f"/jobs/{job.pk}/").status_code == status


def test_the_detail_page_makes_a_flat_number_of_queries(client, client_user, va, cold_pages):
    from tests.factories import SkillFactory

    job = JobFactory(client=client_user)
    client.force_login(va)
    client.get(f"/jobs/{job.pk}/")  # warm up: the category and skill names digest
    cold_pages()
    with CaptureQueriesContext(connection) as few:
        client.get(f"/jobs/{job.pk}/")
    job.skills.set([SkillFactory(name=f"Skill {i}") for i in range(8)])
    for _ in range(6):
        JobFactory(client=client_user)
    cold_pages()
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/jobs/{job.pk}/")
    assert response.status_code == 200
    assert len(many) == len(few)
    # Rendered before: the job's state (with its manual and the client's facts) only.
    with CaptureQueriesContext(connection) as warm:
        assert client.get(f"/jobs/{job.pk}/").status_code == 200
    # And the signed-in user, and (for a VA) whether they saved the task (the save button)
    # and their invitation to it, if any (the "Invited" notice, issue 21).
    assert len(warm) == 4


# --- posting -----------------------------------------------------------------------------


def test_anonymous_visitors_must_sign_in_to_post(client, db):
    response = client.get("/jobs/new/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_va_is_offered_to_switch_on_hiring(client, va):
    client.force_login(va)
    response = client.post("/jobs/new/", _post_data())
    assert response.status_code == 200
    assert "jobs/become_client.html" in [t.name for t in response.templates]
    assert f'action="{reverse("accounts:role_enable")}"' in response.content.decode()
    assert not Job.objects.exists()


def test_a_client_posts_previews_and_publishes(client, client_user):
    client.force_login(client_user)
    response = client.post("/jobs/new/", _post_data())
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/preview/"
    assert job.status == Job.Status.DRAFT
    preview = client.get(f"/jobs/{job.pk}/preview/")
    html = preview.content.decode()
    assert "exactly how VAs will see your task" in html
    assert "up to Rp 150,000 per task" in html
    assert "Receipts entered" in html
    assert "jobs/includes/job_body.html" in [t.name for t in preview.templates]
    response = client.post(f"/jobs/{job.pk}/publish/")
    assert response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == Job.Status.OPEN
    assert job.title in client.get("/jobs/").content.decode()


def test_the_detail_page_and_preview_share_the_partial(client, client_user):
    job = JobFactory(client=client_user)
    client.force_login(client_user)
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/preview/"):
        assert "jobs/includes/job_body.html" in [t.name for t in client.get(url).templates]


@pytest.mark.parametrize("who", ["other_client", "va", "anonymous"])
def test_outsiders_cannot_preview_edit_or_write_the_manual(client, people, who):
    job = JobFactory(client=people["owner"], status=Job.Status.DRAFT)
    _login(client, people[who])
    expected = 302 if who == "anonymous" else 404
    for url in ("preview", "edit", "manual"):
        assert client.get(f"/jobs/{job.pk}/{url}/").status_code == expected
    for action in ("publish", "close", "reopen", "cancel", "complete"):
        assert client.post(f"/jobs/{job.pk}/{action}/").status_code == expected
    job.refresh_from_db()
    assert job.status == Job.Status.DRAFT


def test_status_moves_need_a_post(client, client_user):
    job = JobFactory(client=client_user)
    client.force_login(client_user)
    assert client.get(f"/jobs/{job.pk}/close/").status_code == 405


def test_an_illegal_move_shows_its_message(client, client_user):
    job = JobFactory(client=client_user, status=Job.Status.HIRED)
    client.force_login(client_user)
    response = client.post(f"/jobs/{job.pk}/cancel/", follow=True)
    assert "cannot be cancelled" in response.content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.HIRED


def test_close_reopen_and_cancel_from_my_tasks(client, client_user):
    job = JobFactory(client=client_user)
    client.force_login(client_user)
    response = client.post(f"/jobs/{job.pk}/close/", {"next": "mine"})
    assert response["Location"] == "/jobs/mine/"
    job.refresh_from_db()
    assert job.status == Job.Status.CLOSED
    client.post(f"/jobs/{job.pk}/reopen/", {"next": "mine"})
    job.refresh_from_db()
    assert job.status == Job.Status.OPEN
    client.post(f"/jobs/{job.pk}/cancel/", {"next": "mine"})
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED


def test_staff_may_preview_and_edit_any_task(client, client_user, staff):
    job = JobFactory(client=client_user, status=Job.Status.DRAFT)
    client.force_login(staff)
    assert client.get(f"/jobs/{job.pk}/preview/").status_code == 200
    assert client.get(f"/jobs/{job.pk}/edit/").status_code == 200


# --- editing -----------------------------------------------------------------------------


def test_the_owner_edits_a_task(client, client_user):
    job = JobFactory(client=client_user)
    client.force_login(client_user)
    response = client.post(
        f"/jobs/{job.pk}/edit/",
        _post_data(title="Organise our shared drive, again", max_rate="600000"),
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.title == "Organise our shared drive, again"
    assert job.max_rate == Decimal("600000")


def test_saving_the_form_unchanged_keeps_the_closing_soon_notice_sent(client, client_user):
    closes = timezone.now() + timedelta(hours=20, seconds=17)
    job = JobFactory(client=client_user, closes_at=closes, closing_soon_notified_at=timezone.now())
    client.force_login(client_user)
    page = client.get(f"/jobs/{job.pk}/edit/").content.decode()
    # What the browser sends back: the field's value as the page shows it (the client's
    # time zone, to the minute).
    shown = re.search(r'name="closes_at" value="([^"]+)"', page).group(1)
    client.post(
        f"/jobs/{job.pk}/edit/",
        _post_data(
            closes_at=shown,
            category=str(job.category_id),
            max_rate="500000",
        ),
    )
    job.refresh_from_db()
    assert job.closes_at == closes
    assert job.closing_soon_notified_at is not None


def test_the_edit_form_locks_pay_type_and_currency_once_bid_on(client, client_user, va):
    job = JobFactory(client=client_user)
    BidFactory(job=job, va=va)
    client.force_login(client_user)
    form = client.get(f"/jobs/{job.pk}/edit/").context["form"]
    assert form.fields["pay_type"].disabled and form.fields["currency"].disabled
    # A tampered POST cannot change them: disabled fields keep the saved values.
    client.post(
        f"/jobs/{job.pk}/edit/",
        _post_data(currency="USD", pay_type="hourly", max_rate="450000", hours_per_week="5"),
    )
    job.refresh_from_db()
    assert (job.currency, job.pay_type, job.max_rate) == ("IDR", "fixed", Decimal("450000"))


def test_editing_the_manual_after_bids_makes_a_new_version(client, client_user, va):
    job = JobFactory(client=client_user)
    BidFactory(job=job, va=va)
    client.force_login(client_user)
    response = client.post(
        f"/jobs/{job.pk}/manual/", {"body": "New steps", "checklist": "One\n\nTwo"}, follow=True
    )
    assert "Saved as version 2" in response.content.decode()
    assert job.current_manual.number == 2
    assert job.current_manual.checklist == [{"text": "One"}, {"text": "Two"}]


# --- attachments -------------------------------------------------------------------------


def _attach(client, job, name="brief.pdf", content=PDF_BYTES):
    return client.post(
        f"/jobs/{job.pk}/manual/attachments/",
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )


def test_the_owner_attaches_a_pdf_and_outsiders_get_404(client, people):
    job = JobFactory(client=people["owner"])
    client.force_login(people["owner"])
    assert _attach(client, job).status_code == 302
    item = JobAttachment.objects.get()
    assert (item.original_name, item.content_type) == ("brief.pdf", "application/pdf")
    url = f"/jobs/{job.pk}/attachments/{item.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["X-Content-Type-Options"] == "nosniff"
    for who, status in [("staff", 200), ("other_client", 404), ("va", 404), ("anonymous", 404)]:
        client.logout()
        _login(client, people[who])
        assert client.get(url).status_code == status, who


def test_the_hired_va_may_open_attachments(client, client_user, va, other_va):
    job = JobFactory(client=client_user, status=Job.Status.HIRED)
    bid = BidFactory(job=job, va=va)
    Contract.objects.create(
        job=job,
        bid=bid,
        client=client_user,
        va=va,
        rate=bid.amount,
        pay_type="fixed",
        currency="IDR",
    )
    client.force_login(client_user)
    _attach(client, job)
    item = JobAttachment.objects.get()
    client.force_login(va)
    assert client.get(f"/jobs/{job.pk}/attachments/{item.pk}/").status_code == 200
    assert "brief.pdf" in client.get(f"/jobs/{job.pk}/").content.decode()
    client.force_login(other_va)
    assert client.get(f"/jobs/{job.pk}/attachments/{item.pk}/").status_code == 404


def test_an_html_file_is_refused_next_to_the_field(client, client_user):
    job = JobFactory(client=client_user)
    client.force_login(client_user)
    response = _attach(client, job, name="page.pdf", content=b"<html><script>x</script></html>")
    assert response.status_code == 400
    assert "file" in response.context["attachment_form"].errors
    assert not JobAttachment.objects.exists()


def test_the_owner_removes_an_attachment(client, client_user, other_client):
    job = JobFactory(client=client_user)
    client.force_login(client_user)
    _attach(client, job)
    item = JobAttachment.objects.get()
    client.force_login(other_client)
    assert client.post(f"/jobs/{job.pk}/attachments/{item.pk}/delete/").status_code == 404
    client.force_login(client_user)
    client.post(f"/jobs/{job.pk}/attachments/{item.pk}/delete/")
    assert not JobAttachment.objects.exists()


# --- my tasks ----------------------------------------------------------------------------


def test_my_tasks_lists_only_mine_with_new_bids_since_last_visit(client, client_user, va, other_va):
    from jobs.services import job_mark_bids_seen

    mine = JobFactory(client=client_user, title="My task", bid_count=2)
    JobFactory(title="Someone else's task")
    BidFactory(job=mine, va=va)
    job_mark_bids_seen(job=mine)
    newer = BidFactory(job=mine, va=other_va)
    Bid.objects.filter(pk=newer.pk).update(created_at=timezone.now() + timedelta(minutes=1))
    client.force_login(client_user)
    response = client.get("/jobs/mine/")
    jobs = list(response.context["page"].object_list)
    assert [j.title for j in jobs] == ["My task"]
    assert jobs[0].new_bids == 1
    assert "1 new" in response.content.decode()


def test_my_tasks_filters_by_status(client, client_user):
    JobFactory(client=client_user, title="Open one")
    JobFactory(client=client_user, title="Draft one", status=Job.Status.DRAFT)
    client.force_login(client_user)
    response = client.get("/jobs/mine/", {"status": "draft"})
    assert [j.title for j in response.context["page"].object_list] == ["Draft one"]


def test_my_tasks_makes_the_same_number_of_queries_for_few_and_many(client, client_user, va):
    client.force_login(client_user)
    JobFactory(client=client_user)
    with CaptureQueriesContext(connection) as few:
        client.get("/jobs/mine/")
    for _ in range(10):
        BidFactory(job=JobFactory(client=client_user), va=va)
    with CaptureQueriesContext(connection) as many:
        client.get("/jobs/mine/")
    assert len(many) == len(few)


def test_my_tasks_needs_a_sign_in(client, db):
    assert client.get("/jobs/mine/").status_code == 302


def test_the_board_is_public(client, db):
    ClientFactory()
    assert client.get("/jobs/").status_code == 200


def test_a_signed_in_va_sees_bid_and_report_links_but_the_owner_does_not(client, client_user, va):
    job = JobFactory(client=client_user)
    client.force_login(va)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="{reverse("bids:submit", args=[job.pk])}"' in html
    assert f'href="{reverse("moderation:report_job", args=[job.pk])}"' in html
    client.force_login(client_user)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Bid on this task" not in html
    assert "Report this task" not in html
    assert "Close bidding" in html  # the owner's actions instead


@pytest.mark.parametrize("status", ["hired", "completed", "cancelled"])
def test_a_finished_task_sends_the_owner_back_with_a_message(client, client_user, status):
    job = JobFactory(client=client_user, status=status)
    client.force_login(client_user)
    for page in ("edit", "manual"):
        response = client.get(f"/jobs/{job.pk}/{page}/", follow=True)
        assert response.redirect_chain[-1][0] == f"/jobs/{job.pk}/"
        assert "can no longer be edited" in response.content.decode()
