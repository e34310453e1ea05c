"""Fill the database with realistic data at scale, for benchmarks: `manage.py seed`.

    manage.py seed --users 50000 --jobs 100000 --bids 1000000 --seed 42

Everything goes in through COPY (demo/bulk.py) with a progress line per table. The same
`--seed` gives the same data. The text is varied, in English and Indonesian (demo.text:
our phrase lists of VA work in demo.vocabulary with Faker's `en_US` and `id_ID` names,
companies and cities): titles, descriptions, manuals, cover letters, client and VA
profiles. Categories, clients and skills are skewed Zipf-like (admin support and a few
clients much busier than the rest; skills with a long tail). Issue 20's large run:
`--users 500000 --jobs 1000000 --bids 10000000 --notifications 1000000`. The contracts get
their money (demo.ledger: escrow payments, milestones, payouts and up to `--ledger` ledger
entries). Besides the random crowd it creates the fixed cases the benchmark measures
(bench/README in bench/run.py): a client with a 200-bid job, a VA with 300 bids, a user
with 1,000 notifications and a contract with 50 payments.
"""

import random
import uuid
from datetime import timedelta
from decimal import ROUND_FLOOR, Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import ClientProfile, User, VAProfile
from accounts.services import skill_get_or_create, va_search_vectors_refresh
from bids.models import Bid, Interview, InterviewSlot, WorkSample
from contracts.models import Contract, Review
from contracts.services import va_stats_refresh
from demo.bulk import Progress, copy_rows
from demo.ledger import bench_contract, seed_ledger
from demo.text import Writer, Zipf
from demo.vocabulary import CATEGORY_SLUGS, SKILLS, TOOLS
from jobs.models import Category, Job, ManualVersion
from jobs.services import search_vectors_refresh
from notifications.models import Notification
from payments.models import Account, Entry, LedgerTransaction, Milestone, Payment, Payout

SEED_PASSWORD = "seed-password-123"  # noqa: S105 - benchmark data only, printed for use
BENCH_CLIENT = "bench-client@example.test"
BENCH_VA = "bench-va@example.test"
BENCH_READER = "bench-reader@example.test"

REVIEW_TEXTS = [
    "Organised, quick to reply and careful with every detail.",
    "Sangat teliti dan cepat membalas pesan. Akan bekerja sama lagi.",
    "Clear instructions and prompt payment. A pleasure to work with.",
    "Instruksi jelas dan pembayaran tepat waktu.",
    "",
]
TIMEZONES = [
    "Asia/Jakarta",
    "Asia/Makassar",
    "Asia/Singapore",
    "Australia/Sydney",
    "Europe/London",
    "America/New_York",
]
# What a VA profile lists, by language of its owner.
VA_LANGUAGES = {"id": "Indonesian, English", "en": "English, Indonesian"}
CLIENT_ABOUT = {
    "en": "{company}: {business} in {city}.",
    "id": "{company}: {business} di {city}.",
}


class Command(BaseCommand):
    help = (
        "Seed the database with users, jobs, bids and notifications at scale (COPY, with progress)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50_000)
        parser.add_argument("--jobs", type=int, default=100_000)
        parser.add_argument("--bids", type=int, default=1_000_000)
        parser.add_argument("--notifications", type=int, default=100_000)
        parser.add_argument(
            "--ledger",
            type=int,
            default=1_000_000,
            help="At most this many ledger entries (escrow payments, releases, payouts) for "
            "the seeded contracts; the default sizes fill about a million.",
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--force", action="store_true", help="Seed even if seed data already exists."
        )

    def handle(self, *args, **opts):
        rng = random.Random(opts["seed"])  # noqa: S311 - repeatable fake data, not secrets
        if User.objects.filter(email=BENCH_CLIENT).exists() and not opts["force"]:
            raise CommandError(
                "Seed data already exists (use a fresh database, or --force to add more)."
            )
        if opts["users"] < 400 or opts["jobs"] < 10 or opts["bids"] < 1000:
            raise CommandError("Use at least --users 400 --jobs 10 --bids 1000.")
        started = timezone.now()
        with transaction.atomic():
            writer = Writer(opts["seed"])
            self.category_ids = dict(Category.objects.values_list("slug", "id"))
            missing = set(CATEGORY_SLUGS) - set(self.category_ids)
            if missing:
                raise CommandError(f"Task categories missing (migrate first): {sorted(missing)}")
            self.skill_ids = self._skills()
            users = self._users(rng, writer, opts["users"])
            jobs = self._jobs(rng, writer, users, opts["jobs"])
            self._bids(rng, writer, users, jobs, opts["bids"])
            self._hires(rng)
            self._interviews(rng)
            money = seed_ledger(
                rng, entries=opts["ledger"], fee_percent=Decimal(str(settings.PLATFORM_FEE_PERCENT))
            )
            self._notifications(rng, users, jobs, opts["notifications"])
            self._finish()
        # A bulk load leaves the visibility map empty, so until autovacuum comes round every
        # index-only scan (the board's capped count and page ids) still reads the table.
        # VACUUM (outside the transaction) puts the data in the state production runs in.
        self.stdout.write("vacuum and analyze …")
        with connection.cursor() as cursor:
            for model in (
                User,
                Job,
                ManualVersion,
                Bid,
                WorkSample,
                Contract,
                Review,
                Interview,
                InterviewSlot,
                Notification,
                Milestone,
                Payment,
                Payout,
                LedgerTransaction,
                Entry,
                Account,
            ):
                cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded in {seconds:.0f}s. Password for every seeded user: {SEED_PASSWORD}"
            )
        )
        self.stdout.write(f"  bench client (job with 200 bids): {BENCH_CLIENT}")
        self.stdout.write(f"  bench VA (300 bids): {BENCH_VA}")
        self.stdout.write(f"  bench reader (1,000 notifications): {BENCH_READER}")
        self.stdout.write(
            f"  money: {money['payments']:,} payments, {money['payouts']:,} payouts, "
            f"{money['entries']:,} ledger entries"
        )
        if (contract := bench_contract()) is not None:
            self.stdout.write(
                f"  contract with 50 payments: /contracts/{contract.pk}/ "
                f"(client {contract.client.email}, VA {contract.va.email})"
            )

    # --- skills --------------------------------------------------------------------
    def _skills(self) -> dict[str, int]:
        """Every skill name of the vocabulary, as a Skill row: name → id."""
        names = list(dict.fromkeys([n for names in SKILLS.values() for n in names] + TOOLS))
        return {name: skill_get_or_create(name=name).pk for name in names}

    # --- users ---------------------------------------------------------------------
    def _users(self, rng, writer, count):
        password = make_password(SEED_PASSWORD)
        now = timezone.now()
        start = self._next_id(User)
        fixed = [(BENCH_CLIENT, True, False), (BENCH_VA, False, True), (BENCH_READER, True, True)]
        languages = {}

        def rows():
            for i in range(count):
                if i < len(fixed):
                    email, is_client, is_va = fixed[i]
                else:
                    roll = rng.random()
                    is_client, is_va = (
                        (True, False)
                        if roll < 0.2
                        else ((True, True) if roll < 0.25 else (False, True))
                    )
                    email = f"seed{start + i}@example.test"
                language = "id" if rng.random() < 0.6 else "en"
                languages[start + i] = language
                yield {
                    "id": start + i,
                    "email": email,
                    "password": password,
                    "name": writer.name(language),
                    "is_client": is_client,
                    "is_va": is_va,
                    "language": language,
                    "timezone": "Asia/Jakarta" if language == "id" else rng.choice(TIMEZONES),
                    "date_joined": now - timedelta(days=rng.randint(1, 900)),
                    "is_active": True,
                }

        copy_rows(User, rows(), total=count, label="users", skip_pk=False)
        self._sync_sequence(User)
        ids = list(range(start, start + count))
        flags = dict(User.objects.filter(id__in=ids).values_list("id", "is_client").iterator())
        vas = list(User.objects.filter(id__in=ids, is_va=True).values_list("id", flat=True))
        clients = [uid for uid, is_client in flags.items() if is_client]
        emails = User.objects.filter(id__in=ids).values_list("id", "email")
        copy_rows(
            EmailAddress,
            (
                {"user_id": uid, "email": email, "verified": True, "primary": True}
                for uid, email in emails.iterator()
            ),
            total=count,
            label="email addresses",
        )

        def client_rows():
            for uid in clients:
                language = languages[uid]
                words = writer.words(language, writer.categories.pick(rng), [])
                yield {
                    "user_id": uid,
                    "display_name": words["company"],
                    "about": CLIENT_ABOUT[language].format(**words),
                    "updated_at": now,
                }

        copy_rows(ClientProfile, client_rows(), total=len(clients), label="client profiles")
        va_skills: list[tuple[int, list[str]]] = []
        va_categories: list[tuple[int, list[str]]] = []

        def va_rows():
            for uid in vas:
                language = languages[uid]
                main = writer.categories.pick(rng)
                others = writer.categories.sample(rng, rng.randint(0, 2))
                skills = writer.skills(main, tail_share=0.6, most=4)
                va_skills.append((uid, skills))
                va_categories.append((uid, list(dict.fromkeys([main, *others]))))
                yield {
                    "user_id": uid,
                    **writer.profile(language, main, skills),
                    **self._va_rate(rng),
                    "years_experience": rng.randint(0, 15),
                    "languages": VA_LANGUAGES[language],
                    "country": "Indonesia" if language == "id" or rng.random() < 0.5 else "",
                    "updated_at": now,
                }

        copy_rows(VAProfile, va_rows(), total=len(vas), label="VA profiles")
        profile_ids = dict(VAProfile.objects.filter(user_id__in=vas).values_list("user_id", "id"))
        self._copy_links(
            VAProfile.skills.through,
            ("vaprofile_id", "skill_id"),
            [(profile_ids[uid], [self.skill_ids[n] for n in names]) for uid, names in va_skills],
            "VA skills",
        )
        self._copy_links(
            VAProfile.categories.through,
            ("vaprofile_id", "category_id"),
            [
                (profile_ids[uid], [self.category_ids[slug] for slug in slugs])
                for uid, slugs in va_categories
            ],
            "VA categories",
        )
        by_email = dict(
            User.objects.filter(email__in=[f[0] for f in fixed]).values_list("email", "id")
        )
        return {"clients": clients, "vas": vas, "fixed": by_email}

    # --- jobs ----------------------------------------------------------------------
    def _jobs(self, rng, writer, users, count):
        now = timezone.now()
        start = self._next_id(Job)
        statuses = [("open", 70), ("closed", 10), ("hired", 10), ("completed", 5), ("draft", 5)]
        population = [s for s, weight in statuses for _ in range(weight)]
        # A few clients post far more than the rest (Zipf over a shuffled order).
        clients = list(users["clients"])
        rng.shuffle(clients)
        busy_clients = Zipf(clients, s=0.9)
        meta = []
        rates: dict[int, tuple[Decimal, str]] = {}
        texts: dict[int, tuple[str, str]] = {}  # job id → (language, category slug)
        job_skills: list[tuple[int, list[str]]] = []
        manuals: list[tuple[int, str]] = []

        def rows():
            for i in range(count):
                job_id = start + i
                language = writer.language()
                category = writer.categories.pick(rng)
                skills = writer.skills(category)
                text = writer.job(language, category, skills)
                texts[job_id] = (language, category)
                job_skills.append((job_id, skills))
                manuals.append((job_id, text["manual"]))
                hourly = rng.random() < 0.45
                currency = "IDR" if rng.random() < 0.65 else "USD"
                if currency == "IDR":
                    rate = Decimal(
                        rng.randrange(25_000, 200_000, 5_000)
                        if hourly
                        else rng.randrange(100_000, 5_000_000, 50_000)
                    )
                else:
                    rate = (
                        Decimal(rng.randrange(300, 2500)) / 100
                        if hourly
                        else Decimal(rng.randrange(20, 800))
                    )
                status = "open" if i == 0 else rng.choice(population)
                client = users["fixed"][BENCH_CLIENT] if i == 0 else busy_clients.pick(rng)
                # Tasks that were hired were posted longer ago; hourly help runs for
                # months (a part-time assistant for a year), a task for weeks.
                days = 90
                if status in ("hired", "completed"):
                    days = 450 if hourly else 200
                published = (
                    None
                    if status == "draft"
                    else now - timedelta(minutes=rng.randint(1, days * 24 * 60))
                )
                meta.append((job_id, status))
                rates[job_id] = (rate, currency)
                yield {
                    "id": job_id,
                    "client_id": client,
                    "title": text["title"],
                    "description": text["description"],
                    "category_id": self.category_ids[category],
                    "pay_type": "hourly" if hourly else "fixed",
                    "max_rate": rate,
                    "currency": currency,
                    "hours_per_week": rng.choice([5, 10, 20, 40]) if hourly else None,
                    "duration": rng.choice(["weeks", "months", "ongoing"]) if hourly else "",
                    "deliverables": "" if hourly else text["deliverables"],
                    "status": status,
                    "created_at": published or now,
                    "updated_at": published or now,
                    "published_at": published,
                    "closes_at": (published + timedelta(days=rng.randint(7, 120)))
                    if published
                    else None,
                    "bid_count": 0,
                }

        copy_rows(Job, rows(), total=count, label="jobs", skip_pk=False)
        self._sync_sequence(Job)
        self._copy_links(
            Job.skills.through,
            ("job_id", "skill_id"),
            [(job_id, [self.skill_ids[n] for n in names]) for job_id, names in job_skills],
            "job skills",
        )
        copy_rows(
            ManualVersion,
            (
                {
                    "job_id": job_id,
                    "number": 1,
                    "body": body,
                    "checklist": [{"text": "Done as described"}],
                    "created_at": now,
                }
                for job_id, body in manuals
            ),
            total=count,
            label="task manuals",
        )
        manual_ids = dict(
            ManualVersion.objects.filter(job_id__gte=start).values_list("job_id", "id").iterator()
        )
        biddable = [job_id for job_id, status in meta if status != "draft"]
        return {
            "biddable": biddable,
            "manuals": manual_ids,
            "first": start,
            "rates": rates,
            "texts": texts,
        }

    # --- bids ----------------------------------------------------------------------
    def _bids(self, rng, writer, users, jobs, count):
        vas = users["vas"]
        bench_va = users["fixed"][BENCH_VA]
        bench_job = jobs["first"]
        now = timezone.now()
        plan: dict[int, int] = {}
        plan[bench_job] = 200
        remaining = count - 200 - 300
        biddable = jobs["biddable"]
        # Spread the rest over jobs, most getting a handful and a few many.
        while remaining > 0:
            job_id = rng.choice(biddable)
            if job_id == bench_job:
                continue  # exactly 200 bids, as the benchmark says
            n = min(remaining, rng.choice([1, 2, 3, 5, 8, 13, 21]))
            if plan.get(job_id, 0) + n > len(vas) - 1:
                continue
            plan[job_id] = plan.get(job_id, 0) + n
            remaining -= n
        bench_va_jobs = set(rng.sample(biddable[1:], min(300, len(biddable) - 1)))
        statuses = ["submitted"] * 70 + ["shortlisted"] * 10 + ["rejected"] * 15 + ["withdrawn"] * 5

        def rows():
            for job_id, n in plan.items():
                chosen = set()
                if job_id in bench_va_jobs:
                    chosen.add(bench_va)
                while len(chosen) < n + (1 if job_id in bench_va_jobs else 0):
                    candidate = rng.choice(vas)
                    if candidate != bench_va:
                        chosen.add(candidate)
                for va_id in chosen:
                    yield self._bid(rng, writer, job_id, va_id, jobs, statuses, now)
            for job_id in bench_va_jobs - set(plan):
                yield self._bid(rng, writer, job_id, bench_va, jobs, statuses, now)

        total = sum(plan.values()) + len(bench_va_jobs)
        copy_rows(Bid, rows(), total=total, label="bids")
        # Samples as metadata only: no files are written at this scale.
        bid_ids = Bid.objects.filter(job_id__gte=jobs["first"]).values_list("id", flat=True)
        sample_rows = (
            {
                "id": uuid.UUID(int=rng.getrandbits(128)),
                "bid_id": bid_id,
                "file": f"samples/seed/{bid_id}.pdf",
                "original_name": "portfolio.pdf",
                "content_type": "application/pdf",
                "size": 200_000,
                "sha256": "",
                "thumbnail": "",
                "created_at": now,
            }
            for bid_id in bid_ids.iterator()
            if rng.random() < 0.3
        )
        copy_rows(
            WorkSample, sample_rows, total=int(total * 0.3), label="work samples", skip_pk=False
        )

    @staticmethod
    def _va_rate(rng) -> dict:
        """A VA's hourly rate picked in the profile's own currency: whole rupiah from Rp 30.000
        to Rp 250.000 (in steps of 5.000), or USD 5.00 to 40.00 in cents."""
        if rng.random() < 0.6:
            return {
                "currency": "IDR",
                "hourly_rate": Decimal(rng.randrange(30_000, 250_001, 5_000)),
            }
        return {"currency": "USD", "hourly_rate": Decimal(rng.randrange(500, 4_001)) / 100}

    @staticmethod
    def _amount(rng, max_rate: Decimal, currency: str) -> Decimal:
        """A bid as VAs make them: 40–100% of the job's maximum, rounded down to whole
        thousands of rupiah or to cents (the seeded maximums are at least Rp 25.000 and
        USD 3), so never above the maximum."""
        step = Decimal(1000) if currency == "IDR" else Decimal("0.01")
        share = Decimal(rng.randrange(40, 101)) / 100
        return (max_rate * share / step).to_integral_value(rounding=ROUND_FLOOR) * step

    def _bid(self, rng, writer, job_id, va_id, jobs, statuses, now):
        language, category = jobs["texts"][job_id]
        when = now - timedelta(minutes=rng.randint(1, 60 * 24 * 60))
        return {
            "job_id": job_id,
            "va_id": va_id,
            "amount": self._amount(rng, *jobs["rates"][job_id]),
            "cover_letter": writer.letter(language, category),
            "manual_version_id": jobs["manuals"].get(job_id),
            "status": rng.choice(statuses),
            "created_at": when,
            "updated_at": when,
            "submitted_at": when,
        }

    # --- hires, contracts and reviews -----------------------------------------------
    def _hires(self, rng, *, completed_with_reviews: float = 0.8):
        """Every hired or completed job gets its hire as the hire service leaves it: one bid
        accepted, the job's other undecided bids rejected, a contract (completed ones ended
        some days ago). Most completed contracts carry both parties' reviews, so VAs have
        ratings and completed contracts on their bid cards."""
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT DISTINCT ON (j.id) j.id, j.status, j.client_id, j.pay_type, j.currency,
                       j.hours_per_week, b.id, b.va_id, b.amount, b.manual_version_id,
                       j.published_at
                FROM jobs_job j JOIN bids_bid b ON b.job_id = j.id
                WHERE j.status IN ('hired', 'completed') AND b.status <> 'withdrawn'
                ORDER BY j.id, b.amount, b.id
                """
            )
            hires = cursor.fetchall()
            accepted = [row[6] for row in hires]
            cursor.execute("UPDATE bids_bid SET status = 'accepted' WHERE id = ANY(%s)", [accepted])
            cursor.execute(
                """
                UPDATE bids_bid SET status = 'rejected'
                WHERE job_id = ANY(%s) AND status IN ('submitted', 'shortlisted')
                """,
                [[row[0] for row in hires]],
            )
        ended = {}

        def contracts():
            for (
                job_id,
                status,
                client_id,
                pay_type,
                currency,
                hours,
                bid_id,
                va_id,
                amount,
                manual,
                published,
            ) in hires:
                # Hired a few days after posting; a finished one ended before today.
                started = min(published + timedelta(days=rng.randint(1, 7)), now)
                finished = status == "completed"
                if finished:
                    length = rng.randint(30, 180) if pay_type == "hourly" else rng.randint(5, 15)
                    done = min(started + timedelta(days=length), now)
                    ended[job_id] = (client_id, va_id, done)
                yield {
                    "job_id": job_id,
                    "bid_id": bid_id,
                    "client_id": client_id,
                    "va_id": va_id,
                    "rate": amount,
                    "pay_type": pay_type,
                    "currency": currency,
                    "weekly_hour_cap": Decimal(hours) if pay_type == "hourly" and hours else None,
                    "manual_version_id": manual,
                    "manual_snapshot_body": "1. Read the brief.\n2. Do the work.\n3. Report back.",
                    "manual_snapshot_checklist": [{"text": "Done as described"}],
                    "status": "completed" if finished else "active",
                    "started_at": started,
                    "ended_at": ended[job_id][2] if finished else None,
                    "ended_by_id": client_id if finished else None,
                }

        copy_rows(Contract, contracts(), total=len(hires), label="contracts")
        by_job = dict(Contract.objects.filter(job_id__in=list(ended)).values_list("job_id", "id"))

        def reviews():
            for job_id, (client_id, va_id, ended_at) in ended.items():
                if rng.random() >= completed_with_reviews:
                    continue
                for author, subject, role in (
                    (client_id, va_id, "client"),
                    (va_id, client_id, "va"),
                ):
                    base = rng.choice([3, 4, 4, 5, 5, 5])
                    yield {
                        "contract_id": by_job[job_id],
                        "author_id": author,
                        "subject_id": subject,
                        "author_role": role,
                        "overall": base,
                        "communication": min(5, base + rng.choice([-1, 0, 0, 1])),
                        "quality": min(5, base + rng.choice([-1, 0, 1])),
                        "timeliness": min(5, max(1, base + rng.choice([-1, 0]))),
                        "text": rng.choice(REVIEW_TEXTS),
                        "created_at": ended_at + timedelta(days=rng.randint(0, 10)),
                    }

        copy_rows(
            Review, reviews(), total=int(2 * len(ended) * completed_with_reviews), label="reviews"
        )

    # --- interviews ----------------------------------------------------------------
    def _interviews(self, rng, *, share: float = 0.5):
        """About half the shortlisted bids have an interview: times proposed, or one chosen
        (some of those already past, so they show as done)."""
        now = timezone.now()
        shortlisted = list(
            Bid.objects.filter(status=Bid.Status.SHORTLISTED)
            .values_list("id", "job__client_id")
            .iterator()
        )
        chosen = [row for row in shortlisted if rng.random() < share]
        confirmed = {}

        def interviews():
            for bid_id, client_id in chosen:
                status = "confirmed" if rng.random() < 0.5 else "proposed"
                confirmed[bid_id] = status == "confirmed"
                yield {
                    "bid_id": bid_id,
                    "uid": uuid.UUID(int=rng.getrandbits(128)),
                    "duration_minutes": rng.choice([30, 45, 60]),
                    "meeting_url": f"https://meet.jit.si/Asisten-seed-{bid_id}",
                    "status": status,
                    "ics_sequence": 0,
                    "proposed_by_id": client_id,
                    "created_at": now,
                    "updated_at": now,
                }

        copy_rows(Interview, interviews(), total=len(chosen), label="interviews")
        ids = dict(
            Interview.objects.filter(bid_id__in=[b for b, _c in chosen]).values_list("bid_id", "id")
        )

        def slots():
            for bid_id, _client in chosen:
                first = now + timedelta(days=rng.randint(-5, 10), hours=rng.randint(1, 8))
                for n in range(1 if confirmed[bid_id] else rng.randint(1, 3)):
                    yield {"interview_id": ids[bid_id], "starts_at": first + timedelta(days=n)}

        copy_rows(InterviewSlot, slots(), total=len(chosen) * 2, label="interview slots")
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE bids_interview i SET chosen_slot_id = s.id
                FROM bids_interviewslot s
                WHERE s.interview_id = i.id AND i.status = 'confirmed'
                """
            )

    # --- notifications -------------------------------------------------------------
    def _notifications(self, rng, users, jobs, count):
        reader = users["fixed"][BENCH_READER]
        now = timezone.now()
        kinds = [
            "job_posted",
            "bid_submitted",
            "bid_shortlisted",
            "bid_rejected",
            "interview_proposed",
        ]
        # The reader gets exactly 1,000 (the benchmark's number): none of the random ones.
        recipients = [va for va in users["vas"] if va != reader]

        def rows():
            for i in range(count):
                recipient = reader if i < 1000 else rng.choice(recipients)
                job_id = jobs["first"] + rng.randrange(0, len(jobs["manuals"]))
                kind = rng.choice(kinds)
                yield {
                    "recipient_id": recipient,
                    "kind": kind,
                    "job_id": job_id,
                    "data": {"url": f"/jobs/{job_id}/", "title": f"Task #{job_id}"},
                    "event_key": f"seed:{i}",
                    "created_at": now - timedelta(minutes=rng.randint(1, 30 * 24 * 60)),
                    "read_at": None if rng.random() < 0.4 else now,
                }

        copy_rows(Notification, rows(), total=count, label="notifications")

    # --- derived data --------------------------------------------------------------
    def _finish(self):
        progress = Progress("counts and search", 5)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE jobs_job j SET bid_count = c.n
                FROM (SELECT job_id, count(*) AS n FROM bids_bid WHERE status <> 'withdrawn' GROUP BY job_id) c
                WHERE c.job_id = j.id
                """
            )
            progress.advance()
            search_vectors_refresh(job_ids=Job.objects.values_list("id", flat=True))
            progress.advance()
            # The VA directory's search and its stored ratings / completed contracts.
            va_search_vectors_refresh(profile_ids=VAProfile.objects.values_list("id", flat=True))
            progress.advance()
            va_stats_refresh()
            progress.advance()
            cursor.execute("ANALYZE")
            progress.advance()

    @staticmethod
    def _copy_links(through, columns: tuple[str, str], links, label: str) -> None:
        """Many-to-many rows: `links` is [(owner id, [target ids])]."""
        owner, target = columns
        copy_rows(
            through,
            ({owner: pk, target: other} for pk, others in links for other in others),
            total=sum(len(others) for _pk, others in links),
            label=label,
        )

    def _next_id(self, model) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608
            return cursor.fetchone()[0]

    def _sync_sequence(self, model) -> None:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
            )
