from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BidsConfig(AppConfig):
    name = "bids"
    verbose_name = _("Bids")

    def ready(self) -> None:
        # Interview emails carry the calendar invite (notifications must not import bids).
        from bids.ics import INVITE_KINDS, notification_attachments
        from notifications.registry import register_attachments

        for kind in INVITE_KINDS:
            register_attachments(kind, notification_attachments)
