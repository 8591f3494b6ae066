"""The same person across cases: repeat disputes at registration, a person's page, the
ledger's repeat badge and the statistics' repeat rate all ask this module, so "the same
person" is decided in one place (``PersonKey``).

A person is recognised by their ID number (its blind index); failing that by their
mobile (its blind index); failing both, by the same name in the same village (the case's
village and everything under it; a case registered above village level only matches
cases of that very area, since "the same name in the same town" is too loose). Only
cases the caller may see are looked at (``within``: ``visible_cases(user)`` for a user,
or an area's cases for the statistics), and voided cases (registered by mistake) never
count. Every lookup is one query over the indexed columns, whatever the number of
parties asked about.
"""

import datetime
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from django.db.models import Q
from django.utils import timezone

from cases.followups import add_months
from cases.models import Case, Party, PartyRole
from cases.selectors import visible_cases
from common.personal_data import blind_index
from grids.models import LEVEL_ORDER, Area, AreaLevel

REPEAT_MONTHS = 24
_VILLAGE_DEPTH = LEVEL_ORDER.index(AreaLevel.VILLAGE)
# What a matched party row carries back: enough to tell which person it is.
_ROW_FIELDS = (
    "pk",
    "case_id",
    "name",
    "id_number_index",
    "mobile_index",
    "case__area__path",
    "case__received_on",
)


def village_scope(area: Area) -> tuple[str, bool]:
    """The area path a name is matched within and whether it is a prefix (the village's
    subtree) or the exact area (a case registered above village level)."""
    level = LEVEL_ORDER.index(area.level)
    if level < _VILLAGE_DEPTH:
        return area.path, False
    codes = area.path_codes
    keep = len(codes) - (level - _VILLAGE_DEPTH)
    return "/" + "/".join(codes[:keep]) + "/", True


def _value(party_like, name: str):
    if isinstance(party_like, dict):
        return party_like.get(name) or ""
    return getattr(party_like, name, "") or ""


@dataclass(frozen=True)
class PersonKey:
    """How one party is recognised in other cases."""

    name: str
    id_number_index: str = ""
    mobile_index: str = ""
    place_path: str = ""
    place_is_subtree: bool = True

    @classmethod
    def of(cls, party_like, area: Area) -> "PersonKey | None":
        """The key of a party (a ``Party``, or a dict of a form's or the API's party
        fields) of a case in ``area``; None when there is nothing to recognise it by."""
        if isinstance(party_like, Party):
            # A stored party carries its indexes: no number is decrypted to find them.
            id_index, mobile_index = party_like.id_number_index, party_like.mobile_index
        else:
            id_index = blind_index("id_number", _value(party_like, "id_number"))
            mobile_index = blind_index("mobile", _value(party_like, "mobile"))
        name = _value(party_like, "name").strip()
        if not (id_index or mobile_index or name):
            return None
        path, subtree = village_scope(area)
        return cls(name, id_index, mobile_index, path, subtree)

    def q(self) -> Q:
        """The parties that are this person (over ``Party``)."""
        if self.id_number_index:
            return Q(id_number_index=self.id_number_index)
        if self.mobile_index:
            return Q(mobile_index=self.mobile_index)
        if self.place_is_subtree:
            return Q(name=self.name, case__area__path__startswith=self.place_path)
        return Q(name=self.name, case__area__path=self.place_path)

    def matches(self, row: dict) -> bool:
        """Whether a row of ``matching_parties`` is this person (the same rule as ``q``)."""
        if self.id_number_index:
            return row["id_number_index"] == self.id_number_index
        if self.mobile_index:
            return row["mobile_index"] == self.mobile_index
        path = row["case__area__path"]
        in_place = (
            path.startswith(self.place_path) if self.place_is_subtree else path == self.place_path
        )
        return row["name"] == self.name and in_place


def matching_parties(keys, *, within) -> list[dict]:
    """The party rows (``_ROW_FIELDS``) of the cases ``within`` that are any of these
    people, in one query; voided cases left out."""
    keys = [key for key in keys if key is not None]
    if not keys:
        return []
    # ``PersonKey.q`` for many keys at once: the number keys as two IN lists (one index
    # lookup each), the name keys one by one (each needs its village); and the names
    # again on the party's own column, so the planner reads the party indexes first.
    ids = {k.id_number_index for k in keys if k.id_number_index}
    mobiles = {k.mobile_index for k in keys if k.mobile_index and not k.id_number_index}
    by_name = [k for k in keys if not (k.id_number_index or k.mobile_index)]
    narrow = Q(id_number_index__in=ids) | Q(mobile_index__in=mobiles)
    rule = narrow
    if by_name:
        narrow |= Q(name__in={k.name for k in by_name})
        rule = reduce(operator.or_, (k.q() for k in by_name), rule)
    return list(
        Party.objects.filter(narrow)
        .filter(rule)
        .filter(case__in=within.not_voided().values("pk"))
        .values(*_ROW_FIELDS)
    )


def same_person_parties(party_like, *, user, area: Area) -> list[dict]:
    """The parties, in cases ``user`` may see, that are the same person as ``party_like``
    (of a case in ``area``)."""
    return matching_parties([PersonKey.of(party_like, area)], within=visible_cases(user))


def person_cases(party: Party, *, user):
    """Every dispute of this party's person that ``user`` may see, the party's own case
    included, newest first: the person page."""
    key = PersonKey.of(party, party.case.area)
    case_ids = {row["case_id"] for row in matching_parties([key], within=visible_cases(user))}
    case_ids.add(party.case_id)
    return (
        visible_cases(user)
        .filter(pk__in=case_ids)
        .select_related("dispute_type", "area")
        .order_by("-received_on", "-id")
    )


@dataclass
class PersonRepeat:
    """One party of the new case and the earlier visible cases they are in."""

    position: int  # the party's place in the registered list
    name: str
    cases: list[Case]


@dataclass
class Repeats:
    """What the registration check found: per party, and for the same pair."""

    people: list[PersonRepeat] = field(default_factory=list)
    pair_cases: list[Case] = field(default_factory=list)
    months: int = REPEAT_MONTHS

    def __bool__(self) -> bool:
        return bool(self.people or self.pair_cases)

    def as_data(self) -> dict:
        """For the API and the import report: ids and numbers only."""

        def brief(cases):
            return [{"id": case.pk, "number": case.number} for case in cases]

        return {
            "months": self.months,
            "parties": [
                {"position": p.position, "name": p.name, "cases": brief(p.cases)}
                for p in self.people
            ],
            "same_pair": brief(self.pair_cases),
        }


def repeat_disputes_for(
    parties,
    *,
    user,
    area: Area,
    months: int = REPEAT_MONTHS,
    today: datetime.date | None = None,
    exclude_case: Case | None = None,
) -> Repeats:
    """The earlier disputes, within ``months`` and visible to ``user``, of the parties of
    a case being registered in ``area`` (``parties``: dicts of party fields with their
    ``role``, or ``Party`` rows); and the earlier cases in which an applicant and a
    respondent of this case already faced each other (in whichever roles). Two queries."""
    parties = list(parties)
    keys = [PersonKey.of(party, area) for party in parties]
    since = add_months(today or timezone.localdate(), -months)
    within = visible_cases(user).filter(received_on__gte=since)
    if exclude_case is not None:
        within = within.exclude(pk=exclude_case.pk)
    rows = matching_parties(keys, within=within)
    if not rows:
        return Repeats(months=months)

    case_ids_of: dict[int, set[int]] = defaultdict(set)  # party position → case ids
    sides_in_case: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for position, (party, key) in enumerate(zip(parties, keys, strict=True)):
        if key is None:
            continue
        role = _value(party, "role")
        for row in rows:
            if key.matches(row):
                case_ids_of[position].add(row["case_id"])
                if role in (PartyRole.APPLICANT, PartyRole.RESPONDENT):
                    sides_in_case[row["case_id"]][role].add(row["pk"])
    pair_ids = {
        case_id
        for case_id, sides in sides_in_case.items()
        if any(a != r for a in sides[PartyRole.APPLICANT] for r in sides[PartyRole.RESPONDENT])
    }
    found = {
        case.pk: case
        for case in Case.objects.filter(
            pk__in={case_id for ids in case_ids_of.values() for case_id in ids}
        )
        .only("pk", "number", "title", "received_on", "status")
        .order_by("-received_on", "-id")
    }

    def listed(ids) -> list[Case]:
        return [case for case_id, case in found.items() if case_id in ids]

    return Repeats(
        people=[
            PersonRepeat(position, _value(parties[position], "name"), listed(ids))
            for position, ids in sorted(case_ids_of.items())
        ],
        pair_cases=listed(pair_ids),
        months=months,
    )


def repeat_case_ids(cases, *, within, months: int = REPEAT_MONTHS) -> set[int]:
    """Of these cases (with their parties and area loaded), the ids of those with a party
    already in an earlier case ``within`` received in the ``months`` before: the ledger's
    badge (one query a page) and the statistics' repeat rate."""
    cases = list(cases)
    if not cases:
        return set()
    earliest = add_months(min(case.received_on for case in cases), -months)
    within = within.filter(received_on__gte=earliest)
    keyed = [
        (case, party, PersonKey.of(party, case.area))
        for case in cases
        for party in case.parties.all()
    ]
    rows = matching_parties([key for _case, _party, key in keyed], within=within)
    if not rows:
        return set()
    repeats = set()
    for case, party, key in keyed:
        if key is None or case.pk in repeats:
            continue
        if any(
            row["case_id"] != case.pk
            and row["pk"] != party.pk
            and (row["case__received_on"], row["case_id"]) < (case.received_on, case.pk)
            and row["case__received_on"] >= add_months(case.received_on, -months)
            and key.matches(row)
            for row in rows
        ):
            repeats.add(case.pk)
    return repeats
