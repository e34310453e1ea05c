from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import services
from notifications.models import Delivery, JobAlert, JobAnnouncement, Notification, Preference


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("channel", "status", "attempts", "next_attempt_at", "last_error", "sent_at")
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "recipient", "event_key", "created_at", "read_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("recipient__email", "event_key")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient", "actor")
    readonly_fields = ("created_at",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [DeliveryInline]


@admin.action(description=_("Retry sending the selected failed deliveries"))
def retry_deliveries(modeladmin, request, queryset):
    count = services.delivery_retry(delivery_ids=list(queryset.values_list("id", flat=True)))
    modeladmin.message_user(
        request,
        ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
        % {"count": count},
        messages.SUCCESS,
    )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "short_error",
        "sent_at",
    )
    list_filter = ("status", "channel", "notification__kind")
    search_fields = ("notification__recipient__email", "notification__event_key", "last_error")
    list_select_related = ("notification__recipient",)
    raw_id_fields = ("notification",)
    readonly_fields = ("created_at", "sent_at", "attempts", "last_error")
    actions = [retry_deliveries]
    show_full_result_count = False

    @admin.display(description=_("kind"), ordering="notification__kind")
    def kind(self, obj: Delivery) -> str:
        return obj.notification.kind

    @admin.display(description=_("recipient"), ordering="notification__recipient__email")
    def recipient(self, obj: Delivery) -> str:
        return obj.notification.recipient.email

    @admin.display(description=_("last error"))
    def short_error(self, obj: Delivery) -> str:
        return Truncator(obj.last_error).chars(80)


@admin.register(JobAlert)
class JobAlertAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "pay_type",
        "currency",
        "min_rate",
        "keywords",
        "is_active",
        "created_at",
    )
    list_filter = ("is_active", "pay_type", "currency")
    search_fields = ("name", "keywords", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "email_mode")
    list_filter = ("email_mode", "kind")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(JobAnnouncement)
class JobAnnouncementAdmin(admin.ModelAdmin):
    list_display = ("job_id", "created_at", "started_at", "done_at", "matched")
    list_filter = (("done_at", admin.EmptyFieldListFilter),)
    search_fields = ("=job_id",)
    readonly_fields = ("job_id", "payload", "created_at", "started_at", "done_at", "matched")
