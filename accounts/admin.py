from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import ClientProfile, PortfolioItem, User, VAProfile


class UserChangeFormNoUsername(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        # The editable fields of UserAdmin.fieldsets, named so nothing else can be posted.
        fields = (
            "email",
            "password",
            "name",
            "language",
            "timezone",
            "is_client",
            "is_va",
            "suspended_at",
            "suspension_reason",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        )


class UserCreationFormNoUsername(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)


class SuspendedFilter(admin.SimpleListFilter):
    title = _("suspended")
    parameter_name = "suspended"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(suspended_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(suspended_at__isnull=True)
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeFormNoUsername
    add_form = UserCreationFormNoUsername
    list_display = (
        "email",
        "name",
        "is_client",
        "is_va",
        "is_staff",
        "language",
        "suspended_at",
        "date_joined",
    )
    list_filter = ("is_client", "is_va", "is_staff", SuspendedFilter, "is_active", "language")
    search_fields = ("email", "name")
    ordering = ("-date_joined",)
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("name", "language", "timezone")}),
        (_("Roles"), {"fields": ("is_client", "is_va")}),
        (_("Moderation"), {"fields": ("suspended_at", "suspension_reason")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ("groups", "user_permissions")


class PortfolioItemInline(admin.TabularInline):
    model = PortfolioItem
    extra = 0
    fields = ("title", "link", "original_name", "content_type", "size", "created_at")
    readonly_fields = ("original_name", "content_type", "size", "created_at")
    show_change_link = True


@admin.register(VAProfile)
class VAProfileAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "headline",
        "hourly_rate",
        "currency",
        "years_experience",
        "country",
        "availability",
    )
    list_filter = ("currency", "availability", "categories")
    list_select_related = ("user",)
    search_fields = ("user__email", "user__name", "headline", "country")
    raw_id_fields = ("user",)
    filter_horizontal = ("skills", "categories")
    readonly_fields = ("updated_at", "rating_average", "rating_count", "completed_contracts")
    inlines = [PortfolioItemInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Headline, bio, skills or portfolio titles may have changed: keep the directory's
        # search current.
        services.va_search_vectors_refresh(profile_ids=[form.instance.pk])


@admin.register(ClientProfile)
class ClientProfileAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "website", "updated_at")
    list_select_related = ("user",)
    search_fields = ("display_name", "user__email", "user__name")
    raw_id_fields = ("user",)
    readonly_fields = ("updated_at",)


@admin.register(PortfolioItem)
class PortfolioItemAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "link", "original_name", "content_type", "size", "created_at")
    list_filter = ("content_type",)
    list_select_related = ("profile__user",)
    search_fields = ("title", "profile__user__email", "profile__user__name")
    raw_id_fields = ("profile",)
    readonly_fields = ("file", "original_name", "content_type", "size", "created_at")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.va_search_vectors_refresh(profile_ids=[obj.profile_id])

    @admin.display(description=_("VA"), ordering="profile__user__email")
    def owner(self, item: PortfolioItem) -> str:
        return str(item.profile.user)
