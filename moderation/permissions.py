"""What a person may report: only things they can see, and never their own."""

from django.apps import apps
from django.db.models import Q, QuerySet

from accounts.models import User
from bids.models import Bid
from jobs.models import Job


def reportable_jobs(user) -> QuerySet:
    return Job.objects.visible_to(user).exclude(client=user)


def reportable_bids(user) -> QuerySet:
    """Bids are sealed: only the job's client sees (and so can report) them."""
    return Bid.objects.filter(job__client=user).select_related("job", "va")


def reportable_users(user) -> QuerySet:
    """People with a public VA profile, other than oneself."""
    return User.objects.public_vas().exclude(pk=user.pk)


def reportable_messages(user) -> QuerySet | None:
    """Messages the other party wrote in one's own contracts (None before contracts has them)."""
    try:
        message = apps.get_model("contracts", "Message")
    except LookupError:
        return None
    return (
        message.objects.filter(Q(contract__client=user) | Q(contract__va=user))
        .exclude(author=user)
        .select_related("contract", "author")
    )
