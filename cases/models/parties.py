"""The parties to a dispute (当事人)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.encrypted_fields import BlindIndexField, EncryptedTextField
from common.personal_data import blind_index, normalise_for_lookup
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


class PartyQuerySet(models.QuerySet):
    def with_number(self, kind: str, number: str) -> models.QuerySet:
        """Parties whose ID number (``kind="id_number"``) or mobile is ``number``, however
        it was typed: one lookup of the blind index."""
        index = blind_index(kind, number)
        if not index:
            return self.none()
        return self.filter(**{f"{kind}_index": index})


def parties_with_number(text: str) -> models.QuerySet | None:
    """The parties a search text names when it is a whole ID number or mobile (spaces
    and dashes allowed), else None: the search box's, the admin's and the API's rule."""
    found = normalise_for_lookup(text)
    if found is None:
        return None
    return Party.objects.with_number(*found)


class Party(models.Model):
    """A party to the dispute (当事人). A case has at least one applicant and one respondent.

    The ID number and mobile are encrypted in the database (``common.personal_data``);
    the model gives code that may see them the clear value, and keeps a blind index of
    each (``*_index``) to find a person by number."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="parties")
    role = models.CharField(_("身份"), max_length=16, choices=PartyRole.choices)
    name = models.CharField(_("姓名/名称"), max_length=100)
    gender = models.CharField(_("性别"), max_length=8, choices=PartyGender.choices, blank=True)
    # No max_length: what is pasted (spaces, dashes) is normalised before it is checked,
    # and the validators check the length of the number itself.
    id_number = EncryptedTextField(
        _("身份证号码"), kind="id_number", blank=True, validators=[validate_id_number]
    )
    mobile = EncryptedTextField(
        _("手机号码"), kind="mobile", blank=True, validators=[validate_mobile]
    )
    id_number_index = BlindIndexField(source="id_number", kind="id_number")
    mobile_index = BlindIndexField(source="mobile", kind="mobile")
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

    objects = PartyQuerySet.as_manager()

    BLIND_INDEXES = {"id_number": "id_number_index", "mobile": "mobile_index"}

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["case", "id"]
        indexes = [
            # Partial: a party without a number (many have none) is not indexed.
            models.Index(
                fields=["id_number_index"],
                name="party_id_number_index",
                condition=~models.Q(id_number_index=""),
            ),
            models.Index(
                fields=["mobile_index"],
                name="party_mobile_index",
                condition=~models.Q(mobile_index=""),
            ),
            # A person without numbers is recognised by name within a village
            # (cases.people): the name narrows to a handful of rows first.
            models.Index(fields=["name"], name="party_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            # A number saved alone takes its blind index with it.
            kwargs["update_fields"] = {
                *update_fields,
                *(index for field, index in self.BLIND_INDEXES.items() if field in update_fields),
            }
        super().save(*args, **kwargs)

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
