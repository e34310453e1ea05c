"""Contracts in the admin: every model, related rows joined (no query per row)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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

FILE_FIELDS = ("id", "original_name", "content_type", "size", "sha256", "created_at")


class MessageAttachmentInline(admin.TabularInline):
    model = MessageAttachment
    extra = 0
    fields = ("original_name", "content_type", "size", "created_at")
    readonly_fields = fields
    can_delete = False


class DeliverableFileInline(admin.TabularInline):
    model = DeliverableFile
    extra = 0
    fields = ("original_name", "content_type", "size", "created_at")
    readonly_fields = fields
    can_delete = False


class HourEntryInline(admin.TabularInline):
    model = HourEntry
    extra = 0
    fields = ("work_date", "hours", "memo", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "job",
        "client",
        "va",
        "pay_type",
        "rate",
        "currency",
        "status",
        "started_at",
        "ended_at",
    )
    list_filter = ("status", "pay_type", "currency")
    search_fields = ("job__title", "client__email", "client__name", "va__email", "va__name")
    list_select_related = ("job", "client", "va")
    raw_id_fields = ("job", "bid", "client", "va", "manual_version", "ended_by")
    readonly_fields = (
        "started_at",
        "ended_at",
        "ended_by",
        "client_last_read_at",
        "va_last_read_at",
    )
    date_hierarchy = "started_at"


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "contract", "author", "excerpt", "created_at")
    search_fields = ("body", "author__email", "contract__job__title")
    list_select_related = ("contract__job", "contract__va", "author")
    raw_id_fields = ("contract", "author")
    readonly_fields = ("created_at", "updated_at")
    inlines = [MessageAttachmentInline]
    date_hierarchy = "created_at"

    @admin.display(description=_("message"))
    def excerpt(self, obj: Message) -> str:
        return obj.body[:80]


@admin.register(MessageAttachment)
class MessageAttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "content_type", "size", "message", "created_at")
    list_filter = ("content_type",)
    search_fields = ("original_name", "sha256")
    list_select_related = ("message__author",)
    raw_id_fields = ("message",)
    readonly_fields = (*FILE_FIELDS, "file")


@admin.register(Deliverable)
class DeliverableAdmin(admin.ModelAdmin):
    list_display = ("id", "contract", "status", "amount", "submitted_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("note", "contract__job__title")
    list_select_related = ("contract__job", "contract__va")
    raw_id_fields = ("contract",)
    readonly_fields = ("submitted_at", "decided_at")
    inlines = [DeliverableFileInline]


@admin.register(DeliverableFile)
class DeliverableFileAdmin(admin.ModelAdmin):
    list_display = ("original_name", "content_type", "size", "deliverable", "created_at")
    list_filter = ("content_type",)
    search_fields = ("original_name", "sha256")
    list_select_related = ("deliverable",)
    raw_id_fields = ("deliverable",)
    readonly_fields = (*FILE_FIELDS, "file")


@admin.register(Timesheet)
class TimesheetAdmin(admin.ModelAdmin):
    list_display = ("contract", "week_start", "total_hours", "status", "amount", "decided_at")
    list_filter = ("status",)
    search_fields = ("contract__job__title", "contract__va__email")
    list_select_related = ("contract__job", "contract__va")
    raw_id_fields = ("contract",)
    readonly_fields = ("total_hours", "amount", "decided_at")
    inlines = [HourEntryInline]
    date_hierarchy = "week_start"


@admin.register(HourEntry)
class HourEntryAdmin(admin.ModelAdmin):
    list_display = ("work_date", "hours", "memo", "contract", "created_at")
    search_fields = ("memo", "contract__job__title")
    list_select_related = ("contract__job", "contract__va")
    raw_id_fields = ("contract", "timesheet")
    readonly_fields = ("created_at",)
    date_hierarchy = "work_date"


@admin.register(PaymentMark)
class PaymentMarkAdmin(admin.ModelAdmin):
    list_display = ("contract", "amount", "currency", "marked_by", "marked_at", "confirmed_at")
    list_filter = ("currency", ("confirmed_at", admin.EmptyFieldListFilter))
    search_fields = ("contract__job__title", "note")
    list_select_related = ("contract__job", "contract__va", "marked_by")
    raw_id_fields = ("contract", "timesheet", "deliverable", "marked_by", "confirmed_by")
    readonly_fields = ("marked_at", "confirmed_at")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("contract", "author", "subject", "author_role", "overall", "created_at")
    list_filter = ("author_role", "overall")
    search_fields = ("text", "author__email", "subject__email", "contract__job__title")
    list_select_related = ("contract__job", "contract__va", "author", "subject")
    raw_id_fields = ("contract", "author", "subject")
    readonly_fields = ("created_at",)
