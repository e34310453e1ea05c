from django.contrib import admin

from api.models import PersonalAccessToken


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(admin.ModelAdmin):
    """Read-only: staff see who holds which token and when it was used, never its secret."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__email")
    fields = ("name", "user", "scopes", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False  # made on the profile page, where the token is shown once

    def has_change_permission(self, request, obj=None):
        return False
