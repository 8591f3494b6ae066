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

The village a name is matched in is stored on each party (``Party.place_path``, written
by ``person_place`` whenever a party is saved, rewritten by ``refresh_person_places``
when a case or an area moves), so that "the same name in the same village" is one
lookup of the ``(name, place_path)`` index like the two numbers, and the repeat rate of
a whole district is one SQL aggregation (``is_repeat``).
"""

import datetime
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from django.db import models
from django.db.models import (
    BooleanField,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Concat, Length, Substr
from django.db.models.lookups import Exact
from django.utils import timezone

from accounts.models import Role
from cases.models import Case, CaseTally, Party, PartyRole, Status
from cases.selectors import visible_cases
from common.personal_data import blind_index
from grids.models import LEVEL_ORDER, Area, AreaLevel

REPEAT_MONTHS = 24
_VILLAGE_DEPTH = LEVEL_ORDER.index(AreaLevel.VILLAGE)
_DEEPEST = len(LEVEL_ORDER) - 1
# What a matched party row carries back: enough to tell which person it is.
_ROW_FIELDS = (
    "pk",
    "case_id",
    "name",
    "id_number_index",
    "mobile_index",
    "place_path",
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


def person_place(area: Area) -> str:
    """Where a name is matched for a party of a case in ``area``: the path of the case's
    village, or of the area itself above village level. Two parties of the same name are
    the same person exactly when their places are equal (a case's village path is a
    prefix of another case's area path just when that case is in the village; an area
    above village level has no village path equal to its own). What ``Party.save``
    stores in ``place_path``."""
    return village_scope(area)[0]


def refresh_person_places(area: Area | None = None, *, case: Case | None = None) -> int:
    """Store again the place of the parties of ``case`` (moved to another area), or of
    every case in ``area``'s subtree (an area moved in the tree: its paths changed). One
    update per place; returns the number of parties changed.

    A case's own move is followed by its tally's refresh (the service records an event);
    after an area's move every live case of the subtree has its tally refreshed here, as
    if it had moved (``cases.rollup.case_tally_refresh(places_moved=True)``): its repeat
    depth and those of the later cases of its parties depend on the areas' paths. That
    is one refresh per case of the subtree, rarely done (a village or grid moved to
    another parent); a whole town moved is better followed by ``rebuild_case_rollup``."""
    if case is not None:
        place = person_place(case.area)
        return Party.objects.filter(case=case).exclude(place_path=place).update(place_path=place)
    areas_of: dict[str, list[int]] = defaultdict(list)
    for each in Area.objects.subtree(area).only("pk", "path", "level"):
        areas_of[person_place(each)].append(each.pk)
    changed = sum(
        Party.objects.filter(case__area__in=ids).exclude(place_path=place).update(place_path=place)
        for place, ids in areas_of.items()
    )
    from cases.rollup import case_tally_refresh  # the rollup builds on this module

    moved = Case.objects.filter(area__in=Area.objects.subtree(area).values("pk")).not_voided()
    for each in moved.only("pk").order_by("pk"):
        case_tally_refresh(each, places_moved=True)
    return changed


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
        return cls(name, id_index, mobile_index, person_place(area))

    def q(self) -> Q:
        """The parties that are this person (over ``Party``): one index lookup."""
        if self.id_number_index:
            return Q(id_number_index=self.id_number_index)
        if self.mobile_index:
            return Q(mobile_index=self.mobile_index)
        return Q(name=self.name, place_path=self.place_path)

    def matches(self, row: dict) -> bool:
        """Whether a row of ``matching_parties`` is this person (the same rule as ``q``)."""
        if self.id_number_index:
            return row["id_number_index"] == self.id_number_index
        if self.mobile_index:
            return row["mobile_index"] == self.mobile_index
        return row["name"] == self.name and row["place_path"] == self.place_path


def matching_parties(keys, *, within) -> list[dict]:
    """The party rows (``_ROW_FIELDS``) of the cases ``within`` that are any of these
    people, in one query; voided cases left out."""
    keys = [key for key in keys if key is not None]
    if not keys:
        return []
    # ``PersonKey.q`` for many keys at once: the number keys as two IN lists, the name
    # keys one (name, place) pair each; every one an index lookup.
    ids = {k.id_number_index for k in keys if k.id_number_index}
    mobiles = {k.mobile_index for k in keys if k.mobile_index and not k.id_number_index}
    by_name = {k for k in keys if not (k.id_number_index or k.mobile_index)}
    rule = reduce(
        operator.or_,
        (k.q() for k in by_name),
        Q(id_number_index__in=ids) | Q(mobile_index__in=mobiles),
    )
    return list(
        Party.objects.filter(rule)
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
    from cases.followups import add_months  # followups builds on the rollup, which on this

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


class MonthsBefore(Func):
    """The date ``months`` calendar months before a date expression, clipped to the last
    day of a shorter month: ``cases.followups.add_months(date, -months)`` in SQL."""

    output_field = DateField()
    arity = 1

    def __init__(self, expression, months: int):
        self.months = int(months)
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra_context):
        # PostgreSQL's interval arithmetic clips the day as add_months does
        # (29 February less 24 months is 28 February).
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"CAST(({sql}) - INTERVAL '{self.months} months' AS date)", params

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite's date() rolls an overflow into the next month (29 February less 24
        # months is 1 March): a date that does not come back the same was clipped, and
        # is then the last day of the month before.
        sql, params = compiler.compile(self.get_source_expressions()[0])
        back = f"date(({sql}), '-{self.months} months')"
        template = (
            f"CASE WHEN date({back}, '+{self.months} months') = date(({sql}))"
            f" THEN {back} ELSE date({back}, 'start of month', '-1 day') END"
        )
        return template, [*params, *params, *params, *params]


def _earlier_lookups(earlier, months: int) -> list[tuple[Q, object]]:
    """``PersonKey``'s rule in SQL, over a ``Party`` row of the case being judged: for each
    kind of key, when the party has that kind (a ``Q`` on its own columns) and the
    ``earlier`` parties (a ``Party`` queryset) received in the ``months`` before its case
    that it matches. The one statement of "already in an earlier case", shared by
    ``repeat_parties`` and ``repeat_depth``."""
    received_on = OuterRef("case__received_on")
    earlier = earlier.filter(case__received_on__gte=MonthsBefore(received_on, months)).filter(
        Q(case__received_on__lt=received_on)
        | Q(case__received_on=received_on, case_id__lt=OuterRef("case_id"))
    )
    # Each lookup names the party's own columns only (not the case being counted), so
    # the database runs it per party on the index rather than hashing every candidate.
    no_id = Q(id_number_index="")
    return [
        (~no_id, earlier.filter(~no_id, id_number_index=OuterRef("id_number_index"))),
        (
            no_id & ~Q(mobile_index=""),
            earlier.filter(~Q(mobile_index=""), mobile_index=OuterRef("mobile_index")),
        ),
        (
            no_id & Q(mobile_index="") & ~Q(name=""),
            earlier.filter(name=OuterRef("name"), place_path=OuterRef("place_path")),
        ),
    ]


def repeat_parties(cases, *, within, months: int = REPEAT_MONTHS):
    """The parties of ``cases`` (a ``Case`` queryset) already in an earlier case
    ``within`` (voided ones left out) received in the ``months`` before their own:
    ``PersonKey``'s rule in SQL, per party one index lookup of its ID number's index,
    else of its mobile's, else of its name in its place. The ledger's badge reads it."""
    earlier = Party.objects.filter(case__in=within.not_voided().values("pk"))
    found = reduce(
        operator.or_,
        (applies & Exists(matches) for applies, matches in _earlier_lookups(earlier, months)),
    )
    return Party.objects.filter(case__in=cases.values("pk")).filter(found)


def _common_depth() -> models.Case:
    """Over a ``Party`` row of an earlier case, inside a query over a party of the case
    being judged: the depth of the deepest area holding both cases' areas (None when no
    area holds both). Codes are unique and a path is the chain of its codes, so those
    areas are the judged case's area and the areas above it that the earlier case's
    area path starts with; the deepest is the first found going up."""
    earlier_path = F("case__area__path")
    steps = []
    for up in range(_DEEPEST + 1):
        # The judged case's area and those above it, joined once in the outer query.
        ancestor = OuterRef("case__area" + "__parent" * up + "__path")
        steps.append(
            When(
                Exact(Substr(earlier_path, 1, Length(ancestor)), ancestor),
                then=OuterRef("case__area__depth") - up,
            )
        )
    return models.Case(*steps, default=Value(None), output_field=models.IntegerField())


class _Greatest(Func):
    """The greatest value of the rows, NULLs ignored: ``MAX`` written as a plain function
    so that Django adds no GROUP BY, and the subquery is one row whatever it reads."""

    function = "MAX"
    output_field = models.IntegerField()


def repeat_depth(months: int = REPEAT_MONTHS) -> Subquery:
    """Over ``Case``: the case's repeat depth, the greatest ``Area.depth`` of an area
    holding both the case's area and the area of an earlier case (not voided, within the
    ``months`` before, a party the same person by ``repeat_parties``' rule); None when
    there is none. The case is a repeat dispute of an area (which holds the case) exactly
    when the earlier case is in that area too, that is when this depth is at least the
    area's: the rollup stores it (``cases.rollup``) and the repeat rate of any area is a
    sum of the rollup. Per party one index lookup, as ``repeat_parties``."""
    earlier = Party.objects.exclude(case__status=Status.VOIDED)
    depth_of_party = models.Case(
        *(
            When(
                applies,
                then=Subquery(matches.order_by().values(common=_Greatest(_common_depth()))),
            )
            for applies, matches in _earlier_lookups(earlier, months)
        ),
        default=Value(None),
        output_field=models.IntegerField(),
    )
    per_party = (
        Party.objects.filter(case_id=OuterRef("pk"))
        .order_by()
        .values(found=_Greatest(depth_of_party))
    )
    return Subquery(per_party, output_field=models.IntegerField())


def is_repeat(cases, *, within, months: int = REPEAT_MONTHS) -> ExpressionWrapper:
    """Over ``Case``, for the cases of ``cases``: whether the case has a party of
    ``repeat_parties`` (one set, worked out once for all of them)."""
    repeats = repeat_parties(cases, within=within, months=months).values("case_id")
    return ExpressionWrapper(Q(pk__in=repeats), output_field=BooleanField())


def repeat_case_ids(cases, *, within, months: int = REPEAT_MONTHS) -> set[int]:
    """Of these cases, the ids of those with a party already in an earlier case
    ``within`` received in the ``months`` before: the ledger's badge (one query a page)."""
    ids = [case.pk for case in cases]
    if not ids:
        return set()
    found = repeat_parties(Case.objects.filter(pk__in=ids), within=within, months=months)
    return set(found.order_by().values_list("case_id", flat=True))


def repeat_badges(user, cases) -> set[int]:
    """The ledger's repeat badge: of these cases (a page), those with a party already in an
    earlier case the user can see, received in the ``REPEAT_MONTHS`` before.

    A user who sees an area's whole subtree sees exactly the earlier cases of that area, so
    the answer is each case's stored repeat depth (``CaseTally.repeat_depth``, kept exact by
    the tally refresh with every change) against the area's depth: one lookup of the page's
    tallies instead of the parties' index probes. A mediator, who sees only the cases
    assigned to them, and a superuser, who sees areas that may share no common one, are
    answered from the parties themselves (``repeat_case_ids``)."""
    if user.is_superuser or user.role == Role.MEDIATOR or user.area_id is None:
        return repeat_case_ids(cases, within=visible_cases(user))
    ids = [case.pk for case in cases]
    if not ids:
        return set()
    tallies = CaseTally.objects.filter(case_id__in=ids, repeat_depth__gte=user.area.depth)
    return set(tallies.values_list("case_id", flat=True))


class _JoinedLines(models.Aggregate):
    """The rows' strings joined by newlines (in no particular order)."""

    function = "STRING_AGG"
    output_field = models.TextField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value("\n"), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def offered_keys() -> Subquery:
    """Over ``Case``: what a later case's party can find the case's parties by, as the
    text ``cases.rollup`` stores on the tally (``person_keys`` reads it back): per party
    its ID number's index, its mobile's and its name in its place, whichever kind of key
    the later party has (``_earlier_lookups``)."""
    line = Concat(
        Value("i:"),
        "id_number_index",
        Value("\nm:"),
        "mobile_index",
        Value("\nn:"),
        "name",
        Value("|"),
        "place_path",
        output_field=models.TextField(),
    )
    joined = (
        Party.objects.filter(case_id=OuterRef("pk"))
        .order_by()
        .values("case_id")
        .annotate(keys=_JoinedLines(line))
        .values("keys")
    )
    return Subquery(joined, output_field=models.TextField())


def person_keys(text: str | None) -> frozenset[str]:
    """The keys of ``offered_keys``' text, the empty ones (no number, no name) left out."""
    keys = set()
    for key in (text or "").split("\n"):
        if key in ("i:", "m:") or key.startswith("n:|") or not key:
            continue
        keys.add(key)
    return frozenset(keys)


def parties_of_keys(keys) -> Q:
    """Over ``Party``: the parties that a party offering any of ``keys`` may be found by
    (by whichever kind of key: a party with a number matched by its name is found too,
    which only means one case too many is looked at again)."""
    ids, mobiles, names = set(), set(), []
    for key in keys:
        kind, value = key[:2], key[2:]
        if kind == "i:":
            ids.add(value)
        elif kind == "m:":
            mobiles.add(value)
        else:
            name, place = value.rsplit("|", 1)
            names.append(Q(name=name, place_path=place))
    return reduce(
        operator.or_,
        names,
        Q(id_number_index__in=sorted(ids)) | Q(mobile_index__in=sorted(mobiles)),
    )
