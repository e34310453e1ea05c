"""Demo bids: several demo VAs bid (with a small generated PDF and PNG) on the demo tasks;
one bid is shortlisted with an interview proposed, and one task is already hired.

Runs after jobs.demo. Everything goes through bids.services, as people would do it.
Idempotent: a VA who already bid on a task is skipped, and the shortlist, interview and
hire happen only when they have not happened yet.
"""

import io
import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from bids import services
from bids.models import Bid, Interview
from jobs.models import Job

VA_EMAILS = [
    "siti@demo.asisten.example",
    "ayu@demo.asisten.example",
    "budi@demo.asisten.example",
    "maria@demo.asisten.example",
    "kevin@demo.asisten.example",
]
CLIENT_EMAILS = [
    "rina@demo.asisten.example",
    "james@demo.asisten.example",
    "dewi@demo.asisten.example",
]
LETTERS = [
    "I have handled exactly this kind of work for three small businesses in Jakarta and "
    "Surabaya. I read the manual and can follow your checklist from day one.",
    "Saya sudah dua tahun mengerjakan tugas serupa untuk toko online. Saya teliti, cepat "
    "membalas pesan, dan terbiasa bekerja dengan Google Workspace.",
    "Former office manager, now a full-time VA. I like clear checklists and send a short "
    "progress note at the end of each working day.",
]
SHARES = [Decimal("0.8"), Decimal("0.65"), Decimal("0.95")]


def _sample_files(name: str) -> list[SimpleUploadedFile]:
    """A one-page PDF (built by Pillow) and a PNG 'screenshot', both tiny."""
    page = Image.new("RGB", (420, 594), "white")
    draw = ImageDraw.Draw(page)
    draw.text((40, 40), f"Work sample — {name}", fill="black")
    for row in range(6):
        draw.rectangle((40, 100 + row * 60, 380, 140 + row * 60), outline=(11, 92, 173))
    pdf = io.BytesIO()
    page.save(pdf, "PDF")
    shot = Image.new("RGB", (320, 200), (232, 240, 251))
    ImageDraw.Draw(shot).rectangle((20, 20, 300, 60), fill=(11, 92, 173))
    png = io.BytesIO()
    shot.save(png, "PNG")
    return [
        SimpleUploadedFile("work-sample.pdf", pdf.getvalue(), "application/pdf"),
        SimpleUploadedFile("spreadsheet-screenshot.png", png.getvalue(), "image/png"),
    ]


def _terms(job: Job, index: int) -> services.BidTerms:
    today = timezone.localdate()
    return services.BidTerms(
        amount=job.quantize(job.max_rate * SHARES[index % len(SHARES)]),
        cover_letter=LETTERS[index % len(LETTERS)],
        estimated_hours=Decimal(8 + 4 * index) if job.is_hourly else None,
        delivery_date=None if job.is_hourly else today + timedelta(days=5 + index),
        earliest_start=today + timedelta(days=1 + index),
        manual_version=job.current_manual,
        manual_acknowledged=True,
    )


def _next_morning(user, days: int) -> datetime:
    tz = zoneinfo.ZoneInfo(user.timezone or "Asia/Jakarta")
    day = timezone.localdate(timezone=tz) + timedelta(days=days)
    return datetime.combine(day, time(10, 0), tzinfo=tz)


def load(stdout) -> None:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    vas = list(User.objects.filter(email__in=VA_EMAILS, is_va=True).order_by("email"))
    try:
        from jobs.demo import TASKS

        titles = [task["title"] for task in TASKS]
    except ImportError:  # pragma: no cover - jobs.demo ships with the jobs app
        titles = []
    # The same six tasks on every run, whatever their status now (idempotent).
    jobs = list(
        Job.objects.filter(client__email__in=CLIENT_EMAILS, title__in=titles)
        .select_related("client")
        .order_by("pk")[:6]
    )
    if not vas or not jobs:
        stdout.write("bids: no demo VAs or open demo tasks yet, skipped")
        return

    placed = 0
    for j, job in enumerate(jobs):
        bidders = [vas[(j + k) % len(vas)] for k in range(min(3, len(vas)))]
        for index, va in enumerate(bidders):
            if job.status != Job.Status.OPEN or Bid.objects.filter(job=job, va=va).exists():
                continue
            try:
                uploads = services.prepare_sample_uploads(_sample_files(job.title))
                services.bid_submit(job=job, va=va, terms=_terms(job, index), uploads=uploads)
                placed += 1
            except ValidationError as exc:
                stdout.write(f"  bid by {va.email} on “{job.title}” skipped: {exc.messages[0]}")
    stdout.write(f"bids: {placed} new bids on {len(jobs)} demo tasks")

    # One shortlisted bid with an interview proposed (on the first task).
    first = jobs[0]
    bid = Bid.objects.filter(job=first).order_by("amount", "pk").first()
    if bid is not None and not Interview.objects.filter(bid__job=first).exists():
        try:
            if bid.status == Bid.Status.SUBMITTED:
                services.bid_shortlist(bid=bid, client=first.client)
            services.interview_propose(
                bid=bid,
                client=first.client,
                slots=[_next_morning(first.client, 2), _next_morning(first.client, 3)],
                duration_minutes=30,
                note="Looking forward to meeting you.",
            )
            stdout.write(f"  interview proposed to {bid.va.email} on “{first.title}”")
        except ValidationError as exc:
            stdout.write(f"  interview skipped: {exc.messages[0]}")

    # One task already hired (the second), with its contract.
    if len(jobs) > 1:
        second = Job.objects.get(pk=jobs[1].pk)
        if second.status == Job.Status.OPEN:
            bid = Bid.objects.filter(job=second, status=Bid.Status.SUBMITTED).order_by("pk").first()
            if bid is not None:
                try:
                    services.bid_hire(bid=bid, client=second.client)
                    stdout.write(f"  “{second.title}” hired: {bid.va.email}")
                except ValidationError as exc:
                    stdout.write(f"  hire skipped: {exc.messages[0]}")
