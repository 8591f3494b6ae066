"""重点人员: keeping the local list (flag, review, lift, and the logged look at a flag's
reason), and the rule the list sets for a case: a flagged person's case is graded at
least yellow, unless someone at the handling level says why not; at registration, and
when a flagged person is added to a case (or a party's number corrected to theirs).

Who may do what is ``cases.watch`` (one policy); every door (pages, admin, the
registration form, the API, the ledger import) calls these functions."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    EventKind,
    Grade,
    Party,
    WatchedPerson,
    WatchedPersonAccess,
    WatchGradeDecision,
)
from cases.policy import at_level
from cases.services.grading import grade_policy, handling_level_for
from cases.watch import (
    flags_for_party_rows,
    keep_refusal,
    keeping_areas,
    may_see_watch_list,
    visible_watched_persons,
)
from cases.workflow import clean_note, record_event, require_reason, validate_instance
from common.validators import normalise_id_number, normalise_mobile

GRADE_ORDER = [Grade.BLUE, Grade.YELLOW, Grade.RED]
# Local practice (seed 001 grades violence and petition risk above the everyday blue).
WATCH_MINIMUM_GRADE = Grade.YELLOW
# What registration takes (form field, API field) to keep a lower grade.
OVERRIDE_FIELD = "watch_grade_override_reason"


def _check_keeper(by) -> None:
    refusal = keep_refusal(by)
    if refusal:
        raise PermissionDenied(refusal)


def _check_review_on(review_on) -> None:
    if review_on is None:
        raise ValidationError({"review_on": _("请填写复核日期。")})
    if review_on <= timezone.localdate():
        raise ValidationError({"review_on": _("复核日期须晚于今天。")})


def _locked(by, watched_person: WatchedPerson) -> WatchedPerson:
    """The flag re-read under a row lock, if ``by`` may see it (pages answer 404 before
    this; it is the backstop for any caller that forgets)."""
    try:
        return visible_watched_persons(by).select_for_update(of=("self",)).get(pk=watched_person.pk)
    except WatchedPerson.DoesNotExist:
        raise PermissionDenied(_("该重点人员不在您的管辖范围内。")) from None


@transaction.atomic
def watched_person_flag(
    *,
    by,
    name: str,
    id_number: str,
    area,
    category: str,
    review_on,
    mobile: str = "",
    note: str = "",
) -> WatchedPerson:
    """Put a person on a village's list, with the reason and the date to review it by."""
    _check_keeper(by)
    if area is None or not keeping_areas(by).filter(pk=area.pk).exists():
        raise ValidationError({"area": _("请选择您管辖范围内的村(社区)。")})
    _check_review_on(review_on)
    flag = WatchedPerson(
        name=(name or "").strip(),
        id_number=normalise_id_number(id_number or ""),
        mobile=normalise_mobile(mobile or ""),
        area=area,
        category=category,
        note=clean_note(note),
        review_on=review_on,
        set_by=by,
    )
    validate_instance(flag)
    duplicate = _("此人已在该村(社区)的重点人员名单中,请复核原记录。")
    if WatchedPerson.objects.active().filter(area=area, id_number=flag.id_number).exists():
        raise ValidationError({"id_number": duplicate})
    try:
        with transaction.atomic():
            flag.save()
    except IntegrityError:
        # A colleague flagged the same person at the same moment.
        raise ValidationError({"id_number": duplicate}) from None
    return flag


@transaction.atomic
def watched_person_review(
    *, by, watched_person: WatchedPerson, review_on, note: str | None = None
) -> WatchedPerson:
    """Confirm a flag still holds and set its next review date (and, if given, a new note)."""
    _check_keeper(by)
    flag = _locked(by, watched_person)
    if not flag.is_active:
        raise ValidationError(_("该人员已解除列管,不能复核。"))
    _check_review_on(review_on)
    flag.review_on = review_on
    flag.reviewed_by = by
    flag.reviewed_at = timezone.now()
    fields = ["review_on", "reviewed_by", "reviewed_at"]
    if note is not None:
        flag.note = clean_note(note)
        fields.append("note")
    flag.save(update_fields=fields)
    return flag


@transaction.atomic
def watched_person_lift(*, by, watched_person: WatchedPerson, reason: str) -> WatchedPerson:
    """Take a person off the list, saying why; the row stays as history."""
    _check_keeper(by)
    flag = _locked(by, watched_person)
    if not flag.is_active:
        raise ValidationError(_("该人员已解除列管。"))
    flag.lift_reason = require_reason(reason, "lift_reason")
    flag.lifted_by = by
    flag.lifted_at = timezone.now()
    flag.save(update_fields=["lift_reason", "lifted_by", "lifted_at"])
    return flag


def watched_person_view(*, by, watched_person: WatchedPerson) -> WatchedPerson:
    """Show a flag's reason to someone who may see it, and log the look (PIPL)."""
    if not may_see_watch_list(by) or (
        not visible_watched_persons(by).filter(pk=watched_person.pk).exists()
    ):
        raise PermissionDenied(_("该重点人员不在您的管辖范围内。"))
    WatchedPersonAccess.objects.create(user=by, watched_person=watched_person)
    return watched_person


# ---------------------------------------------------------------------------
# The grading rule at registration and when parties are added
# ---------------------------------------------------------------------------


def _below(grade: str, minimum: str) -> bool:
    if grade not in GRADE_ORDER:
        return False  # an unknown grade is refused by the registration itself
    return GRADE_ORDER.index(grade) < GRADE_ORDER.index(minimum)


@dataclass
class WatchGrading:
    """What the rule decided for one registration; ``record`` writes it once the case
    and its parties are saved."""

    grade: str
    asked_grade: str
    override_reason: str = ""
    matches: list[tuple[int, WatchedPerson]] = field(default_factory=list)

    @property
    def raised(self) -> bool:
        return self.grade != self.asked_grade

    def record(self, *, case, by, parties: list[Party], changes: dict | None = None) -> None:
        """Write the decision of each match (``parties`` in the order of the rows the
        rule was given) and the history entry; ``changes`` adds what the raise moved on
        a case already registered (its level, team, owner)."""
        if not self.matches:
            return
        for index, flag in self.matches:
            WatchGradeDecision.objects.create(
                case=case,
                party=parties[index],
                watched_person=flag,
                raised=self.raised,
                from_grade=self.asked_grade,
                to_grade=self.grade,
                override_reason="" if self.raised else self.override_reason,
                decided_by=by,
            )
        # The history is read by everyone who sees the case (grid members too): it says
        # that the rule applied, never who is flagged or why (WatchGradeDecision does).
        if self.raised:
            label = str(case._meta.get_field("grade").verbose_name)
            record_event(
                case,
                EventKind.WATCH_GRADING,
                by,
                note=_("按重点人员规定提级"),
                changes={
                    **(changes or {}),
                    label: [str(Grade(self.asked_grade).label), str(Grade(self.grade).label)],
                },
            )
        else:
            record_event(
                case,
                EventKind.WATCH_GRADING,
                by,
                note=_("按重点人员规定应提级,经处置层级说明理由未提级"),
            )


def watch_grading_apply(*, by, data: dict, parties: list[dict]) -> WatchGrading:
    """The grade a new case gets under the 重点人员 rule: when a party (by ID number, else
    mobile) is on an active flag of any village and the asked grade is below yellow, the
    case is yellow, unless ``data["watch_grade_override_reason"]`` says why not and ``by``
    is at the level that handles a yellow case there (or above).

    A reason from someone below that level is refused whether or not anyone is flagged,
    so the refusal tells nobody who is on the list.

    Registration gives it the new case and all its parties; ``case_update`` gives it the
    case as it stands and only the parties that are new or have a new ID number or
    mobile, so a case already yellow or red, or one whose flagged party was already
    there, is left as it is."""
    asked = data.get("grade")
    reason = clean_note(data.get(OVERRIDE_FIELD) or "", OVERRIDE_FIELD)
    area = data.get("area")
    if reason and area is not None:
        level = handling_level_for(area, grade_policy(WATCH_MINIMUM_GRADE))
        if not at_level(by, level):
            raise ValidationError(
                {
                    OVERRIDE_FIELD: ValidationError(
                        _(
                            "只有%(level)s或以上的人员可以说明不按重点人员规定提级的理由;"
                            "请清空此项后登记,需要时由%(level)s调整等级。"
                        ),
                        code="watch_override_below_level",
                        params={"level": level.label},
                    )
                }
            )
    grading = WatchGrading(grade=asked, asked_grade=asked, override_reason=reason)
    if not _below(asked, WATCH_MINIMUM_GRADE):
        return grading
    grading.matches = [
        (index, flag) for index, flags in enumerate(flags_for_party_rows(parties)) for flag in flags
    ]
    if grading.matches and not reason:
        grading.grade = WATCH_MINIMUM_GRADE
    return grading
