"""Staff read the ledger here; nothing in it is edited by hand (every write is a service)."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from marketplace.templatetags.money import format_money
from payments import reconciliation, services
from payments.forms import DisputeSettleForm, ReconciliationResolveForm, form_errors
from payments.models import (
    Account,
    Dispute,
    DisputeFile,
    Entry,
    LedgerTransaction,
    Milestone,
    Payment,
    Payout,
    ReconciliationIssue,
    ReconciliationRun,
    WebhookEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EntryInline(ReadOnlyInline):
    model = Entry
    fields = ["account", "amount", "currency", "created_at"]
    readonly_fields = fields


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["kind", "currency", "user", "contract", "balance", "updated_at"]
    list_filter = ["kind", "currency"]
    list_select_related = ["user", "contract__job"]
    search_fields = ["user__email", "contract__job__title"]


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "amount", "fee", "currency", "contract", "created_at"]
    list_filter = ["kind", "currency"]
    list_select_related = ["contract__job", "contract__va"]
    inlines = [EntryInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "contract", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "provider", "currency"]
    list_select_related = ["contract__job", "contract__va"]
    search_fields = ["reference"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "provider", "event_type", "status", "received_at", "processed_at"]
    list_filter = ["provider", "status", "event_type"]
    search_fields = ["event_id"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["contract", "position", "title", "amount", "due_date", "approved_at"]
    list_select_related = ["contract__job"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["reference", "va", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "currency"]
    list_select_related = ["va"]
    search_fields = ["reference", "va__email"]


class DisputeFileInline(ReadOnlyInline):
    model = DisputeFile
    fields = ["download", "content_type", "size", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.original_name)


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    """Moderators read the dispute here and settle it on its own page (`settle_view`):
    release it all, refund it all, or split it, with a reason. Every settlement goes
    through payments.services.dispute_settle, which writes the ledger and the audit record."""

    list_display = ["pk", "contract", "payment", "opened_by", "status", "outcome", "created_at"]
    list_filter = ["status", "outcome"]
    list_select_related = ["contract__job", "payment", "opened_by"]
    search_fields = ["contract__job__title", "opened_by__email"]
    readonly_fields = [
        "contract",
        "payment",
        "held",
        "opened_by",
        "reason",
        "status",
        "outcome",
        "va_amount",
        "client_amount",
        "settlement_reason",
        "settled_by",
        "settled_at",
        "settle_link",
    ]
    fields = readonly_fields
    inlines = [DisputeFileInline]

    def get_urls(self):
        return [
            path(
                "<int:object_id>/settle/",
                self.admin_site.admin_view(self.settle_view),
                name="payments_dispute_settle",
            )
        ] + super().get_urls()

    @admin.display(description=_("held amount"))
    def held(self, obj):
        return format_money(obj.payment.amount, obj.payment.currency)

    @admin.display(description=_("settle"))
    def settle_link(self, obj):
        if obj.status != Dispute.Status.OPEN:
            return "—"
        url = reverse("admin:payments_dispute_settle", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Settle this dispute"))

    def settle_view(self, request, object_id: int):
        if not request.user.has_perm("payments.change_dispute"):
            raise PermissionDenied
        dispute = get_object_or_404(
            Dispute.objects.select_related("contract__job", "payment__milestone", "opened_by"),
            pk=object_id,
        )
        status = 200
        if request.method == "POST":
            form = DisputeSettleForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.dispute_settle(
                        dispute_id=dispute.pk,
                        moderator=request.user,
                        outcome=data["outcome"],
                        reason=data["reason"],
                        va_amount=data["va_amount"],
                        client_amount=data["client_amount"],
                        currency=data["currency"],
                    )
                except ValidationError as exc:
                    form_errors(form, exc)
                else:
                    messages.success(request, _("Dispute settled; both parties are notified."))
                    return redirect("admin:payments_dispute_change", dispute.pk)
            status = 400
        else:
            form = DisputeSettleForm(initial={"currency": dispute.payment.currency})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Settle dispute %(id)s") % {"id": dispute.pk},
            "dispute": dispute,
            "form": form,
            "fee_percent": services.platform_fee_percent(),
        }
        return TemplateResponse(
            request, "admin/payments/dispute_settle.html", context, status=status
        )


# --- reconciliation ----------------------------------------------------------------------


_ISSUE_FIELDS = [
    "kind",
    "payment",
    "payout",
    "reference",
    "provider_id",
    "our_money",
    "provider_money",
    "our_status",
    "provider_status",
    "resolved",
    "resolved_by",
    "resolved_at",
    "note",
]


class _IssueMoney:
    @admin.display(description=_("our amount"))
    def our_money(self, obj):
        if obj.our_amount is None:
            return "—"
        return format_money(obj.our_amount, obj.our_currency)

    @admin.display(description=_("provider's amount"))
    def provider_money(self, obj):
        if obj.provider_amount is None:
            return "—"
        return format_money(obj.provider_amount, obj.provider_currency)


class ReconciliationIssueInline(_IssueMoney, ReadOnlyInline):
    model = ReconciliationIssue
    fields = _ISSUE_FIELDS
    readonly_fields = fields

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    """Each day's comparison per provider and currency, read-only (written by the daily
    task and `manage.py reconcile`), with the differences it found."""

    list_display = [
        "day",
        "provider",
        "currency",
        "status",
        "our_count",
        "provider_count",
        "finished_at",
    ]
    list_filter = ["status", "provider", "currency"]
    date_hierarchy = "day"
    fields = [
        "provider",
        "currency",
        "day",
        "status",
        "started_at",
        "finished_at",
        "our_count",
        "provider_count",
        "error",
    ]
    readonly_fields = fields
    inlines = [ReconciliationIssueInline]


@admin.register(ReconciliationIssue)
class ReconciliationIssueAdmin(_IssueMoney, ReadOnlyAdmin):
    """The differences, to work through: filter the open ones, check each against the
    provider's dashboard, then "Mark resolved" with a note (recorded in moderation)."""

    list_display = [
        "pk",
        "run",
        "kind",
        "reference",
        "our_money",
        "provider_money",
        "our_status",
        "provider_status",
        "resolved",
    ]
    list_filter = ["resolved", "kind", "run__provider", "run__currency"]
    list_select_related = ["run"]
    search_fields = ["reference", "provider_id"]
    fields = ["run"] + _ISSUE_FIELDS
    readonly_fields = fields
    actions = ["mark_resolved"]

    def has_change_permission(self, request, obj=None):
        # Only through the action (and its service); the change form stays read-only.
        return obj is None and request.user.has_perm("payments.change_reconciliationissue")

    @admin.action(description=_("Mark resolved"), permissions=["change"])
    def mark_resolved(self, request, queryset):
        """Ask for a note, then resolve the selected open issues with it."""
        form = ReconciliationResolveForm(request.POST if "apply" in request.POST else None)
        status = 200
        if "apply" in request.POST:
            if form.is_valid():
                try:
                    count = reconciliation.issues_resolve(
                        issue_ids=queryset.values_list("pk", flat=True),
                        moderator=request.user,
                        note=form.cleaned_data["note"],
                    )
                except ValidationError as exc:
                    form_errors(form, exc)
                else:
                    self.message_user(
                        request,
                        _("%(count)d issue(s) marked resolved.") % {"count": count},
                        messages.SUCCESS,
                    )
                    return None
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Mark reconciliation issues resolved"),
            "issues": queryset.select_related("run"),
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/payments/reconciliation_resolve.html", context, status=status
        )
