"""What the API answers with (output only: input goes through the pages' forms)."""

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bids.models import Bid, WorkSample
from contracts.models import Contract, Message
from jobs.models import Category, Job, Skill
from notifications.models import Notification


class MoneyField(serializers.DecimalField):
    """An amount as a string ("150000", "12.50"): exact, never a float."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "slug", "name"]


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "slug", "name"]


class ClientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class JobSerializer(serializers.ModelSerializer):
    """A task as the board and its page show it (no private attachments, no bids)."""

    category = CategorySerializer()
    skills = SkillSerializer(many=True)
    client = ClientSerializer()
    max_rate = MoneyField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "url",
            "title",
            "description",
            "category",
            "skills",
            "client",
            "pay_type",
            "currency",
            "max_rate",
            "hours_per_week",
            "duration",
            "deliverables",
            "deadline",
            "preferred_timezone",
            "working_hours",
            "status",
            "invite_only",
            "published_at",
            "closes_at",
            "bid_count",
        ]

    def get_url(self, job) -> str:
        return reverse("api:job", args=[job.pk])


class ManualSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    body = serializers.CharField()
    checklist = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()

    def to_representation(self, manual):
        data = super().to_representation(
            {
                "number": manual.number,
                "body": manual.body,
                "checklist": [item.get("text", "") for item in manual.checklist],
                "created_at": manual.created_at,
            }
        )
        return data


class JobDetailSerializer(JobSerializer):
    manual = serializers.SerializerMethodField()

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "manual"]

    @extend_schema_field(ManualSerializer(allow_null=True))
    def get_manual(self, job):
        manual = job.current_manual
        return ManualSerializer(manual).data if manual is not None else None


class SampleSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = WorkSample
        fields = ["id", "original_name", "content_type", "size", "url"]

    def get_url(self, sample) -> str:
        return reverse("api:sample", args=[sample.pk])


class BidVASerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class BidSerializer(serializers.ModelSerializer):
    """A sealed bid: only its VA, the job's client and staff ever get one."""

    amount = MoneyField()
    currency = serializers.CharField(source="job.currency")
    pay_type = serializers.CharField(source="job.pay_type")
    va = BidVASerializer()
    samples = SampleSerializer(many=True)
    manual_version = serializers.IntegerField(source="manual_version.number", allow_null=True)
    contract_id = serializers.SerializerMethodField()

    class Meta:
        model = Bid
        fields = [
            "id",
            "job_id",
            "va",
            "status",
            "amount",
            "currency",
            "pay_type",
            "cover_letter",
            "estimated_hours",
            "delivery_date",
            "earliest_start",
            "manual_version",
            "samples",
            "submitted_at",
            "decided_at",
            "contract_id",
        ]

    def get_contract_id(self, bid) -> int | None:
        # Read with select_related("contract") by every view that lists bids.
        try:
            return bid.contract.pk
        except ObjectDoesNotExist:
            return None


class ContractSerializer(serializers.ModelSerializer):
    rate = MoneyField()
    job_title = serializers.CharField(source="job.title")

    class Meta:
        model = Contract
        fields = [
            "id",
            "job_id",
            "job_title",
            "bid_id",
            "client_id",
            "va_id",
            "rate",
            "currency",
            "pay_type",
            "status",
            "started_at",
        ]


class MessageFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    size = serializers.IntegerField()


class MessageSerializer(serializers.ModelSerializer):
    author_id = serializers.IntegerField()
    files = MessageFileSerializer(many=True, source="attachments")

    class Meta:
        model = Message
        fields = ["id", "author_id", "body", "files", "created_at"]


class DeliverableSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    note = serializers.CharField()
    status = serializers.CharField()
    client_comment = serializers.CharField()
    files = MessageFileSerializer(many=True)
    submitted_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class HourEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    work_date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=2, coerce_to_string=True)
    memo = serializers.CharField()
    week_start = serializers.DateField(source="timesheet.week_start")
    week_status = serializers.CharField(source="timesheet.status")


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author_id = serializers.IntegerField()
    subject_id = serializers.IntegerField()
    author_role = serializers.CharField()
    overall = serializers.IntegerField()
    communication = serializers.IntegerField()
    quality = serializers.IntegerField()
    timeliness = serializers.IntegerField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "actor_id",
            "job_id",
            "bid_id",
            "contract_id",
            "interview_id",
            "created_at",
            "read_at",
        ]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    is_client = serializers.BooleanField()
    is_va = serializers.BooleanField()
    language = serializers.CharField()
    timezone = serializers.CharField()


class WebhookEndpointSerializer(serializers.Serializer):
    """An endpoint as its owner sees it; the signing secret only in the create answer."""

    id = serializers.IntegerField()
    url = serializers.CharField()
    description = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    disabled_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField()  # only in the create answer


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class AttachmentSerializer(serializers.Serializer):
    """A private file on a task's manual: its client, staff and the hired VA open it."""

    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_url(self, attachment) -> str:
        return reverse("api:job_attachment", args=[attachment.job_id, attachment.pk])


class InterviewSlotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()


class InterviewSerializer(serializers.Serializer):
    """An interview as its two parties (and staff) see it; times are UTC (ISO 8601)."""

    id = serializers.IntegerField()
    bid_id = serializers.IntegerField()
    job_id = serializers.IntegerField(source="bid.job_id")
    status = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    meeting_url = serializers.CharField()
    note = serializers.CharField()
    proposed_by_id = serializers.IntegerField(allow_null=True)
    slots = InterviewSlotSerializer(many=True)
    chosen_slot_id = serializers.IntegerField(allow_null=True)
    starts_at = serializers.DateTimeField(allow_null=True)
    ics_sequence = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class TimesheetSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    status = serializers.CharField()
    total_hours = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=True)
    amount = MoneyField(allow_null=True)
    client_comment = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class EscrowPaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    milestone_id = serializers.IntegerField(allow_null=True)
    week = serializers.DateField(allow_null=True)
    amount = MoneyField()
    currency = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    settled_at = serializers.DateTimeField(allow_null=True)


class StatementSerializer(serializers.Serializer):
    """A contract's money in escrow, as its statement page shows it (payments.summaries)."""

    contract_id = serializers.IntegerField()
    currency = serializers.CharField()
    funded = MoneyField()
    held = MoneyField()
    released = MoneyField()
    fees = MoneyField()
    va_received = MoneyField()
    refunded = MoneyField()
    fee_percent = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True)
    is_funded = serializers.BooleanField()
    is_disputed = serializers.BooleanField()
    payments = EscrowPaymentSerializer(many=True)


class BalanceSerializer(serializers.Serializer):
    currency = serializers.CharField()
    available = MoneyField()
    pending = MoneyField()
    minimum = MoneyField()
    can_withdraw = serializers.BooleanField()


class MilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    amount = MoneyField()
    due_date = serializers.DateField()
    approved_at = serializers.DateTimeField(allow_null=True)


class CheckoutSerializer(serializers.Serializer):
    """A started funding: the client pays at `checkout_url` (the provider's hosted page, or
    the sandbox's); the contract shows it funded once the provider's webhook confirms it."""

    id = serializers.IntegerField()
    reference = serializers.UUIDField()
    milestone_id = serializers.IntegerField(allow_null=True)
    week = serializers.DateField(allow_null=True)
    amount = MoneyField()
    currency = serializers.CharField()
    provider = serializers.CharField()
    status = serializers.CharField()
    checkout_url = serializers.CharField()
    created_at = serializers.DateTimeField()


class DisputeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    payment_id = serializers.IntegerField()
    opened_by_id = serializers.IntegerField()
    reason = serializers.CharField()
    status = serializers.CharField()
    outcome = serializers.CharField()
    va_amount = MoneyField(allow_null=True)
    client_amount = MoneyField(allow_null=True)
    settlement_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    settled_at = serializers.DateTimeField(allow_null=True)


class PayoutSerializer(serializers.Serializer):
    """A withdrawal. `sandbox_url`: the sandbox's transfer page (only with the sandbox)."""

    id = serializers.IntegerField()
    reference = serializers.UUIDField()
    amount = MoneyField()
    currency = serializers.CharField()
    provider = serializers.CharField()
    status = serializers.CharField()
    failure_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    settled_at = serializers.DateTimeField(allow_null=True)
    sandbox_url = serializers.SerializerMethodField()

    def get_sandbox_url(self, payout) -> str | None:
        request = self.context.get("request")
        if payout.provider != "sandbox" or request is None:
            return None
        return request.build_absolute_uri(payout.get_sandbox_url())
