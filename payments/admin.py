"""Staff read the ledger here; nothing in it is edited by hand (every write is a service)."""

from django.contrib import admin

from payments.models import (
    Account,
    Entry,
    LedgerTransaction,
    Milestone,
    Payment,
    Payout,
    WebhookEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    fields = ["account", "amount", "currency", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


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
