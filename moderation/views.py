"""Report forms: a signed-in person asks moderators to look at something they can see."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from marketplace import ratelimit
from moderation import permissions, services
from moderation.forms import ReportForm
from moderation.models import Report


def _report(
    request: HttpRequest, *, target: models.Model, label: str, back_url: str
) -> HttpResponse:
    already = Report.objects.filter(
        reporter=request.user, status=Report.Status.OPEN, **services.target_filter(target)
    ).exists()
    form = ReportForm(request.POST or None)
    if request.method == "POST" and not already:
        if not ratelimit.allow("report", request.user.pk):
            return render(
                request, "moderation/rate_limited.html", {"back_url": back_url}, status=429
            )
        if form.is_valid():
            try:
                services.report_create(
                    reporter=request.user,
                    target=target,
                    reason=form.cleaned_data["reason"],
                    details=form.cleaned_data["details"],
                )
            except services.DuplicateReport:
                already = True
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Thank you. Our moderators will look at your report."))
                return redirect(back_url)
    return render(
        request,
        "moderation/report_form.html",
        {"form": form, "label": label, "back_url": back_url, "already": already},
    )


@login_required
def report_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(permissions.reportable_jobs(request.user), pk=pk)
    label = _("the task “%(title)s”") % {"title": job.title}
    return _report(request, target=job, label=label, back_url=services.job_url(job.pk))


@login_required
def report_bid(request: HttpRequest, pk: int) -> HttpResponse:
    bid = get_object_or_404(permissions.reportable_bids(request.user), pk=pk)
    label = _("%(name)s’s bid on “%(title)s”") % {
        "name": bid.va.display_name,
        "title": bid.job.title,
    }
    back = services.site_path("bids:review", [bid.job_id], f"/jobs/{bid.job_id}/bids/")
    return _report(request, target=bid, label=label, back_url=back)


@login_required
def report_user(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(permissions.reportable_users(request.user), pk=pk)
    label = _("the profile of %(name)s") % {"name": person.display_name}
    back = services.site_path("accounts:va_public", [person.pk], f"/va/{person.pk}/")
    return _report(request, target=person, label=label, back_url=back)


@login_required
def report_message(request: HttpRequest, pk: int) -> HttpResponse:
    queryset = permissions.reportable_messages(request.user)
    if queryset is None:
        raise Http404
    message = get_object_or_404(queryset, pk=pk)
    label = _("a message from %(name)s") % {"name": message.author.display_name}
    back = services.site_path(
        "contracts:workspace", [message.contract_id], f"/contracts/{message.contract_id}/"
    )
    return _report(request, target=message, label=label, back_url=back)
