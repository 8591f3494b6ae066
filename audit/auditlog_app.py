from auditlog.apps import AuditlogConfig
from django.utils.translation import gettext_lazy as _


class AuditlogInChineseConfig(AuditlogConfig):
    """django-auditlog as installed here: its names in the portal's language (the back
    office lists it as an app of its own)."""

    verbose_name = _("审计日志")

    def ready(self):
        super().ready()
        log_entry = self.get_model("LogEntry")
        log_entry._meta.verbose_name = _("修改记录")
        log_entry._meta.verbose_name_plural = _("修改记录")
