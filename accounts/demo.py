"""Demo members: three clients and five VAs with full profiles, verified emails, one password.

Idempotent: people are found by email and brought back to the values below, so running the
loader again changes nothing. Other apps' demo loaders find these people by the emails in
CLIENT_EMAILS / VA_EMAILS.
"""

from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts import services
from accounts.models import ClientProfile, PortfolioItem, User, VAProfile
from jobs.models import Category

# Shared by every demo login; printed by `manage.py demo_data` and listed in the README.
DEMO_PASSWORD = "asisten-demo-2024"  # noqa: S105 - public demo password, by design

CLIENTS = [
    {
        "email": "rina@demo.asisten.example",
        "name": "Rina Wijaya",
        "language": "id",
        "timezone": "Asia/Jakarta",
        "about_role": "Indonesian company",
        "client": {
            "display_name": "PT Sinar Nusantara Logistik",
            "website": "https://sinar-nusantara.example",
            "about": "Perusahaan logistik di Surabaya. Kami mencari asisten untuk administrasi dan entri data pengiriman.",
        },
    },
    {
        "email": "james@demo.asisten.example",
        "name": "James Carter",
        "language": "en",
        "timezone": "Australia/Sydney",
        "about_role": "English-speaking founder",
        "client": {
            "display_name": "Brightleaf Studio",
            "website": "https://brightleaf.example",
            "about": "A two-person design studio. We need help with inbox, scheduling and bookkeeping.",
        },
    },
    {
        "email": "dewi@demo.asisten.example",
        "name": "Dewi Lestari",
        "language": "id",
        "timezone": "Asia/Makassar",
        "about_role": "also works as a VA",
        "client": {
            "display_name": "Dewi Lestari — Bali Homestay",
            "website": "",
            "about": "Saya mengelola homestay kecil di Ubud dan kadang butuh bantuan untuk reservasi tamu.",
        },
        "va": {
            "headline": "Asisten perjalanan dan reservasi",
            "bio": "Lima tahun mengurus reservasi hotel dan tiket untuk tamu mancanegara.",
            "hourly_rate": Decimal("70000"),
            "currency": "IDR",
            "years_experience": 5,
            "languages": "Indonesian, English",
            "country": "Indonesia",
            "availability": VAProfile.Availability.OCCASIONAL,
            "categories": ["travel", "scheduling"],
            "skills": ["Google Calendar", "Booking.com extranet", "Customer service"],
            "portfolio": [
                ("Itinerary for a 10-day Bali trip", "https://docs.example/dewi-itinerary"),
            ],
        },
    },
]

VAS = [
    {
        "email": "siti@demo.asisten.example",
        "name": "Siti Rahmawati",
        "language": "id",
        "timezone": "Asia/Jakarta",
        "va": {
            "headline": "Asisten administrasi dan penjadwalan",
            "bio": "Mantan sekretaris direksi selama 8 tahun. Rapi mengatur email, kalender dan dokumen.",
            "hourly_rate": Decimal("60000"),
            "currency": "IDR",
            "years_experience": 8,
            "languages": "Indonesian, English",
            "country": "Indonesia",
            "availability": VAProfile.Availability.FULL_TIME,
            "categories": ["admin-support", "scheduling", "file-storage"],
            "skills": [
                "Google Workspace",
                "Microsoft Office",
                "Email management",
                "Google Calendar",
            ],
            "portfolio": [
                (
                    "Sistem arsip Google Drive untuk kantor notaris",
                    "https://docs.example/siti-arsip",
                ),
                ("Template notulen rapat", "https://docs.example/siti-notulen"),
            ],
        },
    },
    {
        "email": "ayu@demo.asisten.example",
        "name": "Ayu Pratiwi",
        "language": "en",
        "timezone": "Asia/Jakarta",
        "va": {
            "headline": "Bookkeeper for small businesses (Xero, Jurnal)",
            "bio": "Accounting graduate. I reconcile bank statements, chase invoices and prepare monthly reports.",
            "hourly_rate": Decimal("90000"),
            "currency": "IDR",
            "years_experience": 6,
            "languages": "Indonesian, English",
            "country": "Indonesia",
            "availability": VAProfile.Availability.PART_TIME,
            "categories": ["bookkeeping", "data-entry"],
            "skills": ["Xero", "Excel", "Jurnal.id", "Invoicing"],
            "portfolio": [
                ("Monthly report template for a café", "https://docs.example/ayu-monthly-report"),
            ],
        },
    },
    {
        "email": "budi@demo.asisten.example",
        "name": "Budi Santoso",
        "language": "id",
        "timezone": "Asia/Jakarta",
        "va": {
            "headline": "Entri data dan riset pasar yang teliti",
            "bio": "Cepat dan akurat. Berpengalaman memasukkan data produk marketplace dan merangkum riset kompetitor.",
            "hourly_rate": Decimal("50000"),
            "currency": "IDR",
            "years_experience": 3,
            "languages": "Indonesian",
            "country": "Indonesia",
            "availability": VAProfile.Availability.FULL_TIME,
            "categories": ["data-entry", "research"],
            "skills": ["Excel", "Google Sheets", "Web research"],
            "portfolio": [
                ("Riset harga 200 produk kompetitor", "https://docs.example/budi-riset"),
            ],
        },
    },
    {
        "email": "maria@demo.asisten.example",
        "name": "Maria Santos",
        "language": "en",
        "timezone": "Asia/Manila",
        "va": {
            "headline": "Friendly customer support by email and chat",
            "bio": "Four years answering customers for online shops. Calm, clear and quick.",
            "hourly_rate": Decimal("8.00"),
            "currency": "USD",
            "years_experience": 4,
            "languages": "English, Tagalog",
            "country": "Philippines",
            "availability": VAProfile.Availability.PART_TIME,
            "categories": ["customer-support", "admin-support"],
            "skills": ["Zendesk", "Customer service", "Email management"],
            "portfolio": [
                ("Support macros for a skincare shop", "https://docs.example/maria-macros"),
            ],
        },
    },
    {
        "email": "kevin@demo.asisten.example",
        "name": "Kevin Tan",
        "language": "en",
        "timezone": "Asia/Singapore",
        "va": {
            "headline": "Social media and blog writer",
            "bio": "I plan content calendars, design posts in Canva and write SEO-friendly articles.",
            "hourly_rate": Decimal("12.50"),
            "currency": "USD",
            "years_experience": 5,
            "languages": "English, Mandarin, Indonesian",
            "country": "Singapore",
            "availability": VAProfile.Availability.PART_TIME,
            "categories": ["social-media", "writing"],
            "skills": ["Canva", "Instagram", "WordPress", "SEO writing"],
            "portfolio": [
                ("Instagram content calendar (one month)", "https://docs.example/kevin-calendar"),
                ("Blog post: 7 tips for remote teams", "https://blog.example/kevin-remote-teams"),
            ],
        },
    },
]

CLIENT_EMAILS = [person["email"] for person in CLIENTS]
VA_EMAILS = [person["email"] for person in VAS]


def _person(data: dict) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(email=data["email"])
    if created:
        user.set_password(DEMO_PASSWORD)
    user.name, user.language, user.timezone = data["name"], data["language"], data["timezone"]
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user, created


def _client_profile(user: User, data: dict) -> None:
    services.role_enable(user=user, role="client")
    ClientProfile.objects.filter(user=user).update(**data)


def _va_profile(user: User, data: dict) -> None:
    services.role_enable(user=user, role="va")
    fields = {k: v for k, v in data.items() if k not in ("categories", "skills", "portfolio")}
    profile = VAProfile.objects.get(user=user)
    for field, value in fields.items():
        setattr(profile, field, value)
    profile.save()
    profile.categories.set(Category.objects.filter(slug__in=data["categories"]))
    profile.skills.set([services.skill_get_or_create(name=name) for name in data["skills"]])
    for title, link in data["portfolio"]:
        PortfolioItem.objects.get_or_create(
            profile=profile, title=title, defaults={"link": link, "description": ""}
        )
    services.va_search_vectors_refresh(profile_ids=[profile.pk])


def load(stdout) -> None:
    with transaction.atomic():
        for data in CLIENTS:
            user, created = _person(data)
            _client_profile(user, data["client"])
            if "va" in data:
                _va_profile(user, data["va"])
            stdout.write(f"  client {user.email} ({'created' if created else 'up to date'})")
        for data in VAS:
            user, created = _person(data)
            _va_profile(user, data["va"])
            stdout.write(f"  VA {user.email} ({'created' if created else 'up to date'})")


def logins() -> list[tuple[str, str, str]]:
    """(email, name, what they are) for every demo login, in the order people should try them."""
    rows = [(c["email"], c["name"], f"client — {c['about_role']}") for c in CLIENTS]
    rows += [(v["email"], v["name"], f"VA — {v['va']['headline']}") for v in VAS]
    return rows
