"""Bid, sample and interview pages. Thin: scoped lookup → form → service → redirect.

Lookups are scoped to the user (`visible_to`), so anything a person may not see is a 404.
"""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.postgres.aggregates import JSONBAgg
from django.core.exceptions import ValidationError
from django.db.models import Count, JSONField, Max, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import JSONObject
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bids import services
from bids.forms import BidForm, ConfirmSlotForm, DeclineForm, InterviewForm, RejectForm
from bids.ics import interview_ics
from bids.models import Bid, Interview, WorkSample
from bids.permissions import can_decide_on_bids, can_review_bids, is_interview_party
from jobs.models import Job, ManualVersion
from jobs.services import job_mark_bids_seen
from marketplace import fragments, prepared
from marketplace.paging import numbered_page
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


MY_BIDS_PAGE_SIZE = 25
# A row's state: everything it shows (the job's title, currency and pay type change only
# with its updated_at; its status is shown as buttons).
_MY_BID_STATE = (
    "id",
    "updated_at",
    "job_id",
    "job__updated_at",
    "job__status",
    "interviews_state",
)


@login_required
def my_bids(request):
    """The VA's bids with their job, status and interview times.

    Per request: the count and the page's row states (compiled queries); a row is rendered
    only when its state is new.
    """
    va_id = request.user.pk
    count = prepared.count(
        ("my-bids-count",),
        lambda v: Bid.objects.filter(va_id=v["va"]).order_by().values_list("pk"),
        va=va_id,
    )
    page, offset = numbered_page(count, request.GET.get("page"), MY_BIDS_PAGE_SIZE)

    def page_states(v):
        page_ids = (
            Bid.objects.filter(va_id=v["va"])
            .order_by("-created_at", "-pk")
            .values("pk")[offset : offset + MY_BIDS_PAGE_SIZE]
        )
        return (
            Bid.objects.filter(pk__in=page_ids)
            .with_card_state()
            .order_by("-created_at", "-pk")
            .values_list(*_MY_BID_STATE)
        )

    states = prepared.rows(("my-bids-page", offset), page_states, va=va_id)

    def build(missing: list[int]) -> list[dict]:
        wanted = [states[i][0] for i in missing]
        bids = (
            Bid.objects.filter(pk__in=wanted)
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
            .in_bulk()
        )
        return [{"bid": bids[pk]} for pk in wanted]

    keys = [(*state[:5], _interviews_key(state[5])) for state in states]
    frame_key = (page.number, page.paginator.num_pages, bool(states))

    def build_page() -> dict:
        rows = fragments.cached_many("bids/includes/my_bid_row.html", keys, build)
        content = fragments.framed(
            "bids/includes/my_bids_frame.html",
            frame_key,
            lambda: {"page": page, "has_rows": bool(states)},
            rows,
        )
        return {"page": page, "content": content, "bid_ids": [state[0] for state in states]}

    return fragments.page(request, "bids/mine.html", (frame_key, tuple(keys)), build_page)


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
    """A sample's small picture (a few KB), streamed rather than redirected to storage so the
    bid pages' `img-src 'self'` holds with S3 too."""
    work_sample = _visible_sample(request, pk)
    if not work_sample.thumbnail:
        raise Http404
    with work_sample.thumbnail.open("rb") as fh:
        response = HttpResponse(fh.read(), content_type="image/webp")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = 'inline; filename="thumbnail.webp"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Clients review --------------------------------------------------------------------------


def _reviewable_job(request, job_id: int) -> Job:
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=job_id)
    if not can_review_bids(request.user, job):
        raise Http404
    return job


_LIVE = [Bid.Status.SUBMITTED, Bid.Status.SHORTLISTED, Bid.Status.ACCEPTED]
_COUNTS = ("total", *Bid.Status.values)


def _review_page(request, job_id: int, *, status: str, sort: str, offset: int) -> Job:
    """The job whose bids the user may review (as `_reviewable_job`), read in one compiled
    query with all the page needs: the current manual's number, the job's bids counted by
    status (`bid_counts`), when the newest came (`newest_bid_at`), and the states of the
    page's cards (`cards`: a list, in page order, of _CARD_STATE values and the rating's).
    Raises Http404 for anyone else."""
    user = request.user
    if not user.is_authenticated:
        raise Http404
    audience = "staff" if user.is_staff else "client"
    ratings = import_string(settings.BID_REVIEW_RATINGS)
    order = (*SORTS[sort], "-pk")  # the id last: no bid repeats or goes missing between pages

    def build(v):
        jobs = Job.objects.all() if audience == "staff" else Job.objects.filter(client_id=v["user"])
        manual = ManualVersion.objects.filter(job=OuterRef("pk")).order_by("-number")
        bids = Bid.objects.filter(job=OuterRef("pk")).order_by().values("job")
        # One pass over the job's bids: how many of each status, and the newest one's time.
        counts = JSONObject(
            total=Count("pk"),
            newest=Max("created_at"),
            **{s: Count("pk", filter=Q(status=s)) for s in Bid.Status.values},
        )
        shown = Bid.objects.filter(job=OuterRef(OuterRef("pk")))
        shown = shown.filter(status__in=_LIVE) if status == ACTIVE else shown.filter(status=status)
        # The page's ids first, then the card state of those rows only (computed per row,
        # it would otherwise be computed for every bid on the job before the sort).
        page_ids = shown.order_by(*order).values("pk")[offset : offset + REVIEW_PAGE_SIZE]
        names = [*_CARD_STATE, *ratings.names]
        cards = (
            Bid.objects.filter(pk__in=page_ids)
            .with_card_state()
            .annotate(**ratings.annotations(va_ref="va_id", window_cutoff=v["window_cutoff"]))
            .order_by()
            .values("job")
            .annotate(
                states=JSONBAgg(
                    JSONObject(**{name.replace("__", "_"): name for name in names}),
                    order_by=order,
                )
            )
            .values("states")
        )
        return (
            jobs.filter(pk=v["job"])
            .order_by()
            .annotate(
                current_manual_number=Subquery(manual.values("number")[:1]),
                bid_counts=Subquery(bids.annotate(c=counts).values("c"), output_field=JSONField()),
                cards=Subquery(cards, output_field=JSONField()),
            )
        )

    found = prepared.objects(
        ("bid-review-page", audience, status, sort, offset),
        build,
        job=job_id,
        window_cutoff=ratings.window_cutoff(),
        **({} if audience == "staff" else {"user": user.pk}),
    )
    if not found:
        raise Http404
    job = found[0]
    counts = job.bid_counts or {**dict.fromkeys(_COUNTS, 0), "newest": None}
    newest = counts.pop("newest")
    job.newest_bid_at = datetime.fromisoformat(newest) if newest else None
    counts[ACTIVE] = sum(counts[s] for s in _LIVE)
    job.bid_counts = counts
    keys = [name.replace("__", "_") for name in (*_CARD_STATE, *ratings.names)]
    job.cards = [tuple(card[key] for key in keys) for card in job.cards or []]
    return job


# A card's state: with the VA's rating (annotations of the contracts app, named by
# settings.BID_REVIEW_RATINGS) and the page's own choices, everything the card shows.
_CARD_STATE = (
    "id",
    "updated_at",
    "va_id",
    "va__name",
    "va__va_profile__updated_at",
    "interviews_state",
    "samples_state",
)


def _interviews_key(state: dict | None) -> tuple:
    return (state["changed"], state["ended"]) if state else ()


def bid_review(request, job_id: int):
    """The bids on one of the client's jobs, side by side, a page at a time.

    Per request one compiled query: the job, its counts and the page's card states with
    the VAs' ratings; a card, and the page around the cards, are rendered only when their
    state is new.
    """
    status = request.GET.get("status") or ACTIVE
    if status not in STATUS_FILTERS:
        status = ACTIVE
    sort = request.GET.get("sort") or "amount"
    if sort not in SORTS:
        sort = "amount"
    requested = request.GET.get("page")
    try:
        offset = max(int(requested) - 1, 0) * REVIEW_PAGE_SIZE
    except (TypeError, ValueError):
        offset = 0
    job = _review_page(request, job_id, status=status, sort=sort, offset=offset)
    counts = job.bid_counts
    page, page_offset = numbered_page(counts[status], requested, REVIEW_PAGE_SIZE)
    if page_offset != offset:  # a page past the last (or nonsense): read the one shown
        job = _review_page(request, job_id, status=status, sort=sort, offset=page_offset)
    states = job.cards
    ratings = import_string(settings.BID_REVIEW_RATINGS)
    # Decisions while bidding is open or closed; not once hired/completed/cancelled.
    can_decide = can_decide_on_bids(request.user, job) and job.status in (
        Job.Status.OPEN,
        Job.Status.CLOSED,
    )
    shared = {
        "job": job,
        "current_manual_number": job.current_manual_number,
        "can_decide": can_decide,
        "status": status,
        "sort": sort,
        "page_number": page.number,
    }
    page_key = (
        job.pk,
        job.updated_at,  # title, status, rate, currency and pay type
        job.current_manual_number,
        can_decide,
        status,
        sort,
        page.number,
    )

    def build(missing: list[int]) -> list[dict]:
        wanted = [states[i][0] for i in missing]
        bids = (
            Bid.objects.filter(pk__in=wanted)
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
            .in_bulk()
        )
        contexts = []
        for i, pk in zip(missing, wanted, strict=True):
            bid = bids[pk]
            bid.job = job  # percent_of_max / estimated_total read the job: no query per bid
            bid.va_rating = ratings.summary(*states[i][len(_CARD_STATE) :])
            contexts.append({**shared, "bid": bid})
        return contexts

    keys = [
        (*state[:5], _interviews_key(state[5]), state[6], ratings.state(*state[7:]), page_key)
        for state in states
    ]
    if (
        job.client_id == request.user.pk
        and job.newest_bid_at
        and (job.bids_seen_at is None or job.newest_bid_at > job.bids_seen_at)
    ):
        job_mark_bids_seen(job=job)  # only when there is something new to mark seen
    filters = [
        (ACTIVE, _("Active"), counts[ACTIVE]),
        *[(value, label, counts[value]) for value, label in Bid.Status.choices],
    ]
    frame_key = (
        page_key,
        tuple(count for _value, _label, count in filters),
        page.paginator.num_pages,
        bool(states),
    )

    def build_frame() -> dict:
        return {
            **shared,
            "filters": filters,
            "sorts": [
                ("amount", _("Lowest amount")),
                ("newest", _("Newest")),
                ("experience", _("Most experience")),
            ],
            "current_manual": {"number": job.current_manual_number}
            if job.current_manual_number
            else None,
            "page": page,
            "has_cards": bool(states),
        }

    def build_page() -> dict:
        cards = fragments.cached_many("bids/includes/bid_card.html", keys, build)
        content = fragments.framed("bids/includes/review_frame.html", frame_key, build_frame, cards)
        return {"job": job, "content": content, "bid_ids": [s[0] for s in states], "page": page}

    return fragments.page(request, "bids/review.html", (frame_key, tuple(keys)), build_page)


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
        try:
            interview = services.interview_propose(bid=bid, client=request.user, **form.proposal())
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
        try:
            services.interview_reschedule(
                interview=interview, user=request.user, **form.rescheduling()
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
