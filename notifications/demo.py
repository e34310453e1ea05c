"""Demo job alerts and email settings for the demo VAs (runs after accounts, jobs, bids).

Idempotent: an alert is found by its VA and name, a preference by its user and kind.
The notifications themselves come from the jobs and bids demos calling notify().
"""

from decimal import Decimal

from django.apps import apps

from notifications import services
from notifications.models import JobAlert, Preference

ALERTS = [
    # (VA email, alert name, category slugs, pay type, currency, min rate, keywords)
    ("siti@demo.asisten.example", "Admin support, any pay", ["admin-support"], "", "", None, ""),
    (
        "ayu@demo.asisten.example",
        "Pembukuan di atas Rp 300.000",
        ["bookkeeping"],
        "",
        "IDR",
        Decimal("300000"),
        "",
    ),
    ("budi@demo.asisten.example", "Data entry per jam", ["data-entry"], "hourly", "", None, ""),
    (
        "kevin@demo.asisten.example",
        "Instagram content",
        ["social-media"],
        "",
        "",
        None,
        "instagram",
    ),
]

PREFERENCES = [
    ("rina@demo.asisten.example", "bid_submitted", "digest"),
    ("kevin@demo.asisten.example", "job_posted", "digest"),
]


def load(stdout) -> None:
    user_model = apps.get_model("accounts", "User")
    category_model = apps.get_model("jobs", "Category")
    users = {
        u.email: u
        for u in user_model.objects.filter(
            email__in={a[0] for a in ALERTS} | {p[0] for p in PREFERENCES}
        )
    }
    created = 0
    for email, name, slugs, pay_type, currency, min_rate, keywords in ALERTS:
        user = users.get(email)
        if user is None or not user.is_va or JobAlert.objects.filter(user=user, name=name).exists():
            continue
        services.alert_create(
            user=user,
            name=name,
            category_ids=list(
                category_model.objects.filter(slug__in=slugs).values_list("id", flat=True)
            ),
            skill_ids=[],
            pay_type=pay_type,
            currency=currency,
            min_rate=min_rate,
            keywords=keywords,
        )
        created += 1
    for email, kind, mode in PREFERENCES:
        user = users.get(email)
        if user is not None and not Preference.objects.filter(user=user, kind=kind).exists():
            services.preferences_update(user=user, modes={kind: mode})
    stdout.write(f"notifications: {created} job alerts added ({JobAlert.objects.count()} in all)\n")
