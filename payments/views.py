"""Payment pages: scoped lookup → form → service → redirect. Funding shows as done only
once the provider's webhook is processed, never because the browser came back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contracts.models import Contract
from marketplace import fragments
from marketplace.ratelimit import limit_posts
from marketplace.storage import serve_private_file
from payments import permissions, providers, sandbox, services
from payments.forms import (
    DisputeForm,
    MilestoneFormSet,
    PayoutMethodForm,
    SandboxOutcomeForm,
    SandboxPayoutForm,
    WeekFundForm,
    WithdrawForm,
    form_errors,
)
from payments.models import (
    DisputeFile,
    Entry,
    LedgerTransaction,
    Milestone,
    Payment,
    Payout,
    PayoutMethod,
)
from payments.summaries import escrow_state, escrow_summary, va_balances

HISTORY_LENGTH = 100


def _get_contract_for_party(request, pk: int) -> Contract:
    """The contract if the user is its client, its VA or staff; 404 for everyone else."""
    return get_object_or_404(
        Contract.objects.for_party(request.user).select_related("job", "client", "va"), pk=pk
    )


def _get_checkout(request, reference) -> Payment:
    payment = get_object_or_404(
        Payment.objects.select_related("contract__job"), reference=reference
    )
    if not permissions.can_view_checkout(request.user, payment):
        raise Http404
    return payment


def workspace_panel(*, request, contract: Contract) -> str:
    """The escrow panel on the contract workspace (settings.CONTRACT_WORKSPACE_PANELS).

    A cached fragment (marketplace.fragments) under everything it shows: the escrow's
    narrow state (`escrow_state`), the contract's own fields, what the viewer may do, and
    for an hourly contract the weeks open to pre-funding (they move with the VA's
    calendar). A view of an unchanged contract renders nothing and builds no summary."""
    is_client = permissions.can_fund(request.user, contract)
    available = services.funding_available(contract.currency)
    open_for_money = is_client and available and contract.is_active
    is_party = contract.role_of(request.user) is not None
    prefund_weeks = (
        tuple(services.week_prefund_weeks(contract))
        if contract.is_hourly and contract.is_active
        else ()
    )
    key = (
        contract.pk,
        contract.status,
        contract.pay_type,
        contract.currency,
        str(contract.rate),
        str(contract.weekly_hour_cap),
        is_client,
        available,
        is_party,
        prefund_weeks,
        escrow_state(contract),
    )

    def build() -> dict:
        summary = escrow_summary(contract)
        can_fund = (
            not contract.is_hourly
            and open_for_money
            and not summary["milestones"]
            and not summary["is_funded"]
            and not summary["released"]
        )
        return {
            "contract": contract,
            "summary": summary,
            "can_fund": can_fund,
            "can_fund_milestones": open_for_money and not contract.is_hourly,
            "can_plan": open_for_money and not contract.is_hourly and not summary["payments"],
            # Paying an approved week stays possible after the contract ended: the VA
            # worked those hours; pre-funding needs an active contract.
            "can_pay_weeks": is_client and available,
            "can_prefund": open_for_money and contract.weekly_hour_cap is not None,
            "prefund_cap": services.week_prefund_cap(contract),
            "is_party": is_party,
        }

    return fragments.bind(fragments.cached("payments/_panel.html", key, build), request)


@require_POST
@login_required
@limit_posts("payment_fund")
def fund(request, pk: int, milestone_id: int | None = None):
    contract = _get_contract_for_party(request, pk)
    milestone = (
        get_object_or_404(Milestone, pk=milestone_id, contract=contract) if milestone_id else None
    )
    try:
        payment = services.funding_start(
            contract=contract, client=request.user, milestone=milestone
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect(reverse("contracts:workspace", args=[contract.pk]) + "#escrow")
    return redirect(payment.get_checkout_url())


def _week_fund(request, pk: int, start):
    contract = _get_contract_for_party(request, pk)
    back = reverse("contracts:workspace", args=[contract.pk]) + "#escrow"
    form = WeekFundForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
        return redirect(back)
    try:
        payment = start(contract=contract, client=request.user, **form.cleaned_data)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect(back)
    return redirect(payment.get_checkout_url())


@require_POST
@login_required
@limit_posts("payment_fund")
def week_pay(request, pk: int):
    """Pay this week: the checkout for what an approved week of an hourly contract owes."""

    def start(*, contract, client, week, hours):
        return services.week_pay_start(contract=contract, client=client, week=week)

    return _week_fund(request, pk, start)


@require_POST
@login_required
@limit_posts("payment_fund")
def week_prefund(request, pk: int):
    """Pre-fund the current or next week of an hourly contract, up to the weekly cap."""
    return _week_fund(request, pk, services.week_prefund_start)


@require_POST
def milestone_approve(request, pk: int, milestone_id: int):
    contract = _get_contract_for_party(request, pk)
    milestone = get_object_or_404(Milestone, pk=milestone_id, contract=contract)
    try:
        services.milestone_approve(milestone=milestone, client=request.user)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("Milestone approved: its payment is released to the VA."))
    return redirect(reverse("contracts:workspace", args=[contract.pk]) + "#escrow")


@require_http_methods(["GET", "POST"])
def milestones(request, pk: int):
    """The client splits the contract into milestones adding up to the agreed price."""
    contract = _get_contract_for_party(request, pk)
    if not (permissions.can_fund(request.user, contract) or request.user.is_staff):
        raise Http404
    plan_errors: list[str] = []
    if request.method == "POST":
        formset = MilestoneFormSet(request.POST, prefix="milestones")
        if formset.is_valid():
            items = [form.cleaned_data for form in formset.forms if form.cleaned_data]
            try:
                services.milestones_plan(contract=contract, client=request.user, items=items)
            except ValidationError as exc:
                plan_errors = exc.messages
            else:
                messages.success(request, _("Milestones saved. Fund the first one to start."))
                return redirect(reverse("contracts:workspace", args=[contract.pk]) + "#escrow")
        status = 400
    else:
        initial = list(contract.milestones.values("title", "amount", "due_date"))
        formset = MilestoneFormSet(
            prefix="milestones", initial=initial or [{"amount": contract.rate}]
        )
        status = 200
    return render(
        request,
        "payments/milestones.html",
        {"contract": contract, "job": contract.job, "formset": formset, "plan_errors": plan_errors},
        status=status,
    )


def _render_checkout(request, payment: Payment, form, status: int = 200):
    return render(
        request,
        "payments/sandbox_checkout.html",
        {
            "payment": payment,
            "contract": payment.contract,
            "form": form,
            "can_act": permissions.can_act_on_checkout(request.user, payment)
            and payment.status == Payment.Status.PENDING,
        },
        status=status,
    )


@require_GET
def sandbox_checkout(request, reference):
    """The sandbox's hosted checkout page (a real provider's page stands here later)."""
    payment = _get_checkout(request, reference)
    return _render_checkout(request, payment, SandboxOutcomeForm())


@require_POST
def sandbox_act(request, reference):
    """Pay / fail / expire: the sandbox signs the provider's event and delivers it to our
    webhook intake (the same verification and storage as an HTTP delivery)."""
    payment = _get_checkout(request, reference)
    if not permissions.can_act_on_checkout(request.user, payment):
        raise Http404
    form = SandboxOutcomeForm(request.POST)
    if not form.is_valid():
        return _render_checkout(request, payment, form, status=400)
    if payment.status != Payment.Status.PENDING:
        messages.error(request, _("This checkout is closed."))
        return redirect(payment.get_checkout_url())
    body = sandbox.event_body(payment=payment, outcome=form.cleaned_data["outcome"])
    services.webhook_receive(provider="sandbox", body=body, signature=sandbox.sign(body))
    messages.info(
        request,
        _(
            "The payment provider has your answer. The contract shows it as funded once the provider confirms the payment."
        ),
    )
    return redirect(reverse("contracts:workspace", args=[payment.contract_id]) + "#escrow")


@csrf_exempt
@require_POST
def webhook(request, provider: str):
    """A provider's webhook: verified, stored, answered at once; processed by a task."""
    header = providers.SIGNATURE_HEADERS.get(provider)
    if header is None:
        raise Http404
    try:
        event = services.webhook_receive(
            provider=provider, body=request.body, signature=request.META.get(header, "")
        )
    except services.WebhookRefused as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"received": event.event_id})


@require_http_methods(["GET", "POST"])
@limit_posts("dispute_open")
def dispute_open(request, pk: int):
    """A party disputes a held payment: the money stays in escrow until a moderator
    settles it. Only the contract's two parties (staff settle disputes, never open them)."""
    contract = _get_contract_for_party(request, pk)
    if contract.role_of(request.user) is None:
        raise Http404
    payments = services.disputable(contract)
    if request.method == "POST":
        form = DisputeForm(request.POST, request.FILES, payments=payments)
        if form.is_valid():
            try:
                services.dispute_open(
                    contract=contract,
                    user=request.user,
                    payment_id=form.cleaned_data["payment"],
                    reason=form.cleaned_data["reason"],
                    files=form.cleaned_data["files"],
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Dispute opened. The money stays in escrow until a moderator settles it."),
                )
                return redirect("payments:statement", pk=contract.pk)
        status = 400
    else:
        form = DisputeForm(payments=payments)
        status = 200
    return render(
        request,
        "payments/dispute_open.html",
        {"contract": contract, "job": contract.job, "form": form, "payments": payments},
        status=status,
    )


@require_GET
def dispute_file(request, pk: int, file_id):
    contract = _get_contract_for_party(request, pk)
    attachment = get_object_or_404(DisputeFile, pk=file_id, dispute__contract=contract)
    return serve_private_file(
        attachment.file,
        download_name=attachment.original_name,
        content_type=attachment.content_type,
    )


@require_GET
def statement(request, pk: int):
    """The contract's money: each funding, release (with its fee) and refund."""
    contract = _get_contract_for_party(request, pk)
    is_party = contract.role_of(request.user) is not None
    # Kept whole per viewer (fragments.page) while the money and the names it shows stay
    # the same: a repeat view costs the narrow state query, not the summary and rendering.
    key = (
        "statement",
        contract.pk,
        contract.job.title,
        contract.client.display_name,
        contract.va.display_name,
        is_party,
        escrow_state(contract),
    )

    def build() -> dict:
        return {
            "contract": contract,
            "job": contract.job,
            "summary": escrow_summary(contract),
            "is_party": is_party,
        }

    return fragments.page(request, "payments/statement.html", key, build)


PAYOUT_HISTORY_LENGTH = 20


@require_POST
@login_required
@limit_posts("payout_request")
def withdraw(request):
    """Withdraw my whole available balance in one currency (the amount is the server's)."""
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
        return redirect("payments:balance")
    try:
        payout = services.payout_request(va=request.user, currency=form.cleaned_data["currency"])
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect("payments:balance")
    if payout.provider == providers.SANDBOX:
        return redirect(payout.get_sandbox_url())
    messages.success(
        request,
        _("Your withdrawal is on its way. Its status changes here once the provider confirms it."),
    )
    return redirect("payments:balance")


@login_required
@require_http_methods(["GET", "POST"])
def payout_method(request):
    """Where my withdrawals go: a bank account or e-wallet for Rupiah, a Stripe account
    for dollars (one per currency)."""
    currency = request.POST.get("currency") or request.GET.get("currency") or "IDR"
    instance = PayoutMethod.objects.filter(va=request.user, currency=currency).first()
    if request.method == "POST":
        form = PayoutMethodForm(request.POST, instance=instance)
        if form.is_valid():
            data = dict(form.cleaned_data)
            services.payout_method_save(va=request.user, currency=data.pop("currency"), **data)
            messages.success(request, _("Payout details saved."))
            return redirect("payments:balance")
        status = 400
    else:
        form = PayoutMethodForm(instance=instance, initial={"currency": currency})
        status = 200
    return render(request, "payments/payout_method.html", {"form": form}, status=status)


def _get_payout(request, reference) -> Payout:
    payout = get_object_or_404(Payout, reference=reference)
    if not permissions.can_view_payout(request.user, payout):
        raise Http404
    return payout


def _render_payout(request, payout: Payout, form, status: int = 200):
    return render(
        request,
        "payments/sandbox_payout.html",
        {
            "payout": payout,
            "form": form,
            "can_act": permissions.can_act_on_payout(request.user, payout)
            and payout.status == Payout.Status.PENDING,
        },
        status=status,
    )


@require_GET
def sandbox_payout(request, reference):
    """The sandbox's view of a transfer on its way (a real provider sends it by itself)."""
    return _render_payout(request, _get_payout(request, reference), SandboxPayoutForm())


@require_POST
def sandbox_payout_act(request, reference):
    payout = _get_payout(request, reference)
    if not permissions.can_act_on_payout(request.user, payout):
        raise Http404
    form = SandboxPayoutForm(request.POST)
    if not form.is_valid():
        return _render_payout(request, payout, form, status=400)
    if payout.status != Payout.Status.PENDING:
        messages.error(request, _("This withdrawal is already settled."))
        return redirect(payout.get_sandbox_url())
    body = sandbox.payout_event_body(payout=payout, outcome=form.cleaned_data["outcome"])
    services.webhook_receive(provider="sandbox", body=body, signature=sandbox.sign(body))
    messages.info(
        request,
        _("The payment provider has your answer. Your balance changes once it is processed."),
    )
    return redirect("payments:balance")


@login_required
@require_GET
def balance(request):
    """My balances (available, pending payout) per currency and the latest movements."""
    accounts, balances = va_balances(request.user)
    history = list(
        Entry.objects.filter(account__in=accounts)
        .select_related("account", "transaction__contract__job")
        .order_by("-created_at", "-pk")[:HISTORY_LENGTH]
    )
    payouts = list(Payout.objects.filter(va=request.user)[:PAYOUT_HISTORY_LENGTH])
    return render(
        request,
        "payments/balance.html",
        {
            "balances": balances,
            "history": history,
            "history_length": HISTORY_LENGTH,
            "payouts": payouts,
        },
    )


@require_GET
def receipt(request, pk: int):
    """A printable receipt for one movement: a payment, release (with its fee), refund or
    withdrawal. Contract movements for its parties and staff; withdrawals for their VA."""
    transaction = get_object_or_404(
        LedgerTransaction.objects.select_related(
            "contract__job", "contract__client", "contract__va", "payment__milestone", "payout__va"
        ),
        pk=pk,
    )
    if not permissions.can_view_receipt(request.user, transaction):
        raise Http404
    return render(request, "payments/receipt.html", {"t": transaction})


@login_required
@require_GET
def earnings(request):
    """My earnings as a VA: what was released to me per month and currency, gross, the
    platform fee and what I received. One grouped query, however many releases."""
    months = list(
        LedgerTransaction.objects.filter(
            kind=LedgerTransaction.Kind.RELEASE, contract__va=request.user
        )
        .annotate(month=TruncMonth("created_at"))
        .values("month", "currency")
        .annotate(gross=Sum("amount"), fee=Sum("fee"), count=Count("pk"))
        .order_by("-month", "currency")
    )
    for row in months:
        row["net"] = row["gross"] - row["fee"]
    # The grouped rows are all the page shows: kept whole per viewer under them.
    key = ("earnings", tuple(tuple(row.values()) for row in months))
    return fragments.page(request, "payments/earnings.html", key, lambda: {"months": months})
