"""The API's money writes (issue 19 over issue 17): funding escrow, milestones, disputes
and withdrawals, through the same payments services and forms as the pages.

Amounts always come from the server: funding takes the contract's price, the
milestone's amount or an hourly week's (approved hours x rate; a pre-fund's hours x rate
up to the weekly cap), a withdrawal the VA's whole available balance; no request names a sum
except a milestone plan, which the service checks adds up to the agreed price. Funding
answers with the provider's hosted checkout: the contract shows "funded" only once the
provider's webhook is processed, exactly as on the pages. Every write needs the
`payments:write` scope and is rate-limited per person like the page's button.
"""

from functools import partial

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from api import serializers as out
from api.forms import form_serializer, validated
from api.models import Scope
from api.views import ApiView, _contract, errors, page_of, paginated
from payments import services as payment_services
from payments.forms import DisputeForm, MilestoneForm, WithdrawForm
from payments.models import Dispute, Milestone, Payment, Payout

FundInput = inline_serializer(
    "FundInput",
    {
        "milestone_id": serializers.IntegerField(
            required=False,
            allow_null=True,
        ),
        "week": serializers.DateField(
            required=False,
            allow_null=True,
        ),
        "hours": serializers.DecimalField(
            max_digits=6,
            decimal_places=2,
            required=False,
            allow_null=True,
        ),
    },
)


class _FundInput(serializers.Serializer):
    milestone_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    week = serializers.DateField(required=False, allow_null=True)
    hours = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True
    )


def _checkout(request, payment: Payment) -> dict:
    return {
        "id": payment.pk,
        "reference": payment.reference,
        "milestone_id": payment.milestone_id,
        "week": payment.week,
        "amount": payment.amount,
        "currency": payment.currency,
        "provider": payment.provider,
        "status": payment.status,
        "checkout_url": request.build_absolute_uri(payment.get_checkout_url()),
        "created_at": payment.created_at,
    }


class ContractFund(ApiView):
    """Start (or reopen) the checkout for the agreed price or one milestone, or for one
    week (`week`, its Monday) of an hourly contract: the client."""

    write_scope = Scope.PAYMENTS_WRITE

    @extend_schema(
        operation_id="contract_fund",
        request={"application/json": FundInput},
        responses={201: out.CheckoutSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request, pk: int):
        contract = _contract(request, pk)
        self.limit("payment_fund")
        body = _FundInput(data=request.data)
        body.is_valid(raise_exception=True)
        week = body.validated_data.get("week")
        if week is not None or contract.is_hourly:
            payment = payment_services.week_fund_start(
                contract=contract,
                client=request.user,
                week=week,
                hours=body.validated_data.get("hours"),
            )
            return Response(_checkout(request, payment), status=status.HTTP_201_CREATED)
        milestone_id = body.validated_data.get("milestone_id")
        milestone = (
            get_object_or_404(Milestone, pk=milestone_id, contract=contract)
            if milestone_id
            else None
        )
        payment = payment_services.funding_start(
            contract=contract, client=request.user, milestone=milestone
        )
        return Response(_checkout(request, payment), status=status.HTTP_201_CREATED)


MilestonePlanInput = inline_serializer(
    "MilestonePlanInput",
    {"milestones": form_serializer("MilestoneInput", MilestoneForm)(many=True)},
)


class ContractMilestones(ApiView):
    """The contract's milestones (both parties); POST replaces the plan (the client, before
    any checkout): `milestones` is a list of {title, amount, due_date} adding up to the
    agreed price."""

    write_scope = Scope.PAYMENTS_WRITE

    @extend_schema(
        operation_id="milestones_list",
        responses={200: out.MilestoneSerializer(many=True), **errors(401, 404, 429)},
    )
    def get(self, request, pk: int):
        contract = _contract(request, pk)
        items = Milestone.objects.filter(contract=contract).order_by("position", "pk")
        return Response(out.MilestoneSerializer(items, many=True).data)

    @extend_schema(
        operation_id="milestones_plan",
        request={"application/json": MilestonePlanInput},
        responses={200: out.MilestoneSerializer(many=True), **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request, pk: int):
        contract = _contract(request, pk)
        given = request.data.get("milestones") if hasattr(request.data, "get") else None
        if not isinstance(given, list) or not given:
            raise serializers.ValidationError(
                {"milestones": [_("Send the plan as a list of milestones.")]}
            )
        items, bad = [], {}
        for index, item in enumerate(given):
            form = MilestoneForm(item if isinstance(item, dict) else {})
            if form.is_valid():
                items.append(form.cleaned_data)
            else:
                for name, messages in form.errors.items():
                    bad[f"milestones.{index}.{name}"] = [str(m) for m in messages]
        if bad:
            raise serializers.ValidationError(bad)
        payment_services.milestones_plan(contract=contract, client=request.user, items=items)
        saved = Milestone.objects.filter(contract=contract).order_by("position", "pk")
        return Response(out.MilestoneSerializer(saved, many=True).data)


class MilestoneApprove(ApiView):
    """Approve one funded milestone: its payment is released to the VA (the client)."""

    write_scope = Scope.PAYMENTS_WRITE

    @extend_schema(
        operation_id="milestone_approve",
        request=None,
        responses={200: out.MilestoneSerializer, **errors(401, 403, 404, 409, 429)},
    )
    def post(self, request, pk: int, milestone_id: int):
        contract = _contract(request, pk)
        milestone = get_object_or_404(Milestone, pk=milestone_id, contract=contract)
        payment_services.milestone_approve(milestone=milestone, client=request.user)
        return Response(out.MilestoneSerializer(Milestone.objects.get(pk=milestone.pk)).data)


DisputeInput = form_serializer("DisputeInput", DisputeForm)


class ContractDisputes(ApiView):
    """The contract's disputes; POST disputes one held payment (`payment`: its id, from
    the statement) with a reason and files. The two parties only: staff settle disputes in
    the admin, and everyone else gets a 404, as on the page."""

    write_scope = Scope.PAYMENTS_WRITE

    def _party_contract(self, request, pk: int):
        contract = _contract(request, pk)
        if contract.role_of(request.user) is None:
            raise Http404
        return contract

    @extend_schema(
        operation_id="disputes_list",
        responses={200: out.DisputeSerializer(many=True), **errors(401, 404, 429)},
    )
    def get(self, request, pk: int):
        contract = self._party_contract(request, pk)
        disputes = Dispute.objects.filter(contract=contract).order_by("-created_at", "-pk")
        return Response(out.DisputeSerializer(disputes, many=True).data)

    @extend_schema(
        operation_id="dispute_open",
        request={"multipart/form-data": DisputeInput, "application/json": DisputeInput},
        responses={201: out.DisputeSerializer, **errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request, pk: int):
        contract = self._party_contract(request, pk)
        self.limit("dispute_open")
        form = DisputeForm(
            request.data, request.FILES or None, payments=payment_services.disputable(contract)
        )
        data = validated(form)
        dispute = payment_services.dispute_open(
            contract=contract,
            user=request.user,
            payment_id=data["payment"],
            reason=data["reason"],
            files=data["files"],
        )
        return Response(out.DisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)


WithdrawInput = form_serializer("WithdrawInput", WithdrawForm)


class Withdrawals(ApiView):
    """My withdrawals, newest first; POST withdraws my whole available balance in one
    currency (at least the minimum; see /balance/). It is pending until the provider
    confirms the transfer by webhook; a failed one returns the money with the reason."""

    write_scope = Scope.PAYMENTS_WRITE

    @extend_schema(
        operation_id="withdrawals_list",
        responses={200: page_of("PayoutPage", out.PayoutSerializer), **errors(401, 429)},
    )
    def get(self, request):
        self.signed_in()
        return paginated(
            self,
            Payout.objects.filter(va=request.user),
            partial(out.PayoutSerializer, context={"request": request}),
        )

    @extend_schema(
        operation_id="withdrawal_create",
        request={"application/json": WithdrawInput},
        responses={201: out.PayoutSerializer, **errors(400, 401, 403, 409, 429)},
    )
    def post(self, request):
        self.signed_in()
        self.limit("payout_request")
        data = validated(WithdrawForm(request.data))
        payout = payment_services.payout_request(va=request.user, currency=data["currency"])
        return Response(
            out.PayoutSerializer(payout, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )
