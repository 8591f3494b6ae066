"""The committee's document numbers (文书编号): one counter per committee and year, and
the number each document record was issued, so a reprint carries the same number."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .case import Case


class DocumentNumberCounter(models.Model):
    """The last sequence handed out per people's mediation committee and year."""

    committee = models.ForeignKey(
        "mediators.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    last_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("文书编号计数器")
        verbose_name_plural = _("文书编号计数器")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year"], name="document_counter_unique_committee_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.committee_id}-{self.year}: {self.last_sequence}"


class IssuedDocument(models.Model):
    """A numbered document as issued: which case, which kind, which record of the case
    (a session, a follow-up, an agreement; 0 for the case itself), and its number. Never
    changed nor deleted: the number belongs to that document for good."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="issued_documents")
    kind = models.CharField(_("文书"), max_length=32)
    record_id = models.PositiveBigIntegerField(default=0)
    committee = models.ForeignKey(
        "mediators.Organisation",
        verbose_name=_("人民调解委员会"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("文书编号"), max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("编号时间"), default=timezone.now)

    class Meta:
        verbose_name = _("文书编号")
        verbose_name_plural = _("文书编号")
        ordering = ["committee", "year", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "record_id"], name="issued_document_once_per_record"
            ),
            models.UniqueConstraint(
                fields=["committee", "year", "sequence"],
                name="issued_document_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number
