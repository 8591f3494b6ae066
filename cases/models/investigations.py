"""The investigations of a mediation (人民调解调查记录): who was asked, where and when, and
what they said or what was found. A committee investigates before and between sessions
(People's Mediation Law art. 22); the record goes into the case dossier."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.validators import validate_not_future_date

from .case import Case


class Investigation(models.Model):
    """One investigation: written by ``cases.services.investigation_record`` only."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="investigations")
    held_at = models.DateTimeField(_("调查时间"), validators=[validate_not_future_date])
    place = models.CharField(_("调查地点"), max_length=100)
    interviewee_name = models.CharField(_("被调查人"), max_length=50)
    interviewee_relation = models.CharField(
        _("与本案关系"),
        max_length=50,
        help_text=_("如:当事人、证人、知情人、村干部、相关部门工作人员。"),
    )
    investigators = models.ManyToManyField(
        "mediators.Mediator", verbose_name=_("调查人"), related_name="investigations"
    )
    content = models.TextField(_("调查内容"), max_length=8000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("调查记录")
        verbose_name_plural = _("调查记录")
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.held_at:%Y-%m-%d} {self.interviewee_name}"
