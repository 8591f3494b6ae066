"""重点人员 (issue 14): the local list kept by a village, flagged, reviewed and lifted
through the services, scoped like cases, its numbers encrypted at rest, every look at a
reason logged; and the rule it sets for a new case."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cases import services
from cases.models import (
    Case,
    CaseEvent,
    DisputeType,
    EventKind,
    Grade,
    HandlingLevel,
    WatchCategory,
    WatchedPerson,
    WatchedPersonAccess,
    WatchGradeDecision,
)
from cases.watch import reviews_due, visible_watched_persons
from common.validators import mask_id_number
from notifications.models import Notification, NotificationKind
from notifications.reminders import sweep_watch_reviews
from tests.factories import (
    MediatorFactory,
    make_id_number,
    party_rows,
    register_case,
    watch_flag,
)

pytestmark = pytest.mark.django_db

FLAGGED = make_id_number()
OTHER_PERSON = make_id_number(sequence=457)


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def blue_case(by, area=None, parties=None, **overrides):
    return register_case(by, area, parties=parties, grade=Grade.BLUE, **overrides)


def make_due(flag: WatchedPerson, days_ago: int = 1) -> None:
    # The service refuses a review date that has passed; time passing is what makes one.
    WatchedPerson.objects.filter(pk=flag.pk).update(review_on=in_days(-days_ago))


# -- keeping the list ---------------------------------------------------------------


def test_a_village_secretary_flags_a_person_with_reason_who_when_and_review_date(world):
    flag = watch_flag(world.secretary_a, id_number="11010519491231002x", mobile="139-1234-5678")

    flag.refresh_from_db()
    assert flag.id_number == "11010519491231002X"
    assert flag.mobile == "13912345678"
    assert flag.area == world.village_a
    assert flag.category == WatchCategory.MENTAL_ILLNESS
    assert flag.set_by == world.secretary_a
    assert flag.set_at is not None
    assert flag.review_on == in_days(90)
    assert flag.is_active


def test_a_town_clerk_flags_a_person_in_a_village_of_the_town(world):
    flag = watch_flag(world.clerk_a, area=world.village_a2)

    assert flag.area == world.village_a2


@pytest.mark.parametrize("role", ["grid_member_a", "supervisor_a", "mediator_user_a"])
def test_a_grid_member_a_supervisor_or_a_mediator_may_not_flag_anyone(world, role):
    with pytest.raises(PermissionDenied):
        watch_flag(getattr(world, role), area=world.village_a)

    assert not WatchedPerson.objects.exists()


def test_a_village_outside_the_user_s_area_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        watch_flag(world.secretary_a, area=world.village_b)

    assert refused.value.message_dict == {"area": ["请选择您管辖范围内的村(社区)。"]}
    assert not WatchedPerson.objects.exists()


def test_a_flag_needs_a_valid_id_number_and_a_review_date_after_today(world):
    with pytest.raises(ValidationError) as refused:
        watch_flag(world.secretary_a, id_number="360426199101010072")
    assert "id_number" in refused.value.message_dict

    with pytest.raises(ValidationError) as refused:
        watch_flag(world.secretary_a, review_on=timezone.localdate())
    assert refused.value.message_dict == {"review_on": ["复核日期须晚于今天。"]}
    assert not WatchedPerson.objects.exists()


def test_a_person_is_on_a_village_s_list_once_at_a_time(world):
    watch_flag(world.secretary_a)

    with pytest.raises(ValidationError) as refused:
        watch_flag(world.secretary_a, id_number=f" {FLAGGED[:6]} {FLAGGED[6:]} ")

    assert refused.value.message_dict == {
        "id_number": ["此人已在该村(社区)的重点人员名单中,请复核原记录。"]
    }
    assert WatchedPerson.objects.count() == 1


def test_a_review_sets_the_next_review_date_and_who_reviewed(world):
    flag = watch_flag(world.secretary_a)

    services.watched_person_review(
        by=world.clerk_a, watched_person=flag, review_on=in_days(180), note="病情稳定"
    )

    flag.refresh_from_db()
    assert (flag.review_on, flag.reviewed_by, flag.note) == (
        in_days(180),
        world.clerk_a,
        "病情稳定",
    )
    assert flag.reviewed_at is not None


def test_a_review_date_that_has_passed_is_refused_and_nothing_changes(world):
    flag = watch_flag(world.secretary_a)

    with pytest.raises(ValidationError):
        services.watched_person_review(
            by=world.secretary_a, watched_person=flag, review_on=in_days(-1)
        )

    flag.refresh_from_db()
    assert flag.review_on == in_days(90)
    assert flag.reviewed_by is None


def test_lifting_keeps_the_flag_with_who_when_and_why(world):
    flag = watch_flag(world.secretary_a)

    with pytest.raises(ValidationError) as refused:
        services.watched_person_lift(by=world.secretary_a, watched_person=flag, reason="  ")
    assert refused.value.message_dict == {"lift_reason": ["请填写原因。"]}

    services.watched_person_lift(by=world.secretary_a, watched_person=flag, reason="已迁出本村")

    flag.refresh_from_db()
    assert not flag.is_active
    assert (flag.lifted_by, flag.lift_reason) == (world.secretary_a, "已迁出本村")
    assert WatchedPerson.objects.filter(pk=flag.pk).exists()
    with pytest.raises(ValidationError):
        services.watched_person_review(
            by=world.secretary_a, watched_person=flag, review_on=in_days(9)
        )


def test_a_flag_and_its_review_and_lifting_are_in_the_audit_trail_with_the_number_masked(world):
    flag = watch_flag(world.secretary_a)
    services.watched_person_review(by=world.secretary_a, watched_person=flag, review_on=in_days(30))
    services.watched_person_lift(by=world.secretary_a, watched_person=flag, reason="已迁出")

    entries = LogEntry.objects.get_for_object(flag).order_by("pk")
    assert entries.count() == 3
    created = entries[0].changes_dict
    assert created["id_number"][1] == mask_id_number(FLAGGED)
    assert FLAGGED not in str([e.changes for e in entries])
    assert "id_number_index" not in created
    assert "review_on" in entries[1].changes_dict
    assert "lift_reason" in entries[2].changes_dict
    assert all(e.additional_data["area_path"] == world.village_a.path for e in entries)


# -- scope -------------------------------------------------------------------------


def test_a_user_sees_only_the_flags_of_their_own_area(world):
    flag_a = watch_flag(world.secretary_a)
    flag_a2 = watch_flag(world.secretary_a2, id_number=OTHER_PERSON)
    flag_b = watch_flag(world.secretary_b)

    assert list(visible_watched_persons(world.secretary_a)) == [flag_a]
    assert set(visible_watched_persons(world.clerk_a)) == {flag_a, flag_a2}
    assert set(visible_watched_persons(world.supervisor_district)) == {flag_a, flag_a2, flag_b}
    assert not visible_watched_persons(world.grid_member_a).exists()
    assert not visible_watched_persons(world.mediator_user_a).exists()


def test_village_a_may_not_review_lift_or_read_village_b_s_flag(world):
    flag_b = watch_flag(world.secretary_b)

    with pytest.raises(PermissionDenied):
        services.watched_person_review(
            by=world.secretary_a, watched_person=flag_b, review_on=in_days(10)
        )
    with pytest.raises(PermissionDenied):
        services.watched_person_lift(by=world.secretary_a, watched_person=flag_b, reason="x")
    with pytest.raises(PermissionDenied):
        services.watched_person_view(by=world.secretary_a, watched_person=flag_b)

    flag_b.refresh_from_db()
    assert flag_b.is_active and flag_b.reviewed_by is None
    assert not WatchedPersonAccess.objects.exists()


def test_every_look_at_a_flag_s_reason_is_logged(world):
    flag = watch_flag(world.secretary_a)

    services.watched_person_view(by=world.clerk_a, watched_person=flag)

    access = WatchedPersonAccess.objects.get()
    assert (access.user, access.watched_person) == (world.clerk_a, flag)


# -- numbers at rest ----------------------------------------------------------------


def test_a_raw_select_of_the_list_shows_no_id_number_or_mobile_in_clear(world):
    watch_flag(world.secretary_a, mobile="13957500001")

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_watchedperson")
        rows = cursor.fetchall()

    dump = repr(rows)
    assert rows
    for clear in (FLAGGED, FLAGGED[:14], "13957500001", "3957500001"):
        assert clear not in dump
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, mobile FROM cases_watchedperson")
        stored_id, stored_mobile = cursor.fetchone()
    assert stored_id.startswith("fq1:") and stored_mobile.startswith("fq1:")
    assert WatchedPerson.objects.get(id_number=FLAGGED).mobile == "13957500001"


# -- the grading rule ---------------------------------------------------------------


def test_a_flagged_person_s_new_blue_case_is_graded_yellow_and_handled_by_the_village(world):
    flag = watch_flag(world.secretary_a)

    case = blue_case(world.grid_member_a)

    assert case.grade == Grade.YELLOW
    assert case.level == HandlingLevel.VILLAGE
    assert case.deadline == case.received_on + datetime.timedelta(days=15)
    event = CaseEvent.objects.get(case=case, kind=EventKind.WATCH_GRADING)
    assert event.note == "按重点人员规定提级"
    assert flag.get_category_display() not in str(event.changes)
    decision = WatchGradeDecision.objects.get(case=case)
    assert (decision.watched_person, decision.raised) == (flag, True)
    assert (decision.from_grade, decision.to_grade) == (Grade.BLUE, Grade.YELLOW)
    assert decision.party.id_number == FLAGGED


def test_a_flag_kept_by_another_village_still_raises_the_case(world):
    watch_flag(world.secretary_b)

    assert blue_case(world.secretary_a).grade == Grade.YELLOW


def test_a_party_without_an_id_number_is_matched_by_mobile(world):
    watch_flag(world.secretary_a, mobile="13912345678")
    parties = party_rows()
    parties[0]["id_number"] = ""

    assert blue_case(world.secretary_a, parties=parties).grade == Grade.YELLOW


def test_a_party_with_another_id_number_is_not_matched_by_a_shared_mobile(world):
    watch_flag(world.secretary_a, mobile="13912345678")
    parties = party_rows()
    parties[0]["id_number"] = OTHER_PERSON

    case = blue_case(world.secretary_a, parties=parties)

    assert case.grade == Grade.BLUE
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.WATCH_GRADING).exists()


def test_a_lifted_flag_no_longer_raises_a_case(world):
    flag = watch_flag(world.secretary_a)
    services.watched_person_lift(by=world.secretary_a, watched_person=flag, reason="已解除矫正")

    assert blue_case(world.secretary_a).grade == Grade.BLUE


def test_a_case_already_yellow_or_red_is_left_as_it_is_with_no_entry(world):
    watch_flag(world.secretary_a)

    red = register_case(world.secretary_a, grade=Grade.RED)

    assert red.grade == Grade.RED
    assert not WatchGradeDecision.objects.exists()
    assert not CaseEvent.objects.filter(kind=EventKind.WATCH_GRADING).exists()


def test_someone_at_the_handling_level_keeps_blue_with_a_reason_and_it_is_recorded(world):
    flag = watch_flag(world.secretary_a)

    case = blue_case(world.secretary_a, watch_grade_override_reason="纠纷轻微,当事人情绪稳定")

    assert case.grade == Grade.BLUE
    event = CaseEvent.objects.get(case=case, kind=EventKind.WATCH_GRADING)
    assert event.note == "按重点人员规定应提级,经处置层级说明理由未提级"
    assert "情绪稳定" not in event.note
    decision = WatchGradeDecision.objects.get(case=case)
    assert (decision.watched_person, decision.raised) == (flag, False)
    assert decision.override_reason == "纠纷轻微,当事人情绪稳定"


def test_a_reason_from_below_the_handling_level_is_refused_whoever_is_flagged(world):
    # Refused the same with nobody flagged: the refusal tells the grid member nothing.
    for flagged in (False, True):
        if flagged:
            watch_flag(world.secretary_a)
        with pytest.raises(ValidationError) as refused:
            blue_case(world.grid_member_a, watch_grade_override_reason="小事一桩")
        assert refused.value.message_dict == {
            "watch_grade_override_reason": [
                "只有村(社区)或以上的人员可以说明不按重点人员规定提级的理由;"
                "请清空此项后登记,需要时由村(社区)调整等级。"
            ]
        }
    assert not CaseEvent.objects.exists()


# -- the review reminder -------------------------------------------------------------


def test_the_review_sweep_run_twice_notifies_the_keeper_once_per_flag_and_date(world):
    flag = watch_flag(world.secretary_a)
    watch_flag(world.secretary_b)  # not yet due
    make_due(flag)

    assert sweep_watch_reviews() == 1
    assert sweep_watch_reviews() == 0

    notice = Notification.objects.get()
    assert notice.recipient == world.secretary_a
    assert notice.kind == NotificationKind.WATCH_REVIEW
    assert notice.link == f"/cases/watch/{flag.pk}/"
    assert "王大山" in notice.title
    assert flag.get_category_display() not in notice.title + notice.body


def test_a_reviewed_flag_is_reminded_again_when_its_new_date_comes(world):
    flag = watch_flag(world.secretary_a)
    make_due(flag, days_ago=3)
    sweep_watch_reviews()
    services.watched_person_review(by=world.secretary_a, watched_person=flag, review_on=in_days(5))
    make_due(flag, days_ago=1)

    assert sweep_watch_reviews() == 1
    assert Notification.objects.count() == 2


def test_a_lifted_flag_is_not_reminded_and_a_departed_setter_s_village_secretary_is(world):
    lifted = watch_flag(world.secretary_a)
    services.watched_person_lift(by=world.secretary_a, watched_person=lifted, reason="已迁出")
    make_due(lifted)
    by_clerk = watch_flag(world.clerk_a, world.village_a, id_number=OTHER_PERSON)
    make_due(by_clerk)
    world.clerk_a.is_active = False
    world.clerk_a.save()

    assert sweep_watch_reviews() == 1
    assert Notification.objects.get().recipient == world.secretary_a


def test_the_due_list_holds_the_area_s_active_flags_whose_date_has_come(world):
    due = watch_flag(world.secretary_a)
    make_due(due)
    watch_flag(world.secretary_a, id_number=OTHER_PERSON)  # not yet
    elsewhere = watch_flag(world.secretary_b)
    make_due(elsewhere)

    assert list(reviews_due(world.secretary_a, timezone.localdate())) == [due]
    assert set(reviews_due(world.supervisor_district, timezone.localdate())) == {due, elsewhere}


def test_a_flagged_person_s_dispute_cannot_be_settled_on_the_spot_and_nothing_is_written(world):
    MediatorFactory(name="网格员老周", area=world.grid_a, user=world.grid_member_a)
    watch_flag(world.secretary_a, mobile="13912345678")

    with pytest.raises(ValidationError) as refused:
        services.case_settle_on_spot(
            by=world.grid_member_a,
            data={
                "area": world.grid_a,
                "dispute_type": DisputeType.objects.get(code="neighbours"),
                "summary": "两家因晾衣绳占道发生口角。",
            },
            parties=[{"name": "王大山", "mobile": "13912345678"}, {"name": "李二婶"}],
            terms="互相道歉。",
        )

    message = refused.value.message_dict["grade"][0]
    assert "不能随手调" in message and "重点人员" not in message
    assert not Case.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's"
)
def test_the_database_refuses_to_change_or_delete_a_logged_look(world):
    flag = watch_flag(world.secretary_a)
    services.watched_person_view(by=world.clerk_a, watched_person=flag)

    for attempt in (
        lambda: WatchedPersonAccess.objects.update(user=world.secretary_a),
        lambda: WatchedPersonAccess.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    with pytest.raises(DatabaseError, match="TRUNCATE"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL fengqiao.audit_maintenance = 'off'")
            cursor.execute("TRUNCATE cases_watchedpersonaccess")

    assert WatchedPersonAccess.objects.get().user == world.clerk_a
