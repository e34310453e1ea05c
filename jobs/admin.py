from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jobs import services
from jobs.models import Category, Job, JobAttachment, ManualVersion, Skill


class ManualVersionInline(admin.StackedInline):
    model = ManualVersion
    extra = 0
    fields = ("number", "body", "checklist", "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")
    ordering = ("-number",)


class JobAttachmentInline(admin.TabularInline):
    model = JobAttachment
    extra = 0
    fields = ("original_name", "content_type", "size", "created_at")
    readonly_fields = fields
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False  # uploads go through the manual page, which checks the file's content


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "client",
        "category",
        "status",
        "pay_type",
        "max_rate",
        "currency",
        "bid_count",
        "published_at",
        "hidden_at",
    )
    list_filter = (
        "status",
        "pay_type",
        "currency",
        "category",
        ("hidden_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("title", "description", "client__email", "client__name")
    list_select_related = ("client", "category")
    raw_id_fields = ("client",)
    autocomplete_fields = ("skills",)
    date_hierarchy = "published_at"
    readonly_fields = (
        "created_at",
        "updated_at",
        "published_at",
        "bid_count",
        "bids_seen_at",
        "closing_soon_notified_at",
    )
    fieldsets = (
        (None, {"fields": ("client", "title", "description", "category", "skills")}),
        (_("Pay"), {"fields": ("pay_type", "max_rate", "currency")}),
        (
            _("Work details"),
            {
                "fields": (
                    "hours_per_week",
                    "duration",
                    "deliverables",
                    "deadline",
                    "preferred_timezone",
                    "working_hours",
                    "closes_at",
                )
            },
        ),
        (
            _("Status"),
            {
                "fields": (
                    "status",
                    "published_at",
                    "bid_count",
                    "bids_seen_at",
                    "closing_soon_notified_at",
                )
            },
        ),
        (_("Moderation"), {"fields": ("hidden_at", "hidden_reason")}),
        (_("Audit"), {"fields": ("created_at", "updated_at")}),
    )
    # A list, so other apps' admins (bids) can append their inline.
    inlines = [ManualVersionInline, JobAttachmentInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Title, description, category or skills may have changed: keep search current.
        services.search_vectors_refresh(job_ids=[form.instance.pk])


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_id", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name_en", "name_id", "slug")
    prepopulated_fields = {"slug": ("name_en",)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"name_en", "name_id"} & set(form.changed_data):
            services.category_jobs_refresh(category=obj)
        elif not change:
            services.catalogue_changed()  # a new choice in every process's filter forms


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    # Skill names are on cached cards and filter forms in every process.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.catalogue_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.catalogue_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.catalogue_changed()


@admin.register(ManualVersion)
class ManualVersionAdmin(admin.ModelAdmin):
    list_display = ("job", "number", "created_at", "updated_at")
    list_select_related = ("job",)
    search_fields = ("job__title", "body")
    raw_id_fields = ("job",)
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "created_at"


@admin.register(JobAttachment)
class JobAttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "job", "content_type", "size", "created_at")
    list_select_related = ("job",)
    list_filter = ("content_type",)
    search_fields = ("original_name", "job__title")
    raw_id_fields = ("job",)
    readonly_fields = ("file", "original_name", "content_type", "size", "created_at")

    def has_add_permission(self, request):
        return False  # uploads go through the manual page, which checks the file's content
