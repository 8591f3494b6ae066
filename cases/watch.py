"""重点人员: who may see and keep the local list, and the reads of it for a user.

Who "needs it" (DOMAIN §1, §6: sensitive information, minimal visibility):
- village secretaries (村书记/调委会主任) keep their village's list: they register the
  cases, chair the committee that mediates yellow ones, and answer for the village's
  safety;
- clerks of the town or district (综治中心) keep the lists of their area: the list is
  theirs to file upwards, and red cases go to the town's team;
- supervisors (综治中心主任, 政法委员, 司法所长) read them: they decide grades and
  escalations, but do not keep the list.
Grid members, courtyard heads and mediators do not see the list: they patrol, settle blue
disputes and record sessions, and learn what they need from the grade the case gets and
from the team that handles it. A flag is scoped like a case: a user sees the flags of
their own area's subtree, and asking for another is 404.
"""

from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.models import Role, User
from cases.models import Party, WatchedPerson
from cases.selectors import cases_in_reach
from common.personal_data import blind_index
from grids.models import Area, AreaLevel

WATCH_READER_ROLES = frozenset({Role.VILLAGE_SECRETARY, Role.CLERK, Role.SUPERVISOR})
WATCH_KEEPER_ROLES = frozenset({Role.VILLAGE_SECRETARY, Role.CLERK})


def _active_user(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def may_see_watch_list(user) -> bool:
    if not _active_user(user):
        return False
    return user.is_superuser or (user.area_id is not None and user.role in WATCH_READER_ROLES)


def may_keep_watch_list(user) -> bool:
    if not _active_user(user):
        return False
    return user.is_superuser or (user.area_id is not None and user.role in WATCH_KEEPER_ROLES)


def keep_refusal(user) -> str | None:
    """Why ``user`` may not flag, review or lift, in words for them, or None."""
    if may_keep_watch_list(user):
        return None
    return _("您没有权限管理重点人员名单。")


def visible_watched_persons(user) -> QuerySet:
    """The flags ``user`` may see: none unless their role reads the list, else those kept
    in their area's subtree. The one scoping of the list (pages, admin, reminders)."""
    flags = WatchedPerson.objects.select_related("area", "set_by")
    if not may_see_watch_list(user):
        return flags.none()
    if user.is_superuser:
        return flags
    return flags.filter(area__in=Area.objects.subtree(user.area).values("pk"))


def watched_person_get(*, user, pk) -> WatchedPerson:
    """A flag the user may see, or 404: the same answer whether it exists elsewhere or not."""
    return get_object_or_404(visible_watched_persons(user), pk=pk)


def grade_decisions_shown(user, flag: WatchedPerson) -> QuerySet:
    """What the flag did to new cases, for the flag's page: only cases the user may see."""
    return flag.grade_decisions.filter(case__in=cases_in_reach(user)).select_related(
        "case", "party", "decided_by"
    )


def reviews_due(user, today) -> QuerySet:
    """Active flags of the user's area whose review date has come."""
    return visible_watched_persons(user).review_due(today).order_by("review_on", "id")


def keeping_areas(user) -> QuerySet:
    """The villages where ``user`` may set a flag: a flag is kept by a village."""
    if not may_keep_watch_list(user):
        return Area.objects.none()
    areas = Area.objects.filter(level=AreaLevel.VILLAGE)
    if user.is_superuser:
        return areas
    return areas.filter(path__startswith=user.area.path)


def _matches(flags: list[WatchedPerson], id_index: str, mobile_index: str) -> list[WatchedPerson]:
    # A person is the ID number when there is one; the mobile only stands in without it
    # (two people may share a family phone, never an ID number).
    if id_index:
        return [f for f in flags if f.id_number_index == id_index]
    if mobile_index:
        return [f for f in flags if f.mobile_index == mobile_index]
    return []


def active_flags_for(indexes: list[tuple[str, str]]) -> list[list[WatchedPerson]]:
    """For each (id_number_index, mobile_index) pair, the active flags of that person,
    whoever keeps them: the grading rule holds across villages. One query."""
    id_indexes = {i for i, _m in indexes if i}
    mobile_indexes = {m for i, m in indexes if not i and m}
    if not id_indexes and not mobile_indexes:
        return [[] for _pair in indexes]
    flags = list(
        WatchedPerson.objects.active()
        .filter(Q(id_number_index__in=id_indexes) | Q(mobile_index__in=mobile_indexes))
        .select_related("area")
        .order_by("id")
    )
    return [_matches(flags, i, m) for i, m in indexes]


def flags_for_party_rows(rows: list[dict]) -> list[list[WatchedPerson]]:
    """The active flags of each party row (cleaned input, not yet saved)."""
    return active_flags_for(
        [
            (
                blind_index("id_number", row.get("id_number") or ""),
                blind_index("mobile", row.get("mobile") or ""),
            )
            for row in rows
        ]
    )


def visible_flags_by_party(user, parties: list[Party]) -> dict[int, list[WatchedPerson]]:
    """The flags the case page may show ``user`` beside each party: only for roles that
    read the list, and only flags kept within their area (the scope of
    ``visible_watched_persons``, checked on the rows already read). Party id -> flags.
    One query."""
    if not may_see_watch_list(user) or not parties:
        return {}
    found = active_flags_for([(p.id_number_index, p.mobile_index) for p in parties])
    shown = {}
    for party, flags in zip(parties, found, strict=True):
        flags = [f for f in flags if user.is_superuser or f.area.is_within(user.area)]
        if flags:
            shown[party.pk] = flags
    return shown


def watch_keeper(flag: WatchedPerson):
    """Who is reminded of a flag's review: whoever last set or reviewed it, while they
    still keep that village's list; else a village secretary of the village; else a clerk
    above it. None when nobody does (the flag stays on the due list)."""
    for user in (flag.reviewed_by, flag.set_by):
        if (
            user is not None
            and may_keep_watch_list(user)
            and (user.is_superuser or flag.area.is_within(user.area))
        ):
            return user
    keepers = User.objects.filter(is_active=True, role__in=WATCH_KEEPER_ROLES).select_related(
        "area"
    )
    for role in (Role.VILLAGE_SECRETARY, Role.CLERK):
        for user in keepers.filter(role=role, area__in=flag.area.ancestors()).order_by(
            "-area__depth", "id"
        ):
            return user
    return None


def reviews_to_remind(today) -> QuerySet:
    """Active flags whose review date has come and was not yet reminded of (a partial
    index holds just these)."""
    return (
        WatchedPerson.objects.active()
        .filter(review_on__lte=today)
        .exclude(review_reminded_for=F("review_on"))
    )


def claim_review_reminder(pk: int, review_on) -> bool:
    """Mark the flag reminded of this review date; False when another sweep did first or
    the date moved since (a review meanwhile)."""
    claimed = (
        WatchedPerson.objects.filter(pk=pk, review_on=review_on, lifted_at__isnull=True)
        .exclude(review_reminded_for=review_on)
        .update(review_reminded_for=review_on)
    )
    return bool(claimed)
