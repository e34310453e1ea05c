"""The public API (issue 19). Thin like the pages: a scoped lookup (the same querysets and
permission predicates the pages use), the page's own form for input, the same service.

Anything the caller may not see is a 404. Errors: api.errors. Scopes: api.permissions.
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as out
from api.forms import form_serializer, validated
from api.models import PersonalAccessToken, Scope
from api.permissions import HasScope
from bids import services as bid_services
from bids.forms import BidForm, ConfirmSlotForm, DeclineForm, InterviewForm, RejectForm
from bids.models import Bid, Interview, InterviewSlot, WorkSample
from bids.permissions import (
    can_decide_on_bids,
    can_review_bids,
    can_view_sample,
    is_interview_party,
)
from contracts import services as contract_services
from contracts.forms import (
    CommentForm,
    DeliverableForm,
    EndForm,
    HourEntryForm,
    MessageForm,
    ReviewForm,
)
from contracts.models import Contract, Deliverable, HourEntry, Message, Review, Timesheet
from jobs import services as job_services
from jobs.board import BoardQuery, board_page
from jobs.forms import AttachmentForm, BoardForm, JobForm, ManualForm
from jobs.models import Category, Job, JobAttachment, Skill
from jobs.permissions import can_open_attachments
from marketplace import ratelimit
from marketplace.storage import serve_private_file
from notifications import services as notification_services
from notifications.models import Notification
from payments.summaries import escrow_summary, va_balances
from webhooks import services as webhook_services
from webhooks.forms import EndpointForm
from webhooks.models import Endpoint

ERRORS = {
    code: OpenApiResponse(out.ErrorSerializer, description=text)
    for code, text in [
        (400, "Bad input: `fields` names each bad field."),
        (401, "No valid token or session."),
        (403, "The token lacks the scope, or CSRF failed."),
        (404, "Not found, or not yours to see."),
        (409, "A rule refused it (e.g. the task is no longer open)."),
        (429, "Too many requests; see Retry-After."),
    ]
}


def errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


class _Refused(exceptions.APIException):
    """A rule refused the action before any service ran (e.g. `can_user_bid`)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "refused"


class ApiView(APIView):
    """Our API views: the caller's Accept-Language wins, else the language of the person
    the token or session belongs to. (The middleware undoes `activate` after the request.)"""

    write_scope = Scope.READ

    def initial(self, request, *args, **kwargs):
        if request.headers.get("Accept-Language"):
            translation.activate(translation.get_language_from_request(request._request))
        super().initial(request, *args, **kwargs)

    def perform_authentication(self, request):
        super().perform_authentication(request)
        # A token's person is known only now (the language middleware saw no one).
        language = getattr(request.user, "language", "")
        if language and not request.headers.get("Accept-Language"):
            translation.activate(language)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        return response

    def limit(self, action: str) -> None:
        """The pages' per-person limit on this action (bids, tasks, messages)."""
        if not ratelimit.allow(action, self.request.user.pk):
            raise exceptions.Throttled(wait=ratelimit.seconds_left_in_window())

    def signed_in(self) -> None:
        if not self.request.user.is_authenticated:
            raise exceptions.NotAuthenticated()

    def need_scope(self, scope: str) -> None:
        """For an action whose scope depends on the caller's side (an interview's VA acts
        with `bids:write`, its client with `jobs:write`): checked once the object is known."""
        token = self.request.auth
        if isinstance(token, PersonalAccessToken) and not token.has_scope(scope):
            raise exceptions.PermissionDenied(HasScope.message, code=HasScope.code)


def variant(base: type, name: str, *, attrs: dict, **schema):
    """A view of `base` with `attrs` set and its own schema for POST (operationId, body).
    Its own `post` function: extend_schema marks the function it decorates, so variants
    sharing `base.post` would share (and overwrite) one schema."""

    def post(self, request, *args, **kwargs):
        return base.post(self, request, *args, **kwargs)

    return type(name, (base,), {**attrs, "post": extend_schema(**schema)(post)}).as_view()


class Cursor(CursorPagination):
    page_size = 25
    ordering = ("-created_at", "-pk")


def paginated(view: ApiView, queryset, serializer, ordering=None) -> Response:
    paginator = Cursor()
    if ordering:
        paginator.ordering = ordering
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def page_of(name: str, item) -> type:
    return inline_serializer(
        name,
        {
            "next": serializers.CharField(allow_null=True),
            "previous": serializers.CharField(allow_null=True),
            "results": item(many=True),
        },
    )


# --- catalogue ---------------------------------------------------------------------------


class CategoryList(ApiView):
    @extend_schema(responses={200: out.CategorySerializer(many=True), **errors(401, 429)})
    def get(self, request):
        return Response(out.CategorySerializer(Category.objects.all(), many=True).data)


class SkillList(ApiView):
    @extend_schema(responses={200: out.SkillSerializer(many=True), **errors(401, 429)})
    def get(self, request):
        return Response(out.SkillSerializer(Skill.objects.order_by("name"), many=True).data)


# --- the board and jobs --------------------------------------------------------------------

BOARD_PARAMS = [
    OpenApiParameter(name, OpenApiTypes.STR, description=str(field.label))
    for name, field in BoardForm.base_fields.items()
] + [
    OpenApiParameter("after", OpenApiTypes.STR, description=gettext_lazy("Cursor: the next page.")),
    OpenApiParameter(
        "before", OpenApiTypes.STR, description=gettext_lazy("Cursor: the page before.")
    ),
    OpenApiParameter("page", OpenApiTypes.INT, description=gettext_lazy("The page number shown.")),
]


class Board(ApiView):
    """The board's filters, sorts and keyset pages (jobs.board), as /jobs/ has them."""

    @extend_schema(
        operation_id="board_list",
        parameters=BOARD_PARAMS,
        responses={
            200: inline_serializer(
                "BoardPage",
                {
                    "count": serializers.IntegerField(),
                    "next": serializers.CharField(allow_null=True),
                    "previous": serializers.CharField(allow_null=True),
                    "results": out.JobSerializer(many=True),
                },
            ),
            **errors(400, 401, 429),
        },
    )
    def get(self, request):
        params = request.query_params
        form = BoardForm(params)  # the paging names are not its fields
        validated(form)
        query = BoardQuery.of(**form.filters())
        try:
            number = max(int(params.get("page", "1")), 1)
        except ValueError:
            number = 1
        page = board_page(
            query, page=number, after=params.get("after", ""), before=params.get("before", "")
        )
        return Response(
            {
                "count": page.count,
                "next": self._link(params, "after", page.next_cursor, page.number + 1)
                if page.has_next
                else None,
                "previous": self._link(params, "before", page.previous_cursor, page.number - 1)
                if page.has_previous
                else None,
                "results": out.JobSerializer(page.jobs, many=True).data,
            }
        )

    def _link(self, params, direction: str, cursor: str, number: int) -> str:
        query = params.copy()
        for name in ("after", "before", "page"):
            query.pop(name, None)
        if cursor:
            query[direction] = cursor
        query["page"] = str(number)
        return self.request.build_absolute_uri(f"{reverse('api:jobs')}?{query.urlencode()}")


class JobDetail(ApiView):
    @extend_schema(responses={200: out.JobDetailSerializer, **errors(401, 404, 429)})
    def get(self, request, pk: int):
        job = get_object_or_404(Job.objects.visible_to(request.user).for_listing(), pk=pk)
        return Response(out.JobDetailSerializer(job).data)


JobInput = form_serializer("JobInput", JobForm, ManualForm, prefixes=("", "manual_"))


def _job_fields(data) -> tuple[dict, dict]:
    """The API's body as the page's two forms take it (the manual's fields are `manual_*`)."""
    plain = data.dict() if hasattr(data, "dict") else dict(data)
    if hasattr(data, "getlist"):
        plain["skills"] = data.getlist("skills")
    elif isinstance(plain.get("skills"), int | str):
        plain["skills"] = [plain["skills"]]
    if "max_rate" in plain and not isinstance(plain["max_rate"], str):
        plain["max_rate"] = str(plain["max_rate"])  # JSON numbers: the form parses text
    manual = {
        "body": plain.pop("manual_body", ""),
        "checklist": plain.pop("manual_checklist", ""),
    }
    return plain, manual


class MyJobs(ApiView):
    """The client's own tasks; POST saves a new draft (publish it next)."""

    write_scope = Scope.JOBS_WRITE

    @extend_schema(
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=Job.Status.values)],
        responses={200: page_of("JobPage", out.JobSerializer), **errors(401, 429)},
    )
    def get(self, request):
        self.signed_in()
        jobs = Job.objects.owned_by(request.user).for_listing()
        if request.query_params.get("status") in Job.Status.values:
            jobs = jobs.filter(status=request.query_params["status"])
        return paginated(self, jobs, out.JobSerializer)

    @extend_schema(
        request={"application/json": JobInput, "multipart/form-data": JobInput},
        responses={201: out.JobDetailSerializer, **errors(400, 401, 403, 409, 429)},
    )
    def post(self, request):
        self.signed_in()
        if not request.user.is_client:
            raise exceptions.PermissionDenied()
        self.limit("job_create")
        fields, manual = _job_fields(request.data)
        form, manual_form = JobForm(fields), ManualForm(manual)
        errors_ = {}
        for f, prefix in ((form, ""), (manual_form, "manual_")):
            if not f.is_valid():
                errors_.update({prefix + k: [str(m) for m in v] for k, v in f.errors.items()})
        if errors_:
            raise serializers.ValidationError(errors_)
        job = job_services.job_create(
            client=request.user,
            manual_body=manual_form.cleaned_data["body"],
            checklist=manual_form.cleaned_data["checklist"],
            **form.service_kwargs(),
        )
        job = Job.objects.for_listing().get(pk=job.pk)
        return Response(out.JobDetailSerializer(job).data, status=status.HTTP_201_CREATED)


class JobTransition(ApiView):
    """publish / close: the pages' own transitions (jobs.views.TRANSITIONS' services)."""

    write_scope = Scope.JOBS_WRITE
    action = ""
    services = {"publish": job_services.job_publish, "close": job_services.job_close}

    @extend_schema(
        request=None, responses={200: out.JobDetailSerializer, **errors(401, 403, 404, 409, 429)}
    )
    def post(self, request, pk: int):
        self.signed_in()
        jobs = Job.objects.all() if request.user.is_staff else Job.objects.owned_by(request.user)
        job = get_object_or_404(jobs, pk=pk)
        self.services[self.action](job=job, by=request.user)
        job = Job.objects.for_listing().get(pk=job.pk)
        return Response(out.JobDetailSerializer(job).data)


def _managed_job(request, pk: int) -> Job:
    """As the pages: the job's client (staff: any job) may change it; others get a 404."""
    jobs = Job.objects.all() if request.user.is_staff else Job.objects.owned_by(request.user)
    return get_object_or_404(jobs.for_listing(), pk=pk)


def _editable(job: Job) -> None:
    if not job.is_editable:
        raise _Refused(
            _("A task that is %(status)s can no longer be edited.")
            % {"status": job.get_status_display().lower()}
        )


class MyJob(ApiView):
    """One of the client's tasks: read it, or replace its fields (PUT, as the edit page)."""

    write_scope = Scope.JOBS_WRITE

    @extend_schema(
        operation_id="my_job_retrieve",
        responses={200: out.JobDetailSerializer, **errors(401, 404, 429)},
    )
    def get(self, request, pk: int):
        self.signed_in()
        return Response(out.JobDetailSerializer(_managed_job(request, pk)).data)

    @extend_schema(
        request={"application/json": JobInput, "multipart/form-data": JobInput},
        responses={200: out.JobDetailSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )
    def put(self, request, pk: int):
        """The task's fields as on POST; `manual_*` are ignored here (see manual/)."""
        self.signed_in()
        job = _managed_job(request, pk)
        _editable(job)
        fields, _manual = _job_fields(request.data)
        form = JobForm(fields, job=job, money_locked=job.has_bids())
        validated(form)
        job_services.job_update(job=job, by=request.user, **form.service_kwargs())
        return Response(out.JobDetailSerializer(_managed_job(request, pk)).data)


ManualInput = form_serializer("ManualInput", ManualForm)


class JobManual(ApiView):
    """The task manual's versions; POST saves it (a new version once bids exist)."""

    write_scope = Scope.JOBS_WRITE

    @extend_schema(responses={200: out.ManualSerializer(many=True), **errors(401, 404, 429)})
    def get(self, request, pk: int):
        self.signed_in()
        job = _managed_job(request, pk)
        versions = job.manual_versions.order_by("-number")
        return Response(out.ManualSerializer(versions, many=True).data)

    @extend_schema(
        request={"application/json": ManualInput},
        responses={201: out.ManualSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request, pk: int):
        self.signed_in()
        job = _managed_job(request, pk)
        _editable(job)
        data = validated(ManualForm(request.data))
        saved = job_services.manual_update(
            job=job, by=request.user, body=data["body"], checklist=data["checklist"]
        )
        return Response(out.ManualSerializer(saved).data, status=status.HTTP_201_CREATED)


def _attachments_job(request, pk: int) -> Job:
    """A task whose manual attachments the caller may open (jobs.permissions): its client,
    staff and the VA once hired; 404 for everyone else."""
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    if not can_open_attachments(request.user, job):
        raise Http404
    return job


AttachmentInput = form_serializer(
    "AttachmentInput", AttachmentForm, extra={"file": serializers.FileField()}
)


class JobAttachments(ApiView):
    """The task manual's private files. GET: whoever may open them; POST (multipart,
    one `file`): the task's client (or staff), checked by content as on the manual page."""

    write_scope = Scope.JOBS_WRITE

    @extend_schema(
        operation_id="job_attachments_list",
        responses={200: out.AttachmentSerializer(many=True), **errors(401, 404, 429)},
    )
    def get(self, request, pk: int):
        job = _attachments_job(request, pk)
        items = JobAttachment.objects.filter(job=job).order_by("created_at", "pk")
        return Response(out.AttachmentSerializer(items, many=True).data)

    @extend_schema(
        operation_id="job_attachments_create",
        request={"multipart/form-data": AttachmentInput},
        responses={201: out.AttachmentSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request, pk: int):
        self.signed_in()
        job = _managed_job(request, pk)
        data = validated(AttachmentForm(request.data, request.FILES or None))
        try:
            item = job_services.job_attachment_add(
                job=job, by=request.user, uploaded_file=data["file"]
            )
        except ValidationError as exc:
            # The manual page shows the service's refusal (type, size, count) at the file.
            if hasattr(exc, "error_dict"):
                raise
            raise serializers.ValidationError({"file": exc.messages}) from exc
        return Response(out.AttachmentSerializer(item).data, status=status.HTTP_201_CREATED)


class JobAttachmentDetail(ApiView):
    """GET: the file itself (as the manual page's link); DELETE: its client or staff."""

    write_scope = Scope.JOBS_WRITE

    @extend_schema(
        operation_id="job_attachment_file",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **errors(401, 404, 429)},
    )
    def get(self, request, pk: int, attachment_id: int):
        job = _attachments_job(request, pk)
        item = get_object_or_404(JobAttachment.objects.filter(job=job), pk=attachment_id)
        return serve_private_file(
            item.file, download_name=item.original_name, content_type=item.content_type
        )

    @extend_schema(
        operation_id="job_attachment_delete",
        responses={204: None, **errors(401, 403, 404, 409, 429)},
    )
    def delete(self, request, pk: int, attachment_id: int):
        self.signed_in()
        job = _managed_job(request, pk)
        item = get_object_or_404(JobAttachment.objects.filter(job=job), pk=attachment_id)
        job_services.job_attachment_delete(attachment=item, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- bids ----------------------------------------------------------------------------------


def _bids():
    return Bid.objects.select_related("job", "va", "manual_version", "contract").prefetch_related(
        Prefetch("samples", queryset=WorkSample.objects.order_by("created_at"))
    )


BidInput = form_serializer("BidInput", BidForm)


class JobBids(ApiView):
    """GET: the bids on the caller's job (its client, staff). POST: a VA bids (multipart
    for samples: repeat `files`)."""

    write_scope = Scope.BIDS_WRITE

    @extend_schema(
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=Bid.Status.values)],
        responses={200: page_of("BidPage", out.BidSerializer), **errors(401, 404, 429)},
    )
    def get(self, request, job_id: int):
        job = get_object_or_404(Job.objects.visible_to(request.user), pk=job_id)
        if not can_review_bids(request.user, job):
            raise Http404
        bids = _bids().filter(job=job)
        if request.query_params.get("status") in Bid.Status.values:
            bids = bids.filter(status=request.query_params["status"])
        return paginated(self, bids, out.BidSerializer)

    @extend_schema(
        request={"multipart/form-data": BidInput, "application/json": BidInput},
        responses={201: out.BidSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request, job_id: int):
        self.signed_in()
        job = get_object_or_404(
            Job.objects.visible_to(request.user).select_related("client"), pk=job_id
        )
        reason = bid_services.can_user_bid(request.user, job)
        if reason is not None:
            raise _Refused(reason)
        self.limit("bid_submit")
        data = request.data
        form = BidForm(data, request.FILES or None, job=job, va=request.user)
        validated(form)
        bid = bid_services.bid_submit(
            job=job,
            va=request.user,
            terms=form.terms(),
            uploads=form.uploads,
            portfolio_items=form.cleaned_data.get("portfolio_items") or [],
        )
        return Response(
            out.BidSerializer(_bids().get(pk=bid.pk)).data, status=status.HTTP_201_CREATED
        )


class MyBids(ApiView):
    @extend_schema(responses={200: page_of("MyBidPage", out.BidSerializer), **errors(401, 429)})
    def get(self, request):
        self.signed_in()
        return paginated(self, _bids().filter(va=request.user), out.BidSerializer)


class BidDetail(ApiView):
    """One bid (sealed: its VA, the job's client, staff). PUT: its VA changes it while it
    is undecided and the task is open, as the bid page's edit (multipart for new samples;
    `remove_samples` lists sample ids to drop)."""

    write_scope = Scope.BIDS_WRITE

    @extend_schema(responses={200: out.BidSerializer, **errors(401, 404, 429)})
    def get(self, request, pk: int):
        return Response(
            out.BidSerializer(get_object_or_404(_bids().visible_to(request.user), pk=pk)).data
        )

    @extend_schema(
        operation_id="bid_update",
        request={"multipart/form-data": BidInput, "application/json": BidInput},
        responses={200: out.BidSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )
    def put(self, request, pk: int):
        self.signed_in()
        bid = get_object_or_404(
            Bid.objects.by_va(request.user)
            .select_related("job__client", "manual_version")
            .prefetch_related("samples__portfolio_item"),
            pk=pk,
        )
        # As the page: a decided or withdrawn bid, or a task no longer open, is refused
        # before its input is read (bid_edit checks both again under the row locks).
        reason = bid_services.can_user_bid(request.user, bid.job)
        if reason is None and not bid.is_undecided:
            reason = _("This bid has been decided and can no longer change.")
        if reason is not None:
            raise _Refused(reason)
        self.limit("bid_submit")
        form = BidForm(request.data, request.FILES or None, job=bid.job, va=request.user, bid=bid)
        validated(form)
        bid_services.bid_edit(
            bid=bid,
            va=request.user,
            terms=form.terms(),
            uploads=form.uploads,
            portfolio_items=form.cleaned_data.get("portfolio_items") or [],
            remove_sample_ids=form.cleaned_data.get("remove_samples") or [],
        )
        return Response(out.BidSerializer(_bids().get(pk=bid.pk)).data)


class BidWithdraw(ApiView):
    write_scope = Scope.BIDS_WRITE

    @extend_schema(
        request=None, responses={200: out.BidSerializer, **errors(401, 403, 404, 409, 429)}
    )
    def post(self, request, pk: int):
        self.signed_in()
        bid = get_object_or_404(Bid.objects.by_va(request.user), pk=pk)
        bid_services.bid_withdraw(bid=bid, va=request.user)
        return Response(out.BidSerializer(_bids().get(pk=bid.pk)).data)


RejectInput = form_serializer("RejectInput", RejectForm)


def _decidable_bid(view: ApiView, pk: int) -> Bid:
    """A bid its job's own client may decide on (bids.permissions); 404 for everyone else."""
    view.signed_in()
    bid = get_object_or_404(Bid.objects.visible_to(view.request.user).select_related("job"), pk=pk)
    if not can_decide_on_bids(view.request.user, bid.job):
        raise Http404
    return bid


class BidDecision(ApiView):
    """shortlist / unshortlist / reject / hire: only the job's own client (bids.permissions)."""

    write_scope = Scope.JOBS_WRITE
    decision = ""

    @extend_schema(
        request={"application/json": RejectInput},
        responses={200: out.BidSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request, pk: int):
        bid = _decidable_bid(self, pk)
        if self.decision == "shortlist":
            bid_services.bid_shortlist(bid=bid, client=request.user)
        elif self.decision == "unshortlist":
            bid_services.bid_unshortlist(bid=bid, client=request.user)
        elif self.decision == "reject":
            message = validated(RejectForm(request.data))["message"]
            bid_services.bid_reject(bid=bid, client=request.user, message=message)
        else:
            bid_services.bid_hire(bid=bid, client=request.user)
        return Response(out.BidSerializer(_bids().get(pk=bid.pk)).data)


class SampleFile(ApiView):
    """A work sample's file, for those who may see its bid (bids.permissions)."""

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **errors(401, 404, 429)}
    )
    def get(self, request, pk):
        sample = get_object_or_404(
            WorkSample.objects.visible_to(request.user).select_related(
                "bid__job", "portfolio_item"
            ),
            pk=pk,
        )
        if not can_view_sample(request.user, sample):
            raise Http404
        stored = sample.stored_file
        if not stored:
            raise Http404
        return serve_private_file(
            stored, download_name=sample.original_name, content_type=sample.content_type
        )


# --- interviews ----------------------------------------------------------------------------


def _interviews():
    return Interview.objects.select_related("bid", "chosen_slot").prefetch_related(
        Prefetch("slots", queryset=InterviewSlot.objects.order_by("starts_at", "pk"))
    )


def _tz(user) -> str:
    return getattr(user, "timezone", "") or "UTC"


_SLOT_FIELDS = {
    f"slot_{i}": serializers.DateTimeField(
        required=i == 1,
        help_text=gettext_lazy(
            "ISO 8601; without an offset it is read in your profile's time zone."
        ),
    )
    for i in range(1, 4)
}
InterviewInput = form_serializer("InterviewInput", InterviewForm, extra=_SLOT_FIELDS)
RescheduleInput = form_serializer(
    "InterviewRescheduleInput",
    InterviewForm,
    extra={
        **_SLOT_FIELDS,
        "note": None,  # a new proposal keeps the first note
        "room": serializers.ChoiceField(
            choices=["keep", InterviewForm.ROOM_GENERATED, InterviewForm.ROOM_LINK]
        ),
    },
)
ConfirmInput = form_serializer("InterviewConfirmInput", ConfirmSlotForm)
DeclineInput = form_serializer("InterviewDeclineInput", DeclineForm)


class BidInterviews(ApiView):
    """The job's client proposes 1–3 times for a shortlisted bid (as the interview page)."""

    write_scope = Scope.JOBS_WRITE

    @extend_schema(
        operation_id="interview_propose",
        request={"application/json": InterviewInput},
        responses={201: out.InterviewSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request, pk: int):
        bid = _decidable_bid(self, pk)
        form = InterviewForm(request.data, tz_name=_tz(request.user))
        validated(form)
        interview = bid_services.interview_propose(bid=bid, client=request.user, **form.proposal())
        return Response(
            out.InterviewSerializer(_interviews().get(pk=interview.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class InterviewList(ApiView):
    """The interviews on the caller's bids and on their tasks' bids."""

    @extend_schema(
        operation_id="interviews_list",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=Interview.Status.values),
            OpenApiParameter("bid", OpenApiTypes.INT),
        ],
        responses={200: page_of("InterviewPage", out.InterviewSerializer), **errors(401, 429)},
    )
    def get(self, request):
        self.signed_in()
        interviews = _interviews().visible_to(request.user)
        if request.query_params.get("status") in Interview.Status.values:
            interviews = interviews.filter(status=request.query_params["status"])
        if request.query_params.get("bid", "").isdigit():
            interviews = interviews.filter(bid_id=int(request.query_params["bid"]))
        return paginated(self, interviews, out.InterviewSerializer)


class InterviewDetail(ApiView):
    @extend_schema(
        operation_id="interview_retrieve",
        responses={200: out.InterviewSerializer, **errors(401, 404, 429)},
    )
    def get(self, request, pk: int):
        return Response(
            out.InterviewSerializer(
                get_object_or_404(_interviews().visible_to(request.user), pk=pk)
            ).data
        )


class InterviewAction(ApiView):
    """confirm / decline / reschedule / cancel, by one of the two parties (bids.permissions).
    The VA acts with `bids:write`, the client with `jobs:write`."""

    write_scope = Scope.READ  # which write scope depends on the side: need_scope below
    action = ""
    inputs = {
        "confirm": ConfirmInput,
        "decline": DeclineInput,
        "reschedule": RescheduleInput,
        "cancel": None,
    }

    def post(self, request, pk: int):
        self.signed_in()
        interview = get_object_or_404(
            _interviews().visible_to(request.user).select_related("bid__job"), pk=pk
        )
        if not is_interview_party(request.user, interview):
            raise Http404
        va_side = request.user.pk == interview.bid.va_id
        self.need_scope(Scope.BIDS_WRITE if va_side else Scope.JOBS_WRITE)
        if self.action == "confirm":
            form = ConfirmSlotForm(request.data, interview=interview, tz_name=_tz(request.user))
            slot = validated(form)["slot"]
            bid_services.interview_confirm(interview=interview, user=request.user, slot_id=slot.pk)
        elif self.action == "decline":
            reason = validated(DeclineForm(request.data))["reason"]
            bid_services.interview_decline(interview=interview, user=request.user, reason=reason)
        elif self.action == "reschedule":
            form = InterviewForm(request.data, tz_name=_tz(request.user), reschedule=True)
            validated(form)
            bid_services.interview_reschedule(
                interview=interview, user=request.user, **form.rescheduling()
            )
        else:
            bid_services.interview_cancel(interview=interview, user=request.user)
        return Response(out.InterviewSerializer(_interviews().get(pk=interview.pk)).data)


def interview_action(action: str):
    """One view per action, each with its own schema (input and operationId)."""
    body = InterviewAction.inputs[action]
    return variant(
        InterviewAction,
        f"Interview{action.title()}",
        attrs={"action": action},
        operation_id=f"interview_{action}",
        request={"application/json": body} if body else None,
        responses={200: out.InterviewSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )


# --- contracts and messages ----------------------------------------------------------------


def _contract(request, pk: int) -> Contract:
    return get_object_or_404(Contract.objects.for_party(request.user).select_related("job"), pk=pk)


class ContractList(ApiView):
    @extend_schema(
        operation_id="contracts_list",
        responses={200: page_of("ContractPage", out.ContractSerializer), **errors(401, 429)},
    )
    def get(self, request):
        self.signed_in()
        contracts = Contract.objects.filter(client=request.user) | Contract.objects.filter(
            va=request.user
        )
        return paginated(
            self,
            contracts.select_related("job"),
            out.ContractSerializer,
            ordering=("-started_at", "-pk"),
        )


class ContractDetail(ApiView):
    @extend_schema(responses={200: out.ContractSerializer, **errors(401, 404, 429)})
    def get(self, request, pk: int):
        return Response(out.ContractSerializer(_contract(request, pk)).data)


EndInput = form_serializer("ContractEndInput", EndForm)


class ContractClose(ApiView):
    """complete (the client, when the work is done) or end early (either party, with a
    `reason`); both open reviews, as on the workspace."""

    write_scope = Scope.CONTRACTS_WRITE
    action = ""

    def post(self, request, pk: int):
        contract = _contract(request, pk)
        if self.action == "complete":
            contract_services.contract_complete(contract=contract, client=request.user)
        else:
            reason = validated(EndForm(request.data))["reason"]
            contract_services.contract_end(contract=contract, user=request.user, reason=reason)
        return Response(out.ContractSerializer(_contract(request, pk)).data)


def contract_close(action: str):
    return variant(
        ContractClose,
        f"Contract{action.title()}",
        attrs={"action": action},
        operation_id=f"contract_{action}",
        request={"application/json": EndInput} if action == "end" else None,
        responses={200: out.ContractSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )


MessageInput = form_serializer("MessageInput", MessageForm)


class ContractMessages(ApiView):
    write_scope = Scope.CONTRACTS_WRITE

    @extend_schema(
        responses={200: page_of("MessagePage", out.MessageSerializer), **errors(401, 404, 429)}
    )
    def get(self, request, pk: int):
        contract = _contract(request, pk)
        messages = Message.objects.filter(contract=contract).prefetch_related("attachments")
        return paginated(self, messages, out.MessageSerializer, ordering=("-created_at", "-pk"))

    @extend_schema(
        request={"multipart/form-data": MessageInput, "application/json": MessageInput},
        responses={201: out.MessageSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request, pk: int):
        contract = _contract(request, pk)
        self.limit("message_send")
        data = validated(MessageForm(request.data, request.FILES or None))
        message = contract_services.message_send(
            contract=contract, author=request.user, body=data["body"], files=data["files"]
        )
        message = Message.objects.prefetch_related("attachments").get(pk=message.pk)
        return Response(out.MessageSerializer(message).data, status=status.HTTP_201_CREATED)


DeliverableInput = form_serializer("DeliverableInput", DeliverableForm)


class ContractDeliverables(ApiView):
    """Per-task work: the deliverables; POST delivers (the contract's VA, with files)."""

    write_scope = Scope.CONTRACTS_WRITE

    @extend_schema(
        responses={
            200: page_of("DeliverablePage", out.DeliverableSerializer),
            **errors(401, 404, 429),
        }
    )
    def get(self, request, pk: int):
        contract = _contract(request, pk)
        items = Deliverable.objects.filter(contract=contract).prefetch_related("files")
        return paginated(self, items, out.DeliverableSerializer, ordering=("-submitted_at", "-pk"))

    @extend_schema(
        request={"multipart/form-data": DeliverableInput},
        responses={201: out.DeliverableSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request, pk: int):
        contract = _contract(request, pk)
        data = validated(DeliverableForm(request.data, request.FILES or None))
        item = contract_services.deliverable_submit(
            contract=contract, va=request.user, note=data["note"], files=data["files"]
        )
        item = Deliverable.objects.prefetch_related("files").get(pk=item.pk)
        return Response(out.DeliverableSerializer(item).data, status=status.HTTP_201_CREATED)


ChangesInput = form_serializer("DeliverableChangesInput", CommentForm)


class DeliverableDecision(ApiView):
    """approve / ask for changes (with a `comment`) on a delivery: the contract's client."""

    write_scope = Scope.CONTRACTS_WRITE
    decision = ""

    def post(self, request, pk: int, deliverable_id: int):
        contract = _contract(request, pk)
        item = get_object_or_404(Deliverable.objects.filter(contract=contract), pk=deliverable_id)
        if self.decision == "approve":
            contract_services.deliverable_approve(deliverable=item, client=request.user)
        else:
            comment = validated(CommentForm(request.data))["comment"]
            contract_services.deliverable_request_changes(
                deliverable=item, client=request.user, comment=comment
            )
        item = Deliverable.objects.prefetch_related("files").get(pk=item.pk)
        return Response(out.DeliverableSerializer(item).data)


def deliverable_decision(decision: str):
    return variant(
        DeliverableDecision,
        f"Deliverable{decision.title()}",
        attrs={"decision": decision},
        operation_id=f"deliverable_{decision}",
        request={"application/json": ChangesInput} if decision == "changes" else None,
        responses={200: out.DeliverableSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )


HoursInput = form_serializer("HoursInput", HourEntryForm)


class ContractHours(ApiView):
    """Hourly work: the hour log; POST logs hours (the contract's VA)."""

    write_scope = Scope.CONTRACTS_WRITE

    @extend_schema(
        responses={200: page_of("HourEntryPage", out.HourEntrySerializer), **errors(401, 404, 429)}
    )
    def get(self, request, pk: int):
        contract = _contract(request, pk)
        entries = HourEntry.objects.filter(contract=contract).select_related("timesheet")
        return paginated(self, entries, out.HourEntrySerializer)

    @extend_schema(
        request={"application/json": HoursInput},
        responses={201: out.HourEntrySerializer, **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request, pk: int):
        contract = _contract(request, pk)
        data = validated(HourEntryForm(request.data))
        entry = contract_services.hours_log(contract=contract, va=request.user, **data)
        entry = HourEntry.objects.select_related("timesheet").get(pk=entry.pk)
        return Response(out.HourEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class HourEntryDetail(ApiView):
    """One hour entry; DELETE: the contract's VA removes it from a week not yet approved."""

    write_scope = Scope.CONTRACTS_WRITE

    @extend_schema(
        operation_id="hour_entry_retrieve",
        responses={200: out.HourEntrySerializer, **errors(401, 404, 429)},
    )
    def get(self, request, pk: int, entry_id: int):
        contract = _contract(request, pk)
        entry = get_object_or_404(
            HourEntry.objects.select_related("timesheet"), pk=entry_id, contract=contract
        )
        return Response(out.HourEntrySerializer(entry).data)

    @extend_schema(
        operation_id="hour_entry_delete",
        responses={204: None, **errors(401, 403, 404, 409, 429)},
    )
    def delete(self, request, pk: int, entry_id: int):
        contract = _contract(request, pk)
        entry = get_object_or_404(
            HourEntry.objects.select_related("contract"), pk=entry_id, contract=contract
        )
        contract_services.hour_entry_delete(entry=entry, va=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContractWeeks(ApiView):
    """Hourly work: the weekly timesheets (hours, status, the approved amount)."""

    @extend_schema(
        operation_id="contract_weeks_list",
        responses={200: out.TimesheetSerializer(many=True), **errors(401, 404, 429)},
    )
    def get(self, request, pk: int):
        contract = _contract(request, pk)
        sheets = Timesheet.objects.filter(contract=contract).order_by("-week_start")
        return Response(out.TimesheetSerializer(sheets, many=True).data)


CommentInput = form_serializer("WeekDisputeInput", CommentForm)


class WeekDecision(ApiView):
    """approve / dispute (with a `comment`) a week: the contract's client."""

    write_scope = Scope.CONTRACTS_WRITE
    decision = ""

    def post(self, request, pk: int, week):
        contract = _contract(request, pk)
        sheet = get_object_or_404(
            Timesheet.objects.select_related("contract"), contract=contract, week_start=week
        )
        if self.decision == "approve":
            contract_services.timesheet_approve(timesheet=sheet, client=request.user)
        else:
            comment = validated(CommentForm(request.data))["comment"]
            contract_services.timesheet_dispute(
                timesheet=sheet, client=request.user, comment=comment
            )
        return Response(out.TimesheetSerializer(Timesheet.objects.get(pk=sheet.pk)).data)


def week_decision(decision: str):
    return variant(
        WeekDecision,
        f"Week{decision.title()}",
        attrs={"decision": decision},
        operation_id=f"week_{decision}",
        request={"application/json": CommentInput} if decision == "dispute" else None,
        responses={200: out.TimesheetSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )


ReviewInput = form_serializer("ReviewInput", ReviewForm)


class ContractReviews(ApiView):
    """Two-way reviews, double-blind as on the workspace (Review.objects.shown_to)."""

    write_scope = Scope.CONTRACTS_WRITE

    @extend_schema(responses={200: out.ReviewSerializer(many=True), **errors(401, 404, 429)})
    def get(self, request, pk: int):
        contract = _contract(request, pk)
        reviews = Review.objects.filter(contract=contract).shown_to(request.user)
        return Response(out.ReviewSerializer(reviews.order_by("created_at"), many=True).data)

    @extend_schema(
        request={"application/json": ReviewInput},
        responses={201: out.ReviewSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request, pk: int):
        contract = _contract(request, pk)
        data = validated(ReviewForm(request.data))
        review = contract_services.review_leave(contract=contract, author=request.user, **data)
        return Response(out.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


# --- payments (read-only) ------------------------------------------------------------------

_STATEMENT_TOTALS = ("funded", "held", "released", "fees", "va_received", "refunded")


class ContractStatement(ApiView):
    """The contract's escrow: funded, held, released (with fees) and refunded, as its
    statement page (payments.summaries). The two parties and staff."""

    @extend_schema(
        operation_id="contract_statement",
        responses={200: out.StatementSerializer, **errors(401, 404, 429)},
    )
    def get(self, request, pk: int):
        contract = _contract(request, pk)
        summary = escrow_summary(contract)
        data = {
            "contract_id": contract.pk,
            "currency": contract.currency,
            **{name: summary[name] for name in _STATEMENT_TOTALS},
            "fee_percent": summary["fee_percent"],
            "is_funded": summary["is_funded"],
            "is_disputed": summary["is_disputed"],
            "payments": summary["payments"],
        }
        return Response(out.StatementSerializer(data).data)


class Balance(ApiView):
    """The caller's VA balances per currency, as the balance page (payments.summaries)."""

    @extend_schema(
        operation_id="balance_list",
        responses={200: out.BalanceSerializer(many=True), **errors(401, 429)},
    )
    def get(self, request):
        self.signed_in()
        _accounts, balances = va_balances(request.user)
        return Response(out.BalanceSerializer(balances, many=True).data)


# --- notifications and me ------------------------------------------------------------------


class NotificationList(ApiView):
    @extend_schema(
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL)],
        responses={
            200: page_of("NotificationPage", out.NotificationSerializer),
            **errors(401, 429),
        },
    )
    def get(self, request):
        self.signed_in()
        notifications = Notification.objects.for_user(request.user)
        if request.query_params.get("unread") in ("1", "true"):
            notifications = notifications.unread()
        return paginated(self, notifications, out.NotificationSerializer)


class NotificationRead(ApiView):
    """Marking your own notification read needs only `read`: it changes nothing shared."""

    @extend_schema(request=None, responses={204: None, **errors(401, 404, 429)})
    def post(self, request, pk: int):
        self.signed_in()
        get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
        notification_services.notification_mark_read(user=request.user, notification_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


WebhookInput = form_serializer("WebhookInput", EndpointForm)


class WebhookEndpoints(ApiView):
    """Your webhook endpoints (the profile's /profile/webhooks/ page, as an API)."""

    write_scope = Scope.WEBHOOKS_WRITE

    @extend_schema(
        operation_id="webhooks_list",
        responses={
            200: page_of("WebhookEndpointPage", out.WebhookEndpointSerializer),
            **errors(401, 429),
        },
    )
    def get(self, request):
        self.signed_in()
        endpoints = Endpoint.objects.for_user(request.user)
        return paginated(self, endpoints, out.WebhookEndpointSerializer)

    @extend_schema(
        request={"application/json": WebhookInput},
        responses={201: out.WebhookEndpointCreatedSerializer, **errors(400, 401, 403, 409, 429)},
    )
    def post(self, request):
        self.signed_in()
        data = validated(EndpointForm(request.data))
        endpoint = webhook_services.endpoint_create(user=request.user, **data)
        return Response(
            out.WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )


class WebhookEndpointDetail(ApiView):
    write_scope = Scope.WEBHOOKS_WRITE

    def _endpoint(self, request, pk: int) -> Endpoint:
        self.signed_in()
        return get_object_or_404(Endpoint.objects.for_user(request.user), pk=pk)

    @extend_schema(responses={200: out.WebhookEndpointSerializer, **errors(401, 404, 429)})
    def get(self, request, pk: int):
        return Response(out.WebhookEndpointSerializer(self._endpoint(request, pk)).data)

    @extend_schema(responses={204: None, **errors(401, 403, 404, 429)})
    def delete(self, request, pk: int):
        endpoint = self._endpoint(request, pk)
        webhook_services.endpoint_delete(endpoint=endpoint, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class Me(ApiView):
    @extend_schema(responses={200: out.MeSerializer, **errors(401, 429)})
    def get(self, request):
        self.signed_in()
        return Response(out.MeSerializer(request.user).data)


class Root(ApiView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(
            {
                "schema": request.build_absolute_uri(reverse("api:schema")),
                "docs": request.build_absolute_uri(reverse("api:docs")),
                "jobs": request.build_absolute_uri(reverse("api:jobs")),
            }
        )


class NoSuchEndpoint(ApiView):
    """Whatever the method, a path the API does not have."""

    permission_classes = []
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise Http404
