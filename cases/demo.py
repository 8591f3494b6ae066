"""The demo district: places, mediators, a user of every role and a few hundred cases in
every state, all made through the services so their numbers, deadlines and histories are
real. ``manage.py load_demo`` loads it into an empty database (``make run``); the
benchmarks in ``bench/`` grow it to a district's years with the same names and places.

Every draw comes from one ``random.Random``, in a fixed order: the same seed gives the
same demo."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import user_create
from cases import services
from cases.models import (
    AgreementForm,
    Case,
    CaseSource,
    DisputeType,
    FailureReason,
    FollowUpKind,
    Grade,
    HandlingLevel,
    PartyRole,
    Performance,
    ResolutionMeans,
    SessionResult,
    SignatureMethod,
    Status,
)
from cases.signing import sealing_committees
from common.validators import id_number_check_char
from grids.models import Area, AreaLevel
from grids.services import area_create_or_update
from mediators.models import Background, Employment, Mediator, Organisation, OrganisationKind

DEMO_PASSWORD = "Fengqiao-demo-2026"
DISTRICT = ("330681", "诸暨市")
TOWNS = [
    ("330681101", "枫桥镇", ["枫源村", "陈家村", "杜黄新村"]),
    ("330681102", "赵家镇", ["赵家村", "花明泉村", "东溪村"]),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华国庆志强海燕文"
TITLES = {
    "neighbours": "{a}与{b}邻里噪音纠纷",
    "housing_homestead": "{a}与{b}宅基地边界纠纷",
    "marriage_family": "{a}与{b}赡养纠纷",
    "labour": "{a}等追讨欠薪纠纷",
    "land_forest": "{a}与{b}山林承包纠纷",
    "damages": "{a}与{b}人身损害赔偿纠纷",
    "traffic": "{a}与{b}道路交通事故赔偿纠纷",
    "contract": "{a}与{b}买卖合同纠纷",
    "property_management": "{a}与物业公司物业费纠纷",
}


FAST_TRACKED = "fast_tracked"
# The targets whose mediation ends in an agreement.
AGREED = (Status.RESOLVED, Status.AGREEMENT_SIGNING, Status.CLOSED)


# The demo's logins and what each one shows, printed after every load.
LOGINS = [
    ("shuji", "村(社区)书记 · 枫源村"),
    ("wangge", "网格员 · 枫源村第1网格"),
    ("tiaojie", "人民调解员 · 宝大叔"),
    ("tiaojie_zhen", "人民调解员 · 枫桥镇专业调处团队(红色纠纷)"),
    ("zongzhi", "综治中心工作人员 · 枫桥镇(后台 /admin/)"),
    ("dudao", "分管领导 · 枫桥镇"),
    ("quzhuren", "分管领导 · 诸暨市"),
    ("shuji_b", "村(社区)书记 · 赵家村(另一镇)"),
]


def random_name(rng: random.Random) -> str:
    """A Chinese name: a surname and one or two given characters."""
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2])))


def random_id_number(rng: random.Random, today: datetime.date, age: int) -> str:
    """A valid ID number (check character and all) of someone ``age`` years old,
    registered in the demo district."""
    birth = today - datetime.timedelta(days=365 * age + rng.randrange(365))
    first17 = f"330681{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_number_check_char(first17)


def demo_loaded() -> bool:
    return Area.objects.filter(code=DISTRICT[0]).exists()


def load_demo(*, cases: int, seed: int) -> int:
    """Build the demo district with ``cases`` cases; returns the number of cases there."""
    builder = DemoBuilder(random.Random(seed))
    with transaction.atomic():
        areas = builder.places()
        users = builder.users(areas)
        mediators = builder.mediators(areas)
    builder.cases(cases, areas, users, mediators)
    return Case.objects.count()


class DemoBuilder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.teams: dict[int, list[Mediator]] = {}  # each town's professional team

    # -- places and people -------------------------------------------------

    def places(self) -> dict:
        district = area_create_or_update(
            code=DISTRICT[0], name=DISTRICT[1], level=AreaLevel.DISTRICT
        )
        areas = {"district": district, "towns": [], "villages": [], "grids": []}
        for town_code, town_name, villages in TOWNS:
            town = area_create_or_update(
                code=town_code, name=town_name, level=AreaLevel.TOWN, parent=district
            )
            areas["towns"].append(town)
            for v_index, village_name in enumerate(villages, start=1):
                village = area_create_or_update(
                    code=f"{town_code}{v_index:03d}",
                    name=village_name,
                    level=AreaLevel.VILLAGE,
                    parent=town,
                )
                areas["villages"].append(village)
                for g_index in range(1, 4):
                    grid = area_create_or_update(
                        code=f"{village.code}{g_index:02d}",
                        name=f"{village_name}第{g_index}网格",
                        level=AreaLevel.GRID,
                        parent=village,
                    )
                    areas["grids"].append(grid)
                    for m_index in range(1, 3):
                        area_create_or_update(
                            code=f"{grid.code}{m_index:02d}",
                            name=f"{grid.name}第{m_index}微网格",
                            level=AreaLevel.MICROGRID,
                            parent=grid,
                        )
        return areas

    def users(self, areas) -> dict:
        town_a, town_b = areas["towns"]
        village_a = areas["villages"][0]
        grid_a = areas["grids"][0]

        def make(username, role, area, full_name):
            return user_create(
                username=username,
                role=role,
                area=area,
                password=DEMO_PASSWORD,
                full_name=full_name,
            )

        users = {
            "grid": make("wangge", Role.GRID_MEMBER, grid_a, "网格员 陈小红"),
            "secretary": make("shuji", Role.VILLAGE_SECRETARY, village_a, "村书记 杨建国"),
            "mediator": make("tiaojie", Role.MEDIATOR, village_a, "调解员 宝大叔"),
            # Red cases are the town's (三三调处): its professional team's mediators record them.
            "town_mediator": make("tiaojie_zhen", Role.MEDIATOR, town_a, "司法所 调解员 周正"),
            "town_mediator_b": make("tiaojie_zhen_b", Role.MEDIATOR, town_b, "司法所 调解员 孙和"),
            "clerk": make("zongzhi", Role.CLERK, town_a, "综治中心 徐敏"),
            "supervisor": make("dudao", Role.SUPERVISOR, town_a, "司法所所长 周强"),
            "district": make("quzhuren", Role.SUPERVISOR, areas["district"], "矛调中心主任 何平"),
            "secretary_b": make(
                "shuji_b", Role.VILLAGE_SECRETARY, areas["villages"][3], "村书记 赵林"
            ),
            "clerk_b": make("zongzhi_b", Role.CLERK, town_b, "综治中心 孙丽"),
        }
        # Every other village gets its secretary too, so each case has someone to own it.
        for index, village in enumerate(areas["villages"]):
            if village in (village_a, areas["villages"][3]):
                continue
            users[f"secretary_{village.code}"] = make(
                f"shuji{index}", Role.VILLAGE_SECRETARY, village, f"村书记 {self._name()}"
            )
        return users

    def mediators(self, areas) -> list[Mediator]:
        district = areas["district"]
        centre = Organisation.objects.create(
            name="诸暨市矛盾纠纷多元化解服务中心",
            kind=OrganisationKind.DISTRICT_CENTRE,
            area=district,
        )
        mediators = []
        for town, login in zip(areas["towns"], ["tiaojie_zhen", "tiaojie_zhen_b"], strict=True):
            committee = Organisation.objects.create(
                name=f"{town.name}人民调解委员会", kind=OrganisationKind.TOWN_COMMITTEE, area=town
            )
            team = Organisation.objects.create(
                name=f"{town.name}专业调处团队", kind=OrganisationKind.PROFESSIONAL_TEAM, area=town
            )
            # The team of 司法所, 人民法庭 and 派出所 that mediates the town's red cases.
            for unit in ("司法所", "人民法庭", "派出所"):
                member = self._mediator(f"{unit} {self._name()}", town, [team], full_time=True)
                if unit == "司法所":
                    member.organisations.add(committee)
                    member.user = User.objects.get(username=login)
                    member.save()
                mediators.append(member)
                self.teams.setdefault(town.pk, []).append(member)
        studio = Organisation.objects.create(
            name="宝大叔调解工作室", kind=OrganisationKind.STUDIO, area=areas["villages"][0]
        )
        for village in areas["villages"]:
            committee = Organisation.objects.create(
                name=f"{village.name}人民调解委员会",
                kind=OrganisationKind.VILLAGE_COMMITTEE,
                area=village,
            )
            for _ in range(2):
                mediators.append(self._mediator(self._name(), village, [committee]))
        bao = self._mediator("宝大叔", areas["villages"][0], [studio], full_time=True)
        bao.user = User.objects.get(username="tiaojie")
        bao.save()
        mediators.append(bao)
        mediators.append(
            self._mediator("矛调中心 " + self._name(), district, [centre], full_time=True)
        )
        return mediators

    def _mediator(self, name, area, organisations, full_time=False) -> Mediator:
        mediator = Mediator.objects.create(
            name=name,
            gender=self.rng.choice(["male", "female"]),
            mobile=f"139{self.rng.randrange(10**8):08d}",
            area=area,
            employment=Employment.FULL_TIME if full_time else Employment.PART_TIME,
            backgrounds=self.rng.sample(list(Background.values), 2),
        )
        mediator.organisations.set(organisations)
        mediator.specialities.set(self.rng.sample(list(DisputeType.objects.all()), 2))
        return mediator

    # -- cases ---------------------------------------------------------------

    def _name(self) -> str:
        return random_name(self.rng)

    def _id_number(self, age: int) -> str:
        return random_id_number(self.rng, timezone.localdate(), age)

    def cases(self, count, areas, users, mediators) -> None:
        sources = list(CaseSource.objects.all())
        types = list(DisputeType.objects.filter(code__in=TITLES))
        # The share of each end state, roughly as a village ledger looks over half a year.
        plan = (
            [Status.REGISTERED] * 3
            + [Status.ACCEPTED] * 3
            + [Status.MEDIATING] * 6
            + [Status.RESOLVED] * 5
            # A written agreement the parties have not all signed yet (协议待签).
            + [Status.AGREEMENT_SIGNING]
            + [Status.CLOSED] * 5
            + [Status.FAILED] * 2
            # Settled by the town's relief, not by an agreement (seed 001's school case).
            + [Status.RESOLVED_OTHERWISE]
            + [Status.NOT_ACCEPTED, Status.WITHDRAWN, Status.VOIDED]
            # Passed to the court's fast-track team (转速裁): last, so a short demo still
            # has every status.
            + [FAST_TRACKED]
        )
        today = timezone.localdate()
        for index in range(count):
            target = plan[index % len(plan)]
            village = self.rng.choice(areas["villages"])
            area = self.rng.choice(
                [village, *[g for g in areas["grids"] if g.parent_id == village.pk]]
            )
            secretary = self._secretary_of(village, users)
            dispute_type = self.rng.choice(types)
            a, b = self._name(), self._name()
            # Over a year and a bit, so the dashboard's trend and year-on-year have data.
            received_on = today - datetime.timedelta(days=self.rng.randrange(0, 400))
            grade = self.rng.choices([Grade.BLUE, Grade.YELLOW, Grade.RED], weights=[5, 4, 1])[0]
            with transaction.atomic():
                case = services.case_register(
                    by=secretary,
                    data={
                        "area": area,
                        "title": TITLES[dispute_type.code].format(a=a, b=b),
                        "summary": f"{a}反映与{b}因{dispute_type.name}问题发生矛盾,经网格员排查上报。",
                        "source": self.rng.choice(sources),
                        "dispute_type": dispute_type,
                        "grade": grade,
                        "received_on": received_on,
                        "occurred_on": received_on
                        - datetime.timedelta(days=self.rng.randrange(0, 5)),
                        "amount_at_stake": self.rng.choice([None, 2000, 15000, 86000]),
                        "is_group": grade == Grade.RED and self.rng.random() < 0.3,
                    },
                    parties=[
                        {
                            "role": PartyRole.APPLICANT,
                            "name": a,
                            # Left to the ID number, which says it (and must agree).
                            "id_number": self._id_number(self.rng.randrange(25, 80)),
                            "mobile": f"138{self.rng.randrange(10**8):08d}",
                            "address": f"{village.name}{self.rng.randrange(1, 12)}组",
                            "is_elderly_sick_disabled": self.rng.random() < 0.1,
                        },
                        {
                            "role": PartyRole.RESPONDENT,
                            "name": b,
                            "gender": self.rng.choice(["male", "female"]),
                            "mobile": f"137{self.rng.randrange(10**8):08d}",
                            "address": f"{village.name}{self.rng.randrange(1, 12)}组",
                        },
                    ],
                )
                self._advance(case, target, secretary, users, mediators, received_on)

    def _secretary_of(self, village, users) -> User:
        return next(
            u
            for u in users.values()
            if u.area_id == village.pk and u.role == Role.VILLAGE_SECRETARY
        )

    def _handlers(self, case, secretary, users, mediators) -> tuple[User, User, list]:
        """Who accepts the case, who records its mediation, and its mediators: the
        village for blue and yellow cases; for red ones (三三调处) the town's clerk accepts
        and its professional team's mediator records."""
        if case.level != HandlingLevel.TOWN:
            village = secretary.area
            return secretary, secretary, [m for m in mediators if m.area_id == village.pk]
        town = secretary.area.parent
        clerk = next(u for u in users.values() if u.role == Role.CLERK and u.area_id == town.pk)
        team = self.teams[town.pk]
        recorder = next(m.user for m in team if m.user_id)
        return clerk, recorder, team

    def _advance(self, case, target, secretary, users, mediators, received_on) -> None:
        if target == Status.REGISTERED:
            return
        acceptor, by, local = self._handlers(case, secretary, users, mediators)
        if target == Status.NOT_ACCEPTED:
            services.case_not_accept(
                case=case, by=acceptor, reason="不属于人民调解受理范围,已引导当事人向法院起诉。"
            )
            return
        if target == Status.VOIDED:
            services.case_void(case=case, by=secretary, reason="重复登记。")
            return
        case = services.case_accept(case=case, by=acceptor, owner=acceptor, mediators=local)
        if target == Status.ACCEPTED:
            return
        if target == Status.WITHDRAWN:
            services.case_withdraw(case=case, by=secretary, reason="当事人自行和解,申请撤回。")
            return
        held_at = self._moment_after(received_on)
        attempts = self.rng.choice([1, 1, 2, 3]) if target == Status.MEDIATING else 1
        for attempt in range(attempts):
            result = SessionResult.NOT_RESOLVED if target not in AGREED else SessionResult.CONTINUE
            if target in AGREED and attempt == attempts - 1:
                result = SessionResult.RESOLVED
            outcome = services.session_record(
                case=case,
                by=by,
                held_at=held_at,
                place=self.rng.choice(["mediation_room", "on_site", "courtyard", "hall"]),
                method=self.rng.choice(["face_to_face", "back_to_back", "courtyard_meeting"]),
                content="听取双方陈述,释法析理,提出调解方案。",
                result=result,
                mediators=local[:1],
                parties_present=list(case.parties.all()),
            )
            # A third failure proposes the escalation by itself (WorkflowPolicy).
            case = outcome.case
        if target == Status.MEDIATING:
            return
        if target == Status.RESOLVED_OTHERWISE:
            services.case_resolve_otherwise(
                case=case,
                by=by,
                means=ResolutionMeans.RELIEF,
                action_taken="镇政府给付救助金,并协调解决医保缴费,防止因病返贫。",
                department="镇人民政府",
                resolved_on=timezone.localdate(held_at),
            )
            return
        if target in (Status.FAILED, FAST_TRACKED):
            services.case_fail(
                case=case,
                by=by,
                failure_reason=(
                    FailureReason.FAST_TRACKED
                    if target == FAST_TRACKED
                    else FailureReason.SESSIONS_FAILED
                ),
                routes_explained=True,
                note="已告知当事人可向人民法院起诉。",
            )
            return
        reached_on = timezone.localdate(held_at)
        if target == Status.AGREEMENT_SIGNING:
            services.agreement_record(
                case=case,
                by=by,
                data={
                    "form": AgreementForm.WRITTEN,
                    "reached_on": reached_on,
                    "facts": case.summary,
                    "terms": "一、被申请人于十日内修复受损围墙;二、双方今后和睦相处。",
                },
            )
            return
        services.agreement_record(
            case=case,
            by=by,
            data={
                "form": self.rng.choice([AgreementForm.WRITTEN, AgreementForm.ORAL]),
                "reached_on": reached_on,
                "facts": case.summary,
                "terms": "一、被申请人于协议生效后十日内向申请人支付补偿款;二、双方今后和睦相处,不再就此事发生争执。",
                "performance_method": "现金或转账支付。",
                "amount": self.rng.choice([None, 3000, 12000]),
                # A written one is signed by all and sealed the day it is reached, so
                # the demo's resolved cases are in force (an oral one is at once).
                "signatures": [
                    {"party": party, "how": SignatureMethod.SIGNED, "signed_on": reached_on}
                    for party in case.parties.all()
                ],
                "mediator": local[0] if local else None,
                "mediator_signed_on": reached_on if local else None,
                "seal_organisation": sealing_committees(case).first(),
                "sealed_on": reached_on,
            },
        )
        if target == Status.RESOLVED:
            return
        services.agreement_update(case=case, by=by, data={"performance": Performance.FULFILLED})
        services.follow_up_record(
            case=case,
            by=secretary,
            data={
                "kind": FollowUpKind.PHONE,
                "done_at": min(held_at + datetime.timedelta(hours=20), timezone.now()),
                "performance": "yes",
                "satisfaction": self.rng.choice(["satisfied", "satisfied", "basic"]),
                "notes": "电话回访,双方均表示协议已履行。",
            },
        )
        # Both visits every agreement is followed by are made before 销号.
        services.follow_up_record(
            case=case,
            by=by,
            data={
                "kind": FollowUpKind.HOME_VISIT,
                "done_at": min(held_at + datetime.timedelta(days=3), timezone.now()),
                "performance": "yes",
                "satisfaction": "satisfied",
                "notes": "上门走访,协议已履行,双方关系缓和。",
            },
        )
        services.case_close(case=case, by=acceptor, note="协议履行完毕,回访满意,予以销号。")

    def _moment_after(self, day: datetime.date) -> datetime.datetime:
        now = timezone.localtime()
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
        span = max(int((now - start).total_seconds()), 60)
        return start + datetime.timedelta(seconds=self.rng.randrange(0, min(span, 10 * 86400)))
