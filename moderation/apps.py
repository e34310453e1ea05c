from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_moderators(sender, using="default", **kwargs):
    from moderation.roles import sync_moderators_group

    sync_moderators_group(using=using)


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        # After every migrate (permissions for new models exist by then): keep the
        # Moderators group's "view everything" true as apps add models.
        post_migrate.connect(
            _sync_moderators, sender=self, dispatch_uid="moderation-sync-moderators"
        )
