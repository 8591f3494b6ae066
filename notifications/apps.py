from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cases.signals import escalation_proposed


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("通知")

    def ready(self):
        # Imported here: the receivers import models, which load only once apps are ready.
        from notifications import receivers

        escalation_proposed.connect(
            receivers.escalation_proposed, dispatch_uid="notifications.escalation_proposed"
        )
