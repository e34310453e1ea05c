"""One small marketplace with every kind of object, built through the real services.

Personas (DESIGN.md §8 and issue 9): anonymous, owner (the client who posted the jobs),
other_client, bidding_va (bid on the open job), other_va (no bid anywhere), hired_va (hired
on the second job), invited_va (invited to the owner's invite-only task, issue 21), staff
(moderator with MFA) and suspended.
"""

import io
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts import services as account_services
from bids import services as bid_services
from contracts import services as contract_services
from jobs import services as job_services
from notifications.models import JobAlert, Notification
from payments import sandbox
from payments import services as payment_services
from tests import factories
from webhooks.models import Delivery, Endpoint, Event

CANARY = "CANARY-7f3a9c"
# In the invite-only task's title: only its client, staff and the invited VA may see it.
INVITE_ONLY_CANARY = "INVITEONLY-5d2e81"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes(text: str = "sample") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (255, 255, 255)).save(buffer, "PDF")
    return buffer.getvalue()


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.objects[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def build_world(
    *, client_user, other_client, va, other_va, staff, suspended, canary: str = CANARY
) -> World:
    hired_va = factories.VAFactory(email="hana@example.com", name="Hana Hired")
    invited_va = factories.VAFactory(email="ira@example.com", name="Ira Invited")
    world = World(
        users={
            "owner": client_user,
            "other_client": other_client,
            "bidding_va": va,
            "other_va": other_va,
            "hired_va": hired_va,
            "invited_va": invited_va,
            "staff": staff,
            "suspended": suspended,
        }
    )
    portfolio = account_services.portfolio_item_create(
        user=va,
        title="Invoice ledger",
        description="A tidy ledger",
        file=SimpleUploadedFile("ledger.pdf", pdf_bytes(), "application/pdf"),
    )
    # A picture its VA shows publicly (a small copy; the file stays private).
    preview = account_services.portfolio_item_create(
        user=va,
        title="Receipt photo sorted",
        file=SimpleUploadedFile("receipt.png", png_bytes(), "image/png"),
        show_preview=True,
    )
    job = factories.JobFactory(client=client_user, title="Organise the shop inbox")
    job_services.search_vectors_refresh(job_ids=[job.pk])
    attachment = job_services.job_attachment_add(
        job=job,
        by=client_user,
        uploaded_file=SimpleUploadedFile("brief.pdf", pdf_bytes(), "application/pdf"),
    )
    draft = factories.JobFactory(
        client=client_user, status="draft", published_at=None, title="Draft task"
    )
    uploads = bid_services.prepare_sample_uploads(
        [SimpleUploadedFile(f"{canary}-sample.png", png_bytes(), "image/png")]
    )
    bid = bid_services.bid_submit(
        job=job,
        va=va,
        terms=bid_services.BidTerms(
            amount=Decimal("450000"),
            cover_letter=f"My secret approach {canary}: I sort by client, then by year, then archive.",
            delivery_date=timezone.localdate() + timedelta(days=7),
            manual_version=job.current_manual,
            manual_acknowledged=True,
        ),
        uploads=uploads,
    )
    bid_services.bid_shortlist(bid=bid, client=client_user)
    interview = bid_services.interview_propose(
        bid=bid,
        client=client_user,
        slots=[timezone.now() + timedelta(days=2)],
        meeting_url="https://meet.example.org/room",
    )
    interview = bid_services.interview_confirm(
        interview=interview, user=va, slot_id=interview.slots.first().pk
    )
    hired_job = factories.JobFactory(client=client_user, title="Bookkeeping for March")
    hired_attachment = job_services.job_attachment_add(
        job=hired_job,
        by=client_user,
        uploaded_file=SimpleUploadedFile("ledger.pdf", pdf_bytes(), "application/pdf"),
    )
    hired_bid = factories.BidFactory(job=hired_job, va=hired_va, amount=Decimal("300000"))
    contract = bid_services.bid_hire(bid=hired_bid, client=client_user)
    # Issue 17: the hired contract is funded through the sandbox (checkout, signed webhook,
    # processed), so its statement and checkout page carry a private reference.
    checkout = payment_services.funding_start(contract=contract, client=client_user)
    body = sandbox.event_body(payment=checkout, outcome="pay")
    event = payment_services.webhook_receive(
        provider="sandbox", body=body, signature=sandbox.sign(body)
    )
    payment_services.webhook_event_process(event_id=event.pk)
    message = contract_services.message_send(
        contract=contract,
        author=hired_va,
        body="Here is the first file.",
        files=[SimpleUploadedFile("first.pdf", pdf_bytes(), "application/pdf")],
    )
    deliverable = contract_services.deliverable_submit(
        contract=contract,
        va=hired_va,
        note="Done",
        files=[SimpleUploadedFile("done.pdf", pdf_bytes(), "application/pdf")],
    )
    invite_only = factories.JobFactory(
        client=client_user,
        title=f"Quiet inbox clean-up {INVITE_ONLY_CANARY}",
        description=f"Private brief {INVITE_ONLY_CANARY}: archive the old inbox threads.",
        invite_only=True,
    )
    job_services.search_vectors_refresh(job_ids=[invite_only.pk])
    invite_only_attachment = job_services.job_attachment_add(
        job=invite_only,
        by=client_user,
        uploaded_file=SimpleUploadedFile("quiet.pdf", pdf_bytes(), "application/pdf"),
    )
    invitation = job_services.invitation_send(
        job=invite_only, va=invited_va, by=client_user, note="You did this well before."
    )
    alert = JobAlert.objects.create(user=va, name="Inbox work", keywords="inbox")
    notification = Notification.objects.filter(recipient=client_user).first()
    world.objects.update(
        portfolio=portfolio,
        preview=preview,
        job=job,
        attachment=attachment,
        draft=draft,
        bid=bid,
        sample=bid.samples.first(),
        interview=interview,
        hired_job=hired_job,
        hired_attachment=hired_attachment,
        hired_bid=hired_bid,
        contract=contract,
        checkout=checkout,
        funding=checkout.ledger_transactions.get(),
        message=message,
        message_file=message.attachments.first(),
        deliverable=deliverable,
        deliverable_file=deliverable.files.first(),
        alert=alert,
        notification=notification,
        invite_only=invite_only,
        invite_only_attachment=invite_only_attachment,
        invitation=invitation,
    )
    # The owner's webhook endpoint with one delivery in its log (written directly: nothing
    # is sent from the permission tests).
    webhook = Endpoint.objects.create(
        user=client_user,
        url="https://hooks.example.com/asisten",
        events=["bid.created"],
        secret="whsec_world",
    )
    event = Event.objects.create(type="webhook.test", key="webhook.test:world", payload={})
    world.objects.update(
        webhook=webhook,
        webhook_delivery=Delivery.objects.create(endpoint=webhook, event=event, status="sent"),
    )
    return world
