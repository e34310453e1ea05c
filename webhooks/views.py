"""The profile's "Webhooks" pages: endpoints (secret shown once), the delivery log, resend."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from webhooks import services
from webhooks.forms import EndpointForm
from webhooks.models import Attempt, Delivery, Endpoint

LOG_SIZE = 50


def _errors_to_form(form, exc: ValidationError) -> None:
    for field, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
        form.add_error(field, errors)


@require_http_methods(["GET", "POST"])
@login_required
def endpoints(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.endpoint_create(
                    user=request.user,
                    url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                form = EndpointForm()
        if form.errors:
            status = 400
    listed = Endpoint.objects.for_user(request.user).annotate(delivery_count=Count("deliveries"))
    return render(
        request,
        "webhooks/endpoints.html",
        {"form": form, "created": created, "endpoints": listed},
        status=status,
    )


def _own_endpoint(request: HttpRequest, pk: int) -> Endpoint:
    return get_object_or_404(Endpoint.objects.for_user(request.user), pk=pk)


@require_http_methods(["GET"])
@login_required
def endpoint(request: HttpRequest, pk: int) -> HttpResponse:
    """One endpoint and its delivery log: the latest deliveries, each with its tries."""
    ep = _own_endpoint(request, pk)
    deliveries = (
        Delivery.objects.filter(endpoint=ep)
        .select_related("event")
        .prefetch_related(Prefetch("attempt_log", queryset=Attempt.objects.order_by("-number")))
        .order_by("-created_at", "-pk")[:LOG_SIZE]
    )
    return render(request, "webhooks/endpoint.html", {"endpoint": ep, "deliveries": deliveries})


def _act(request: HttpRequest, action, ep: Endpoint, done: str) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("webhooks:endpoint", pk=ep.pk)


@require_POST
@login_required
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    ep = _own_endpoint(request, pk)
    services.endpoint_delete(endpoint=ep, user=request.user)
    messages.success(
        request,
        _("The endpoint %(url)s was deleted; nothing more is sent to it.") % {"url": ep.url},
    )
    return redirect("webhooks:endpoints")


@require_POST
@login_required
def endpoint_enable(request: HttpRequest, pk: int) -> HttpResponse:
    ep = _own_endpoint(request, pk)
    return _act(
        request,
        lambda: services.endpoint_enable(endpoint=ep, user=request.user),
        ep,
        _("The endpoint is on again."),
    )


@require_POST
@login_required
def endpoint_test(request: HttpRequest, pk: int) -> HttpResponse:
    ep = _own_endpoint(request, pk)
    return _act(
        request,
        lambda: services.test_event_send(endpoint=ep, user=request.user),
        ep,
        _("A test event is on its way; reload this page to see how it went."),
    )


@require_POST
@login_required
def delivery_resend(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    ep = _own_endpoint(request, pk)
    delivery = get_object_or_404(
        Delivery.objects.select_related("endpoint"), pk=delivery_pk, endpoint=ep
    )
    return _act(
        request,
        lambda: services.delivery_resend(delivery=delivery, user=request.user),
        ep,
        _("The delivery will be sent again; reload this page to see how it went."),
    )
