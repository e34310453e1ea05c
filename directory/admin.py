from django.contrib import admin

from directory.models import SavedJob, SavedVA


@admin.register(SavedVA)
class SavedVAAdmin(admin.ModelAdmin):
    list_display = ("client", "va", "created_at")
    list_select_related = ("client", "va")
    raw_id_fields = ("client", "va")
    search_fields = ("client__email", "va__email")


@admin.register(SavedJob)
class SavedJobAdmin(admin.ModelAdmin):
    list_display = ("va", "job", "created_at")
    list_select_related = ("va", "job")
    raw_id_fields = ("va", "job")
    search_fields = ("va__email", "job__title")
