"""Bid, sample and interview pages. Thin: scoped lookup → form → service → redirect.

Lookups are scoped to the user (`visible_to`), so anything a person may not see is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bids import services
from bids.forms import BidForm, ConfirmSlotForm, DeclineForm, InterviewForm, RejectForm
from bids.ics import interview_ics
from bids.models import Bid, Interview, WorkSample
from bids.permissions import can_decide_on_bids, can_review_bids, is_interview_party
from jobs.models import Job
from marketplace.ratelimit import limit_posts
from marketplace.storage import serve_private_file

SORTS = {
    "amount": ("amount", "-created_at"),
    "newest": ("-submitted_at", "-created_at"),
    "experience": ("-va__va_profile__years_experience", "amount"),
}
ACTIVE = "active"
# Bids per page on the review page: a popular job gets hundreds, and each card carries a
# letter, samples and forms, so the page is paged like every other list.
REVIEW_PAGE_SIZE = 20
STATUS_FILTERS = [ACTIVE, *Bid.Status.values]


def _add_service_error(form, exc: ValidationError) -> None:
    """Show a service's ValidationError beside the right field (or above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _message_error(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- VAs bid ---------------------------------------------------------------------------------


@login_required
@limit_posts("bid_submit")
def bid_submit(request, job_id: int):
    """Submit a bid on a job, edit an undecided one, or resubmit a withdrawn one."""
    job = get_object_or_404(
        Job.objects.visible_to(request.user).select_related("client"), pk=job_id
    )
    bid = (
        Bid.objects.by_va(request.user)
        .filter(job=job)
        .select_related("manual_version")
        .prefetch_related("samples__portfolio_item")
        .first()
    )
    editing = bid is not None and bid.is_undecided
    reason = services.can_user_bid(request.user, job)
    if bid is not None and bid.status in (Bid.Status.ACCEPTED, Bid.Status.REJECTED):
        reason = _("This bid has been decided and can no longer change.")
    form = None
    if reason is None:
        form = BidForm(
            request.POST or None, request.FILES or None, job=job, va=request.user, bid=bid
        )
        if request.method == "POST" and form.is_valid():
            service_kwargs = {
                "va": request.user,
                "terms": form.terms(),
                "uploads": form.uploads,
                "portfolio_items": form.cleaned_data.get("portfolio_items") or [],
                "remove_sample_ids": form.cleaned_data.get("remove_samples") or [],
            }
            try:
                if editing:
                    services.bid_edit(bid=bid, **service_kwargs)
                else:
                    services.bid_submit(job=job, **service_kwargs)
            except ValidationError as exc:
                _add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Your bid has been updated.") if editing else _("Your bid has been sent."),
                )
                return redirect("bids:mine")
    elif request.method == "POST":
        messages.error(request, reason)
    return render(
        request,
        "bids/submit.html",
        {
            "job": job,
            "bid": bid,
            "form": form,
            "editing": editing,
            "reason": reason,
            "manual": job.current_manual,
        },
        status=400 if request.method == "POST" and (form is None or form.errors) else 200,
    )


@require_POST
@login_required
def bid_withdraw(request, job_id: int):
    bid = get_object_or_404(Bid.objects.by_va(request.user), job_id=job_id)
    try:
        services.bid_withdraw(bid=bid, va=request.user)
    except ValidationError as exc:
        _message_error(request, exc)
    else:
        messages.success(
            request, _("Your bid has been withdrawn. You can bid again while the task is open.")
        )
    return redirect("bids:mine")


@login_required
def my_bids(request):
    """The VA's bids with their job, status and interview times (queries do not grow)."""
    bids = (
        Bid.objects.by_va(request.user)
        .select_related("job")
        .prefetch_related(
            Prefetch(
                "interviews",
                queryset=Interview.objects.exclude(status=Interview.Status.DECLINED)
                .select_related("chosen_slot")
                .prefetch_related("slots"),
                to_attr="interview_list",
            )
        )
        .order_by("-created_at")
    )
    page = Paginator(bids, 25).get_page(request.GET.get("page"))
    return render(request, "bids/mine.html", {"page": page, "bids": page.object_list})


# --- Samples ---------------------------------------------------------------------------------


def _visible_sample(request, pk) -> WorkSample:
    return get_object_or_404(
        WorkSample.objects.visible_to(request.user).select_related("portfolio_item"), pk=pk
    )


def sample(request, pk):
    """Open a work sample: permission first (404 for everyone else), then stream / presign."""
    work_sample = _visible_sample(request, pk)
    stored = work_sample.stored_file
    if stored is None:
        raise Http404
    return serve_private_file(
        stored,
        download_name=work_sample.original_name,
        content_type=work_sample.content_type or "application/octet-stream",
        inline=True,
    )


def sample_thumbnail(request, pk):
    work_sample = _visible_sample(request, pk)
    if not work_sample.thumbnail:
        raise Http404
    return serve_private_file(
        work_sample.thumbnail,
        download_name="thumbnail.webp",
        content_type="image/webp",
        inline=True,
    )


# --- Clients review --------------------------------------------------------------------------


def _reviewable_job(request, job_id: int) -> Job:
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=job_id)
    if not can_review_bids(request.user, job):
        raise Http404
    return job


def bid_review(request, job_id: int):
    """The bids on one of the client's jobs, side by side, a page at a time.

    Queries do not grow per bid, and the page size bounds the rendering work.
    """
    job = _reviewable_job(request, job_id)
    status = request.GET.get("status") or ACTIVE
    if status not in STATUS_FILTERS:
        status = ACTIVE
    sort = request.GET.get("sort") or "amount"
    if sort not in SORTS:
        sort = "amount"
    bids = (
        Bid.objects.filter(job=job)
        .select_related("va__va_profile", "manual_version")
        .prefetch_related(
            "samples__portfolio_item",
            Prefetch(
                "interviews",
                queryset=Interview.objects.active()
                .select_related("chosen_slot")
                .prefetch_related("slots"),
                to_attr="open_interviews",
            ),
        )
        # The id last: a stable order, so no bid repeats or goes missing between pages.
        .order_by(*SORTS[sort], "-pk")
    )
    if status == ACTIVE:
        bids = bids.filter(
            status__in=[Bid.Status.SUBMITTED, Bid.Status.SHORTLISTED, Bid.Status.ACCEPTED]
        )
    else:
        bids = bids.filter(status=status)
    page = Paginator(bids, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    bids = list(page.object_list)
    for bid in bids:
        bid.job = job  # percent_of_max / estimated_total read the job: no query per bid
    counts = Bid.objects.filter(job=job).aggregate(
        total=Count("pk"),
        **{s: Count("pk", filter=Q(status=s)) for s in Bid.Status.values},
    )
    counts[ACTIVE] = counts["submitted"] + counts["shortlisted"] + counts["accepted"]
    current_manual = job.current_manual
    if job.client_id == request.user.pk:
        try:
            from jobs.services import job_mark_bids_seen
        except ImportError:  # written by the jobs app; the page works without it
            job_mark_bids_seen = None
        if job_mark_bids_seen is not None:
            job_mark_bids_seen(job=job)
    filters = [
        (ACTIVE, _("Active"), counts[ACTIVE]),
        *[(value, label, counts[value]) for value, label in Bid.Status.choices],
    ]
    return render(
        request,
        "bids/review.html",
        {
            "job": job,
            "bids": bids,
            "page": page,
            "status": status,
            "sort": sort,
            "filters": filters,
            "sorts": [
                ("amount", _("Lowest amount")),
                ("newest", _("Newest")),
                ("experience", _("Most experience")),
            ],
            "current_manual": current_manual,
            # Decisions while bidding is open or closed; not once hired/completed/cancelled.
            "can_decide": can_decide_on_bids(request.user, job)
            and job.status in (Job.Status.OPEN, Job.Status.CLOSED),
        },
    )


def _decidable_bid(request, pk: int) -> Bid:
    bid = get_object_or_404(Bid.objects.visible_to(request.user).select_related("job"), pk=pk)
    if not can_decide_on_bids(request.user, bid.job):
        raise Http404
    return bid


def _back_to_review(request, bid: Bid):
    url = reverse("bids:review", args=[bid.job_id])
    query = request.POST.get("next_query", "")
    if query and query.replace("&", "").replace("=", "").replace("_", "").isalnum():
        url = f"{url}?{query}"
    return redirect(url)


def _decide(request, pk: int, decision, success: str, **kwargs):
    """Run one of the client's decisions on a bid, say how it went, and go back to review."""
    bid = _decidable_bid(request, pk)
    try:
        decision(bid=bid, client=request.user, **kwargs)
    except ValidationError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, success)
    return _back_to_review(request, bid)


@require_POST
@login_required
def bid_shortlist(request, pk: int):
    return _decide(request, pk, services.bid_shortlist, _("Added to your shortlist."))


@require_POST
@login_required
def bid_unshortlist(request, pk: int):
    return _decide(request, pk, services.bid_unshortlist, _("Removed from your shortlist."))


@require_POST
@login_required
def bid_reject(request, pk: int):
    form = RejectForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    return _decide(
        request,
        pk,
        services.bid_reject,
        _("The bid was declined and the VA has been told."),
        message=message,
    )


@require_POST
@login_required
def bid_hire(request, pk: int):
    bid = _decidable_bid(request, pk)
    try:
        contract = services.bid_hire(bid=bid, client=request.user)
    except ValidationError as exc:
        _message_error(request, exc)
        return _back_to_review(request, bid)
    messages.success(
        request, _("You hired %(name)s. The contract is ready.") % {"name": bid.va.display_name}
    )
    return redirect("contracts:workspace", pk=contract.pk)


# --- Interviews ------------------------------------------------------------------------------


def _user_tz(user) -> str:
    return getattr(user, "timezone", "") or "UTC"


@login_required
def interview_propose(request, pk: int):
    bid = _decidable_bid(request, pk)
    form = InterviewForm(request.POST or None, tz_name=_user_tz(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            interview = services.interview_propose(
                bid=bid,
                client=request.user,
                slots=data["slots"],
                duration_minutes=data["duration_minutes"],
                meeting_url=data["meeting_url"]
                if data["room"] == InterviewForm.ROOM_LINK
                else None,
                note=data.get("note", ""),
            )
        except ValidationError as exc:
            _add_service_error(form, exc)
        else:
            messages.success(
                request, _("Interview times sent. We will tell you when the VA picks one.")
            )
            return redirect(interview)
    return render(
        request,
        "bids/interview_form.html",
        {"bid": bid, "job": bid.job, "form": form, "reschedule": False},
        status=400 if form.errors else 200,
    )


def _visible_interview(request, pk: int) -> Interview:
    return get_object_or_404(
        Interview.objects.visible_to(request.user)
        .select_related("bid__job__client", "bid__va", "chosen_slot", "proposed_by")
        .prefetch_related("slots"),
        pk=pk,
    )


def _party_interview(request, pk: int) -> Interview:
    interview = _visible_interview(request, pk)
    if not is_interview_party(request.user, interview):
        raise Http404
    return interview


def interview_detail(request, pk: int):
    interview = _visible_interview(request, pk)
    user = request.user
    bid, job = interview.bid, interview.bid.job
    client, va = job.client, bid.va
    if user.pk == va.pk:
        zones = [
            (_("Your time"), _user_tz(va)),
            (_("%(name)s’s time") % {"name": client.display_name}, _user_tz(client)),
        ]
    elif user.pk == client.pk:
        zones = [
            (_("Your time"), _user_tz(client)),
            (_("%(name)s’s time") % {"name": va.display_name}, _user_tz(va)),
        ]
    else:
        zones = [
            (_("Client’s time"), _user_tz(client)),
            (_("VA’s time"), _user_tz(va)),
        ]
    if zones[0][1] == zones[1][1]:
        zones = zones[:1]
    is_party = is_interview_party(user, interview)
    can_answer = (
        is_party
        and interview.status == Interview.Status.PROPOSED
        and interview.proposed_by_id != user.pk
    )
    confirm_form = (
        ConfirmSlotForm(interview=interview, tz_name=_user_tz(user)) if can_answer else None
    )
    return render(
        request,
        "bids/interview.html",
        {
            "interview": interview,
            "bid": bid,
            "job": job,
            "zones": zones,
            "is_party": is_party,
            "can_answer": can_answer,
            "confirm_form": confirm_form,
            "decline_form": DeclineForm() if can_answer else None,
            "can_change": is_party and interview.is_active,
        },
    )


@require_POST
@login_required
def interview_confirm(request, pk: int):
    interview = _party_interview(request, pk)
    form = ConfirmSlotForm(request.POST, interview=interview, tz_name=_user_tz(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose one of the proposed times."))
        return redirect(interview)
    try:
        services.interview_confirm(
            interview=interview, user=request.user, slot_id=form.cleaned_data["slot"].pk
        )
    except ValidationError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, _("Interview confirmed. Add it to your calendar below."))
    return redirect(interview)


@require_POST
@login_required
def interview_decline(request, pk: int):
    interview = _party_interview(request, pk)
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.interview_decline(interview=interview, user=request.user, reason=reason)
    except ValidationError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, _("You declined the proposed times."))
    return redirect(interview)


@login_required
def interview_reschedule(request, pk: int):
    interview = _party_interview(request, pk)
    form = InterviewForm(request.POST or None, tz_name=_user_tz(request.user), reschedule=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        meeting_url = None
        if data["room"] == InterviewForm.ROOM_LINK:
            meeting_url = data["meeting_url"]
        elif data["room"] == InterviewForm.ROOM_GENERATED:
            meeting_url = services.new_video_room_url()
        try:
            services.interview_reschedule(
                interview=interview,
                user=request.user,
                slots=data["slots"],
                duration_minutes=data["duration_minutes"],
                meeting_url=meeting_url,
            )
        except ValidationError as exc:
            _add_service_error(form, exc)
        else:
            messages.success(request, _("New times sent."))
            return redirect(interview)
    return render(
        request,
        "bids/interview_form.html",
        {
            "bid": interview.bid,
            "job": interview.bid.job,
            "form": form,
            "reschedule": True,
            "interview": interview,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def interview_cancel(request, pk: int):
    interview = _party_interview(request, pk)
    try:
        services.interview_cancel(interview=interview, user=request.user)
    except ValidationError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, _("The interview was cancelled."))
    return redirect(interview)


def interview_invite(request, pk: int):
    """The RFC 5545 invite (REQUEST, or CANCEL once cancelled) for a booked interview."""
    interview = _visible_interview(request, pk)
    if interview.chosen_slot_id is None:
        raise Http404
    body = interview_ics(interview, for_user=request.user)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="asisten-interview.ics"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
