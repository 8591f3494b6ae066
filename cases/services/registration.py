"""Registering a case (one form, one transaction, one number) and correcting its
details and parties afterwards; a pushed case registered once however often it comes."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    CaseNumberCounter,
    EventKind,
    IdempotencyKey,
    Party,
    PartyRole,
    Status,
)
from cases.people import refresh_person_places
from cases.policy import Action
from cases.search import case_search_text
from cases.services.grading import deadline_for, grade_policy, handling_level_for
from cases.services.mediation import regrade
from cases.services.watch import OVERRIDE_FIELD, watch_grading_apply
from cases.workflow import (
    check_allowed,
    history_value,
    lock_case,
    record_event,
    require_within_reach,
    validate_instance,
)
from common.sequences import next_in_sequence
from common.validators import normalise_credit_code, normalise_id_number, normalise_mobile
from grids.models import Area, AreaLevel


def numbering_area_for(area: Area) -> Area:
    """Numbers run per town; a case taken directly by the district runs on the district's."""
    for ancestor in reversed(list(area.ancestors())):
        if ancestor.level in (AreaLevel.TOWN, AreaLevel.DISTRICT):
            return ancestor
    return area


def _allocate_number(numbering_area: Area, year: int) -> tuple[int, str]:
    sequence = next_in_sequence(CaseNumberCounter, numbering_area=numbering_area, year=year)
    return sequence, f"{numbering_area.code}-{year}-{sequence:05d}"


def _refresh_search_text(case: Case) -> None:
    text = case_search_text(
        number=case.number,
        title=case.title,
        names=case.parties.order_by("id").values_list("name", flat=True),
        summary=case.summary,
    )
    Case.objects.filter(pk=case.pk).update(search_text=text)
    case.search_text = text


CASE_FIELDS = (
    "area",
    "title",
    "summary",
    "source",
    "dispute_type",
    "grade",
    "occurred_on",
    "received_on",
    "is_group",
    "people_involved",
    "amount_at_stake",
    "violence_risk",
    "petition_risk",
    "external_reference",
)
EDITABLE_CASE_FIELDS = tuple(f for f in CASE_FIELDS if f != "grade")
# Lookup tables that are deactivated rather than deleted.
LOOKUP_FIELDS = ("source", "dispute_type")
PARTY_FIELDS = (
    "role",
    "kind",
    "name",
    "is_representative",
    "gender",
    "id_number",
    "ethnicity",
    "birth_date",
    "mobile",
    "address",
    "occupation",
    "employer",
    "relation_to_other_party",
    "credit_code",
    "legal_representative",
    *Party.VULNERABILITY_FLAGS,
    "refused_mediation",
)

# A group dispute (群体性纠纷: eighty workers owed wages, a hamlet against a quarry) puts
# every person on their side on the record, as the agreement must name them all; the
# cap only stops a runaway form or push, far above any group a committee mediates.
MAX_PARTIES = 500


def clean_party_data(data: dict) -> dict:
    cleaned = {field: data[field] for field in PARTY_FIELDS if field in data}
    if "id_number" in cleaned:
        cleaned["id_number"] = normalise_id_number(cleaned["id_number"])
    if "mobile" in cleaned:
        cleaned["mobile"] = normalise_mobile(cleaned["mobile"])
    if "credit_code" in cleaned:
        cleaned["credit_code"] = normalise_credit_code(cleaned["credit_code"])
    return cleaned


def _check_party_count(count: int) -> None:
    if count > MAX_PARTIES:
        raise ValidationError(
            {
                "parties": ValidationError(
                    _("一件纠纷最多登记 %(max)d 方当事人,现有 %(count)d 方。"),
                    code="too_many_parties",
                    params={"max": MAX_PARTIES, "count": count},
                )
            }
        )


def _check_representatives(parties: list[Party]) -> None:
    """A representative (代表人) speaks for the others on their side: a side of one
    person has nobody to represent. Keyed ``parties.<n>.is_representative``."""
    side_sizes: dict[str, int] = {}
    for party in parties:
        side_sizes[party.role] = side_sizes.get(party.role, 0) + 1
    for index, party in enumerate(parties):
        if party.is_representative and side_sizes[party.role] < 2:
            raise ValidationError(
                {
                    f"parties.{index}.is_representative": ValidationError(
                        _("这一方只有一名当事人,无需推选代表人。"), code="lone_representative"
                    )
                }
            )


def _refuse_inactive_choices(data: dict) -> None:
    for field in LOOKUP_FIELDS:
        if data.get(field) is not None and not data[field].is_active:
            raise ValidationError(
                {field: _("“%(name)s”已停用,请选择其他选项。") % {"name": data[field]}}
            )


def _check_sides(roles: Iterable[str], source=None) -> None:
    roles = list(roles)
    if PartyRole.APPLICANT not in roles or PartyRole.RESPONDENT not in roles:
        # A dispute nobody applied for has no 申请人 to ask for (party_role_label).
        if source is not None and not source.has_applicant:
            message = _("纠纷至少需要两方当事人:请分别填写一方和另一方当事人。")
        else:
            message = _("纠纷至少需要两方当事人:请至少填写一名申请人和一名被申请人。")
        raise ValidationError({"parties": ValidationError(message, code="parties")})


def _validate_parties(parties: list[Party]) -> None:
    """Each party's own field rules, the refusal keyed ``parties.<n>.<field>`` so every
    door can put it on that party's row (the form's formset, the API's field, the import's
    column)."""
    for index, party in enumerate(parties):
        try:
            validate_instance(party, exclude=["case"])
        except ValidationError as error:
            raise ValidationError(
                {f"parties.{index}.{field}": errors for field, errors in error.error_dict.items()}
            ) from error


@transaction.atomic
def case_register(*, by, data: dict, parties: list[dict], note: str = "") -> Case:
    """Register a case with its parties (one form, one transaction). ``note`` is added to
    the registration's history entry, e.g. the file and line a ledger import took it from."""
    check_allowed(by, None, Action.REGISTER)
    area = data["area"]
    require_within_reach(by, area)
    _refuse_inactive_choices(data)
    party_rows = [clean_party_data(p) for p in parties]
    _check_party_count(len(party_rows))
    watch = watch_grading_apply(by=by, data=data, parties=party_rows)
    data = {**data, "grade": watch.grade}
    policy = grade_policy(data["grade"])
    _check_sides((p.get("role") for p in party_rows), data.get("source"))

    duplicate = _already_registered(by, data)
    if duplicate is not None:
        raise ValidationError(
            {
                "external_reference": ValidationError(
                    _("转办编号“%(reference)s”已登记为案件 %(number)s。"),
                    code="duplicate_reference",
                    params={"reference": duplicate.external_reference, "number": duplicate.number},
                )
            }
        )
    case = Case(**{field: data[field] for field in CASE_FIELDS if field in data})
    case.created_by = by
    case.level = handling_level_for(area, policy)
    case.deadline = deadline_for(case.received_on, policy)
    case.status = Status.REGISTERED
    # Validate before a number is spent, so a refused form leaves no gap in the sequence.
    validate_instance(
        case, exclude=["number", "numbering_area", "number_year", "number_sequence", "created_by"]
    )
    party_objects = [Party(case=case, **row) for row in party_rows]
    _validate_parties(party_objects)
    _check_representatives(party_objects)

    case.numbering_area = numbering_area_for(area)
    case.number_year = case.received_on.year
    case.number_sequence, case.number = _allocate_number(case.numbering_area, case.number_year)
    case.save()
    for party in party_objects:
        party.case = case
    # One by one, not bulk_create: a bulk insert sends no signal, and the audit trail
    # must record each party (a handful per case).
    for party in party_objects:
        party.save()
    _refresh_search_text(case)
    record_event(case, EventKind.REGISTERED, by, note="\n".join(filter(None, (case.title, note))))
    watch.record(case=case, by=by, parties=party_objects)
    return case


class _NothingKept(Exception):
    pass


def case_register_check(*, by, data: dict, parties: list[dict]) -> None:
    """Raise what ``case_register`` would refuse, and keep nothing: the registration
    page's repeat-dispute step is shown only for a case the service would accept, so its
    refusals come first. It registers in a transaction that is always rolled back (the
    number, the audit rows and anything queued on commit go with it)."""
    try:
        with transaction.atomic():
            case_register(by=by, data=data, parties=parties)
            raise _NothingKept
    except _NothingKept:
        pass


def _already_registered(by, data: dict) -> Case | None:
    """The case this sender already registered under the same reference number, if any."""
    reference = (data.get("external_reference") or "").strip()
    if not reference or not data.get("source"):
        return None
    return Case.objects.filter(
        created_by=by, source=data["source"], external_reference=reference
    ).first()


class IdempotencyKeyReused(ValidationError):
    """A retry under an ``Idempotency-Key`` whose first request said something else."""


def request_fingerprint(data: dict, parties: list[dict]) -> str:
    """A hash of what a push asks to register, so that a retry can be told from a
    different request that reuses the key (a sender's bug that must not pass silently)."""

    def plain(value):
        if isinstance(value, models.Model):
            return value.pk
        return str(value)  # dates, decimals

    body = json.dumps(
        {"case": data, "parties": parties}, sort_keys=True, default=plain, ensure_ascii=False
    )
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Registration:
    case: Case
    created: bool  # False when this was a retry and the first result is returned


@transaction.atomic
def case_register_once(
    *, by, data: dict, parties: list[dict], idempotency_key: str = ""
) -> Registration:
    """Register a case pushed by another system, which may retry: the same
    ``Idempotency-Key`` (or the sender's own reference number for the same source)
    registers it once and returns the first case every time."""
    key = (idempotency_key or "").strip()
    if len(key) > IdempotencyKey._meta.get_field("key").max_length:
        raise ValidationError(
            {"idempotency_key": _("Idempotency-Key 过长,最多255个字符。")}, code="max_length"
        )
    claim = None
    if key:
        fingerprint = request_fingerprint(data, parties)
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(
                    user=by, key=key, request_fingerprint=fingerprint
                )
        except IntegrityError:
            # Another request with this key got there first (PostgreSQL made us wait for
            # it to commit); its case is the answer, if it asked for the same thing.
            earlier = IdempotencyKey.objects.select_related("case").get(user=by, key=key)
            # Keys kept before fingerprints were recorded have none: taken as a retry.
            if earlier.request_fingerprint and earlier.request_fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    _("该 Idempotency-Key 已用于内容不同的另一次登记请求,请换用新的键。"),
                    code="idempotency_key_reused",
                ) from None
            return Registration(case=earlier.case, created=False)
    existing = _already_registered(by, data)
    if existing is None:
        try:
            with transaction.atomic():
                case = case_register(by=by, data=data, parties=parties)
        except IntegrityError:
            # A concurrent push of the same reference number won the unique constraint.
            existing = _already_registered(by, data)
            if existing is None:
                raise
    if existing is not None:
        case, created = existing, False
    else:
        created = True
    if claim is not None:
        claim.case = case
        claim.save(update_fields=["case"])
    return Registration(case=case, created=created)


@transaction.atomic
def case_update(*, case: Case, by, data: dict, parties: list[dict] | None = None) -> Case:
    """Correct a case's details and parties; every change goes into the history.

    A party added, or given a new ID number or mobile, who is on the 重点人员 list
    raises a pending blue case to yellow as at registration (``watch_grading_apply``,
    which ``data["watch_grade_override_reason"]`` may answer), moving it to the level
    and team of its new grade (``regrade``)."""
    case = lock_case(case)
    check_allowed(by, case, Action.EDIT)
    # A case keeps a source or type deactivated since; it cannot be moved to one.
    _refuse_inactive_choices(
        {f: v for f, v in data.items() if f in LOOKUP_FIELDS and v != getattr(case, f)}
    )
    changes: dict[str, list[str]] = {}
    for field in EDITABLE_CASE_FIELDS:
        if field not in data:
            continue
        old, new = getattr(case, field), data[field]
        if field == "area" and new != old:
            require_within_reach(by, new)
        if old != new:
            changes[str(case._meta.get_field(field).verbose_name)] = [
                history_value(old),
                history_value(new),
            ]
            setattr(case, field, new)
    received_on_label = str(case._meta.get_field("received_on").verbose_name)
    area_label = str(case._meta.get_field("area").verbose_name)
    reference = (case.external_reference or "").strip()
    if reference and (
        Case.objects.filter(
            created_by=case.created_by, source=case.source, external_reference=reference
        )
        .exclude(pk=case.pk)
        .exists()
    ):
        # The sender's reference number names one case (a unique constraint); say so
        # rather than fail on the constraint.
        raise ValidationError(
            {
                "external_reference": ValidationError(
                    _("转办编号“%(reference)s”已被该来源的另一案件使用。"),
                    code="duplicate_reference",
                    params={"reference": reference},
                )
            }
        )
    if received_on_label in changes and case.is_pending and case.status != Status.MEDIATING:
        # The time limit runs from registration; a reopened case keeps the deadline it
        # was given when it was reopened.
        case.deadline = deadline_for(case.received_on, grade_policy(case.grade))
    validate_instance(case)

    watch, fresh = None, []
    if parties is not None:
        existing = {p.pk: p for p in case.parties.all()}
        roles = []
        to_save = []
        for row in parties:
            cleaned = clean_party_data(row)
            party = existing.get(row.get("id")) if row.get("id") else Party(case=case)
            if party is None:
                raise ValidationError(_("当事人不属于该案件。"))
            # The numbers the 重点人员 rule looks at: all of a new party's, only the
            # corrected ones of a party already on the case (who was there before).
            numbers = {} if party.pk else {"id_number": "", "mobile": ""}
            for field, value in cleaned.items():
                old = getattr(party, field)
                if field in numbers or (field in ("id_number", "mobile") and old != value):
                    numbers[field] = value
                if old != value:
                    label = f"{party.name or cleaned.get('name', '')}·{party._meta.get_field(field).verbose_name}"
                    # Personal numbers never go into the history in clear.
                    if field in ("id_number", "mobile"):
                        changes[label] = ["***", "***"]
                    else:
                        changes[label] = [
                            history_value(old),
                            history_value(value),
                        ]
                    setattr(party, field, value)
            roles.append(party.role)
            to_save.append(party)
            if any(numbers.values()):
                fresh.append((party, numbers))
        _validate_parties(to_save)
        untouched = [p for pk, p in existing.items() if pk not in {r.get("id") for r in parties}]
        _check_party_count(len(to_save) + len(untouched))
        _check_sides([*roles, *(p.role for p in untouched)], case.source)
        _check_representatives([*to_save, *untouched])
        if case.is_pending:
            watch = watch_grading_apply(
                by=by,
                data={
                    "grade": case.grade,
                    "area": case.area,
                    OVERRIDE_FIELD: data.get(OVERRIDE_FIELD),
                },
                parties=[numbers for _party, numbers in fresh],
            )
        for party in to_save:
            party.save()

    raised = regrade(case, by, watch.grade) if watch is not None and watch.raised else {}
    if changes or raised:
        case.save()
        if area_label in changes:
            # Names are matched within the case's village: the parties move with it.
            refresh_person_places(case=case)
        _refresh_search_text(case)
    if changes:
        record_event(case, EventKind.EDITED, by, changes=changes)
    if watch is not None:
        watch.record(case=case, by=by, parties=[party for party, _n in fresh], changes=raised)
    return case
