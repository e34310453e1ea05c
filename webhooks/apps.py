from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        # notifications must not import us: the job alert fan-out tells its listeners.
        from notifications.registry import register_fan_out_listener
        from webhooks.services import job_published_fan_out

        register_fan_out_listener(job_published_fan_out)
