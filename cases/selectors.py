"""Reads of cases, always through ``visible_cases`` so nothing escapes the user's area."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from accounts.models import Role, User
from cases.filters import CaseFilter
from cases.models import Case, CaseEvent, CaseQuerySet, Escalation, Party
from grids.models import Area


def visible_cases(user: User) -> CaseQuerySet:
    """Every case the user may see: their area's subtree; a mediator, only cases assigned
    to them. The one scoping function behind pages, admin, API and exports."""
    cases = Case.objects.all()
    if user.is_superuser:
        return cases
    if not user.is_authenticated or not user.is_active or user.area_id is None:
        return cases.none()
    cases = cases.filter(area__in=Area.objects.subtree(user.area).values("pk"))
    if user.role == Role.MEDIATOR:
        cases = cases.filter(mediators__user=user)
    return cases


def cases_in_reach(user):
    """Primary keys of the user's cases, for ``case__in=``: one subquery, no join."""
    return visible_cases(user).values("pk")


def case_list(*, user: User, params, request=None) -> tuple[CaseFilter, CaseQuerySet]:
    """The ledger: the user's cases, filtered, with what each row shows fetched up front."""
    queryset = visible_cases(user).select_related("area", "source", "dispute_type", "owner")
    queryset = queryset.prefetch_related(
        # The blind indexes recognise a party in other cases (the repeat badge) without
        # decrypting a number.
        Prefetch(
            "parties",
            queryset=Party.objects.only(
                "id", "case_id", "name", "role", "id_number_index", "mobile_index"
            ),
        )
    )
    # Always bound, so the default (voided cases hidden) applies to an empty query too.
    case_filter = CaseFilter(params or {}, queryset=queryset, request=request)
    return case_filter, case_filter.qs.order_by("-received_on", "-id")


def case_get(*, user: User, pk) -> Case:
    """A case the user may see, or 404: the same answer whether it exists elsewhere or not."""
    queryset = visible_cases(user).select_related(
        "area",
        "numbering_area",
        "source",
        "dispute_type",
        "owner",
        "organisation",
        "created_by",
    )
    return get_object_or_404(queryset, pk=pk)


def case_detail_related(case: Case) -> dict:
    """Everything the case page shows, in a fixed number of queries."""
    parties = list(case.parties.prefetch_related("agents__power_of_attorney"))
    sessions = list(
        case.sessions.select_related("recorded_by").prefetch_related("mediators", "parties_present")
    )
    investigations = list(
        case.investigations.select_related("recorded_by").prefetch_related("investigators")
    )
    events = list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id"))
    escalations = list(
        Escalation.objects.filter(case=case).select_related("proposed_by", "decided_by")
    )
    return {
        "parties": parties,
        "sessions": sessions,
        "investigations": investigations,
        "events": events,
        "escalations": escalations,
        "grade_changes": list(case.grade_changes.select_related("changed_by")),
        "follow_ups": list(case.follow_ups.select_related("done_by", "responsible", "waived_by")),
        "mediators": list(case.mediators.all()),
    }


def party_get(*, user: User, pk) -> Party:
    return get_object_or_404(
        Party.objects.select_related("case").filter(case__in=visible_cases(user).values("pk")),
        pk=pk,
    )


def area_cases(area: Area) -> CaseQuerySet:
    """The cases of an area and everything under it, voided ones left out: what the
    ledger, the statistics and the monthly review count."""
    return Case.objects.not_voided().filter(area__in=Area.objects.subtree(area).values("pk"))
