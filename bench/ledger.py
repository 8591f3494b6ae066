"""Ledger benchmark: fill a PostgreSQL database with N demo-like cases, then time the
ledger list and the case page through the Django test client.

    .venv/bin/python bench/ledger.py [--cases N] [--repeat R] [--explain]

The database comes from DATABASE_URL (default: postgres://postgres@127.0.0.1:5432/
fengqiao_bench) and is created if missing. Filling is idempotent: a database that
already holds N cases is used as it is. See bench/README.md.
"""

import argparse
import datetime
import math
import os
import random
import re
import statistics
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

import benchdb  # noqa: E402  (beside this script)
from django.utils import timezone

ROOT = benchdb.ROOT
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/fengqiao_bench"
BATCH = 5000
SLOW_MS = 300

benchdb.configure(DEFAULT_DATABASE_URL)


def setup_django() -> None:
    benchdb.setup_django()


# ---------------------------------------------------------------------------
# Filling
# ---------------------------------------------------------------------------

# What happened to a case, by how long ago it came in: recent cases are still open,
# older ones mostly closed. (status, weight) per age bucket in days.
STATUS_WEIGHTS = [
    (
        14,
        {
            "registered": 20,
            "accepted": 20,
            "mediating": 35,
            "resolved": 10,
            "closed": 5,
            "failed": 2,
            "not_accepted": 4,
            "withdrawn": 2,
            "voided": 2,
        },
    ),
    (
        60,
        {
            "registered": 2,
            "accepted": 3,
            "mediating": 12,
            "resolved": 15,
            "closed": 50,
            "failed": 8,
            "not_accepted": 4,
            "withdrawn": 4,
            "voided": 2,
        },
    ),
    (
        10_000,
        {
            "registered": 0.3,
            "accepted": 0.5,
            "mediating": 2,
            "resolved": 5,
            "closed": 72,
            "failed": 10,
            "not_accepted": 5,
            "withdrawn": 4,
            "voided": 1.2,
        },
    ),
]

# Facts that vary the summaries, so a word of them matches a realistic share of cases.
DETAILS = {
    "neighbours": [
        "装修噪音影响休息",
        "楼上漏水浸泡天花板",
        "堆放杂物占用公共通道",
        "饲养家禽气味扰邻",
    ],
    "housing_homestead": ["新建围墙越过宅基地界线", "翻建房屋遮挡采光", "滴水檐占用相邻宅基地"],
    "marriage_family": ["子女拒绝支付赡养费", "离婚后子女抚养费未按时支付", "家庭财产分割意见不一"],
    "contract": ["货款拖欠半年未付", "买卖合同质量争议", "租赁合同提前解约押金未退"],
    "business": ["合伙经营分红不均", "厂房租金拖欠"],
    "damages": ["饲养的狗咬伤他人", "施工坠物砸伤路人", "斗殴致人轻微伤"],
    "land_forest": ["山林承包界址不清", "承包地流转租金拖欠", "毛竹林砍伐越界"],
    "land_acquisition": ["征地补偿款分配不均", "拆迁安置面积争议"],
    "pollution": ["养殖场污水排放", "企业夜间施工粉尘噪音"],
    "labour": ["拖欠工资三个月未付", "工地受伤工伤待遇争议", "辞退未支付经济补偿"],
    "consumer": ["网购商品质量问题退货被拒", "预付卡商家关门退款无门"],
    "medical": ["诊所用药后出现过敏", "手术后遗症赔偿争议"],
    "traffic": ["电动车与轿车碰撞受伤", "停车剐蹭赔偿争议", "农用车倒车撞伤行人"],
    "property_management": ["物业费上涨未公示", "管道漏水物业维修推诿", "电梯长期故障未修"],
    "other": ["借款到期未还", "红白喜事占道"],
}
SUMMARY_TEMPLATES = [
    "{a}反映与{b}因{detail},双方多次协商未果,经网格员排查上报。",
    "{a}来访称{b}{detail},要求村调委会调解处理。",
    "{a}与{b}因{detail}发生争执,有激化苗头,{source}转来。",
]
TITLE_TEMPLATE = "{a}与{b}{type}纠纷"
SESSION_CONTENT = "听取双方陈述,释法析理,提出调解方案。"
PLACES = ["mediation_room", "on_site", "courtyard", "hall"]
METHODS = ["face_to_face", "back_to_back", "courtyard_meeting"]


def _at(day: datetime.date, hour: int, minute: int):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@dataclass
class History:
    """The rows that go with a batch of cases, written after the cases themselves."""

    case_mediators: list = field(default_factory=list)
    sessions: list = field(default_factory=list)  # (session, mediators, parties present)
    agreements: list = field(default_factory=list)
    follow_ups: list = field(default_factory=list)
    events: list = field(default_factory=list)


@dataclass
class Place:
    """Where a case happens (a village or a grid) and who handles it there."""

    area: object
    village: object
    town: object
    secretary: object
    mediators: list
    committee: object


class Filler:
    def __init__(self, rng: random.Random):
        from accounts.models import Role, User
        from cases.demo import DISTRICT
        from cases.models import CaseSource, DisputeType, GradePolicy
        from grids.models import Area, AreaLevel
        from mediators.models import Mediator, Organisation, OrganisationKind

        self.rng = rng
        self.today = timezone.localdate()
        self.now = timezone.now()
        district = Area.objects.get(code=DISTRICT[0])
        areas = {a.pk: a for a in Area.objects.subtree(district)}
        self.places: list[Place] = []
        for area in areas.values():
            if area.level not in (AreaLevel.VILLAGE, AreaLevel.GRID):
                continue
            village = area if area.level == AreaLevel.VILLAGE else areas[area.parent_id]
            town = areas[village.parent_id]
            secretary = (
                User.objects.filter(role=Role.VILLAGE_SECRETARY, area=village)
                .order_by("id")
                .first()
            )
            if secretary is None:
                continue
            self.places.append(
                Place(
                    area=area,
                    village=village,
                    town=town,
                    secretary=secretary,
                    mediators=list(Mediator.objects.filter(area=village).order_by("id")),
                    committee=Organisation.objects.filter(
                        area=village, kind=OrganisationKind.VILLAGE_COMMITTEE
                    ).first(),
                )
            )
        # Cases are drawn evenly over these places: a village itself and each of its grids.
        self.places.sort(key=lambda p: p.area.path)
        # Most cases come from the grid members' rounds.
        self.sources = list(CaseSource.objects.order_by("id"))
        self.source_weights = [12 if s.code == "grid_patrol" else 3 for s in self.sources]
        self.types = list(DisputeType.objects.order_by("id"))
        self.type_weights = [
            {"neighbours": 6, "housing_homestead": 5, "marriage_family": 5, "contract": 4}.get(
                t.code, 2
            )
            for t in self.types
        ]
        self.policies = {p.grade: p for p in GradePolicy.objects.all()}

    # -- helpers ---------------------------------------------------------------

    def name(self) -> str:
        from cases.demo import random_name

        return random_name(self.rng)

    def id_number(self) -> str:
        from cases.demo import random_id_number

        return random_id_number(self.rng, self.today, self.rng.randrange(20, 80))

    def status_for(self, age: int) -> str:
        for limit, weights in STATUS_WEIGHTS:
            if age <= limit:
                return self.rng.choices(list(weights), weights=list(weights.values()))[0]
        raise AssertionError(age)

    def level_for(self, area, grade: str) -> str:
        from cases.models import LEVEL_SEQUENCE, HandlingLevel
        from grids.models import AreaLevel

        floor = HandlingLevel.VILLAGE if area.level == AreaLevel.VILLAGE else HandlingLevel.GRID
        level = max(
            HandlingLevel(self.policies[grade].default_level), floor, key=LEVEL_SEQUENCE.index
        )
        # A few cases went up a level after three failed sessions (三三调处).
        if self.rng.random() < 0.05 and level != HandlingLevel.DISTRICT:
            level = LEVEL_SEQUENCE[LEVEL_SEQUENCE.index(level) + 1]
        return level

    def moment(self, day: datetime.date, hour_from=8, hour_to=18):
        at = _at(day, self.rng.randrange(hour_from, hour_to), self.rng.randrange(60))
        return min(at, self.now)

    # -- the fill ----------------------------------------------------------------

    def fill(self, missing: int) -> None:
        from django.db.models import Max

        from cases.models import Case, CaseNumberCounter

        # Draw every case's day and place first so numbers follow the registration order.
        plan = []
        for _ in range(missing):
            age = min(int(self.rng.expovariate(1 / 300)), 729)  # more recent, busier
            if self.rng.random() < 0.3:
                age = self.rng.randrange(730)
            plan.append((self.today - datetime.timedelta(days=age), self.rng.choice(self.places)))
        plan.sort(key=lambda row: row[0])

        last = defaultdict(int)
        for row in (
            Case.objects.values("numbering_area", "number_year")
            .annotate(top=Max("number_sequence"))
            .order_by()
        ):
            last[(row["numbering_area"], row["number_year"])] = row["top"]
        for counter in CaseNumberCounter.objects.all():
            key = (counter.numbering_area_id, counter.year)
            last[key] = max(last[key], counter.last_sequence)

        started = time.perf_counter()
        for start in range(0, missing, BATCH):
            self._batch(plan[start : start + BATCH], last)
            done = min(start + BATCH, missing)
            rate = done / (time.perf_counter() - started)
            print(f"  {done:>7} / {missing} cases ({rate:,.0f} cases/s)", flush=True)

    def _batch(self, plan, last) -> None:
        from django.db import transaction

        from cases.models import (
            Agreement,
            Case,
            CaseEvent,
            CaseNumberCounter,
            FollowUp,
            Grade,
            MediationSession,
            Party,
            Status,
        )

        rng = self.rng
        cases, parties, history = [], [], History()
        touched = set()
        for received_on, place in plan:
            town = place.town
            key = (town.pk, received_on.year)
            last[key] += 1
            touched.add(key)
            number = f"{town.code}-{received_on.year}-{last[key]:05d}"
            dispute_type = rng.choices(self.types, weights=self.type_weights)[0]
            source = rng.choices(self.sources, weights=self.source_weights)[0]
            grade = rng.choices([Grade.BLUE, Grade.YELLOW, Grade.RED], weights=[6, 3, 1])[0]
            age = (self.today - received_on).days
            status = self.status_for(age)
            a, b = self.name(), self.name()
            title = TITLE_TEMPLATE.format(a=a, b=b, type=dispute_type.name)
            summary = rng.choice(SUMMARY_TEMPLATES).format(
                a=a,
                b=b,
                detail=rng.choice(DETAILS.get(dispute_type.code, DETAILS["other"])),
                source=source.name,
            )
            accepted = status not in (Status.REGISTERED, Status.NOT_ACCEPTED, Status.VOIDED)
            case = Case(
                number=number,
                numbering_area=town,
                number_year=received_on.year,
                number_sequence=last[key],
                area=place.area,
                title=title,
                summary=summary,
                source=source,
                dispute_type=dispute_type,
                grade=grade,
                level=self.level_for(place.area, grade),
                status=status,
                occurred_on=received_on - datetime.timedelta(days=rng.randrange(0, 5)),
                received_on=received_on,
                deadline=received_on
                + datetime.timedelta(days=self.policies[grade].time_limit_days),
                is_group=grade == Grade.RED and rng.random() < 0.3,
                amount_at_stake=rng.choice([None, None, 2000, 15000, 86000]),
                violence_risk=grade == Grade.RED and rng.random() < 0.2,
                petition_risk=source.is_petition,
                owner=place.secretary if accepted else None,
                organisation=place.committee if accepted else None,
                created_by=place.secretary,
                search_text=" ".join([number, title, a, b, summary]).lower(),
            )
            if status == Status.FAILED:
                case.failure_reason = "sessions_failed"
                case.routes_explained = True
                case.outcome_reason = "已告知当事人可向人民法院起诉。"
            if status == Status.VOIDED:
                case.void_reason = "重复登记。"
                case.voided_at = self.moment(received_on)
            # bulk_create skips Case.save(), which keeps the time limit (due_on) true.
            case.due_on = case.deadline if case.is_pending else None
            cases.append(case)
            parties.append(
                Party(
                    case=case,
                    role="applicant",
                    name=a,
                    gender=rng.choice(["male", "female"]),
                    id_number=self.id_number(),
                    mobile=f"138{rng.randrange(10**8):08d}",
                    address=f"{place.village.name}{rng.randrange(1, 12)}组",
                    is_elderly_sick_disabled=rng.random() < 0.1,
                )
            )
            parties.append(
                Party(
                    case=case,
                    role="respondent",
                    name=b,
                    gender=rng.choice(["male", "female"]),
                    mobile=f"137{rng.randrange(10**8):08d}",
                    address=f"{place.village.name}{rng.randrange(1, 12)}组",
                )
            )
            self._history(case, place, parties[-2:], history)

        with transaction.atomic():
            Case.objects.bulk_create(cases, batch_size=BATCH)
            # Parties, sessions and events hold their (now saved) case: Django takes its id.
            Party.objects.bulk_create(parties, batch_size=BATCH)
            Case.mediators.through.objects.bulk_create(
                [
                    Case.mediators.through(case_id=case.pk, mediator_id=mediator.pk)
                    for case, mediator in history.case_mediators
                ],
                batch_size=BATCH,
            )
            sessions = history.sessions
            MediationSession.objects.bulk_create([s for s, _, _ in sessions], batch_size=BATCH)
            MediationSession.mediators.through.objects.bulk_create(
                [
                    MediationSession.mediators.through(mediationsession_id=s.pk, mediator_id=m.pk)
                    for s, mediators, _ in sessions
                    for m in mediators
                ],
                batch_size=BATCH,
            )
            MediationSession.parties_present.through.objects.bulk_create(
                [
                    MediationSession.parties_present.through(
                        mediationsession_id=s.pk, party_id=p.pk
                    )
                    for s, _, present in sessions
                    for p in present
                ],
                batch_size=BATCH,
            )
            Agreement.objects.bulk_create(history.agreements, batch_size=BATCH)
            FollowUp.objects.bulk_create(history.follow_ups, batch_size=BATCH)
            CaseEvent.objects.bulk_create(history.events, batch_size=BATCH)
            for area_id, year in touched:
                counter, _ = CaseNumberCounter.objects.get_or_create(
                    numbering_area_id=area_id, year=year
                )
                if counter.last_sequence < last[(area_id, year)]:
                    counter.last_sequence = last[(area_id, year)]
                    counter.save(update_fields=["last_sequence"])

    def _history(self, case, place, case_parties, history: "History") -> None:
        """What the services would have written on the way to the case's status."""
        from cases.models import (
            Agreement,
            CaseEvent,
            EventKind,
            FollowUp,
            MediationSession,
            SessionResult,
            Status,
        )

        rng = self.rng
        by = place.secretary
        day = case.received_on
        status = case.status

        def event(kind, at, from_status="", to_status="", note=""):
            history.events.append(
                CaseEvent(
                    case=case,
                    kind=kind,
                    actor=by,
                    at=at,
                    from_status=from_status,
                    to_status=to_status,
                    note=note,
                )
            )

        registered_at = self.moment(day, 8, 12)
        event(EventKind.REGISTERED, registered_at, "registered", "registered", case.title)
        if status == Status.REGISTERED:
            return
        if status in (Status.NOT_ACCEPTED, Status.VOIDED):
            kind = EventKind.NOT_ACCEPTED if status == Status.NOT_ACCEPTED else EventKind.VOIDED
            event(kind, self.moment(day, 13, 18), "registered", status, "不属于受理范围。")
            return
        event(EventKind.ACCEPTED, self.moment(day, 13, 18), "registered", "accepted")
        mediators = place.mediators[:1] or []
        history.case_mediators += [(case, mediator) for mediator in place.mediators]
        if status in (Status.ACCEPTED, Status.WITHDRAWN):
            if status == Status.WITHDRAWN:
                at = self.moment(day + datetime.timedelta(days=rng.randrange(1, 5)))
                event(EventKind.WITHDRAWN, at, "accepted", "withdrawn", "当事人自行和解。")
            return
        count = {
            Status.MEDIATING: rng.choice([1, 1, 2, 3]),
            Status.FAILED: 3,
        }.get(status, rng.choice([1, 1, 1, 2]))
        session_day = day
        previous = "accepted"
        for attempt in range(count):
            session_day = min(
                session_day + datetime.timedelta(days=rng.randrange(1, 4)), self.today
            )
            last_one = attempt == count - 1
            if status in (Status.RESOLVED, Status.CLOSED) and last_one:
                result = SessionResult.RESOLVED
            elif status == Status.MEDIATING:
                result = SessionResult.CONTINUE
            else:
                result = SessionResult.NOT_RESOLVED
            held_at = self.moment(session_day, 9, 17)
            session = MediationSession(
                case=case,
                held_at=held_at,
                place=rng.choice(PLACES),
                method=rng.choice(METHODS),
                content=SESSION_CONTENT,
                result=result,
                level=case.level,
                recorded_by=by,
            )
            history.sessions.append((session, mediators, case_parties))
            event(EventKind.SESSION, held_at, previous, "mediating", SESSION_CONTENT)
            previous = "mediating"
        if status == Status.MEDIATING:
            return
        after = self.moment(session_day, 17, 19)
        if status == Status.FAILED:
            event(EventKind.FAILED, after, "mediating", "failed", case.outcome_reason)
            return
        closed = status == Status.CLOSED
        history.agreements.append(
            Agreement(
                case=case,
                form=rng.choice(["written", "oral"]),
                reached_on=session_day,
                facts=case.summary,
                terms="一、被申请人于协议生效后十日内向申请人支付补偿款;二、双方今后和睦相处。",
                performance_method="现金或转账支付。",
                amount=rng.choice([None, 3000, 12000]),
                parties_signed=True,
                mediator_signed=True,
                sealed=True,
                signed_on=session_day,
                effective_on=session_day,
                performance="fulfilled" if closed else "not_yet_due",
                recorded_by=by,
            )
        )
        event(EventKind.AGREEMENT, after, "mediating", "resolved", "书面协议")
        if not closed:
            return
        done_at = min(after + datetime.timedelta(hours=20), self.now)
        event(EventKind.PERFORMANCE, done_at, note="已履行")
        history.follow_ups.append(
            FollowUp(
                case=case,
                kind="phone",
                done_at=done_at,
                done_by=by,
                performance="yes",
                satisfaction=rng.choice(["satisfied", "satisfied", "basic"]),
                notes="电话回访,双方均表示协议已履行。",
            )
        )
        event(EventKind.FOLLOW_UP, done_at, note="电话回访")
        closed_at = min(done_at + datetime.timedelta(days=rng.randrange(1, 10)), self.now)
        case.closed_at = closed_at
        event(EventKind.CLOSED, closed_at, "resolved", "closed", "协议履行完毕,予以销号。")


def prepare(target: int, seed: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from cases.demo import DISTRICT
    from cases.models import Case
    from grids.models import Area

    print("Migrating ...", flush=True)
    call_command("migrate", verbosity=0)
    if not Area.objects.filter(code=DISTRICT[0]).exists():
        print("Loading the demo places and users ...", flush=True)
        call_command("load_demo", cases=0, verbosity=0)
    existing = Case.objects.count()
    if existing >= target:
        print(f"{existing} cases already exist (wanted {target}): not filling.")
        return
    missing = target - existing
    print(f"{existing} cases exist; adding {missing} ...", flush=True)
    started = time.perf_counter()
    Filler(random.Random(f"{seed}-{existing}")).fill(missing)
    print(f"Filled in {time.perf_counter() - started:.0f} s. VACUUM ANALYZE ...", flush=True)
    with connection.cursor() as cursor:
        # VACUUM also flushes the GIN pending lists the bulk insert left behind, so the
        # trigram indexes are measured as they are in steady state (autovacuum would).
        cursor.execute("VACUUM ANALYZE")


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    username: str
    path: str
    params: dict
    case_pk: int | None = None  # for the case page
    rows: str = ""


@dataclass
class Result:
    scenario: Scenario
    median_ms: float
    p95_ms: float
    sql_ms: float  # median time spent in the database, as Django measured it
    queries: int
    captured: list


def pick_inputs() -> dict:
    """Search terms and the case page's case, taken from the data so they exist."""
    from django.db.models import Count

    from accounts.models import User
    from cases.models import Case, DisputeType, Party, Status
    from cases.selectors import visible_cases

    shuji = User.objects.get(username="shuji")
    mine = visible_cases(shuji)
    names = Party.objects.filter(case__in=mine.values("pk")).order_by("-id")
    name3 = next(n for n in names.values_list("name", flat=True)[:500] if len(n) == 3)
    name2 = next(n for n in names.values_list("name", flat=True)[:500] if len(n) == 2)
    recent = mine.exclude(status=Status.VOIDED).order_by("-received_on", "-id").first()
    number_prefix = recent.number[:-2]  # "330681101-2026-123" → up to 100 numbers
    busy = (
        mine.filter(received_on__gte=recent.received_on - datetime.timedelta(days=60))
        .annotate(n=Count("sessions"))
        .order_by("-n", "-id")
        .first()
    )
    latest = recent.received_on  # today, or close to it
    return {
        "name3": name3,
        "name2": name2,
        "number_prefix": number_prefix,
        "word": "漏水",
        "dispute_type": DisputeType.objects.get(code="neighbours").pk,
        "date_from": (latest - datetime.timedelta(days=90)).isoformat(),
        "date_to": (latest - datetime.timedelta(days=60)).isoformat(),
        "case": Case.objects.get(pk=busy.pk),
    }


def scenarios(inputs: dict) -> list[Scenario]:
    from django.urls import reverse

    ledger = reverse("cases:list")
    users = ["shuji", "dudao", "quzhuren"]
    lists = [
        ("list", {}),
        ("status=mediating&grade=yellow", {"status": "mediating", "grade": "yellow"}),
        ("overdue=on", {"overdue": "on"}),
        ("dispute_type=neighbours", {"dispute_type": inputs["dispute_type"]}),
        (
            "received 90..60 days ago",
            {"received_after": inputs["date_from"], "received_before": inputs["date_to"]},
        ),
        (f"q={inputs['name3']} (name)", {"q": inputs["name3"]}),
        (f"q={inputs['name2']} (name)", {"q": inputs["name2"]}),
        (f"q={inputs['number_prefix']}", {"q": inputs["number_prefix"]}),
        (f"q={inputs['word']} (summary)", {"q": inputs["word"]}),
        ("list page=50", {"page": 50}),
    ]
    found = [Scenario(name, user, ledger, params) for name, params in lists for user in users]
    case = inputs["case"]
    detail = reverse("cases:detail", args=[case.pk])
    for user in ("shuji", "quzhuren"):
        found.append(Scenario(f"case page {case.number}", user, detail, {}, case_pk=case.pk))
    return found


def rows_matched(scenario: Scenario, user) -> str:
    from django.http import QueryDict
    from django.test import RequestFactory

    from cases import selectors

    if scenario.case_pk is not None:
        case = selectors.case_get(user=user, pk=scenario.case_pk)
        return f"1 ({case.sessions.count()} sess, {case.events.count()} ev)"
    request = RequestFactory().get(scenario.path, scenario.params)
    request.user = user
    params = QueryDict(mutable=True)
    for key, value in scenario.params.items():
        if key != "page":
            params[key] = str(value)
    _, queryset = selectors.case_list(user=user, params=params, request=request)
    return str(queryset.count())


def pad(text: str, width: int, align: str) -> str:
    """Pad to a terminal width, counting a Chinese character as two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    gap = " " * max(0, width - shown)
    return text + gap if align == "<" else gap + text


def measure(scenario: Scenario, client, repeat: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(scenario.path, scenario.params)  # warm-up
    if response.status_code != 200:
        raise SystemExit(f"{scenario.name} as {scenario.username}: HTTP {response.status_code}")
    timings, sql_timings, queries, captured = [], [], set(), []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as context:
            started = time.perf_counter()
            response = client.get(scenario.path, scenario.params)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        queries.add(len(context.captured_queries))
        captured = context.captured_queries
        sql_timings.append(sum(float(q["time"]) for q in captured) * 1000)
    timings.sort()
    p95 = timings[max(0, math.ceil(0.95 * len(timings)) - 1)]
    return Result(
        scenario,
        statistics.median(timings),
        p95,
        statistics.median(sql_timings),
        max(queries),
        captured,
    )


def explain(result: Result, top: int = 2) -> None:
    """EXPLAIN ANALYZE the request's slowest queries (as the page ran them)."""
    from django.db import connection

    heaviest = sorted(
        (q for q in result.captured if "cases_case" in q["sql"] and q["sql"].startswith("SELECT")),
        key=lambda q: float(q["time"]),
        reverse=True,
    )[:top]
    for query in heaviest:
        print(f"\n-- {result.scenario.name} as {result.scenario.username}: {query['time']} s")
        # The column list is long and says nothing about the plan.
        print(re.sub(r"^SELECT .*? FROM ", "SELECT ... FROM ", query["sql"], count=1))
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            for (line,) in cursor.fetchall():
                print("   ", line)


def run(args) -> None:
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from cases.models import Case

    prepare(args.cases, args.seed)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()
    total = Case.objects.count()
    inputs = pick_inputs()

    clients, users = {}, {}
    for username in ("shuji", "dudao", "quzhuren"):
        users[username] = User.objects.get(username=username)
        clients[username] = Client(HTTP_HOST="localhost")
        clients[username].force_login(users[username])

    wanted = scenarios(inputs)
    if args.only:
        wanted = [s for s in wanted if args.only in s.name]
    print(f"\nPostgreSQL {server_version}; {total} cases (N={args.cases}); {args.repeat} runs each")
    print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        "visible: "
        + ", ".join(
            f"{name} ({user.area.name}) {rows_matched(Scenario('list', name, '/cases/', {}), user)}"
            for name, user in users.items()
        )
    )
    columns = [("scenario", 38, "<"), ("user", 9, "<"), ("rows matched", 18, ">")]
    columns += [("median ms", 10, ">"), ("p95 ms", 8, ">"), ("queries", 8, ">")]
    columns += [("of which SQL ms", 16, ">")]
    header = " ".join(pad(title, width, align) for title, width, align in columns)
    print("\n" + header + "\n" + "-" * len(header), flush=True)
    results = []
    for scenario in wanted:
        user = users[scenario.username]
        scenario.rows = rows_matched(scenario, user)
        result = measure(scenario, clients[scenario.username], args.repeat)
        results.append(result)
        cells = [scenario.name, scenario.username, scenario.rows]
        cells += [f"{result.median_ms:.1f}", f"{result.p95_ms:.1f}", str(result.queries)]
        cells += [f"{result.sql_ms:.1f}"]
        line = " ".join(
            pad(cell, width, align) for cell, (_, width, align) in zip(cells, columns, strict=True)
        )
        print(line + ("  <-- slow" if result.median_ms > SLOW_MS else ""), flush=True)
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        f"\np95 is the nearest-rank 95th percentile of {args.repeat} runs; SQL ms is the median"
        " time the request spent waiting for its queries (the rest is Python and templates)."
    )

    if args.explain:
        chosen = [
            r
            for r in results
            if r.scenario.username == "quzhuren"
            and (r.scenario.name == "list" or "(name)" in r.scenario.name)
        ]
        chosen += [r for r in results if r.median_ms > SLOW_MS and r not in chosen]
        for result in chosen:
            explain(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases wanted (N)")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per scenario (R)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--explain",
        action="store_true",
        help="EXPLAIN ANALYZE the district list, the name searches and any slow scenario",
    )
    parser.add_argument("--only", default="", help="run only scenarios whose name contains this")
    args = parser.parse_args()
    setup_django()
    run(args)


if __name__ == "__main__":
    main()
