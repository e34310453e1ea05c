"""The VA directory, and the saved VAs / saved tasks lists with their save buttons.

The directory is public. Saving is POST-only, signed-in, CSRF-checked and idempotent; it
works without JavaScript (a redirect back to a safe `next`). The VA or task is looked up
within what the person may see (listed VAs; `Job.objects.visible_to`): anything else 404s.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import VAProfile, card_prefetches
from directory import services
from directory.forms import DirectoryForm
from directory.listing import RESULT_CAP, DirectoryQuery, directory_page
from directory.models import SavedJob, SavedVA
from directory.permissions import can_save_jobs, can_save_vas
from jobs.models import Job, catalogue_version
from marketplace import fragments
from marketplace.fields import active_filter_count
from marketplace.navigation import safe_next_url

# Query-string names that are not filters: they only say which page to show.
_PAGING_PARAMS = ("page", "after", "before")
# The saved page shows the latest this many of each list (and says so when there are more).
SAVED_SHOWN = 200


def _saved_va_ids(user, va_ids: list[int]) -> set[int]:
    """Which of these VAs the signed-in client saved: one query for the whole page."""
    if not can_save_vas(user) or not va_ids:
        return set()
    return set(SavedVA.objects.of(user).filter(va_id__in=va_ids).values_list("va_id", flat=True))


def _card_key(profile: VAProfile) -> tuple:
    """Everything a card's cached body shows: the profile's `updated_at` moves with every
    change to it, its skills and its portfolio (accounts.services), the stored rating and
    contract counts are read as they are, the VA's name from the user row."""
    return (
        profile.pk,
        profile.updated_at,
        profile.user.name,
        profile.rating_average,
        profile.rating_count,
        profile.completed_contracts,
    )


def _cards(request: HttpRequest, profiles: list[VAProfile]) -> list[tuple[VAProfile, str]]:
    """Each profile with its card's body, rendered (with skills and portfolio read in one
    query each) only for the cards whose state no process has rendered before."""
    catalogue = catalogue_version()  # skill names

    def build(missing: list[int]) -> list[dict]:
        chosen = [profiles[i] for i in missing]
        prefetch_related_objects(chosen, *card_prefetches())
        return [{"profile": profile} for profile in chosen]

    bodies = fragments.cached_many(
        "directory/includes/va_card_body.html",
        [(_card_key(p), catalogue) for p in profiles],
        build,
    )
    return [
        (profile, fragments.bind(body, request))
        for profile, body in zip(profiles, bodies, strict=True)
    ]


@require_GET
def vas(request: HttpRequest) -> HttpResponse:
    """The directory. Per request: the capped count, the page's profiles and (for a client)
    which of them they saved; the filter form and the cards' bodies are cached HTML."""
    params = request.GET
    form = DirectoryForm(params if any(n not in _PAGING_PARAMS for n in params) else None)
    query = DirectoryQuery()
    if form.is_bound:
        form.is_valid()  # invalid fields are shown with their message and left out
        query = DirectoryQuery.of(**form.filters())
    try:
        page_number = int(params.get("page", "1"))
    except ValueError:
        page_number = 1
    page = directory_page(
        query, page=page_number, after=params.get("after", ""), before=params.get("before", "")
    )
    base = params.copy()
    for name in _PAGING_PARAMS:
        base.pop(name, None)
    base_query = base.urlencode()
    filters = fragments.cached(
        "directory/includes/filters.html",
        (base_query, catalogue_version()),  # the bound values, their errors, category names
        lambda: {"form": form, "active_filters": active_filter_count(form)},
    )
    return render(
        request,
        "directory/vas.html",
        {
            "filters": fragments.bind(filters, request),
            "page": page,
            "cards": _cards(request, page.profiles),
            "links": page.links(base_query),
            "result_cap": RESULT_CAP,
            "searching": bool(query.q),
            "saved_va_ids": _saved_va_ids(request.user, [p.user_id for p in page.profiles]),
        },
    )


@require_GET
@login_required
def saved(request: HttpRequest) -> HttpResponse:
    """The signed-in person's saved VAs (if they hire) and saved tasks (if they work).

    Saved tasks that were hidden, cancelled or unpublished since show as "no longer
    available", without their title; closed ones show their status.
    """
    user = request.user
    saved_vas = []
    if can_save_vas(user):
        saved_vas = list(
            VAProfile.objects.listed()
            .filter(user__saved_by_clients__client=user)
            .for_cards()
            .order_by("-user__saved_by_clients__created_at", "-id")[: SAVED_SHOWN + 1]
        )
    saved_jobs = []
    if can_save_jobs(user):
        rows = list(SavedJob.objects.of(user).order_by("-created_at", "-id")[: SAVED_SHOWN + 1])
        visible = Job.objects.visible_to(user).for_listing().in_bulk([r.job_id for r in rows])
        saved_jobs = [{"job_id": r.job_id, "job": visible.get(r.job_id)} for r in rows]
    return render(
        request,
        "directory/saved.html",
        {
            "saved_vas": saved_vas[:SAVED_SHOWN],
            "more_vas": len(saved_vas) > SAVED_SHOWN,
            "saved_va_ids": {p.user_id for p in saved_vas},
            "saved_jobs": saved_jobs[:SAVED_SHOWN],
            "more_jobs": len(saved_jobs) > SAVED_SHOWN,
            "shown": SAVED_SHOWN,
        },
    )


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next_url(request, fallback))


@require_POST
@login_required
def va_save(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(VAProfile.objects.listed().select_related("user"), user_id=pk)
    try:
        services.saved_va_add(client=request.user, va=profile.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("%(name)s is on your saved VAs.") % {"name": profile.user.display_name}
        )
    return _back(request, reverse("accounts:va_public", args=[pk]))


@require_POST
@login_required
def va_unsave(request: HttpRequest, pk: int) -> HttpResponse:
    services.saved_va_remove(client=request.user, va_id=pk)
    messages.success(request, _("Removed from your saved VAs."))
    return _back(request, reverse("directory:saved"))


@require_POST
@login_required
def job_save(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    try:
        services.saved_job_add(va=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Added to your saved tasks."))
    return _back(request, reverse("jobs:detail", args=[pk]))


@require_POST
@login_required
def job_unsave(request: HttpRequest, pk: int) -> HttpResponse:
    services.saved_job_remove(va=request.user, job_id=pk)
    messages.success(request, _("Removed from your saved tasks."))
    return _back(request, reverse("directory:saved"))
