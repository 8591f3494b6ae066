from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("通知")

    def ready(self):
        # Imported here: they import models, which may load only once the registry is ready.
        from cases.signals import escalation_proposed
        from notifications import receivers

        escalation_proposed.connect(
            receivers.escalation_proposed, dispatch_uid="notifications.escalation_proposed"
        )
