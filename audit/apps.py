from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("审计")

    def ready(self):
        # Django requires it: registration imports models, which load only once apps are ready.
        from audit import registration

        registration.register_audited_models()
