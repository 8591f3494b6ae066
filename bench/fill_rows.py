"""The rows of the ledger benchmark's fill, written as PostgreSQL COPY text.

The cases go to the demo's villages and grids with the shape ``bench/README.md`` describes
(status by age, a few overdue, two parties each, the history the services would leave).
A chunk of cases is written by ``write_chunk`` in a worker process, from plain data read
once from the database (``World``); ``fill.py`` loads what it returns.
"""

import datetime
import json
import random
from array import array
from dataclasses import dataclass
from itertools import accumulate

from django.utils import timezone

CHUNK = 20_000
MAX_SESSIONS = 3  # per case: the session ids are reserved for this many
N = r"\N"  # NULL in COPY's text format

# What happened to a case, by how long ago it came in: recent cases are still open,
# older ones mostly closed. Per age bucket (up to so many days), the weight of each status.
STATUSES = [
    "registered",
    "accepted",
    "mediating",
    "resolved",
    "closed",
    "failed",
    "not_accepted",
    "withdrawn",
    "voided",
]
STATUS_WEIGHTS = [
    (14, [20, 20, 35, 10, 5, 2, 4, 2, 2]),
    (60, [2, 3, 12, 15, 50, 8, 4, 4, 2]),
    (10_000, [0.3, 0.5, 2, 5, 72, 10, 5, 4, 1.2]),
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
GENDERS = ["male", "female"]
AGREEMENT_TERMS = "一、被申请人于协议生效后十日内向申请人支付补偿款;二、双方今后和睦相处。"


def copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return N
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        raise TypeError(f"no COPY text for {value!r}")
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    for char, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        text = text.replace(char, escaped)
    return text


class Table:
    """A table as COPY fills it: the columns the filler writes, in order, then every other
    column at its model default (``auto_now`` fields at the fill's start)."""

    def __init__(self, model, written: str, now: datetime.datetime):
        self.name = model._meta.db_table
        written = written.split()
        rest = [f for f in model._meta.concrete_fields if f.column not in written]
        rest = [f for f in rest if not f.primary_key]  # the column default gives it
        values = []
        for field in rest:
            stamped = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            value = now if stamped else field.get_default()
            if value is None and not field.null:
                raise ValueError(f"{self.name}.{field.column}: the filler must write it")
            values.append(value)
        self.columns = ", ".join(written + [f.column for f in rest])
        # What follows the written columns on every line.
        self.tail = "".join("\t" + copy_text(value) for value in values) + "\n"

    def copy_sql(self) -> str:
        return f"COPY {self.name} ({self.columns}) FROM STDIN"


@dataclass
class Place:
    """Where a case happens (a village or a grid) and who handles it there."""

    area_id: int
    village_name: str
    person_place: str  # what Party.place_path holds for its parties (cases.people)
    town_id: int
    town_code: str
    secretary_id: int
    mediator_ids: tuple
    committee: str  # the village committee's id, or NULL
    levels: dict  # grade -> (its handling level here, the level above or None)


class World:
    """Everything a worker needs to write cases, read once from the database (the demo's
    places, users, lookups and grade policies). Plain data: it goes to the workers."""

    def __init__(self):
        from accounts.models import Role, User
        from cases.demo import DISTRICT
        from cases.models import (
            LEVEL_SEQUENCE,
            PENDING_STATUSES,
            Agreement,
            Case,
            CaseEvent,
            CaseSource,
            DisputeType,
            FollowUp,
            GradePolicy,
            HandlingLevel,
            MediationSession,
            Party,
        )
        from cases.people import person_place
        from grids.models import Area, AreaLevel
        from mediators.models import Mediator, Organisation, OrganisationKind

        self.today = timezone.localdate()
        self.now = timezone.now()
        self.zone = timezone.get_current_timezone()
        # Times are written as local wall-clock times and the zone's offset; one offset
        # string when the zone kept one over the two years (no summer time), else None.
        self.local_now = timezone.localtime(self.now).replace(tzinfo=None)
        offsets = {
            datetime.datetime(self.today.year - back, month, 1, 12, tzinfo=self.zone).utcoffset()
            for back in range(3)
            for month in (1, 4, 7, 10)
        }
        self.offset = self.now.astimezone(self.zone).isoformat()[-6:] if len(offsets) == 1 else None
        self.pending = {str(status) for status in PENDING_STATUSES}
        policies = {p.grade: p for p in GradePolicy.objects.all()}
        self.time_limits = {grade: p.time_limit_days for grade, p in policies.items()}
        district = Area.objects.get(code=DISTRICT[0])
        areas = {a.pk: a for a in Area.objects.subtree(district)}
        self.places = []
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
            committee = Organisation.objects.filter(
                area=village, kind=OrganisationKind.VILLAGE_COMMITTEE
            ).first()
            floor = HandlingLevel.VILLAGE if area.level == AreaLevel.VILLAGE else HandlingLevel.GRID
            levels = {}
            for grade, policy in policies.items():
                level = max(HandlingLevel(policy.default_level), floor, key=LEVEL_SEQUENCE.index)
                # A few cases went up a level after three failed sessions (三三调处).
                above = None
                if level != HandlingLevel.DISTRICT:
                    above = str(LEVEL_SEQUENCE[LEVEL_SEQUENCE.index(level) + 1])
                levels[grade] = (str(level), above)
            self.places.append(
                (
                    area.path,
                    Place(
                        area_id=area.pk,
                        village_name=copy_text(village.name),
                        person_place=copy_text(person_place(area)),
                        town_id=town.pk,
                        town_code=town.code,
                        secretary_id=secretary.pk,
                        mediator_ids=tuple(
                            Mediator.objects.filter(area=village)
                            .order_by("id")
                            .values_list("id", flat=True)
                        ),
                        committee=str(committee.pk) if committee else N,
                        levels=levels,
                    ),
                )
            )
        # Cases are drawn evenly over these places: a village itself and each of its grids.
        self.places = [place for _, place in sorted(self.places, key=lambda row: row[0])]
        # Most cases come from the grid members' rounds.
        sources = list(CaseSource.objects.order_by("id"))
        self.sources = [(s.pk, copy_text(s.name), s.is_petition) for s in sources]
        self.source_cum = list(accumulate(12 if s.code == "grid_patrol" else 3 for s in sources))
        types = list(DisputeType.objects.order_by("id"))
        self.types = [
            (t.pk, copy_text(t.name), DETAILS.get(t.code, DETAILS["other"])) for t in types
        ]
        weights = {"neighbours": 6, "housing_homestead": 5, "marriage_family": 5, "contract": 4}
        self.type_cum = list(accumulate(weights.get(t.code, 2) for t in types))
        self.statuses = [(limit, list(accumulate(w))) for limit, w in STATUS_WEIGHTS]
        self.tables = {
            "case": Table(
                Case,
                "id number numbering_area_id number_year number_sequence area_id title summary"
                " source_id dispute_type_id grade level status occurred_on received_on deadline"
                " is_group amount_at_stake violence_risk petition_risk owner_id organisation_id"
                " created_by_id search_text failure_reason routes_explained outcome_reason"
                " void_reason voided_at due_on closed_at",
                self.now,
            ),
            "party": Table(
                Party,
                "id case_id role name gender id_number mobile address is_elderly_sick_disabled"
                " id_number_index mobile_index place_path",
                self.now,
            ),
            "case_mediator": Table(Case.mediators.through, "case_id mediator_id", self.now),
            "session": Table(
                MediationSession,
                "id case_id held_at place method content result level recorded_by_id",
                self.now,
            ),
            "session_mediator": Table(
                MediationSession.mediators.through, "mediationsession_id mediator_id", self.now
            ),
            "present": Table(
                MediationSession.parties_present.through, "mediationsession_id party_id", self.now
            ),
            "agreement": Table(
                Agreement,
                "case_id form reached_on facts terms performance_method amount parties_signed"
                " mediator_signed sealed signed_on effective_on performance recorded_by_id",
                self.now,
            ),
            "follow_up": Table(
                FollowUp,
                "case_id kind done_at done_by_id performance satisfaction notes",
                self.now,
            ),
            "event": Table(
                CaseEvent, "case_id kind actor_id at from_status to_status note", self.now
            ),
        }


# ---------------------------------------------------------------------------
# The plan: every case's day and place, in registration order
# ---------------------------------------------------------------------------


def draw_plan(rng: random.Random, missing: int, places: int) -> tuple[array, array]:
    """Each case's age in days and place index, oldest first (the order numbers follow).
    Within a day, cases keep the order they were drawn in."""
    by_age = [array("H") for _ in range(730)]
    for _ in range(missing):
        age = min(int(rng.expovariate(1 / 300)), 729)  # more recent, busier
        if rng.random() < 0.3:
            age = rng.randrange(730)
        by_age[age].append(rng.randrange(places))
    ages, where = array("H"), array("H")
    for age in range(729, -1, -1):
        ages.extend([age] * len(by_age[age]))
        where.extend(by_age[age])
    return ages, where


@dataclass
class Chunk:
    index: int
    seed: str
    ages: array
    places: array
    last: dict  # (town id, year) -> the highest sequence before this chunk
    case_id: int  # the first id of each table for this chunk
    party_id: int
    session_id: int


# ---------------------------------------------------------------------------
# Writing one chunk (in a worker process)
# ---------------------------------------------------------------------------

_WORLD: World | None = None  # the workers' world: set before they fork


def set_world(world: World) -> None:
    global _WORLD
    _WORLD = world


class ChunkWriter:
    """The COPY text of one chunk: the cases and the history the services would have
    left on the way to each case's status."""

    def __init__(self, world: World, chunk: Chunk):
        from cases.demo import random_id_number, random_name
        from cases.search import case_search_text
        from common.personal_data import blind_index, encrypt

        # Numbers as the services store them: encrypted, with their blind index.
        self.encrypt = encrypt
        self.blind_index = blind_index

        self.case_search_text = case_search_text
        self.world = world
        self.chunk = chunk
        self.rng = random.Random(chunk.seed)
        self.random = self.rng.random
        self.random_name = random_name
        self.random_id_number = random_id_number
        self.rows = {name: [] for name in world.tables}
        self.last = dict(chunk.last)
        self.session_id = chunk.session_id

    def moment(self, day: datetime.date, hour_from=8, hour_to=18) -> datetime.datetime:
        """A local time of the day (naive), not later than now."""
        r = self.random
        at = datetime.datetime(
            day.year,
            day.month,
            day.day,
            hour_from + int(r() * (hour_to - hour_from)),
            int(r() * 60),
        )
        return at if at < self.world.local_now else self.world.local_now

    def stamp(self, at: datetime.datetime) -> str:
        """A local time from ``moment`` as COPY text, with its offset."""
        if self.world.offset:
            return at.isoformat() + self.world.offset
        return at.replace(tzinfo=self.world.zone).isoformat()

    def pick(self, choices: list):
        return choices[int(self.random() * len(choices))]

    def status_for(self, age: int) -> str:
        for limit, cum in self.world.statuses:
            if age <= limit:
                return self.rng.choices(STATUSES, cum_weights=cum)[0]
        raise AssertionError(age)

    def write(self) -> dict:
        world, chunk = self.world, self.chunk
        today = world.today
        for offset, (age, place_index) in enumerate(zip(chunk.ages, chunk.places, strict=True)):
            received_on = today - datetime.timedelta(days=age)
            self.case(chunk.case_id + offset, received_on, world.places[place_index])
        return {name: "".join(rows).encode() for name, rows in self.rows.items() if rows}

    def case(self, case_id: int, received_on: datetime.date, place: Place) -> None:
        world, rng, rows = self.world, self.rng, self.rows
        key = (place.town_id, received_on.year)
        sequence = self.last[key] = self.last.get(key, 0) + 1
        number = f"{place.town_code}-{received_on.year}-{sequence:05d}"
        type_id, type_name, details = rng.choices(world.types, cum_weights=world.type_cum)[0]
        source_id, source_name, petition = rng.choices(world.sources, cum_weights=world.source_cum)[
            0
        ]
        grade = rng.choices(["blue", "yellow", "red"], cum_weights=[6, 9, 10])[0]
        age = (world.today - received_on).days
        status = self.status_for(age)
        a, b = self.random_name(rng), self.random_name(rng)
        title = TITLE_TEMPLATE.format(a=a, b=b, type=type_name)
        summary = self.pick(SUMMARY_TEMPLATES).format(
            a=a, b=b, detail=self.pick(details), source=source_name
        )
        level, above = place.levels[grade]
        if rng.random() < 0.05 and above:
            level = above
        occurred_on = received_on - datetime.timedelta(days=int(self.random() * 5))
        deadline = received_on + datetime.timedelta(days=world.time_limits[grade])
        is_group = grade == "red" and rng.random() < 0.3
        amount = self.pick([N, N, "2000", "15000", "86000"])
        violence = grade == "red" and rng.random() < 0.2
        accepted = status not in ("registered", "not_accepted", "voided")
        failure = routes = outcome = void_reason = voided_at = ""
        if status == "failed":
            failure, routes, outcome = "sessions_failed", "t", "已告知当事人可向人民法院起诉。"
        if status == "voided":
            void_reason, voided_at = "重复登记。", self.stamp(self.moment(received_on))
        # The time limit of a case still pending; none once it is settled.
        pending = status in world.pending
        party_id = self.chunk.party_id + 2 * (case_id - self.chunk.case_id)
        address = place.village_name
        gender_a = self.pick(GENDERS)
        id_number = self.random_id_number(rng, world.today, 20 + int(self.random() * 60))
        mobile_a = f"138{int(self.random() * 10**8):08d}"
        group_a = f"{address}{1 + int(self.random() * 11)}组"
        frail = "t" if rng.random() < 0.1 else "f"
        applicant = (
            f"{party_id}\t{case_id}\tapplicant\t{a}\t{gender_a}\t"
            f"{self.encrypt('id_number', id_number)}\t{self.encrypt('mobile', mobile_a)}\t"
            f"{group_a}\t{frail}\t"
            f"{self.blind_index('id_number', id_number)}\t{self.blind_index('mobile', mobile_a)}\t"
            f"{place.person_place}"
        )
        gender_b = self.pick(GENDERS)
        mobile_b = f"137{int(self.random() * 10**8):08d}"
        group_b = f"{address}{1 + int(self.random() * 11)}组"
        respondent = (
            f"{party_id + 1}\t{case_id}\trespondent\t{b}\t{gender_b}\t\t"
            f"{self.encrypt('mobile', mobile_b)}\t{group_b}\tf\t\t"
            f"{self.blind_index('mobile', mobile_b)}\t{place.person_place}"
        )
        tail = world.tables["party"].tail
        rows["party"] += [applicant + tail, respondent + tail]
        closed_at = self.history(
            case_id, status, received_on, place, level, summary, title, (party_id, party_id + 1)
        )
        owner = str(place.secretary_id) if accepted else N
        organisation = place.committee if accepted else N
        search_text = self.case_search_text(
            number=number, title=title, names=[a, b], summary=summary
        )
        rows["case"].append(
            f"{case_id}\t{number}\t{place.town_id}\t{received_on.year}\t{sequence}\t"
            f"{place.area_id}\t{title}\t{summary}\t{source_id}\t{type_id}\t{grade}\t{level}\t"
            f"{status}\t{occurred_on}\t{received_on}\t{deadline}\t{'t' if is_group else 'f'}\t"
            f"{amount}\t{'t' if violence else 'f'}\t{'t' if petition else 'f'}\t{owner}\t"
            f"{organisation}\t{place.secretary_id}\t{search_text}\t{failure}\t{routes or 'f'}\t"
            f"{outcome}\t{void_reason}\t{voided_at or N}\t{deadline if pending else N}\t"
            f"{self.stamp(closed_at) if closed_at else N}" + world.tables["case"].tail
        )

    def history(self, case_id, status, day, place, level, summary, title, parties):
        """The events, mediators, sessions, agreement and follow-up of the case's road to
        its status. Returns when it was closed (or None)."""
        world, rows = self.world, self.rows
        by = place.secretary_id
        event_tail = world.tables["event"].tail

        def event(kind, at, from_status="", to_status="", note=""):
            rows["event"].append(
                f"{case_id}\t{kind}\t{by}\t{self.stamp(at)}\t{from_status}\t{to_status}\t"
                f"{note}{event_tail}"
            )

        event("registered", self.moment(day, 8, 12), "registered", "registered", title)
        if status == "registered":
            return None
        if status in ("not_accepted", "voided"):
            event(status, self.moment(day, 13, 18), "registered", status, "不属于受理范围。")
            return None
        event("accepted", self.moment(day, 13, 18), "registered", "accepted")
        mediators = place.mediator_ids[:1]
        tail = world.tables["case_mediator"].tail
        rows["case_mediator"] += [f"{case_id}\t{m}{tail}" for m in place.mediator_ids]
        if status in ("accepted", "withdrawn"):
            if status == "withdrawn":
                at = self.moment(day + datetime.timedelta(days=1 + int(self.random() * 4)))
                event("withdrawn", at, "accepted", "withdrawn", "当事人自行和解。")
            return None
        count = {"mediating": self.pick([1, 1, 2, 3]), "failed": 3}.get(
            status, self.pick([1, 1, 1, 2])
        )
        session_day = day
        previous = "accepted"
        for attempt in range(count):
            session_day = min(
                session_day + datetime.timedelta(days=1 + int(self.random() * 3)), world.today
            )
            last_one = attempt == count - 1
            if status in ("resolved", "closed") and last_one:
                result = "resolved"
            elif status == "mediating":
                result = "continue"
            else:
                result = "not_resolved"
            held_at = self.moment(session_day, 9, 17)
            session_id = self.session_id
            self.session_id += 1
            rows["session"].append(
                f"{session_id}\t{case_id}\t{self.stamp(held_at)}\t{self.pick(PLACES)}\t"
                f"{self.pick(METHODS)}\t{SESSION_CONTENT}\t{result}\t{level}\t{by}"
                + world.tables["session"].tail
            )
            tail = world.tables["session_mediator"].tail
            rows["session_mediator"] += [f"{session_id}\t{m}{tail}" for m in mediators]
            tail = world.tables["present"].tail
            rows["present"] += [f"{session_id}\t{p}{tail}" for p in parties]
            event("session", held_at, previous, "mediating", SESSION_CONTENT)
            previous = "mediating"
        if status == "mediating":
            return None
        after = self.moment(session_day, 17, 19)
        if status == "failed":
            event("failed", after, "mediating", "failed", "已告知当事人可向人民法院起诉。")
            return None
        closed = status == "closed"
        rows["agreement"].append(
            f"{case_id}\t{self.pick(['written', 'oral'])}\t{session_day}\t{summary}\t"
            f"{AGREEMENT_TERMS}\t现金或转账支付。\t{self.pick([N, '3000', '12000'])}\tt\tt\tt\t"
            f"{session_day}\t{session_day}\t{'fulfilled' if closed else 'not_yet_due'}\t{by}"
            + world.tables["agreement"].tail
        )
        event("agreement", after, "mediating", "resolved", "书面协议")
        if not closed:
            return None
        done_at = min(after + datetime.timedelta(hours=20), world.local_now)
        event("performance", done_at, note="已履行")
        satisfaction = self.pick(["satisfied", "satisfied", "basic"])
        rows["follow_up"].append(
            f"{case_id}\tphone\t{self.stamp(done_at)}\t{by}\tyes\t{satisfaction}\t"
            "电话回访,双方均表示协议已履行。" + world.tables["follow_up"].tail
        )
        event("follow_up", done_at, note="电话回访")
        closed_at = min(
            done_at + datetime.timedelta(days=1 + int(self.random() * 9)), world.local_now
        )
        event("closed", closed_at, "resolved", "closed", "协议履行完毕,予以销号。")
        return closed_at


def write_chunk(chunk: Chunk) -> tuple[dict, dict, dict]:
    """In a worker: the chunk's COPY text per table, and the towns' last numbers before
    and after it."""
    writer = ChunkWriter(_WORLD, chunk)
    return writer.write(), chunk.last, writer.last
