"""Contract pages: scoped lookup → form → service → redirect (or the page again with errors)."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max, Prefetch
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from contracts import services
from contracts.forms import (
    CommentForm,
    DeliverableForm,
    EndForm,
    HourEntryForm,
    MessageForm,
    PaymentMarkForm,
    ReviewForm,
    SeenForm,
)
from contracts.models import (
    Contract,
    Deliverable,
    DeliverableFile,
    HourEntry,
    Message,
    MessageAttachment,
    PaymentMark,
    Review,
    Timesheet,
)
from jobs.models import ManualVersion
from marketplace.markdown import render_markdown
from marketplace.ratelimit import limit_posts
from marketplace.storage import serve_private_file


def _get_contract_for_party(request, pk: int) -> Contract:
    """The contract if the user is its client, its VA or staff; 404 for everyone else,
    signed in or not (a contract's existence is private too)."""
    return get_object_or_404(
        Contract.objects.for_party(request.user).select_related(
            "job", "client", "client__client_profile", "va", "manual_version"
        ),
        pk=pk,
    )


@login_required
@require_GET
def contract_list(request):
    contracts = (
        Contract.objects.mine(request.user)
        .with_dashboard(request.user)
        .active_first()
        .select_related("job", "client", "client__client_profile", "va")
    )
    return render(request, "contracts/list.html", {"contracts": contracts})


def _workspace_context(request, contract: Contract, forms: dict) -> dict:
    user = request.user
    role = contract.role_of(user)
    my_last_read = {"client": contract.client_last_read_at, "va": contract.va_last_read_at}.get(
        role or ""
    )
    thread = list(Message.objects.filter(contract=contract).thread())
    first_unread = None
    for message in thread:
        message.is_unread = bool(
            role
            and message.author_id != user.pk
            and (my_last_read is None or message.created_at > my_last_read)
        )
        if message.is_unread and first_unread is None:
            first_unread = message
    # "Seen" goes under the newest of my messages the other side has had on screen.
    other = {"client": "va", "va": "client"}.get(role or "")
    seen_id = getattr(contract, f"{other}_seen_message_id") if other else None
    seen_message = next((m for m in thread if m.pk == seen_id), None)
    if seen_message is not None:
        seen_message.seen_at = getattr(contract, f"{other}_seen_at")
    latest_manual = ManualVersion.objects.filter(job=contract.job_id).aggregate(n=Max("number"))[
        "n"
    ]
    manual_changed = bool(
        contract.manual_version and latest_manual and latest_manual > contract.manual_version.number
    )

    deliverables = list(
        contract.deliverables.select_related("payment")
        .prefetch_related("files")
        .order_by("submitted_at", "pk")
    )
    timesheets = list(
        contract.timesheets.select_related("payment")
        .prefetch_related(
            Prefetch("entries", queryset=HourEntry.objects.order_by("work_date", "created_at"))
        )
        .order_by("-week_start")
    )
    for item in [*deliverables, *timesheets]:
        prefix = _comment_prefix(item)
        bound = forms.get("comment_form") if forms.get("comment_target") == prefix else None
        item.comment_form = bound or CommentForm(prefix=prefix)
    payments = list(
        contract.payments.select_related("timesheet", "deliverable").order_by("marked_at")
    )
    earnings = _earnings(contract, deliverables, timesheets, payments)

    reviews = list(Review.objects.filter(contract=contract).select_related("author"))
    visible_ids = set(
        Review.objects.filter(contract=contract).visible().values_list("pk", flat=True)
    )
    my_review = next((r for r in reviews if r.author_id == user.pk), None)
    shown_reviews = [r for r in reviews if r.pk in visible_ids or r.author_id == user.pk]
    hidden_other = any(r.author_id != user.pk and r.pk not in visible_ids for r in reviews)

    can_act = role is not None
    context = {
        "contract": contract,
        "job": contract.job,
        "role": role,
        "is_client": role == "client",
        "is_va": role == "va",
        "thread": thread,
        "first_unread": first_unread,
        "manual_changed": manual_changed,
        "latest_manual": latest_manual,
        "deliverables": deliverables,
        "approved_deliverable": next(
            (d for d in deliverables if d.status == Deliverable.Status.APPROVED), None
        ),
        "pending_deliverable": next(
            (d for d in deliverables if d.status == Deliverable.Status.SUBMITTED), None
        ),
        "timesheets": timesheets,
        "payments": payments,
        "earnings": earnings,
        "reviews": shown_reviews,
        "my_review": my_review,
        "other_review_hidden": hidden_other,
        "can_review": can_act
        and not contract.is_active
        and my_review is None
        and contract.review_window_is_open(),
        "message_form": forms.get("message_form") or MessageForm(),
        "deliverable_form": forms.get("deliverable_form") or DeliverableForm(),
        "hour_form": forms.get("hour_form")
        or HourEntryForm(initial={"work_date": timezone.localdate()}),
        "manual_html": render_markdown(contract.manual_snapshot_body),
        "payment_form": PaymentMarkForm(),
        "end_form": forms.get("end_form") or EndForm(),
        "review_form": forms.get("review_form") or ReviewForm(),
        # Panels other apps add (payments' escrow panel), named in settings so contracts
        # does not import them.
        "extra_panels": [
            import_string(name)(request=request, contract=contract)
            for name in settings.CONTRACT_WORKSPACE_PANELS
        ],
    }
    return context


def _comment_prefix(item) -> str:
    """Each week / deliverable has its own comment form, so field ids stay unique."""
    if isinstance(item, Timesheet):
        return f"week-{item.week_start.isoformat()}"
    return f"deliverable-{item.pk}"


def _earnings(contract, deliverables, timesheets, payments) -> dict:
    zero = Decimal("0")
    if contract.is_hourly:
        approved = [t for t in timesheets if t.status == Timesheet.Status.APPROVED]
        approved_hours = sum((t.total_hours for t in approved), zero)
        pending_hours = sum(
            (t.total_hours for t in timesheets if t.status != Timesheet.Status.APPROVED), zero
        )
        earned = sum((t.amount or zero for t in approved), zero)
    else:
        approved_hours = pending_hours = None
        earned = sum(
            (d.amount or zero for d in deliverables if d.status == Deliverable.Status.APPROVED),
            zero,
        )
    paid = sum((p.amount for p in payments), zero)
    confirmed = sum((p.amount for p in payments if p.confirmed_at), zero)
    return {
        "approved_hours": approved_hours,
        "pending_hours": pending_hours,
        "earned": earned,
        "paid": paid,
        "confirmed": confirmed,
        "outstanding": earned - paid,
    }


def _render_workspace(request, contract: Contract, status: int = 200, **forms):
    return render(
        request,
        "contracts/workspace.html",
        _workspace_context(request, contract, forms),
        status=status,
    )


@require_GET
def workspace(request, pk: int):
    contract = _get_contract_for_party(request, pk)
    context = _workspace_context(request, contract, {})
    response = render(request, "contracts/workspace.html", context)
    # Rendered with the old read mark (so new messages show as new), then moved on up to
    # the newest message on this page.
    if context["thread"]:
        services.contract_mark_read(
            contract=contract, user=request.user, message=context["thread"][-1]
        )
    return response


@require_POST
def message_seen(request, pk: int):
    """The live page showed a new message in an open, visible workspace: the reader has
    seen the thread up to it. Only the two parties (staff and everyone else: 404). Not
    rate-limited: it only moves a mark forward, and publishes only when the mark moves."""
    contract = get_object_or_404(Contract.objects.mine(request.user), pk=pk)
    form = SeenForm(request.POST)
    message = None
    if form.is_valid():
        message = contract.messages.filter(pk=form.cleaned_data["message"]).first()
    if message is None:
        return HttpResponseBadRequest(
            _("That message is not in this contract."), content_type="text/plain; charset=utf-8"
        )
    services.contract_mark_read(contract=contract, user=request.user, message=message)
    return HttpResponse(status=204)


def _fail(request, contract, form_name: str, form, exc: ValidationError, **extra):
    """Put a service's ValidationError on the form and show the page again (values kept)."""
    if contract.role_of(request.user) is None:
        # Staff read the workspace without its forms: say it at the top instead.
        return _refused(request, contract, exc)
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
    return _render_workspace(request, contract, status=400, **{form_name: form}, **extra)


def _refused(request, contract: Contract, exc: ValidationError, anchor: str = ""):
    """A one-click action the rules refuse: say why at the top of the workspace."""
    for text in exc.messages:
        messages.error(request, text)
    return redirect(
        reverse("contracts:workspace", args=[contract.pk]) + (f"#{anchor}" if anchor else "")
    )


def _done(request, contract: Contract, text: str, anchor: str = ""):
    messages.success(request, text)
    return redirect(
        reverse("contracts:workspace", args=[contract.pk]) + (f"#{anchor}" if anchor else "")
    )


@require_POST
@limit_posts("message_send")
def message_send(request, pk: int):
    contract = _get_contract_for_party(request, pk)
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_workspace(request, contract, status=400, message_form=form)
    try:
        message = services.message_send(
            contract=contract,
            author=request.user,
            body=form.cleaned_data["body"],
            files=form.cleaned_data["files"],
        )
    except ValidationError as exc:
        return _fail(request, contract, "message_form", form, exc)
    return redirect(reverse("contracts:workspace", args=[contract.pk]) + f"#message-{message.pk}")


def _serve(attachment):
    return serve_private_file(
        attachment.file,
        download_name=attachment.original_name,
        content_type=attachment.content_type,
    )


@require_GET
def message_file(request, pk: int, file_id):
    contract = _get_contract_for_party(request, pk)
    attachment = get_object_or_404(MessageAttachment, pk=file_id, message__contract=contract)
    return _serve(attachment)


@require_GET
def deliverable_file(request, pk: int, file_id):
    contract = _get_contract_for_party(request, pk)
    attachment = get_object_or_404(DeliverableFile, pk=file_id, deliverable__contract=contract)
    return _serve(attachment)


@require_POST
def deliverable_submit(request, pk: int):
    contract = _get_contract_for_party(request, pk)
    form = DeliverableForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_workspace(request, contract, status=400, deliverable_form=form)
    try:
        deliverable = services.deliverable_submit(
            contract=contract,
            va=request.user,
            note=form.cleaned_data["note"],
            files=form.cleaned_data["files"],
        )
    except ValidationError as exc:
        return _fail(request, contract, "deliverable_form", form, exc)
    return _done(
        request,
        contract,
        _("Delivered. The client has been told."),
        f"deliverable-{deliverable.pk}",
    )


def _get_deliverable(contract, deliverable_id) -> Deliverable:
    return get_object_or_404(
        Deliverable.objects.select_related("contract"), pk=deliverable_id, contract=contract
    )


@require_POST
def deliverable_approve(request, pk: int, deliverable_id: int):
    contract = _get_contract_for_party(request, pk)
    deliverable = _get_deliverable(contract, deliverable_id)
    try:
        services.deliverable_approve(deliverable=deliverable, client=request.user)
    except ValidationError as exc:
        return _refused(request, contract, exc, f"deliverable-{deliverable.pk}")
    return _done(
        request, contract, _("Approved. The task is done."), f"deliverable-{deliverable.pk}"
    )


def _commented(request, contract, item, act, done_text: str, anchor: str):
    """A client's decision that needs a comment (ask for changes, dispute a week): a bad
    comment re-renders the workspace with it kept; otherwise run `act(comment)`."""
    target = _comment_prefix(item)
    form = CommentForm(request.POST, prefix=target)
    if not form.is_valid():
        return _render_workspace(
            request, contract, status=400, comment_form=form, comment_target=target
        )
    try:
        act(form.cleaned_data["comment"])
    except ValidationError as exc:
        return _fail(request, contract, "comment_form", form, exc, comment_target=target)
    return _done(request, contract, done_text, anchor)


@require_POST
def deliverable_request_changes(request, pk: int, deliverable_id: int):
    contract = _get_contract_for_party(request, pk)
    deliverable = _get_deliverable(contract, deliverable_id)
    return _commented(
        request,
        contract,
        deliverable,
        lambda comment: services.deliverable_request_changes(
            deliverable=deliverable, client=request.user, comment=comment
        ),
        _("Sent back with your comment."),
        f"deliverable-{deliverable.pk}",
    )


@require_POST
def hours_log(request, pk: int):
    contract = _get_contract_for_party(request, pk)
    form = HourEntryForm(request.POST)
    if not form.is_valid():
        return _render_workspace(request, contract, status=400, hour_form=form)
    try:
        entry = services.hours_log(contract=contract, va=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _fail(request, contract, "hour_form", form, exc)
    return _done(
        request, contract, _("Hours logged."), f"week-{entry.timesheet.week_start.isoformat()}"
    )


@require_POST
def hour_entry_delete(request, pk: int, entry_id: int):
    contract = _get_contract_for_party(request, pk)
    entry = get_object_or_404(
        HourEntry.objects.select_related("contract"), pk=entry_id, contract=contract
    )
    try:
        services.hour_entry_delete(entry=entry, va=request.user)
    except ValidationError as exc:
        return _refused(request, contract, exc, "hours")
    return _done(request, contract, _("Entry removed."), "hours")


def _get_timesheet(contract, week: date) -> Timesheet:
    return get_object_or_404(
        Timesheet.objects.select_related("contract"), contract=contract, week_start=week
    )


@require_POST
def timesheet_approve(request, pk: int, week: date):
    contract = _get_contract_for_party(request, pk)
    sheet = _get_timesheet(contract, week)
    try:
        services.timesheet_approve(timesheet=sheet, client=request.user)
    except ValidationError as exc:
        return _refused(request, contract, exc, f"week-{week.isoformat()}")
    return _done(request, contract, _("Week approved."), f"week-{week.isoformat()}")


@require_POST
def timesheet_dispute(request, pk: int, week: date):
    contract = _get_contract_for_party(request, pk)
    sheet = _get_timesheet(contract, week)
    return _commented(
        request,
        contract,
        sheet,
        lambda comment: services.timesheet_dispute(
            timesheet=sheet, client=request.user, comment=comment
        ),
        _("Week disputed. The VA has been told."),
        f"week-{week.isoformat()}",
    )


def _mark_paid(request, contract, **period):
    form = PaymentMarkForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.payment_mark(contract=contract, client=request.user, note=note, **period)
    except ValidationError as exc:
        return _refused(request, contract, exc, "payments")
    return _done(request, contract, _("Marked as paid. The VA will confirm receipt."), "payments")


@require_POST
def timesheet_mark_paid(request, pk: int, week: date):
    contract = _get_contract_for_party(request, pk)
    return _mark_paid(request, contract, timesheet=_get_timesheet(contract, week))


@require_POST
def deliverable_mark_paid(request, pk: int, deliverable_id: int):
    contract = _get_contract_for_party(request, pk)
    return _mark_paid(request, contract, deliverable=_get_deliverable(contract, deliverable_id))


@require_POST
def payment_confirm(request, pk: int, payment_id: int):
    contract = _get_contract_for_party(request, pk)
    payment = get_object_or_404(
        PaymentMark.objects.select_related("contract"), pk=payment_id, contract=contract
    )
    try:
        services.payment_confirm(payment=payment, va=request.user)
    except ValidationError as exc:
        return _refused(request, contract, exc, "payments")
    return _done(request, contract, _("Thank you: receipt confirmed."), "payments")


@require_POST
def contract_complete(request, pk: int):
    contract = _get_contract_for_party(request, pk)
    try:
        services.contract_complete(contract=contract, client=request.user)
    except ValidationError as exc:
        return _refused(request, contract, exc, "end")
    return _done(
        request, contract, _("Contract completed. You can now review each other."), "reviews"
    )


@require_POST
def contract_end(request, pk: int):
    contract = _get_contract_for_party(request, pk)
    form = EndForm(request.POST)
    if not form.is_valid():
        return _render_workspace(request, contract, status=400, end_form=form)
    try:
        services.contract_end(
            contract=contract, user=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        return _fail(request, contract, "end_form", form, exc)
    return _done(request, contract, _("Contract ended. You can now review each other."), "reviews")


@require_POST
def review_leave(request, pk: int):
    contract = _get_contract_for_party(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _render_workspace(request, contract, status=400, review_form=form)
    try:
        services.review_leave(contract=contract, author=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _fail(request, contract, "review_form", form, exc)
    return _done(request, contract, _("Thank you for your review."), "reviews")


@require_GET
def statement(request, pk: int):
    contract = _get_contract_for_party(request, pk)
    timesheets = list(
        contract.timesheets.filter(status=Timesheet.Status.APPROVED)
        .select_related("payment")
        .order_by("week_start")
    )
    deliverables = list(
        contract.deliverables.filter(status=Deliverable.Status.APPROVED).select_related("payment")
    )
    payments = list(
        contract.payments.select_related("timesheet", "deliverable").order_by("marked_at")
    )
    context = {
        "contract": contract,
        "job": contract.job,
        "timesheets": timesheets,
        "deliverables": deliverables,
        "payments": payments,
        "earnings": _earnings(contract, deliverables, timesheets, payments),
    }
    return render(request, "contracts/statement.html", context)
