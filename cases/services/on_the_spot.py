"""随手调: a grid member settles a minor (blue) dispute on the spot and records it once.

One short form instead of four pages, but the same four steps a case takes anywhere
(register, accept, a session, an oral agreement), each by its own service, in one
transaction: every rule stays where it is written, and a refusal from any of them
leaves nothing behind. The agreement schedules the follow-up visits (the 24-hour call
first) like any other.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    AgreementForm,
    Case,
    CaseSource,
    Grade,
    HandlingLevel,
    Method,
    PartyRole,
    Place,
    SessionResult,
)
from cases.policy import Action
from cases.services.agreements import agreement_record
from cases.services.grading import grade_policy, handling_level_for
from cases.services.intake import case_accept
from cases.services.mediation import session_record
from cases.services.registration import case_register, numbering_area_for
from cases.workflow import check_allowed
from mediators.models import Mediator

# Where nobody names one: the dispute was found on the grid member's patrol.
ON_SPOT_SOURCE_CODE = "grid_patrol"
# What the light path asks of each party (the registration form asks more).
ON_SPOT_PARTY_FIELDS = ("name", "mobile")
MIN_PARTIES = 2

# The inner services name their own fields; the caller of this one knows its inputs.
# A refusal keyed by an inner field is re-keyed to the input it came from.
_FIELD_FROM_INNER = {
    "title": "summary",
    "facts": "summary",
    "content": "summary",
    "received_on": "held_at",
    "occurred_on": "held_at",
    "reached_on": "held_at",
    "place": "place_detail",
}


def own_mediator(user) -> Mediator | None:
    """The grid member's own entry in the mediator register, if they have an active one:
    who mediates on the spot unless the form names someone else."""
    if not user.is_authenticated:
        return None
    return Mediator.objects.active().filter(user=user).first()


def mediators_offered_to(user):
    """Who the form offers as mediator: those a case in the user's grid may have (its
    town's, and the levels above), as ``mediators_available_for`` reads a case's."""
    if user.area_id is None:
        return Mediator.objects.active()
    town = numbering_area_for(user.area)
    return Mediator.objects.active().filter(
        Q(area__path__startswith=town.path) | Q(area__code__in=user.area.path_codes)
    )


def _parties_with_sides(parties: list[dict]) -> list[dict]:
    """The first party found is one side, the second the other, any more are others:
    registration still wants two sides told apart (their label is 当事人 all the same
    when the source has no applicant)."""
    sides = (PartyRole.APPLICANT, PartyRole.RESPONDENT)
    rows = []
    for index, party in enumerate(parties):
        row = {field: party.get(field, "") for field in ON_SPOT_PARTY_FIELDS}
        row["role"] = party.get("role") or (sides[index] if index < len(sides) else PartyRole.OTHER)
        rows.append(row)
    return rows


def _title(parties: list[dict], dispute_type) -> str:
    names = "、".join(p["name"].strip() for p in parties[:MIN_PARTIES])
    title = _("%(names)s%(type)s纠纷") % {"names": names, "type": dispute_type}
    return title[: Case._meta.get_field("title").max_length]


def _rekeyed(error: ValidationError) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    rekeyed: dict[str, list] = {}
    for field, errors in error.error_dict.items():
        rekeyed.setdefault(_FIELD_FROM_INNER.get(field, field), []).extend(errors)
    return ValidationError(rekeyed)


def _refuse_off_the_light_path(by, data: dict, parties: list[dict]) -> None:
    if data.get("grade") != Grade.BLUE:
        raise ValidationError(
            {
                "grade": _(
                    "随手调只适用于蓝色(一般)纠纷;黄色、红色纠纷请登记后按受理、调解流程办理。"
                )
            }
        )
    area = data.get("area")
    if (
        area is not None
        and handling_level_for(area, grade_policy(Grade.BLUE)) != HandlingLevel.GRID
    ):
        raise ValidationError({"area": _("随手调只适用于网格内的纠纷,请选择所在网格。")})
    named = [p for p in parties if (p.get("name") or "").strip()]
    if len(named) < MIN_PARTIES:
        raise ValidationError({"parties": _("纠纷至少需要两方当事人:请填写至少两名当事人的姓名。")})


@transaction.atomic
def case_settle_on_spot(
    *,
    by,
    data: dict,
    parties: list[dict],
    terms: str,
    held_at: datetime.datetime | None = None,
    mediators=None,
    place_detail: str = "",
    rebound_risk: bool = False,
) -> Case:
    """Record a dispute settled on the spot (随手调) with an oral agreement: the case ends
    调解成功 with one session, and its follow-up visits are scheduled.

    ``data``: ``area`` (within the grid member's grid), ``dispute_type``, ``summary``
    (a sentence), and optionally ``source`` (网格员排查 unless given) and ``grade``
    (blue unless given; any other grade is refused). ``parties``: two or more, each a
    ``name`` and optionally a ``mobile``. ``terms``: what was agreed orally. ``mediators``:
    who mediated, the grid member's own mediator entry unless given.

    Refusals are keyed by these inputs (``parties.<n>.<field>`` for a party's field)."""
    check_allowed(by, None, Action.SETTLE_ON_SPOT)
    data = {"grade": Grade.BLUE, **data}
    if data.get("source") is None:
        data["source"] = CaseSource.objects.filter(code=ON_SPOT_SOURCE_CODE).first()
    _refuse_off_the_light_path(by, data, parties)
    held_at = held_at or timezone.localtime().replace(second=0, microsecond=0)
    if mediators is None:
        mediators = [m for m in (own_mediator(by),) if m is not None]
    rows = _parties_with_sides(parties)
    summary = (data.get("summary") or "").strip()
    try:
        case = case_register(
            by=by,
            data={
                **data,
                "title": _title(rows, data.get("dispute_type") or ""),
                "summary": summary,
                "received_on": timezone.localdate(held_at),
                "occurred_on": timezone.localdate(held_at),
            },
            parties=rows,
            note=_("随手调"),
        )
        if case.grade != Grade.BLUE:
            # Registration graded it above blue (a party on the 重点人员 list,
            # cases.services.watch): the village handles it. Said without naming the list.
            raise ValidationError(
                {"grade": _("此纠纷须按黄色(较大)纠纷由村(社区)调处,不能随手调;请通过登记表登记。")}
            )
        case_accept(case=case, by=by, owner=by, mediators=list(mediators), note=_("随手调"))
        session_record(
            case=case,
            by=by,
            held_at=held_at,
            place=Place.ON_SITE,
            place_detail=place_detail,
            method=Method.ON_THE_SPOT,
            content=_("现场随手调,当事人当场达成口头协议。") + "\n" + summary,
            result=SessionResult.RESOLVED,
            mediators=list(mediators),
            parties_present=list(case.parties.all()),
        )
        agreement_record(
            case=case,
            by=by,
            data={
                "form": AgreementForm.ORAL,
                "reached_on": timezone.localdate(held_at),
                "facts": summary,
                "terms": (terms or "").strip(),
                "rebound_risk": rebound_risk,
            },
        )
    except ValidationError as error:
        raise _rekeyed(error) from error
    return Case.objects.get(pk=case.pk)
