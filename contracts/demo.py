"""Demo contracts: one active hourly contract with messages and logged hours, and one
completed per-task contract with both reviews.

Runs after bids.demo. Jobs, bids and hires go through the jobs and bids services, the work
through ours, as people would do it. Idempotent: a contract is found by its job's client and
title; when it exists nothing is touched.
"""

import zoneinfo
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from contracts import services
from contracts.models import Contract, Timesheet
from contracts.services import week_start_of

HOURLY = {
    "client": "james@demo.asisten.example",
    "va": "siti@demo.asisten.example",
    "job_title": "Ongoing inbox and calendar support (10 hours a week)",
    "description": "Keep my inbox at zero, schedule client calls and send a short end-of-day summary.",
    "category": "admin-support",
    "pay_type": "hourly",
    "max_rate": Decimal("8.00"),
    "currency": "USD",
    "rate": Decimal("7.50"),
    "details": {"hours_per_week": 10, "duration": "months", "working_hours": "Mon–Fri, mornings"},
    "manual": "## Every morning\n\n1. Triage the inbox into *Reply*, *Waiting* and *Archive*.\n"
    "2. Confirm today's calls.\n3. Send the summary by 17:00 WIB.\n",
    "checklist": ["Inbox triaged", "Calls confirmed", "Summary sent"],
}
FIXED = {
    "client": "dewi@demo.asisten.example",
    "va": "budi@demo.asisten.example",
    "job_title": "Rapikan daftar kontak pemasok di Google Sheets",
    "description": "Gabungkan tiga daftar kontak pemasok, hapus duplikat dan seragamkan format nomor telepon.",
    "category": "data-entry",
    "pay_type": "fixed",
    "max_rate": Decimal("750000"),
    "currency": "IDR",
    "rate": Decimal("600000"),
    "details": {"deliverables": "Satu Google Sheet rapi dan catatan singkat perubahan."},
    "manual": "## Langkah\n\n1. Gabungkan tab *Lama*, *Baru* dan *Pameran*.\n2. Hapus duplikat.\n"
    "3. Format nomor: +62…\n",
    "checklist": ["Tanpa duplikat", "Nomor telepon seragam"],
}


def _people(spec: dict):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    client = User.objects.filter(email=spec["client"]).first() or (
        User.objects.filter(is_client=True).order_by("pk").first()
    )
    va = User.objects.filter(email=spec["va"]).first() or (
        User.objects.filter(is_va=True)
        .exclude(pk=getattr(client, "pk", None))
        .order_by("pk")
        .first()
    )
    return client, va


def _existing(spec: dict, client) -> Contract | None:
    return Contract.objects.filter(Q(job__client=client) & Q(job__title=spec["job_title"])).first()


def _hire(spec: dict, client, va) -> Contract:
    """Post the task, bid on it and hire the bid, through the owners' services."""
    from bids.services import BidTerms, bid_hire, bid_submit, prepare_sample_uploads
    from jobs import services as job_services
    from jobs.models import Category

    now = timezone.now()
    job = job_services.job_create(
        client=client,
        title=spec["job_title"],
        description=spec["description"],
        category=Category.objects.get(slug=spec["category"]),
        pay_type=spec["pay_type"],
        max_rate=spec["max_rate"],
        currency=spec["currency"],
        manual_body=spec["manual"],
        checklist=spec["checklist"],
        closes_at=now + timedelta(days=7),
        **spec["details"],
    )
    job_services.job_publish(job=job, by=client)
    job.refresh_from_db()
    bid = bid_submit(
        job=job,
        va=va,
        terms=BidTerms(
            amount=spec["rate"],
            cover_letter="I have done this kind of work for several small businesses and can start at once.",
            estimated_hours=Decimal("10") if spec["pay_type"] == "hourly" else None,
            delivery_date=(now + timedelta(days=5)).date() if spec["pay_type"] == "fixed" else None,
            manual_version=job.current_manual,
            manual_acknowledged=True,
        ),
        uploads=prepare_sample_uploads(
            [SimpleUploadedFile("work-sample.txt", b"A short summary of similar work I did.\n")]
        ),
    )
    return bid_hire(bid=bid, client=client)


def _start_back(contract: Contract, days: int) -> Contract:
    # Demo history: the contract began a while ago, so there are past weeks to show.
    Contract.objects.filter(pk=contract.pk).update(started_at=timezone.now() - timedelta(days=days))
    contract.refresh_from_db()
    return contract


def _hourly(stdout) -> None:
    client, va = _people(HOURLY)
    if client is None or va is None:
        stdout.write("contracts: no demo client/VA yet, hourly contract skipped")
        return
    if _existing(HOURLY, client):
        stdout.write("  contract (hourly): already there")
        return
    contract = _start_back(_hire(HOURLY, client, va), 14)
    services.message_send(
        contract=contract, author=client, body="Welcome aboard, Siti! Inbox first, please."
    )
    services.message_send(
        contract=contract,
        author=va,
        body="Thank you! I've started with the inbox. Here is my checklist for each morning.",
        files=[SimpleUploadedFile("morning-checklist.txt", b"1. Triage\n2. Calls\n3. Summary\n")],
    )
    services.message_send(
        contract=contract, author=client, body="Perfect. Please also book the dentist for Friday."
    )
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(va.timezone))
    last_monday = week_start_of(today) - timedelta(days=7)
    for offset, hours, memo in [
        (0, "2", "Inbox triage and replies"),
        (1, "1.5", "Scheduled five client calls"),
        (2, "2.25", "Travel booking for the Bali trip"),
        (3, "1.75", "Inbox and end-of-day summaries"),
    ]:
        services.hours_log(
            contract=contract,
            va=va,
            work_date=last_monday + timedelta(days=offset),
            hours=hours,
            memo=memo,
        )
    services.hours_log(contract=contract, va=va, work_date=today, hours="1.25", memo="Inbox triage")
    sheet = Timesheet.objects.get(contract=contract, week_start=last_monday)
    services.timesheet_approve(timesheet=sheet, client=client)
    services.payment_mark(contract=contract, client=client, timesheet=sheet, note="Wise transfer")
    stdout.write(f"  contract (hourly): {contract.job.title}")


def _fixed(stdout) -> None:
    client, va = _people(FIXED)
    if client is None or va is None:
        stdout.write("contracts: no demo client/VA yet, per-task contract skipped")
        return
    if _existing(FIXED, client):
        stdout.write("  contract (per task): already there")
        return
    contract = _start_back(_hire(FIXED, client, va), 6)
    services.message_send(
        contract=contract, author=client, body="Halo Budi, file-nya sudah saya bagikan."
    )
    services.message_send(
        contract=contract, author=va, body="Terima kasih Bu, saya kerjakan hari ini."
    )
    first = services.deliverable_submit(
        contract=contract,
        va=va,
        note="Sudah digabung dan duplikat dihapus.",
        files=[SimpleUploadedFile("catatan-perubahan.txt", b"312 kontak, 41 duplikat dihapus.\n")],
    )
    services.deliverable_request_changes(
        deliverable=first, client=client, comment="Tolong nomor telepon pakai format +62."
    )
    final = services.deliverable_submit(
        contract=contract, va=va, note="Nomor sudah diseragamkan ke +62."
    )
    services.deliverable_approve(deliverable=final, client=client)
    mark = services.payment_mark(
        contract=contract, client=client, deliverable=final, note="Transfer BCA"
    )
    services.payment_confirm(payment=mark, va=va)
    services.contract_complete(contract=contract, client=client)
    services.review_leave(
        contract=contract,
        author=client,
        overall=5,
        communication=5,
        quality=5,
        timeliness=4,
        text="Rapi dan cepat tanggap. Perubahan dikerjakan di hari yang sama.",
    )
    services.review_leave(
        contract=contract,
        author=va,
        overall=5,
        communication=5,
        quality=5,
        timeliness=5,
        text="Instruksi jelas dan pembayaran tepat waktu.",
    )
    stdout.write(f"  contract (per task, completed): {contract.job.title}")


def load(stdout) -> None:
    _hourly(stdout)
    _fixed(stdout)
    stdout.write("contracts: demo contracts ready")
