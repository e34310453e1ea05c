"""Profiles: my profiles, editing my own, portfolio items, a VA's public page, role switch.

Nothing here takes a user id for writing: every edit URL acts on request.user.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services
from accounts.forms import (
    AccountForm,
    ClientProfileForm,
    PortfolioItemForm,
    RoleEnableForm,
    VAProfileForm,
)
from accounts.models import ClientProfile, PortfolioItem, User, VAProfile
from accounts.permissions import can_download_portfolio_files_of, portfolio_items_downloadable_by
from jobs.models import Category, Skill
from marketplace.storage import serve_private_file


def _apply_errors(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to its field when it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _va_profile_with_details(user: User) -> VAProfile | None:
    return (
        VAProfile.objects.filter(user=user)
        .prefetch_related(
            Prefetch("skills", queryset=Skill.objects.order_by("name")),
            Prefetch("categories", queryset=Category.objects.all()),
            "portfolio_items",
        )
        .first()
    )


@require_GET
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "va_profile": _va_profile_with_details(user) if user.is_va else None,
        "client_profile": ClientProfile.objects.filter(user=user).first()
        if user.is_client
        else None,
        "mfa_enabled": is_mfa_enabled(user),
        "unverified_email": not EmailAddress.objects.filter(
            user=user, email__iexact=user.email, verified=True
        ).exists(),
    }
    return render(request, "accounts/profile.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    va_profile = VAProfile.objects.filter(user=user).first() if user.is_va else None
    client_profile = ClientProfile.objects.filter(user=user).first() if user.is_client else None
    data = request.POST if request.method == "POST" else None
    account_form = AccountForm(data, instance=user, prefix="account")
    va_form = (
        VAProfileForm(data, instance=va_profile or VAProfile(user=user), prefix="va")
        if user.is_va
        else None
    )
    client_form = (
        ClientProfileForm(
            data, instance=client_profile or ClientProfile(user=user), prefix="client"
        )
        if user.is_client
        else None
    )
    forms = [f for f in (account_form, va_form, client_form) if f is not None]
    if request.method == "POST" and all(f.is_valid() for f in forms):
        try:
            services.profile_update(
                user=user,
                user_data=account_form.cleaned_data,
                va_data=va_form.service_data() if va_form else None,
                client_data=client_form.service_data() if client_form else None,
            )
        except ValidationError as error:
            user.refresh_from_db()
            _apply_errors(
                va_form if va_form and hasattr(error, "error_dict") else account_form, error
            )
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
    elif request.method == "POST":
        # ModelForm validation writes the submitted values onto the instance; the page header
        # must keep showing what is saved.
        user.refresh_from_db()
    return render(
        request,
        "accounts/edit.html",
        {"account_form": account_form, "va_form": va_form, "client_form": client_form},
    )


@require_POST
@login_required
def role_enable(request: HttpRequest) -> HttpResponse:
    form = RoleEnableForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role to switch on."))
        return redirect("accounts:profile")
    role = form.cleaned_data["role"]
    services.role_enable(user=request.user, role=role)
    if role == "va":
        messages.success(
            request, _("You can now work as a VA. Fill in your VA profile so clients can find you.")
        )
    else:
        messages.success(
            request, _("You can now hire VAs. Tell VAs a little about you or your company.")
        )
    return redirect("accounts:edit")


def _own_portfolio_item(request: HttpRequest, pk: int) -> PortfolioItem:
    return get_object_or_404(PortfolioItem.objects.filter(profile__user=request.user), pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def portfolio_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_va:
        messages.info(request, _("Switch on working as a VA to keep a portfolio."))
        return redirect("accounts:profile")
    form = PortfolioItemForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portfolio_item_create(
                user=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                link=form.cleaned_data["link"],
                file=form.cleaned_data["file"],
                show_preview=form.cleaned_data["show_preview"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Added to your portfolio."))
            return redirect("accounts:profile")
    return render(request, "accounts/portfolio_form.html", {"form": form, "item": None})


@require_http_methods(["GET", "POST"])
@login_required
def portfolio_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _own_portfolio_item(request, pk)
    form = PortfolioItemForm(request.POST or None, request.FILES or None, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.portfolio_item_update(
                item=item,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                link=form.cleaned_data["link"],
                file=form.cleaned_data["file"],
                remove_file=form.cleaned_data.get("remove_file", False),
                show_preview=form.cleaned_data["show_preview"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Portfolio item saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/portfolio_form.html", {"form": form, "item": item})


@require_POST
@login_required
def portfolio_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = _own_portfolio_item(request, pk)
    services.portfolio_item_delete(item=item)
    messages.success(request, _("Portfolio item deleted."))
    return redirect("accounts:profile")


@require_GET
@login_required
def portfolio_file(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(portfolio_items_downloadable_by(request.user).exclude(file=""), pk=pk)
    return serve_private_file(
        item.file,
        download_name=item.original_name or "portfolio",
        content_type=item.content_type,
        inline=True,
    )


@require_GET
def portfolio_preview(request: HttpRequest, va_id: int, pk: int) -> HttpResponse:
    """The small public copy of a picture its VA chose to show (the file stays private).

    Streamed rather than redirected to storage, so the page's `img-src 'self'` holds with
    S3 too and browsers may keep it a few minutes.
    """
    item = get_object_or_404(
        PortfolioItem.objects.filter(
            profile__user__in=User.objects.public_vas(), profile__user_id=va_id, show_preview=True
        ).exclude(thumbnail=""),
        pk=pk,
    )
    with item.thumbnail.open("rb") as fh:
        response = HttpResponse(fh.read(), content_type="image/webp")
    response["Cache-Control"] = "public, max-age=300"
    response["Content-Disposition"] = 'inline; filename="preview.webp"'
    return response


@require_GET
def va_public(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(
        VAProfile.objects.filter(user__in=User.objects.public_vas())
        .select_related("user")
        .prefetch_related(
            Prefetch("skills", queryset=Skill.objects.order_by("name")),
            Prefetch("categories", queryset=Category.objects.all()),
            "portfolio_items",
        ),
        user_id=pk,
    )
    return render(
        request,
        "accounts/va_public.html",
        {
            "va": profile.user,
            "profile": profile,
            "can_download_files": can_download_portfolio_files_of(request.user, profile.user),
        },
    )
