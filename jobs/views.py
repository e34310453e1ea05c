"""Job pages: board, detail, posting (draft → preview → publish), editing, manual, my jobs.

Every lookup is scoped: `Job.objects.visible_to(user)` for reading, `owned_by(user)` for
changing (staff may manage too). Anything outside the scope is a 404, never a 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from jobs import services
from jobs.board import RESULT_CAP, BoardQuery, board_page
from jobs.forms import (
    AttachmentForm,
    BoardForm,
    InvitationDeclineForm,
    InvitationForm,
    JobForm,
    ManualForm,
)
from jobs.models import Invitation, Job, JobAttachment, catalogue_version
from jobs.permissions import can_bid, can_open_attachments, is_job_owner
from marketplace import fragments, prepared
from marketplace.fields import active_filter_count
from marketplace.markdown import render_markdown
from marketplace.ratelimit import limit_posts
from marketplace.storage import serve_private_file

MINE_PAGE_SIZE = 25


def _managed_job(request: HttpRequest, pk: int) -> Job:
    """A job the user may change: their own (staff: any). Everyone else gets a 404."""
    jobs = Job.objects.all() if request.user.is_staff else Job.objects.owned_by(request.user)
    return get_object_or_404(jobs.select_related("category", "client"), pk=pk)


def _add_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _not_editable(request: HttpRequest, job: Job) -> HttpResponse:
    messages.error(
        request,
        _("A task that is %(status)s can no longer be edited.")
        % {"status": job.get_status_display().lower()},
    )
    return redirect("jobs:detail", pk=job.pk)


# --- board and detail --------------------------------------------------------------------


# Query-string names that are not filters: they only say which page to show.
_PAGING_PARAMS = ("page", "after", "before")


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """The board. Per request: the filters, the capped count and the page's row states,
    all through compiled queries; the results' HTML is cached under exactly those, and
    each card's and the form's HTML on its own (issue 20: a new query renders only the
    cards no page showed before)."""
    params = request.GET
    form = None
    query = BoardQuery()
    if any(name not in _PAGING_PARAMS for name in params):
        form = BoardForm(params)
        form.is_valid()  # invalid fields are shown with their message and left out
        query = BoardQuery.of(**form.filters())
    try:
        page_number = int(params.get("page", "1"))
    except ValueError:
        page_number = 1
    page = board_page(
        query,
        page=page_number,
        after=params.get("after", ""),
        before=params.get("before", ""),
    )
    if page.num_pages and page.number > page.num_pages:
        page.number = page.num_pages
    base = params.copy()
    for name in _PAGING_PARAMS:
        base.pop(name, None)
    base_query = base.urlencode()
    links = page.links(base_query)
    catalogue = catalogue_version()  # category and skill names
    now = timezone.now()
    cards = [
        # A card shows nothing that changes without its state changing (BoardPage.state);
        # "posted 5 minutes ago" is keyed by its own words, so older cards stay cached.
        (row, timesince(row[3], now) if row[3] else "", catalogue)
        for row in page.state
    ]
    # The catalogue on its own too: the filter form names the categories even when no card
    # (whose state carries it) is shown.
    key = (
        base_query,
        page.number,
        page.count,
        catalogue,
        tuple(cards),
        tuple(sorted(links.items())),
    )

    def card_contexts(missing: list[int]) -> list[dict]:
        found = Job.objects.for_listing().in_bulk([page.state[i][0] for i in missing])
        return [{"job": found.get(page.state[i][0]), "posted_ago": cards[i][1]} for i in missing]

    def build() -> dict:
        shown = form if form is not None else BoardForm()
        html = fragments.cached_many("jobs/includes/job_card.html", cards, card_contexts)
        return {
            "form_html": fragments.form(shown, ("board", catalogue)),
            "active_filters": active_filter_count(form),
            "page": page,
            # Our own template with autoescape on; empty for a job deleted since.
            "cards": [mark_safe(card) for card in html if card.strip()],  # noqa: S308
            "links": links,
            "result_cap": RESULT_CAP,
            "searching": bool(query.q),
        }

    # The cards are cached one by one (shared by every page they are on, so a new query
    # renders only the cards no earlier page showed), the form per combination of its
    # choices (fragments.form), and the whole fragment under all of it.
    results = fragments.cached("jobs/includes/board_results.html", key, build)
    return render(
        request, "jobs/board.html", {"page": page, "results": fragments.bind(results, request)}
    )


def _client_facts(job: Job) -> dict:
    """Member since, jobs posted, hires made: one aggregate query."""
    facts = Job.objects.filter(client_id=job.client_id).aggregate(
        posted=Count("pk", filter=Q(published_at__isnull=False)),
        hires=Count("pk", filter=Q(contract__isnull=False)),
    )
    return {"member_since": job.client.date_joined, **facts}


def _detail_context(request: HttpRequest, job: Job) -> dict:
    manual = job.current_manual
    show_attachments = can_open_attachments(request.user, job)
    return {
        "job": job,
        "manual": manual,
        "manual_html": render_markdown(manual.body) if manual else "",
        "client_facts": _client_facts(job),
        "attachments": list(job.attachments.all()) if show_attachments else [],
        "show_attachments": show_attachments,
        "can_bid": can_bid(request.user, job),
        "is_owner": is_job_owner(request.user, job),
        "signed_in": request.user.is_authenticated,
    }


# What the job page shows, read on every request (jobs.models.JobQuerySet.with_page_state).
_DETAIL_STATE = (
    "id",
    "title",
    "status",
    "hidden_at",
    "client_id",
    "updated_at",
    "bid_count",
    "client__name",
    "client__date_joined",
    "client__client_profile__display_name",
    "manual_id",
    "manual_updated_at",
    "client_posted",
    "client_hires",
)


def _detail_state(request: HttpRequest, pk: int) -> dict | None:
    """The job's state as the viewer may see it (None: not theirs to see), in one query."""
    user = request.user
    if not user.is_authenticated:
        audience, values = "anonymous", {"pk": pk}
    elif user.is_staff:
        audience, values = "staff", {"pk": pk}
    else:
        audience, values = "member", {"pk": pk, "user": user.pk}

    def build(v):
        jobs = {
            "anonymous": lambda: Job.objects.visible(),
            "staff": lambda: Job.objects.all(),
            "member": lambda: Job.objects.visible_to_member(v["user"]),
        }[audience]()
        return jobs.filter(pk=v["pk"]).with_page_state().values_list(*_DETAIL_STATE)

    found = prepared.rows(("job-detail-state", audience), build, **values)
    return dict(zip(_DETAIL_STATE, found[0], strict=True)) if found else None


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The task page. Viewers who see more than the public page (its client, staff, the
    hired VA) get it rendered afresh; everyone else gets the body cached under the job's
    state, the manual's version and the client's facts, read in one query."""
    state = _detail_state(request, pk)
    if state is None:
        raise Http404
    user = request.user
    signed_in = user.is_authenticated
    is_owner = signed_in and state["client_id"] == user.pk
    may_see_more = is_owner or user.is_staff
    if (
        not may_see_more
        and signed_in
        and state["status"] in (Job.Status.HIRED, Job.Status.COMPLETED)
    ):
        may_see_more = Job.objects.filter(pk=pk, contract__va_id=user.pk).exists()
    if may_see_more:
        job = get_object_or_404(Job.objects.for_listing(), pk=pk)
        invitations = []
        if is_owner or user.is_staff:
            invitations = list(job.invitations.select_related("va").order_by("-created_at"))
        return render(
            request,
            "jobs/detail.html",
            {**_detail_context(request, job), "job_id": job.pk, "invitations": invitations},
        )
    job_can_take_bids = state["status"] == Job.Status.OPEN and state["hidden_at"] is None
    key = (tuple(state.values()), signed_in, job_can_take_bids, catalogue_version())

    def build() -> dict:
        job = get_object_or_404(Job.objects.for_listing(), pk=pk)
        return _detail_context(request, job)

    body = fragments.cached("jobs/includes/job_body.html", key, build)
    return render(
        request,
        "jobs/detail.html",
        {
            "job": {"title": state["title"]},
            "job_id": pk,
            "body": fragments.bind(body, request),
            "is_owner": False,
        },
    )


@require_GET
@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The task exactly as VAs will see it (same partial as the detail page), plus actions."""
    job = _managed_job(request, pk)
    job = get_object_or_404(Job.objects.for_listing(), pk=job.pk)
    return render(request, "jobs/preview.html", _detail_context(request, job))


@require_GET
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    if not can_open_attachments(request.user, job):
        raise Http404
    item = get_object_or_404(JobAttachment.objects.filter(job=job), pk=attachment_id)
    return serve_private_file(
        item.file, download_name=item.original_name, content_type=item.content_type
    )


# --- posting and editing -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@limit_posts("job_create")
def create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_client:
        return render(request, "jobs/become_client.html")
    form = JobForm(request.POST or None)
    manual_form = ManualForm(request.POST or None, prefix="manual")
    if request.method == "POST" and form.is_valid() and manual_form.is_valid():
        try:
            job = services.job_create(
                client=request.user,
                manual_body=manual_form.cleaned_data["body"],
                checklist=manual_form.cleaned_data["checklist"],
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Draft saved. Check the preview, then publish."))
            return redirect("jobs:preview", pk=job.pk)
    return render(
        request, "jobs/form.html", {"form": form, "manual_form": manual_form, "job": None}
    )


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    job = _managed_job(request, pk)
    if not job.is_editable:
        return _not_editable(request, job)
    form = JobForm(request.POST or None, job=job, money_locked=job.has_bids())
    if request.method == "POST" and form.is_valid():
        try:
            services.job_update(job=job, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Task saved."))
            if job.status == Job.Status.DRAFT:
                return redirect("jobs:preview", pk=job.pk)
            return redirect("jobs:detail", pk=job.pk)
    return render(request, "jobs/form.html", {"form": form, "manual_form": None, "job": job})


@require_http_methods(["GET", "POST"])
@login_required
def manual(request: HttpRequest, pk: int) -> HttpResponse:
    job = _managed_job(request, pk)
    if not job.is_editable:
        return _not_editable(request, job)
    current = job.current_manual
    form = ManualForm(request.POST or None, initial=ManualForm.initial_for(current))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.manual_update(
                job=job,
                by=request.user,
                body=form.cleaned_data["body"],
                checklist=form.cleaned_data["checklist"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if current is not None and saved.number > current.number:
                messages.success(
                    request,
                    _(
                        "Saved as version %(number)d. VAs who bid earlier acknowledged version %(old)d."
                    )
                    % {"number": saved.number, "old": current.number},
                )
            else:
                messages.success(request, _("Manual saved."))
            return redirect("jobs:manual", pk=job.pk)
    return _manual_page(request, job, form, AttachmentForm())


def _manual_page(request, job, form, attachment_form, status: int = 200) -> HttpResponse:
    return render(
        request,
        "jobs/manual.html",
        {
            "job": job,
            "form": form,
            "attachment_form": attachment_form,
            "attachments": list(job.attachments.all()),
            "versions": list(job.manual_versions.order_by("-number")),
            "has_bids": job.has_bids(),
        },
        status=status,
    )


@require_POST
@login_required
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    job = _managed_job(request, pk)
    attachment_form = AttachmentForm(request.POST, request.FILES)
    if attachment_form.is_valid():
        try:
            item = services.job_attachment_add(
                job=job, by=request.user, uploaded_file=attachment_form.cleaned_data["file"]
            )
        except ValidationError as exc:
            attachment_form.add_error("file", exc)
        else:
            messages.success(request, _("“%(name)s” attached.") % {"name": item.original_name})
            return redirect("jobs:manual", pk=job.pk)
    form = ManualForm(initial=ManualForm.initial_for(job.current_manual))
    return _manual_page(request, job, form, attachment_form, status=400)


@require_POST
@login_required
def attachment_delete(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    job = _managed_job(request, pk)
    item = get_object_or_404(JobAttachment.objects.filter(job=job), pk=attachment_id)
    try:
        services.job_attachment_delete(attachment=item, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Attachment removed."))
    return redirect("jobs:manual", pk=job.pk)


# --- status moves ------------------------------------------------------------------------

# Lazy: the messages are translated per request, in the user's language.
TRANSITIONS = {
    "publish": (services.job_publish, gettext_lazy("Published: your task is on the board.")),
    "close": (services.job_close, gettext_lazy("Bidding closed.")),
    "reopen": (services.job_reopen, gettext_lazy("Bidding reopened.")),
    "cancel": (services.job_cancel, gettext_lazy("Task cancelled.")),
    "complete": (services.job_complete, gettext_lazy("Task marked as completed.")),
}


@require_POST
@login_required
def transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    job = _managed_job(request, pk)
    service, done = TRANSITIONS[action]
    try:
        service(job=job, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, str(done))
    next_url = request.POST.get("next", "")
    if next_url == "mine":
        return redirect("jobs:mine")
    if action == "publish" or job.status != Job.Status.DRAFT:
        return redirect("jobs:detail", pk=job.pk)
    return redirect("jobs:preview", pk=job.pk)


# --- my jobs -----------------------------------------------------------------------------


@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    jobs = (
        Job.objects.owned_by(request.user)
        .select_related("category")
        .annotate(
            new_bids=Count(
                "bids",
                filter=~Q(bids__status="withdrawn")
                & (Q(bids_seen_at__isnull=True) | Q(bids__created_at__gt=F("bids_seen_at"))),
            )
        )
        .order_by("-created_at", "-id")
    )
    status = request.GET.get("status", "")
    if status in Job.Status.values:
        jobs = jobs.filter(status=status)
    page = Paginator(jobs, MINE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "jobs/mine.html",
        {
            "page": page,
            "status": status,
            "statuses": Job.Status.choices,
        },
    )


# --- invitations -------------------------------------------------------------------------

INVITATIONS_PAGE_SIZE = 25


@require_http_methods(["GET", "POST"])
@login_required
@limit_posts("invitation_send")
def invite(request: HttpRequest, va_id: int) -> HttpResponse:
    """A client invites a listed VA to bid on one of their open tasks."""
    va = get_object_or_404(User.objects.public_vas(), pk=va_id)
    if not request.user.is_client:
        return render(request, "jobs/become_client.html")
    form = InvitationForm(request.POST or None, client=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_send(
                job=form.cleaned_data["job"],
                va=va,
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is invited to bid on “%(title)s”.")
                % {"name": va.display_name, "title": form.cleaned_data["job"].title},
            )
            return redirect("accounts:va_public", pk=va.pk)
    return render(
        request,
        "jobs/invite.html",
        {"form": form, "va": va},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    """The invitations a VA received, newest first."""
    rows = (
        Invitation.objects.for_va(request.user)
        .select_related("job", "job__client", "job__client__client_profile")
        .order_by("-created_at", "-id")
    )
    page = Paginator(rows, INVITATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "jobs/invitations.html", {"page": page})


def _my_invitation(request: HttpRequest, pk: int) -> Invitation:
    """An invitation the signed-in VA received; anyone else's is a 404."""
    return get_object_or_404(Invitation.objects.for_va(request.user).select_related("job"), pk=pk)


@require_POST
@login_required
def invitation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _my_invitation(request, pk)
    try:
        services.invitation_accept(invitation=invitation, va=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("jobs:invitations")
    messages.success(request, _("Invitation accepted. Now send your bid."))
    return redirect("bids:submit", job_id=invitation.job_id)


@require_http_methods(["GET", "POST"])
@login_required
def invitation_decline(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _my_invitation(request, pk)
    form = InvitationDeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_decline(
                invitation=invitation, va=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Invitation declined. The client has been told."))
            return redirect("jobs:invitations")
    return render(
        request,
        "jobs/invitation_decline.html",
        {"form": form, "invitation": invitation},
        status=400 if form.errors else 200,
    )
