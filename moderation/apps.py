from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_moderators(sender, using="default", **kwargs):
    """Once per migrate, after the last app's post_migrate: auth creates each app's
    permissions in that app's own post_migrate, so only then do the permissions of apps
    listed after this one (payments, api, webhooks, ...) exist to be granted."""
    from django.apps import apps

    from moderation.roles import sync_moderators_group

    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is with_models[-1]:
        sync_moderators_group(using=using)


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        # After every migrate, once every app's permissions exist: keep the Moderators
        # group's "view everything" true as apps add models.
        post_migrate.connect(_sync_moderators, dispatch_uid="moderation-sync-moderators")
