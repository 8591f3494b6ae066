"""The parties to a dispute (当事人)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.encrypted_fields import BlindIndexField, EncryptedTextField
from common.personal_data import blind_index, normalise_for_lookup
from common.validators import (
    birth_date_from_id_number,
    gender_from_id_number,
    mask_id_number,
    mask_mobile,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
    validate_not_future_date,
)

from .attachments import Attachment
from .case import Case
from .ethnic_groups import EthnicGroup


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


class PartyKind(models.TextChoices):
    """民法典's three kinds of civil subject: each may be a party to a mediation."""

    PERSON = "person", _("自然人")
    LEGAL_PERSON = "legal_person", _("法人")
    ORGANISATION = "organisation", _("非法人组织")


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
    kind = models.CharField(
        _("当事人类型"), max_length=16, choices=PartyKind.choices, default=PartyKind.PERSON
    )
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
    # Where a party without numbers is recognised by name: the case's village path (or
    # its area's, above village level), written by ``cases.people.person_place`` on
    # every save, so "the same name in the same village" is one index lookup.
    place_path = models.CharField(max_length=255, blank=True, default="", editable=False)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=EthnicGroup.choices, blank=True)
    birth_date = models.DateField(
        _("出生日期"),
        null=True,
        blank=True,
        validators=[validate_not_future_date],
        help_text=_("填写身份证号码后可不填,由号码得出。"),
    )
    occupation = models.CharField(_("职业或职务"), max_length=100, blank=True)
    # The forms ask for "工作单位或住址": the address is kept on its own (visits go
    # there), the employer beside it.
    employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    relation_to_other_party = models.CharField(_("与对方当事人关系"), max_length=100, blank=True)
    # A public registry number, not personal data: kept in clear.
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    legal_representative = models.CharField(_("法定代表人/负责人"), max_length=100, blank=True)
    is_representative = models.BooleanField(
        _("代表人"),
        default=False,
        help_text=_("群体性纠纷中由同一方当事人推选、代表该方参加调解的人。"),
    )

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
            # (cases.people): one lookup of both; the name alone still uses it.
            models.Index(fields=["name", "place_path"], name="party_name_place_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "place_path" in update_fields:
            from cases.people import person_place  # cases.people reads these models

            self.place_path = person_place(self.case.area)
        if update_fields is not None:
            # A number saved alone takes its blind index with it.
            kwargs["update_fields"] = {
                *update_fields,
                *(index for field, index in self.BLIND_INDEXES.items() if field in update_fields),
            }
        super().save(*args, **kwargs)

    def clean(self):
        check_party_record(self)

    @property
    def is_person(self) -> bool:
        return self.kind == PartyKind.PERSON

    @property
    def age(self) -> int | None:
        """Full years today, from the date of birth."""
        born = self.birth_date
        if born is None and self.is_person and self.id_number:
            # Parties registered before the date was kept: the number still says it.
            try:
                validate_id_number(self.id_number)
            except ValidationError:
                return None
            born = birth_date_from_id_number(self.id_number)
        if born is None:
            return None
        today = timezone.localdate()
        birthday_passed = (today.month, today.day) >= (born.month, born.day)
        return today.year - born.year - (0 if birthday_passed else 1)

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


# What only a natural person has, and what only a legal person or organisation has.
PERSON_ONLY_FIELDS = (
    "gender",
    "id_number",
    "ethnicity",
    "birth_date",
    *Party.VULNERABILITY_FLAGS,
)
ORGANISATION_ONLY_FIELDS = ("credit_code", "legal_representative")


def _field_label(name: str) -> str:
    return str(Party._meta.get_field(name).verbose_name)


def check_party_record(party: Party) -> None:
    """The one rule on which details a party may have, whoever typed them (form, admin,
    API, import): a natural person has no credit code or legal representative, an
    organisation no ID number, 民族, birth date, gender or personal flags; a person's
    gender and date of birth agree with the ID number, and are taken from it when left
    blank. Refusals are keyed by field so each door shows them on that field."""
    errors: dict[str, ValidationError] = {}
    if party.kind == PartyKind.PERSON:
        not_applicable = ORGANISATION_ONLY_FIELDS
        message = _("自然人不填写“%(field)s”,请清空或将当事人类型改为法人或非法人组织。")
    else:
        not_applicable = PERSON_ONLY_FIELDS
        message = _("法人或非法人组织不填写“%(field)s”,请清空或将当事人类型改为自然人。")
    for name in not_applicable:
        if getattr(party, name) not in (None, "", False):
            errors[name] = ValidationError(
                message, code="not_for_party_kind", params={"field": _field_label(name)}
            )
    if party.kind == PartyKind.PERSON and party.id_number:
        errors.update(_agree_with_id_number(party))
    if errors:
        raise ValidationError(errors)


def _agree_with_id_number(party: Party) -> dict[str, ValidationError]:
    try:
        validate_id_number(party.id_number)
    except ValidationError:
        return {}  # the field's own validator says what is wrong with the number
    errors = {}
    gender = gender_from_id_number(party.id_number)
    if not party.gender:
        party.gender = gender
    elif party.gender != gender:
        errors["gender"] = ValidationError(
            _("性别与身份证号码不符:按号码应为“%(gender)s”。"),
            code="gender_id_mismatch",
            params={"gender": PartyGender(gender).label},
        )
    born = birth_date_from_id_number(party.id_number)
    if party.birth_date is None:
        party.birth_date = born
    elif isinstance(party.birth_date, datetime.date) and party.birth_date != born:
        errors["birth_date"] = ValidationError(
            _("出生日期与身份证号码不符:按号码应为 %(date)s。"),
            code="birth_date_id_mismatch",
            params={"date": born.isoformat()},
        )
    return errors


class AgentKind(models.TextChoices):
    """Who may act for a party (人民调解 practice, following 民事诉讼法 art. 61)."""

    RELATIVE = "relative", _("近亲属")
    LAWYER = "lawyer", _("律师")
    LEGAL_WORKER = "legal_worker", _("基层法律服务工作者")
    COLLEAGUE = "colleague", _("当事人所在单位推荐的人")
    COMMUNITY = "community", _("社区、单位或有关社会团体推荐的公民")
    OTHER = "other", _("其他")


class PartyAgent(models.Model):
    """A party's agent (委托代理人), acting under a power of attorney (授权委托书) kept as
    a private attachment of the case. Never deleted: the record of who acted stays."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="agents")
    name = models.CharField(_("姓名"), max_length=100)
    kind = models.CharField(_("代理人类别"), max_length=16, choices=AgentKind.choices)
    relation = models.CharField(
        _("与当事人关系或执业机构"),
        max_length=100,
        blank=True,
        help_text=_("如:父子、配偶;律师或法律服务工作者填写所在机构。"),
    )
    id_number = EncryptedTextField(
        _("身份证号码"), kind="id_number", blank=True, validators=[validate_id_number]
    )
    mobile = EncryptedTextField(
        _("联系电话"), kind="mobile", blank=True, validators=[validate_mobile]
    )
    id_number_index = BlindIndexField(source="id_number", kind="id_number")
    mobile_index = BlindIndexField(source="mobile", kind="mobile")
    power_of_attorney = models.ForeignKey(
        Attachment,
        verbose_name=_("授权委托书"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    BLIND_INDEXES = {"id_number": "id_number_index", "mobile": "mobile_index"}

    class Meta:
        verbose_name = _("委托代理人")
        verbose_name_plural = _("委托代理人")
        ordering = ["party", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)
