"""Bid pages: the form, sealed bids (404 for everyone else, URL guessing too), review, my bids."""

import uuid
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bids import services
from bids.models import Bid, Interview
from jobs.models import Job
from tests.bids import files
from tests.bids.helpers import pdf_upload, png_upload, terms
from tests.factories import BidFactory, HourlyJobFactory, JobFactory, VAFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(client_user):
    return JobFactory(client=client_user, title="Sort our invoices")


@pytest.fixture
def bid(job, va):
    """Vina's bid with a PDF and a PNG sample."""
    return services.bid_submit(
        job=job, va=va, terms=terms(job), uploads=pdf_upload() + png_upload()
    )


def form_data(job, **overrides):
    data = {
        "amount": "450000",
        "cover_letter": "I have organised shared drives for three small businesses and can start.",
        "delivery_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
        "earliest_start": "",
        "manual_version": str(job.current_manual.number),
        "manual_acknowledged": "on",
    }
    data.update(overrides)
    return data


def post_bid(client, job, files_=None, **overrides):
    data = form_data(job, **overrides)
    if files_ is None:
        files_ = [files.upload("cv.pdf", files.pdf_bytes())]
    data["files"] = files_
    return client.post(reverse("bids:submit", args=[job.pk]), data)


# --- Submitting through the page ------------------------------------------------------------


def test_a_va_bids_with_a_pdf_and_an_image(client, va, job):
    client.force_login(va)
    response = post_bid(
        client,
        job,
        [files.upload("cv.pdf", files.pdf_bytes()), files.upload("shot.png", files.png_bytes())],
    )
    assert response.status_code == 302
    bid = Bid.objects.get()
    assert bid.amount == Decimal("450000")
    assert bid.manual_version.number == 1
    assert sorted(bid.samples.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/png",
    ]


def test_the_form_shows_the_manual_version_to_acknowledge(client, va, job):
    client.force_login(va)
    response = client.get(reverse("bids:submit", args=[job.pk]))
    assert response.status_code == 200
    assert "I have read the task manual (v1)" in response.content.decode()


def test_it_rejects_a_bid_above_the_max_rate_and_shows_the_max(client, va, job):
    client.force_login(va)
    response = post_bid(client, job, amount="500001")
    assert response.status_code == 400
    body = response.content.decode()
    assert "above this task&#x27;s maximum of Rp 500,000" in body
    assert 'value="500001"' in body  # what they typed is kept
    assert not Bid.objects.exists()


@pytest.mark.parametrize(
    "amount, message",
    [
        ("0", "more than zero"),
        ("-5", "Enter the amount as a number"),
        ("100000.5", "Rupiah amounts have no decimals"),
        ("abc", "Enter the amount as a number"),
    ],
)
def test_bad_amounts_are_explained(client, va, job, amount, message):
    client.force_login(va)
    response = post_bid(client, job, amount=amount)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Bid.objects.exists()


def test_an_hourly_form_takes_cents_and_estimated_hours(client, va):
    job = HourlyJobFactory()
    client.force_login(va)
    response = post_bid(client, job, amount="12.345", estimated_hours="10")
    assert "at most 2 decimal places" in response.content.decode()
    response = post_bid(client, job, amount="12.50", estimated_hours="")
    assert response.status_code == 400
    response = post_bid(client, job, amount="12.50", estimated_hours="10")
    assert response.status_code == 302
    assert Bid.objects.get().estimated_hours == Decimal("10")


def test_a_short_cover_letter_and_no_tick_are_refused(client, va, job):
    client.force_login(va)
    data_overrides = {"cover_letter": "Pick me", "manual_acknowledged": ""}
    response = post_bid(client, job, **data_overrides)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Confirm that you have read the task manual." in body
    assert "at least 50 characters" in body
    assert not Bid.objects.exists()


def test_hostile_files_are_refused_with_a_clear_message(client, va, job):
    client.force_login(va)
    response = post_bid(
        client,
        job,
        [
            files.upload("invoice.pdf", files.exe_bytes()),
            files.upload("page.html", files.html_bytes()),
            files.upload("logo.svg", files.svg_bytes()),
            files.upload("cv.pdf", files.pdf_html_polyglot_bytes()),
            files.upload("tiny.png", files.pixel_bomb_png_bytes()),
        ],
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "“invoice.pdf” is not a file type we accept" in body
    assert "“page.html” contains web page code" in body
    assert "“logo.svg” contains web page code" in body
    assert "“cv.pdf” contains web page code" in body
    assert "“tiny.png” has too many pixels" in body
    assert not Bid.objects.exists()


def test_too_many_files_are_refused(client, va, job):
    client.force_login(va)
    response = post_bid(
        client, job, [files.upload(f"f{i}.txt", b"hello there\n") for i in range(6)]
    )
    assert response.status_code == 400
    assert "at most 5 work samples" in response.content.decode()


def test_an_over_size_file_is_refused(client, va, job, settings):
    settings.SAMPLE_MAX_FILE_BYTES = 2000
    client.force_login(va)
    response = post_bid(client, job, [files.upload("big.txt", b"a" * 3000)])
    assert response.status_code == 400
    assert "files may be at most" in response.content.decode()


def test_a_va_edits_and_withdraws_their_bid(client, va, job, bid):
    client.force_login(va)
    response = client.get(reverse("bids:submit", args=[job.pk]))
    assert "Edit your bid" in response.content.decode()
    response = post_bid(client, job, files_=[], amount="420000")
    assert response.status_code == 302
    bid.refresh_from_db()
    assert bid.amount == Decimal("420000")
    response = client.post(reverse("bids:withdraw", args=[job.pk]))
    assert response.status_code == 302
    bid.refresh_from_db()
    assert bid.status == Bid.Status.WITHDRAWN
    response = client.get(reverse("bids:submit", args=[job.pk]))
    assert "Bid again" in response.content.decode()


def test_withdraw_is_post_only(client, va, job, bid):
    client.force_login(va)
    assert client.get(reverse("bids:withdraw", args=[job.pk])).status_code == 405


def test_the_client_sees_why_they_cannot_bid_on_their_own_task(client, client_user, job):
    client.force_login(client_user)
    response = client.get(reverse("bids:submit", args=[job.pk]))
    assert "You cannot bid on your own task." in response.content.decode()


def test_a_closed_task_shows_no_form(client, va, job):
    Job.objects.filter(pk=job.pk).update(status=Job.Status.CLOSED)
    client.force_login(va)
    response = client.get(reverse("bids:submit", args=[job.pk]))
    assert "no longer open" in response.content.decode()
    assert post_bid(client, job).status_code == 400
    assert not Bid.objects.exists()


def test_anonymous_people_are_sent_to_sign_in_to_bid(client, job):
    response = client.get(reverse("bids:submit", args=[job.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_draft_task_is_404_for_vas(client, va, client_user):
    draft = JobFactory(client=client_user, status=Job.Status.DRAFT)
    client.force_login(va)
    assert client.get(reverse("bids:submit", args=[draft.pk])).status_code == 404


# --- Sealed bids: samples ------------------------------------------------------------------


def test_the_va_and_the_client_open_a_sample_with_safe_headers(client, va, client_user, bid):
    pdf = bid.samples.get(content_type="application/pdf")
    for person in (va, client_user):
        client.force_login(person)
        response = client.get(reverse("bids:sample", args=[pdf.pk]))
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == files.pdf_bytes()


def test_a_thumbnail_opens_for_the_parties(client, client_user, bid):
    png = bid.samples.get(content_type="image/png")
    client.force_login(client_user)
    response = client.get(reverse("bids:sample_thumbnail", args=[png.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"


def test_staff_open_samples(client, staff, bid):
    client.force_login(staff)
    sample = bid.samples.first()
    assert client.get(reverse("bids:sample", args=[sample.pk])).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "other_va", "other_client"])
def test_nobody_else_can_open_a_sample_even_by_guessing_its_url(client, request, bid, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    for sample in bid.samples.all():
        assert client.get(reverse("bids:sample", args=[sample.pk])).status_code == 404
        assert client.get(reverse("bids:sample_thumbnail", args=[sample.pk])).status_code == 404
    assert client.get(reverse("bids:sample", args=[uuid.uuid4()])).status_code == 404


# --- Sealed bids: review page and actions ----------------------------------------------------


def test_the_client_compares_bids(client, client_user, job, bid, other_va):
    BidFactory(job=job, va=other_va, amount=Decimal("250000"))
    client.force_login(client_user)
    response = client.get(reverse("bids:review", args=[job.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Vina Assistant" in body and "Wati Other" in body
    assert "80% of your maximum" in body  # 400 000 of 500 000
    assert "50% of your maximum" in body
    assert (
        reverse("bids:sample_thumbnail", args=[bid.samples.get(content_type="image/png").pk])
        in body
    )
    assert body.index("Wati Other") < body.index("Vina Assistant")  # lowest amount first


def test_hourly_bids_show_an_estimated_total(client, client_user, va):
    job = HourlyJobFactory(client=client_user)
    BidFactory(job=job, va=va, amount=Decimal("10.00"), estimated_hours=Decimal("12.5"))
    client.force_login(client_user)
    body = client.get(reverse("bids:review", args=[job.pk])).content.decode()
    assert "$125.00" in body
    assert "80% of your maximum" in body


def test_bids_on_an_older_manual_are_flagged(client, client_user, job, bid):
    from jobs.models import ManualVersion

    ManualVersion.objects.create(job=job, number=2, body="New steps")
    client.force_login(client_user)
    body = client.get(reverse("bids:review", args=[job.pk])).content.decode()
    assert "older than the current version 2" in body


def test_sorting_and_filtering(client, client_user, job, va, other_va):
    older = BidFactory(job=job, va=va, amount=Decimal("100000"))
    Bid.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - timedelta(days=2))
    BidFactory(job=job, va=other_va, amount=Decimal("300000"), status=Bid.Status.SHORTLISTED)
    client.force_login(client_user)
    body = client.get(reverse("bids:review", args=[job.pk]) + "?sort=newest").content.decode()
    assert body.index("Wati Other") < body.index("Vina Assistant")
    body = client.get(
        reverse("bids:review", args=[job.pk]) + "?status=shortlisted"
    ).content.decode()
    assert "Wati Other" in body and "Vina Assistant" not in body


@pytest.mark.parametrize("who", ["anonymous", "va", "other_va", "other_client"])
def test_the_review_page_is_404_for_everyone_but_the_client_and_staff(
    client, request, job, bid, who
):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("bids:review", args=[job.pk])).status_code == 404


def test_staff_can_read_the_review_page_without_the_buttons(client, staff, job, bid):
    client.force_login(staff)
    response = client.get(reverse("bids:review", args=[job.pk]))
    assert response.status_code == 200
    assert reverse("bids:hire", args=[bid.pk]) not in response.content.decode()


def test_a_second_va_never_sees_another_bid_anywhere(client, other_va, job, bid):
    client.force_login(other_va)
    body = client.get(reverse("bids:mine")).content.decode()
    assert "Sort our invoices" not in body
    response = client.get(reverse("bids:submit", args=[job.pk]))
    assert "400,000" not in response.content.decode()
    assert "1 bid so far" in response.content.decode()  # only the count
    for name in ("shortlist", "unshortlist", "reject", "hire"):
        assert client.post(reverse(f"bids:{name}", args=[bid.pk])).status_code == 404
    assert client.get(reverse("bids:interview_propose", args=[bid.pk])).status_code == 404
    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED


def test_the_va_cannot_act_as_the_client_on_their_own_bid(client, va, bid):
    client.force_login(va)
    assert client.post(reverse("bids:hire", args=[bid.pk])).status_code == 404


def test_actions_are_post_only(client, client_user, bid):
    client.force_login(client_user)
    for name in ("shortlist", "unshortlist", "reject", "hire"):
        assert client.get(reverse(f"bids:{name}", args=[bid.pk])).status_code == 405


def test_the_client_shortlists_rejects_and_hires(client, client_user, job, bid, other_va):
    other = BidFactory(job=job, va=other_va)
    third = BidFactory(job=job)
    client.force_login(client_user)
    client.post(reverse("bids:shortlist", args=[bid.pk]))
    assert Bid.objects.get(pk=bid.pk).status == Bid.Status.SHORTLISTED
    client.post(reverse("bids:reject", args=[other.pk]), {"message": "Thanks, not this time."})
    other.refresh_from_db()
    assert other.status == Bid.Status.REJECTED
    assert other.rejection_message == "Thanks, not this time."
    response = client.post(reverse("bids:hire", args=[bid.pk]))
    assert response.status_code == 302
    assert Bid.objects.get(pk=bid.pk).status == Bid.Status.ACCEPTED
    assert Bid.objects.get(pk=third.pk).status == Bid.Status.REJECTED
    assert Job.objects.get(pk=job.pk).status == Job.Status.HIRED


# --- Interviews through the pages -----------------------------------------------------------


def test_the_client_proposes_times_in_their_own_timezone(client, client_user, job, va):
    client_user.timezone = "Asia/Jakarta"
    client_user.save()
    bid = BidFactory(job=job, va=va, status=Bid.Status.SHORTLISTED)
    client.force_login(client_user)
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(
        reverse("bids:interview_propose", args=[bid.pk]),
        {
            "slot_1": f"{day}T10:00",
            "slot_2": f"{day}T15:30",
            "duration_minutes": "30",
            "room": "generated",
        },
    )
    assert response.status_code == 302
    interview = Interview.objects.get()
    first = interview.slots.order_by("starts_at").first().starts_at
    assert first.astimezone(UTC).hour == 3  # 10:00 in Jakarta (UTC+7)
    assert interview.meeting_url.startswith("https://")


def test_a_pasted_link_must_be_https_in_the_form(client, client_user, job, va):
    bid = BidFactory(job=job, va=va, status=Bid.Status.SHORTLISTED)
    client.force_login(client_user)
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(
        reverse("bids:interview_propose", args=[bid.pk]),
        {
            "slot_1": f"{day}T10:00",
            "duration_minutes": "30",
            "room": "link",
            "meeting_url": "http://zoom.example.com/j/1",
        },
    )
    assert response.status_code == 400
    assert "https://" in response.content.decode()
    assert not Interview.objects.exists()


def test_past_times_are_refused_in_the_form(client, client_user, job, va):
    bid = BidFactory(job=job, va=va, status=Bid.Status.SHORTLISTED)
    client.force_login(client_user)
    response = client.post(
        reverse("bids:interview_propose", args=[bid.pk]),
        {"slot_1": "2020-01-01T10:00", "duration_minutes": "30", "room": "generated"},
    )
    assert response.status_code == 400
    assert "Choose a time in the future." in response.content.decode()


@pytest.fixture
def interview(job, va):
    bid = BidFactory(job=job, va=va, status=Bid.Status.SHORTLISTED)
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return services.interview_propose(
        bid=bid, client=job.client, slots=[start, start + timedelta(hours=3)]
    )


def test_each_person_sees_the_times_in_their_own_zone_and_the_others(
    client, va, client_user, interview
):
    va.timezone = "Asia/Makassar"
    va.save()
    client.force_login(va)
    body = client.get(reverse("bids:interview", args=[interview.pk])).content.decode()
    assert "Asia/Makassar" in body and "Asia/Jakarta" in body
    start = interview.slots.first().starts_at
    import zoneinfo

    wita = start.astimezone(zoneinfo.ZoneInfo("Asia/Makassar")).strftime("%H:%M")
    wib = start.astimezone(zoneinfo.ZoneInfo("Asia/Jakarta")).strftime("%H:%M")
    assert wita in body and wib in body and wita != wib


def test_the_va_confirms_a_time_through_the_page(client, va, interview):
    client.force_login(va)
    slot = interview.slots.last()
    response = client.post(
        reverse("bids:interview_confirm", args=[interview.pk]), {"slot": slot.pk}
    )
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.chosen_slot == slot
    ics = client.get(reverse("bids:interview_ics", args=[interview.pk]))
    assert ics.status_code == 200
    assert ics["Content-Type"].startswith("text/calendar")


def test_past_interviews_show_as_done(client, va, interview):
    slot = interview.slots.first()
    Interview.objects.filter(pk=interview.pk).update(
        status=Interview.Status.CONFIRMED, chosen_slot=slot
    )
    type(slot).objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(hours=2))
    client.force_login(va)
    body = client.get(reverse("bids:interview", args=[interview.pk])).content.decode()
    assert "Done" in body
    assert "Reschedule" not in body


def test_the_client_reschedules_through_the_page(client, client_user, interview):
    client.force_login(client_user)
    day = (timezone.localdate() + timedelta(days=4)).isoformat()
    response = client.post(
        reverse("bids:interview_reschedule", args=[interview.pk]),
        {"slot_1": f"{day}T09:00", "duration_minutes": "45", "room": "keep"},
    )
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.ics_sequence == 1
    assert interview.duration_minutes == 45


def test_either_side_cancels(client, va, interview):
    client.force_login(va)
    client.post(reverse("bids:interview_cancel", args=[interview.pk]))
    interview.refresh_from_db()
    assert interview.status == Interview.Status.CANCELLED


@pytest.mark.parametrize("who", ["anonymous", "other_va", "other_client"])
def test_an_interview_is_404_for_outsiders(client, request, interview, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    for name in ("interview", "interview_ics"):
        assert client.get(reverse(f"bids:{name}", args=[interview.pk])).status_code == 404
    for name in ("interview_confirm", "interview_decline", "interview_cancel"):
        response = client.post(reverse(f"bids:{name}", args=[interview.pk]))
        assert response.status_code in (302, 404)
        if who != "anonymous":
            assert response.status_code == 404
    interview.refresh_from_db()
    assert interview.status == Interview.Status.PROPOSED


def test_staff_can_look_at_an_interview_but_not_change_it(client, staff, interview):
    client.force_login(staff)
    assert client.get(reverse("bids:interview", args=[interview.pk])).status_code == 200
    assert client.post(reverse("bids:interview_cancel", args=[interview.pk])).status_code == 404


# --- My bids ---------------------------------------------------------------------------------


def test_my_bids_lists_jobs_amounts_status_and_interview_times(client, va, interview):
    client.force_login(va)
    body = client.get(reverse("bids:mine")).content.decode()
    assert "Sort our invoices" in body
    assert "Rp 400,000" in body
    assert "Times proposed" in body
    assert reverse("bids:submit", args=[interview.bid.job_id]) in body


# --- Query counts ----------------------------------------------------------------------------


def _bids_with_samples(job, count):
    for _ in range(count):
        bid = BidFactory(job=job, va=VAFactory())
        from tests.bids.factories import InterviewFactory, WorkSampleFactory

        WorkSampleFactory(bid=bid)
        Bid.objects.filter(pk=bid.pk).update(status=Bid.Status.SHORTLISTED)
        InterviewFactory(bid=bid)


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_bid_review_queries_do_not_grow_with_the_number_of_bids(
    client, client_user, django_assert_num_queries
):
    """Guards the N+1s on VA profile, samples, interviews and their slots, manual version."""
    few_job = JobFactory(client=client_user)
    many_job = JobFactory(client=client_user)
    _bids_with_samples(few_job, 3)
    _bids_with_samples(many_job, 30)
    client.force_login(client_user)
    few = _count_queries(client, reverse("bids:review", args=[few_job.pk]))
    with django_assert_num_queries(few):
        response = client.get(reverse("bids:review", args=[many_job.pk]))
    from bids import views

    shown = min(30, getattr(views, "REVIEW_PAGE_SIZE", 30))  # the page may be paginated
    assert response.content.decode().count('class="card bid-card"') == shown


def test_my_bids_queries_do_not_grow_with_the_number_of_bids(
    client, django_assert_num_queries, cold_pages
):
    """Guards the N+1s on job and interviews (+ slots) per bid."""
    few_va, many_va = VAFactory(), VAFactory()
    for va, count in ((few_va, 3), (many_va, 20)):
        for _ in range(count):
            bid = BidFactory(va=va, status=Bid.Status.SHORTLISTED)
            from tests.bids.factories import InterviewFactory

            InterviewFactory(bid=bid)
    client.force_login(few_va)
    few = _count_queries(client, reverse("bids:mine"))
    client.force_login(many_va)
    with django_assert_num_queries(few):
        response = client.get(reverse("bids:mine"))
    assert response.content.decode().count("Times proposed") == 20
    # Rendered again from scratch (no cached row): the rows' data in a fixed few queries.
    client.force_login(few_va)
    cold_pages()
    few = _count_queries(client, reverse("bids:mine"))
    client.force_login(many_va)
    cold_pages()
    with django_assert_num_queries(few):
        response = client.get(reverse("bids:mine"))
    assert response.content.decode().count("Times proposed") == 20


def test_opening_the_review_page_marks_the_bids_seen(client, client_user, staff, job, bid):
    client.force_login(staff)
    client.get(reverse("bids:review", args=[job.pk]))
    assert Job.objects.get(pk=job.pk).bids_seen_at is None  # staff looking is not the client
    client.force_login(client_user)
    client.get(reverse("bids:review", args=[job.pk]))
    assert Job.objects.get(pk=job.pk).bids_seen_at is not None
