"""The kinds of notification Asisten sends, and how each one is shown.

Adding a kind (contracts, moderation, … follow this pattern):

1. Add a `Kind(...)` line to `KINDS` below: `key` (what you pass as `notify(kind=...)`),
   `label` (lazy-translated, shown on the preferences page), `audience` ("va", "client" or
   "both": which preferences section lists it) and `default_email` (`INSTANT` unless the
   kind is chatty enough to default to the daily digest).
2. Write three templates named after the key with hyphens, e.g. for `bid_submitted`:
       templates/emails/notification-bid-submitted-subject.txt   one line; it is also the
                                                                 text of the in-app item
       templates/emails/notification-bid-submitted-body.txt      extends
                                                                 "emails/notification-base.txt"
       templates/emails/notification-bid-submitted-body.html     extends "emails/base.html"
   Fill `{% block message %}` (text) and `{% block content %}` (HTML). Every string goes
   through `{% translate %}` / `{% blocktranslate %}`: templates render in the recipient's
   language and timezone, at send time and at display time — never store rendered text.
3. Templates see: `data` (what the caller passed to notify: always `url` and `title`, plus
   kind-specific strings; amounts as `amount` + `currency`, formatted in the template with
   `{{ data.amount|money:data.currency }}`), `actor_name`, `recipient`, `notification`,
   `url` (absolute link to the thing), `unsubscribe_url`, `preferences_url`, `SITE_URL`.
4. Attachments (e.g. the interview .ics) come from `notifications.registry`.

A kind that is not registered still works: it renders with the generic templates
(`notification-generic-*`) so a new event is never lost for want of a template.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

INSTANT = "instant"
DIGEST = "digest"
OFF = "off"


@dataclass(frozen=True)
class Kind:
    key: str
    label: Promise | str
    audience: str = "both"
    default_email: str = INSTANT

    @property
    def template(self) -> str:
        """Base name of the kind's email templates under templates/emails/."""
        return "notification-" + self.key.replace("_", "-")


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in [
        # Jobs
        Kind("job_posted", _("A new task matches one of my job alerts"), "va"),
        Kind("job_closing_soon", _("Bidding on my task closes within a day"), "client"),
        Kind("job_auto_closed", _("Bidding on my task closed automatically"), "client"),
        Kind("job_hidden", _("A moderator hid my task"), "client"),
        # Bids (to the client)
        Kind("bid_submitted", _("A VA bid on my task"), "client"),
        Kind("bid_edited", _("A VA changed their bid on my task"), "client", DIGEST),
        Kind("bid_withdrawn", _("A VA withdrew their bid on my task"), "client"),
        # Bids (to the VA)
        Kind("bid_shortlisted", _("My bid was shortlisted"), "va"),
        Kind("bid_rejected", _("My bid was not chosen"), "va"),
        Kind("bid_hired", _("I was hired"), "va"),
        Kind("job_filled", _("A task I bid on was given to someone else"), "va"),
        # Invitations (owner: jobs)
        Kind("invitation_received", _("A client invited me to bid on a task"), "va"),
        Kind("invitation_declined", _("A VA declined my invitation to bid"), "client"),
        # Interviews (both sides)
        Kind("interview_proposed", _("Interview times were proposed"), "both"),
        Kind("interview_confirmed", _("An interview was confirmed"), "both"),
        Kind("interview_declined", _("Interview times were declined"), "both"),
        Kind("interview_rescheduled", _("An interview was rescheduled"), "both"),
        Kind("interview_cancelled", _("An interview was cancelled"), "both"),
        Kind("interview_reminder", _("An interview starts soon"), "both"),
        # Contracts (owner: contracts)
        Kind("message_received", _("A new message in one of my contracts"), "both"),
        Kind("deliverable_submitted", _("My VA delivered work for approval"), "client"),
        Kind("deliverable_approved", _("The client approved my delivery"), "va"),
        Kind("changes_requested", _("The client asked for changes to my delivery"), "va"),
        Kind("hours_approved", _("The client approved a week of my hours"), "va"),
        Kind("hours_disputed", _("The client disputed a week of my hours"), "va"),
        Kind("payment_marked", _("The client marked work as paid"), "va"),
        Kind("payment_confirmed", _("My VA confirmed receiving a payment"), "client"),
        Kind("contract_completed", _("The client completed our contract"), "va"),
        Kind("contract_ended", _("A contract was ended early"), "both"),
        Kind("review_received", _("I received a review"), "both"),
        # Payments (owner: payments)
        Kind("payment_funded", _("A payment was confirmed and is held in escrow"), "both"),
        Kind("payment_released", _("Escrow was released to me"), "va"),
        Kind("payment_refunded", _("Escrow was refunded to me"), "client"),
        Kind("payout_paid", _("My withdrawal was paid out"), "va"),
        Kind("payout_failed", _("My withdrawal failed"), "va"),
        Kind("dispute_opened", _("A payment in one of my contracts was disputed"), "both"),
        Kind("dispute_settled", _("A moderator settled a payment dispute"), "both"),
        Kind("auto_release_warning", _("Escrow will be released automatically soon"), "both"),
        Kind("payment_auto_released", _("Escrow was released automatically"), "both"),
        # To moderators only (not on the preferences page): always emailed at once.
        Kind(
            "reconciliation_differences",
            _("The daily reconciliation found differences with a payment provider"),
            "staff",
        ),
        # Webhooks (owner: webhooks)
        Kind(
            "webhook_disabled",
            _("One of my webhook endpoints was turned off after repeated failures"),
            "both",
        ),
        # Moderation
        Kind("account_suspended", _("A moderator suspended my account"), "both"),
        Kind(
            "bid_withdrawn_by_moderation",
            _("A bid on my task was withdrawn because the VA's account was suspended"),
            "client",
        ),
    ]
}

GENERIC = Kind("generic", _("Other updates"), "both")

AUDIENCES = [
    ("va", _("When I work as a VA")),
    ("client", _("When I hire")),
    ("both", _("Interviews and other updates")),
]


def get_kind(key: str) -> Kind:
    """The registered kind, or a generic one that renders with the generic templates."""
    return KINDS.get(key) or Kind(key, key, "both")


def template_for(key: str) -> str:
    kind = KINDS.get(key)
    return kind.template if kind else GENERIC.template


def default_email_mode(key: str) -> str:
    return get_kind(key).default_email


def kinds_for(user) -> list[Kind]:
    """Kinds a user can receive, for their preferences page (VA and/or client sides)."""
    audiences = {"both"}
    if getattr(user, "is_va", False):
        audiences.add("va")
    if getattr(user, "is_client", False):
        audiences.add("client")
    return [kind for kind in KINDS.values() if kind.audience in audiences]
