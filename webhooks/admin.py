from django.contrib import admin

from webhooks.models import Attempt, Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    """Read-only, and never the secret: staff see who sends where and how it goes."""

    list_display = (
        "url",
        "user",
        "created_at",
        "disabled_at",
        "deleted_at",
        "consecutive_failures",
    )
    list_filter = ("disabled_at", "deleted_at")
    search_fields = ("url", "user__email")
    fields = (
        "url",
        "user",
        "description",
        "events",
        "created_at",
        "disabled_at",
        "deleted_at",
        "consecutive_failures",
        "last_success_at",
    )
    readonly_fields = fields
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ("number", "at", "status_code", "error", "duration_ms", "response_excerpt")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "endpoint", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status",)
    fields = ("event", "endpoint", "status", "attempts", "next_attempt_at", "created_at", "sent_at")
    readonly_fields = fields
    list_select_related = ("event", "endpoint")
    inlines = [AttemptInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
