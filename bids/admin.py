from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bids.models import Bid, Interview, InterviewSlot, WorkSample


class WorkSampleInline(admin.TabularInline):
    model = WorkSample
    extra = 0
    fields = ("original_name", "content_type", "size", "sha256", "portfolio_item", "created_at")
    readonly_fields = fields
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False  # samples arrive through the bid form, which checks each file's content


class InterviewInline(admin.TabularInline):
    model = Interview
    extra = 0
    fields = ("status", "duration_minutes", "meeting_url", "chosen_slot", "ics_sequence")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Bid)
class BidAdmin(admin.ModelAdmin):
    list_display = ("job", "va", "amount", "currency", "status", "manual_number", "submitted_at")
    list_filter = ("status", "job__pay_type", "job__currency")
    search_fields = ("job__title", "va__email", "va__name", "cover_letter")
    list_select_related = ("job", "va", "manual_version")
    raw_id_fields = ("job", "va", "manual_version")
    readonly_fields = ("created_at", "updated_at", "submitted_at", "decided_at")
    date_hierarchy = "created_at"
    inlines = [WorkSampleInline, InterviewInline]

    @admin.display(description=_("currency"), ordering="job__currency")
    def currency(self, obj: Bid) -> str:
        return obj.job.currency

    @admin.display(description=_("manual version"))
    def manual_number(self, obj: Bid):
        return obj.manual_version.number if obj.manual_version else None


@admin.register(WorkSample)
class WorkSampleAdmin(admin.ModelAdmin):
    list_display = ("original_name", "content_type", "size", "bid", "created_at")
    list_filter = ("content_type",)
    search_fields = ("original_name", "sha256", "bid__job__title", "bid__va__email")
    list_select_related = ("bid__job", "bid__va")
    raw_id_fields = ("bid", "portfolio_item")
    readonly_fields = ("id", "file", "thumbnail", "content_type", "size", "sha256", "created_at")


class InterviewSlotInline(admin.TabularInline):
    model = InterviewSlot
    extra = 0


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "status",
        "chosen_slot",
        "duration_minutes",
        "ics_sequence",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("bid__job__title", "bid__va__email", "bid__job__client__email")
    list_select_related = ("bid__job", "bid__va", "chosen_slot")
    raw_id_fields = ("bid", "chosen_slot", "proposed_by")
    readonly_fields = ("uid", "ics_sequence", "created_at", "updated_at", "reminder_sent_at")
    inlines = [InterviewSlotInline]
