"""The VA directory, and the saved VAs / saved tasks lists with their save buttons.

The directory is public. Saving is POST-only, signed-in, CSRF-checked and idempotent; it
works without JavaScript (a redirect back to a safe `next`). The VA or task is looked up
within what the person may see (listed VAs; `Job.objects.visible_to`): anything else 404s.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import VAProfile
from directory import services
from directory.forms import DirectoryForm
from directory.listing import RESULT_CAP, DirectoryQuery, directory_page
from directory.models import SavedJob, SavedVA
from directory.permissions import can_save_jobs, can_save_vas
from directory.templatetags.saved import va_button_context
from jobs.models import Job, catalogue_version
from jobs.permissions import can_invite_vas
from jobs.templatetags.invitations import invite_button_context
from marketplace import fragments, prepared
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
    found = prepared.rows(
        ("directory-saved", len(va_ids)),  # compiled once per page length
        lambda v: SavedVA.objects.filter(
            client_id=v["client"], va_id__in=[v[f"va_{i}"] for i in range(len(va_ids))]
        ).values_list("va_id"),
        client=user.pk,
        **{f"va_{i}": pk for i, pk in enumerate(va_ids)},
    )
    return {va_id for (va_id,) in found}


def _card_key(row: dict) -> tuple:
    """Everything a card's cached body shows, from the page's row state: the profile's
    `updated_at` moves with every change to it, its skills and its portfolio
    (accounts.services); the stored rating and contract counts and the VA's name are read
    as they are."""
    return (
        row["id"],
        row["updated_at"],
        row["user__name"],
        row["rating_average"],
        row["rating_count"],
        row["completed_contracts"],
    )


def _results(request: HttpRequest, state: list[dict], saved_va_ids: set[int]) -> str:
    """The page's cards with the viewer's buttons, cached whole under the cards' states and
    what decides the buttons: whether the viewer saves and invites, which of these VAs they
    saved, and their id when their own card is on the page. Each card's body is cached on
    its own too (shared by every list it appears in), and rendered — its profile, skills
    and portfolio read in three queries — only when no process has rendered it before."""
    user = request.user
    on_page = {row["user_id"] for row in state}
    catalogue = catalogue_version()  # skill names
    viewer = (
        can_save_vas(user),
        can_invite_vas(user),
        user.pk if user.pk in on_page else None,
        tuple(sorted(saved_va_ids)),
    )

    def bodies(missing: list[int]) -> list[dict]:
        found = VAProfile.objects.for_cards().in_bulk([state[i]["id"] for i in missing])
        return [{"profile": found.get(state[i]["id"])} for i in missing]

    def build() -> dict:
        html = fragments.cached_many(
            "directory/includes/va_card_body.html",
            [(_card_key(row), catalogue) for row in state],
            bodies,
        )
        cards = []
        for row, body in zip(state, html, strict=True):
            save = va_button_context(
                user,
                row["user_id"],
                saved_va_ids,
                next_url=fragments.PATH_MARKER,
                csrf_token=fragments.CSRF_MARKER,
            )
            buttons = render_to_string(
                "directory/includes/save_button.html", save
            ) + render_to_string(
                "jobs/includes/invite_button.html", invite_button_context(user, row["user_id"])
            )
            # Both rendered by our own templates with autoescape on.
            body, buttons = mark_safe(body), mark_safe(buttons)  # noqa: S308
            cards.append({"profile": row, "card_body": body, "card_buttons": buttons})
        return {"cards": cards}

    key = (tuple(_card_key(row) for row in state), catalogue, viewer)
    return fragments.bind(fragments.cached("directory/includes/va_list.html", key, build), request)


@require_GET
def vas(request: HttpRequest) -> HttpResponse:
    """The directory. Per request: the capped count, the page's profiles and (for a client)
    which of them they saved; the filter form, the card list and the cards' bodies are
    cached HTML, and the whole page is kept per viewer under all of that."""
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
    saved_va_ids = _saved_va_ids(request.user, [row["user_id"] for row in page.state])
    links = page.links(base_query)
    catalogue = catalogue_version()  # category and skill names

    def build() -> dict:
        active = active_filter_count(form)
        # The form per combination of its choices, its text filled in (fragments.form).
        filters = fragments.framed(
            "directory/includes/filters.html",
            (active, catalogue),
            lambda: {"active_filters": active},
            [fragments.form(form, ("directory", catalogue))],
        )
        return {
            "filters": fragments.bind(filters, request),
            "page": page,
            "results": _results(request, page.state, saved_va_ids),
            "links": links,
            "result_cap": RESULT_CAP,
            "searching": bool(query.q),
        }

    # Kept whole for the viewer (and their header) while all it shows stays the same.
    key = (
        base_query,
        page.number,
        page.count,
        tuple(sorted(links.items())),
        tuple(_card_key(row) for row in page.state),
        tuple(sorted(saved_va_ids)),
        catalogue,
    )
    return fragments.page(request, "directory/vas.html", key, build)


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
