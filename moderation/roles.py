"""The `Moderators` group: exactly the permissions moderation needs, nothing more.

View everything (except secrets: sessions, MFA authenticators, email confirmation keys);
change jobs (visibility) and users (suspension); view and change reports; settle payment
disputes; resolve reconciliation issues; view moderation actions. No delete anywhere, no
add/change of groups or permissions. Created by a data migration and re-synced after every
`migrate`, so models added later are viewable too.
"""

from django.apps import apps as global_apps
from django.db.models import Q

MODERATORS = "Moderators"

# Models whose rows are secrets rather than content: never in a moderator's view.
HIDDEN_MODELS = {
    ("sessions", "session"),
    ("mfa", "authenticator"),
    ("account", "emailconfirmation"),
}

EXTRA_PERMISSIONS = [
    ("jobs", "change_job"),
    ("accounts", "change_user"),
    ("moderation", "change_report"),
    # Settling a payment dispute (issue 17): release, refund or split the held money.
    ("payments", "change_dispute"),
    # Resolving a daily reconciliation's differences (issue 17), with a note.
    ("payments", "change_reconciliationissue"),
]


def sync_moderators_group(apps=global_apps, using: str = "default") -> None:
    """Create the group if needed and set its permissions to exactly the list above."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    hidden = Q()
    for app_label, model in HIDDEN_MODELS:
        hidden |= Q(content_type__app_label=app_label, content_type__model=model)
    extra = Q(pk__in=[])
    for app_label, codename in EXTRA_PERMISSIONS:
        extra |= Q(content_type__app_label=app_label, codename=codename)
    wanted = Permission.objects.using(using).filter(
        (Q(codename__startswith="view_") & ~hidden) | extra
    )
    group, _ = Group.objects.using(using).get_or_create(name=MODERATORS)
    group.permissions.set(list(wanted))
