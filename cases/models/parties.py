"""The parties to a dispute (当事人)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.validators import mask_id_number, mask_mobile, validate_id_number, validate_mobile

from .case import Case


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    OTHER = "other", _("其他当事人")


# The sides of a dispute nobody applied to have mediated (found on patrol, taken up on
# the committee's own initiative): still two sides, for the record and the agreement.
_SIDES_WITHOUT_APPLICANT = {
    PartyRole.APPLICANT: _("当事人(一方)"),
    PartyRole.RESPONDENT: _("当事人(另一方)"),
    PartyRole.OTHER: _("其他当事人"),
}
# Before the source is known (a blank registration form): both readings.
_SIDES_EITHER_WAY = {
    PartyRole.APPLICANT: _("申请人 / 当事人(一方)"),
    PartyRole.RESPONDENT: _("被申请人 / 当事人(另一方)"),
    PartyRole.OTHER: _("其他当事人"),
}


def _source_of(case_or_source):
    # A Case has a source; a CaseSource is one; None is "not known yet".
    return getattr(case_or_source, "source", case_or_source)


def party_role_label(case_or_source, role: str) -> str:
    """What a party is called on the page, the printed agreement and the ledger: 申请人
    and 被申请人 only where someone applied (the source says so); otherwise 当事人."""
    source = _source_of(case_or_source)
    if source is not None and not source.has_applicant:
        # One party's role ("Party"), not the section heading "当事人" ("Parties").
        return str(pgettext_lazy("party role", "当事人"))
    return str(PartyRole(role).label)


def party_role_choices(case_or_source) -> list[tuple[str, str]]:
    """The role drop-down of a party form: the two sides must still be told apart, so a
    dispute without an applicant offers 当事人(一方) and 当事人(另一方)."""
    source = _source_of(case_or_source)
    if source is None:
        labels = _SIDES_EITHER_WAY
    elif source.has_applicant:
        labels = {role: role.label for role in PartyRole}
    else:
        labels = _SIDES_WITHOUT_APPLICANT
    return [(role.value, labels[role]) for role in PartyRole]


class PartyGender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Party(models.Model):
    """A party to the dispute (当事人). A case has at least one applicant and one respondent."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="parties")
    role = models.CharField(_("身份"), max_length=16, choices=PartyRole.choices)
    name = models.CharField(_("姓名/名称"), max_length=100)
    gender = models.CharField(_("性别"), max_length=8, choices=PartyGender.choices, blank=True)
    id_number = models.CharField(
        _("身份证号码"), max_length=18, blank=True, validators=[validate_id_number]
    )
    mobile = models.CharField(
        _("手机号码"), max_length=20, blank=True, validators=[validate_mobile]
    )
    address = models.CharField(_("住址"), max_length=200, blank=True)

    is_low_income = models.BooleanField(_("低保户"), default=False)
    is_extreme_poverty = models.BooleanField(_("特困人员"), default=False)
    is_elderly_sick_disabled = models.BooleanField(_("老弱病残"), default=False)
    is_veteran = models.BooleanField(_("退役军人"), default=False)
    is_poverty_alleviated = models.BooleanField(_("脱贫户"), default=False)
    is_minor = models.BooleanField(
        _("未满14周岁"), default=False, help_text=_("未成年人信息属敏感个人信息。")
    )
    refused_mediation = models.BooleanField(_("拒绝调解"), default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    VULNERABILITY_FLAGS = (
        "is_low_income",
        "is_extreme_poverty",
        "is_elderly_sick_disabled",
        "is_veteran",
        "is_poverty_alleviated",
        "is_minor",
    )

    @property
    def role_label(self) -> str:
        return party_role_label(self.case, self.role)

    def vulnerability_labels(self) -> list[str]:
        return [
            str(self._meta.get_field(flag).verbose_name)
            for flag in self.VULNERABILITY_FLAGS
            if getattr(self, flag)
        ]
