"""bids.services: every rule about bidding, deciding, interviews and hiring."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import PortfolioItem
from bids import services
from bids.models import Bid, Interview, WorkSample
from contracts.models import Contract
from jobs.models import Job, ManualVersion
from notifications.models import Notification
from tests.bids.helpers import pdf_upload, png_upload, terms
from tests.factories import BidFactory, HourlyJobFactory, JobFactory, VAFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(client_user):
    return JobFactory(client=client_user)


@pytest.fixture
def hourly_job(client_user):
    return HourlyJobFactory(client=client_user)


def submit(job, va, **overrides):
    uploads = overrides.pop("uploads", None)
    portfolio_items = overrides.pop("portfolio_items", [])
    return services.bid_submit(
        job=job,
        va=va,
        terms=terms(job, **overrides),
        uploads=pdf_upload() if uploads is None else uploads,
        portfolio_items=portfolio_items,
    )


def messages_of(exc_info) -> str:
    return " ".join(exc_info.value.messages)


# --- Submitting ----------------------------------------------------------------------------


def test_a_va_bids_on_an_open_task_and_the_client_is_told(job, va):
    bid = submit(job, va)
    assert bid.status == Bid.Status.SUBMITTED
    assert bid.manual_version == job.current_manual
    assert bid.samples.count() == 1
    job.refresh_from_db()
    assert job.bid_count == 1
    note = Notification.objects.get(kind="bid_submitted")
    assert note.recipient == job.client
    assert note.data == {
        "url": f"/jobs/{job.pk}/bids/",
        "title": job.title,
        "amount": "400000",
        "currency": "IDR",
        "va_name": "Vina Assistant",
    }


def test_samples_are_stored_under_generated_keys_with_a_thumbnail_for_images(job, va):
    bid = submit(job, va, uploads=pdf_upload("my cv.pdf") + png_upload("shot.png"))
    pdf, png = sorted(bid.samples.all(), key=lambda s: s.content_type)
    assert pdf.original_name == "my cv.pdf"
    assert "cv" not in pdf.file.name and pdf.file.name.startswith("samples/")
    assert not pdf.thumbnail
    assert png.thumbnail.name.startswith("thumbs/")
    assert len(png.sha256) == 64


@pytest.mark.parametrize(
    "amount, message",
    [
        (Decimal("0"), "more than zero"),
        (Decimal("-1"), "more than zero"),
        (Decimal("500001"), "above this task's maximum of Rp 500,000"),
        (Decimal("100.5"), "Rupiah amounts have no decimals"),
    ],
)
def test_it_rejects_bad_amounts_in_rupiah(job, va, amount, message):
    with pytest.raises(ValidationError) as exc:
        submit(job, va, amount=amount)
    assert message in messages_of(exc)
    assert not Bid.objects.exists()


def test_it_accepts_a_bid_of_exactly_the_max_rate(job, va):
    assert submit(job, va, amount=Decimal("500000")).amount == Decimal("500000")


@pytest.mark.parametrize(
    "amount, ok",
    [
        (Decimal("12.50"), True),
        (Decimal("12.51"), False),
        (Decimal("0.01"), True),
        (Decimal("0.00"), False),
        (Decimal("10.125"), False),
    ],
)
def test_dollar_amounts_have_cents_up_to_the_max(hourly_job, va, amount, ok):
    if ok:
        assert services.validate_bid_amount(amount, hourly_job) == amount
    else:
        with pytest.raises(ValidationError):
            services.validate_bid_amount(amount, hourly_job)


def test_too_many_decimals_gets_a_clear_message(hourly_job):
    with pytest.raises(ValidationError) as exc:
        services.validate_bid_amount(Decimal("10.125"), hourly_job)
    assert "at most 2 decimal places" in messages_of(exc)


def test_the_client_cannot_bid_on_their_own_task(job, client_user):
    client_user.is_va = True
    client_user.save()
    with pytest.raises(ValidationError) as exc:
        submit(job, client_user)
    assert "your own task" in messages_of(exc)


def test_a_suspended_va_cannot_bid(job, suspended):
    with pytest.raises(ValidationError) as exc:
        submit(job, suspended)
    assert "suspended" in messages_of(exc)


def test_a_client_only_account_cannot_bid(job, other_client):
    with pytest.raises(ValidationError) as exc:
        submit(job, other_client)
    assert "Only VA accounts" in messages_of(exc)


@pytest.mark.parametrize("status", [Job.Status.CLOSED, Job.Status.HIRED, Job.Status.DRAFT])
def test_it_refuses_a_bid_on_a_task_that_is_not_open(job, va, status):
    Job.objects.filter(pk=job.pk).update(status=status)
    job.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        submit(job, va)
    assert "no longer open" in messages_of(exc)


def test_it_sees_a_close_that_happened_after_the_page_was_loaded(job, va):
    Job.objects.filter(pk=job.pk).update(status=Job.Status.CLOSED)  # job object is stale
    with pytest.raises(ValidationError):
        submit(job, va)
    assert not Bid.objects.exists()


def test_it_refuses_a_bid_on_a_hidden_task(job, va):
    Job.objects.filter(pk=job.pk).update(hidden_at=timezone.now())
    job.refresh_from_db()
    with pytest.raises(ValidationError):
        submit(job, va)


def test_it_refuses_a_bid_after_the_closing_time(job, va):
    Job.objects.filter(pk=job.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    job.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        submit(job, va)
    assert "closed" in messages_of(exc)


def test_a_cover_letter_needs_some_substance(job, va):
    with pytest.raises(ValidationError) as exc:
        submit(job, va, cover_letter="Hire me!")
    assert "at least 50 characters" in messages_of(exc)


def test_an_hourly_bid_needs_estimated_hours(hourly_job, va):
    with pytest.raises(ValidationError) as exc:
        submit(hourly_job, va, estimated_hours=None)
    assert "how many hours" in messages_of(exc)


def test_a_per_task_bid_needs_a_delivery_date_not_in_the_past(job, va):
    with pytest.raises(ValidationError):
        submit(job, va, delivery_date=None)
    with pytest.raises(ValidationError) as exc:
        submit(job, va, delivery_date=timezone.localdate() - timedelta(days=1))
    assert "past" in messages_of(exc)


def test_the_manual_must_be_acknowledged(job, va):
    with pytest.raises(ValidationError) as exc:
        submit(job, va, manual_acknowledged=False)
    assert "task manual" in messages_of(exc)


def test_a_manual_version_of_another_job_is_refused(job, va):
    other = JobFactory()
    with pytest.raises(ValidationError):
        submit(job, va, manual_version=other.current_manual)


def test_a_second_bid_by_the_same_va_is_refused_kindly(job, va):
    submit(job, va)
    with pytest.raises(ValidationError) as exc:
        submit(job, va)
    assert "already bid" in messages_of(exc)
    assert Bid.objects.count() == 1


def test_a_bid_needs_at_least_one_sample(job, va):
    with pytest.raises(ValidationError) as exc:
        submit(job, va, uploads=[])
    assert "at least one work sample" in messages_of(exc)


def test_a_bid_has_at_most_five_samples(job, va):
    uploads = pdf_upload() * 6
    with pytest.raises(ValidationError) as exc:
        submit(job, va, uploads=uploads)
    assert "at most 5 work samples" in messages_of(exc)
    assert not WorkSample.objects.exists()


def test_samples_together_stay_under_the_per_bid_limit(job, va, settings):
    settings.SAMPLE_MAX_BID_BYTES = 1500
    with pytest.raises(ValidationError) as exc:
        submit(job, va, uploads=pdf_upload() + pdf_upload())
    assert "a bid may carry at most" in messages_of(exc)


def test_a_va_can_attach_their_own_portfolio_items(job, va):
    item = PortfolioItem.objects.create(
        profile=va.va_profile, title="Drive clean-up", link="https://example.com/case"
    )
    bid = submit(job, va, uploads=[], portfolio_items=[item])
    sample = bid.samples.get()
    assert sample.portfolio_item == item
    assert sample.link == "https://example.com/case"


def test_a_va_cannot_attach_someone_elses_portfolio_item(job, va, other_va):
    item = PortfolioItem.objects.create(
        profile=other_va.va_profile, title="Not mine", link="https://example.com/x"
    )
    with pytest.raises(ValidationError) as exc:
        submit(job, va, uploads=[], portfolio_items=[item])
    assert "your own portfolio" in messages_of(exc)


# --- Editing, withdrawing, resubmitting ---------------------------------------------------


def test_a_va_edits_an_undecided_bid_and_the_client_is_told(job, va):
    bid = submit(job, va)
    first = bid.samples.get()
    services.bid_edit(
        bid=bid,
        va=va,
        terms=terms(job, amount=Decimal("350000")),
        uploads=png_upload(),
        remove_sample_ids=[first.pk],
    )
    bid.refresh_from_db()
    assert bid.amount == Decimal("350000")
    assert [s.content_type for s in bid.samples.all()] == ["image/png"]
    assert Notification.objects.filter(kind="bid_edited", recipient=job.client).exists()


def test_a_rejected_bid_cannot_be_edited(job, va):
    bid = submit(job, va)
    services.bid_reject(bid=bid, client=job.client)
    with pytest.raises(ValidationError):
        services.bid_edit(bid=bid, va=va, terms=terms(job))


def test_a_bid_cannot_be_edited_once_bidding_closed(job, va):
    bid = submit(job, va)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.CLOSED)
    with pytest.raises(ValidationError):
        services.bid_edit(bid=bid, va=va, terms=terms(job))


def test_only_the_va_edits_their_bid(job, va, other_va):
    bid = submit(job, va)
    with pytest.raises(ValidationError):
        services.bid_edit(bid=bid, va=other_va, terms=terms(job))


def test_withdraw_and_resubmit_keep_the_bid_count_right(job, va, other_va):
    bid = submit(job, va)
    submit(job, other_va)
    services.bid_withdraw(bid=bid, va=va)
    job.refresh_from_db()
    bid.refresh_from_db()
    assert bid.status == Bid.Status.WITHDRAWN
    assert job.bid_count == 1
    assert Notification.objects.filter(kind="bid_withdrawn", recipient=job.client).exists()

    again = submit(job, va, uploads=[], amount=Decimal("300000"))  # old sample kept
    job.refresh_from_db()
    assert again.pk == bid.pk
    assert again.status == Bid.Status.SUBMITTED
    assert again.amount == Decimal("300000")
    assert job.bid_count == 2
    assert Notification.objects.filter(kind="bid_submitted", recipient=job.client).count() == 3


def test_a_hired_bid_cannot_be_withdrawn(job, va):
    bid = submit(job, va)
    services.bid_hire(bid=bid, client=job.client)
    with pytest.raises(ValidationError):
        services.bid_withdraw(bid=bid, va=va)


# --- Client decisions -----------------------------------------------------------------------


def test_shortlist_unshortlist_and_reject_with_a_message(job, va):
    bid = BidFactory(job=job, va=va)
    services.bid_shortlist(bid=bid, client=job.client)
    assert Bid.objects.get(pk=bid.pk).status == Bid.Status.SHORTLISTED
    assert Notification.objects.filter(kind="bid_shortlisted", recipient=va).exists()
    services.bid_unshortlist(bid=bid, client=job.client)
    assert Bid.objects.get(pk=bid.pk).status == Bid.Status.SUBMITTED
    services.bid_reject(bid=bid, client=job.client, message="We chose someone local.")
    bid.refresh_from_db()
    assert bid.status == Bid.Status.REJECTED
    assert bid.rejection_message == "We chose someone local."
    note = Notification.objects.get(kind="bid_rejected")
    assert note.data["message"] == "We chose someone local."


def test_only_the_tasks_client_decides(job, va, other_client):
    bid = BidFactory(job=job, va=va)
    for action in (services.bid_shortlist, services.bid_reject, services.bid_hire):
        with pytest.raises(ValidationError):
            action(bid=bid, client=other_client)
    assert Bid.objects.get(pk=bid.pk).status == Bid.Status.SUBMITTED


def test_hiring_accepts_one_bid_rejects_the_rest_and_creates_the_contract(hourly_job, va):
    job = hourly_job
    ManualVersion.objects.create(job=job, number=2, body="Version two", checklist=[{"text": "x"}])
    bid = BidFactory(job=job, va=va, amount=Decimal("11.00"), estimated_hours=Decimal("40"))
    others = [BidFactory(job=job, amount=Decimal("9.00")) for _ in range(3)]
    withdrawn = BidFactory(job=job, status=Bid.Status.WITHDRAWN, amount=Decimal("9.00"))

    contract = services.bid_hire(bid=bid, client=job.client)

    job.refresh_from_db()
    assert job.status == Job.Status.HIRED
    assert Bid.objects.get(pk=bid.pk).status == Bid.Status.ACCEPTED
    assert set(
        Bid.objects.filter(pk__in=[o.pk for o in others]).values_list("status", flat=True)
    ) == {Bid.Status.REJECTED}
    assert Bid.objects.get(pk=withdrawn.pk).status == Bid.Status.WITHDRAWN
    assert contract.rate == Decimal("11.00")
    assert contract.va == va and contract.client == job.client
    assert contract.pay_type == "hourly" and contract.currency == "USD"
    assert contract.weekly_hour_cap == Decimal("10")
    assert contract.manual_version.number == 2
    assert contract.manual_snapshot_body == "Version two"
    assert contract.manual_snapshot_checklist == [{"text": "x"}]
    assert Notification.objects.get(kind="bid_hired").recipient == va
    assert set(
        Notification.objects.filter(kind="job_filled").values_list("recipient", flat=True)
    ) == {o.va_id for o in others}


def test_a_job_is_hired_only_once(job, va, other_va):
    first = BidFactory(job=job, va=va)
    second = BidFactory(job=job, va=other_va)
    services.bid_hire(bid=first, client=job.client)
    with pytest.raises(ValidationError):
        services.bid_hire(bid=second, client=job.client)
    assert Contract.objects.count() == 1


def test_nobody_can_bid_once_the_task_is_hired(job, va, other_va):
    services.bid_hire(bid=BidFactory(job=job, va=va), client=job.client)
    with pytest.raises(ValidationError) as exc:
        submit(job, other_va)
    assert "no longer open" in messages_of(exc)


# --- Interviews ---------------------------------------------------------------------------


def future(hours: int):
    return (timezone.now() + timedelta(hours=hours)).replace(microsecond=0)


@pytest.fixture
def shortlisted(job, va):
    return BidFactory(job=job, va=va, status=Bid.Status.SHORTLISTED)


def test_an_interview_needs_a_shortlisted_bid(job, va):
    bid = BidFactory(job=job, va=va)
    with pytest.raises(ValidationError) as exc:
        services.interview_propose(bid=bid, client=job.client, slots=[future(30)])
    assert "Shortlist" in messages_of(exc)


def test_a_generated_room_is_private_and_unguessable(shortlisted, settings):
    settings.VIDEO_ROOM_BASE_URL = "https://video.example.org"
    interview = services.interview_propose(
        bid=shortlisted, client=shortlisted.job.client, slots=[future(30), future(54)]
    )
    assert interview.meeting_url.startswith("https://video.example.org/Asisten-")
    assert len(interview.meeting_url.rsplit("-", 1)[-1]) >= 16 or len(interview.meeting_url) > 50
    assert services.new_video_room_url() != services.new_video_room_url()
    assert interview.slots.count() == 2
    note = Notification.objects.get(kind="interview_proposed")
    assert note.recipient == shortlisted.va
    assert note.data["url"] == f"/interviews/{interview.pk}/"


def test_a_pasted_link_must_be_https(shortlisted):
    with pytest.raises(ValidationError):
        services.interview_propose(
            bid=shortlisted,
            client=shortlisted.job.client,
            slots=[future(30)],
            meeting_url="http://zoom.example.com/j/1",
        )
    interview = services.interview_propose(
        bid=shortlisted,
        client=shortlisted.job.client,
        slots=[future(30)],
        meeting_url="https://zoom.example.com/j/1",
    )
    assert interview.meeting_url == "https://zoom.example.com/j/1"


@pytest.mark.parametrize("slots", [[], "past", "four"])
def test_interview_times_are_one_to_three_future_times(shortlisted, slots):
    if slots == "past":
        slots = [timezone.now() - timedelta(hours=1)]
    elif slots == "four":
        slots = [future(h) for h in (10, 20, 30, 40)]
    with pytest.raises(ValidationError):
        services.interview_propose(bid=shortlisted, client=shortlisted.job.client, slots=slots)


def test_the_va_confirms_one_time_and_both_are_told(shortlisted, va):
    interview = services.interview_propose(
        bid=shortlisted, client=shortlisted.job.client, slots=[future(30), future(54)]
    )
    slot = interview.slots.last()
    with pytest.raises(ValidationError):
        services.interview_confirm(
            interview=interview, user=shortlisted.job.client, slot_id=slot.pk
        )
    services.interview_confirm(interview=interview, user=va, slot_id=slot.pk)
    interview.refresh_from_db()
    assert interview.status == Interview.Status.CONFIRMED
    assert interview.chosen_slot == slot
    assert set(
        Notification.objects.filter(kind="interview_confirmed").values_list("recipient", flat=True)
    ) == {
        va.pk,
        shortlisted.job.client_id,
    }


def test_the_va_declines(shortlisted, va):
    interview = services.interview_propose(
        bid=shortlisted, client=shortlisted.job.client, slots=[future(30)]
    )
    services.interview_decline(interview=interview, user=va, reason="Busy that week")
    interview.refresh_from_db()
    assert interview.status == Interview.Status.DECLINED
    assert Notification.objects.get(kind="interview_declined").recipient == shortlisted.job.client


def test_either_side_reschedules_and_the_sequence_goes_up(shortlisted, va):
    client = shortlisted.job.client
    interview = services.interview_propose(bid=shortlisted, client=client, slots=[future(30)])
    services.interview_confirm(interview=interview, user=va, slot_id=interview.slots.get().pk)
    services.interview_reschedule(interview=interview, user=va, slots=[future(80), future(100)])
    interview.refresh_from_db()
    assert interview.status == Interview.Status.PROPOSED
    assert interview.chosen_slot is None
    assert interview.ics_sequence == 1
    assert interview.proposed_by == va
    assert Notification.objects.get(kind="interview_rescheduled").recipient == client
    # Now the client picks, the VA may not.
    slot = interview.slots.first()
    with pytest.raises(ValidationError):
        services.interview_confirm(interview=interview, user=va, slot_id=slot.pk)
    services.interview_confirm(interview=interview, user=client, slot_id=slot.pk)
    services.interview_reschedule(interview=interview, user=client, slots=[future(120)])
    interview.refresh_from_db()
    assert interview.ics_sequence == 2


def test_cancel_bumps_the_sequence_and_tells_the_other_side(shortlisted, va):
    interview = services.interview_propose(
        bid=shortlisted, client=shortlisted.job.client, slots=[future(30)]
    )
    services.interview_cancel(interview=interview, user=va)
    interview.refresh_from_db()
    assert interview.status == Interview.Status.CANCELLED
    assert interview.ics_sequence == 1
    assert Notification.objects.get(kind="interview_cancelled").recipient == shortlisted.job.client


def test_an_outsider_cannot_touch_an_interview(shortlisted, other_va):
    interview = services.interview_propose(
        bid=shortlisted, client=shortlisted.job.client, slots=[future(30)]
    )
    with pytest.raises(ValidationError):
        services.interview_cancel(interview=interview, user=other_va)


def test_reminders_go_out_once_about_an_hour_before(shortlisted, va):
    client = shortlisted.job.client
    soon = services.interview_propose(bid=shortlisted, client=client, slots=[future(30)])
    soon = services.interview_confirm(interview=soon, user=va, slot_id=soon.slots.get().pk)
    soon.chosen_slot.starts_at = timezone.now() + timedelta(minutes=45)
    soon.chosen_slot.save()
    later_bid = BidFactory(job=shortlisted.job, status=Bid.Status.SHORTLISTED)
    later = services.interview_propose(bid=later_bid, client=client, slots=[future(5)])
    services.interview_confirm(interview=later, user=later_bid.va, slot_id=later.slots.get().pk)

    assert services.interview_send_reminders() == 1
    assert services.interview_send_reminders() == 0
    assert set(
        Notification.objects.filter(kind="interview_reminder").values_list("recipient", flat=True)
    ) == {
        va.pk,
        client.pk,
    }


def test_hiring_someone_else_cancels_the_other_interviews(shortlisted, other_va):
    job = shortlisted.job
    interview = services.interview_propose(bid=shortlisted, client=job.client, slots=[future(30)])
    services.bid_hire(bid=BidFactory(job=job, va=other_va), client=job.client)
    interview.refresh_from_db()
    assert interview.status == Interview.Status.CANCELLED


def test_a_new_va_gets_its_own_bid(job):
    """Factories sanity: two VAs, two bids, one count each."""
    submit(job, VAFactory())
    submit(job, VAFactory())
    job.refresh_from_db()
    assert job.bid_count == 2
