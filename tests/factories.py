"""Factories for the test suite: a small district with two towns, and cases built
through the services so they carry numbers, deadlines and history like real ones."""

import datetime
import itertools

import factory
from django.utils import timezone

from accounts.models import Role, User
from cases import services
from cases.models import CaseSource, DisputeType, Grade, PartyRole, WatchCategory
from common.validators import id_number_check_char
from grids.models import Area, AreaLevel
from mediators.models import Gender, Mediator, Organisation, OrganisationKind

_codes = itertools.count(1)


def make_id_number(birth: datetime.date = datetime.date(1980, 5, 17), sequence: int = 123) -> str:
    """A valid GB 11643 number for the given birth date."""
    first17 = f"110105{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_char(first17)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    code = factory.LazyFunction(lambda: f"{next(_codes):06d}")
    name = factory.Sequence(lambda n: f"区域{n}")
    level = AreaLevel.DISTRICT
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        area = model_class(*args, **kwargs)
        area.path = area.compute_path()
        area.depth = area.path.count("/") - 2
        area.save()
        return area


def area_child(
    parent: Area, level: str, name: str | None = None, suffix: str | None = None
) -> Area:
    code = f"{parent.code}{suffix or f'{next(_codes):03d}'}"
    return AreaFactory(
        code=code, name=name or f"{parent.name}下属{code[-3:]}", level=level, parent=parent
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"工作人员{n}")
    role = Role.VILLAGE_SECRETARY
    area = None
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def persist(self, create, extracted, **kwargs):
        if create:
            self.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"人民调解委员会{n}")
    kind = OrganisationKind.VILLAGE_COMMITTEE
    area = None


class MediatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mediator

    name = factory.Sequence(lambda n: f"调解员{n}")
    gender = Gender.MALE
    mobile = "13800138000"
    area = None


def party_rows(applicant: str = "张三", respondent: str = "李四") -> list[dict]:
    return [
        {
            "role": PartyRole.APPLICANT,
            "name": applicant,
            "gender": "male",
            "id_number": make_id_number(),
            "mobile": "13912345678",
            "address": "一组12号",
        },
        {"role": PartyRole.RESPONDENT, "name": respondent, "gender": "female"},
    ]


def case_data(area: Area, **overrides) -> dict:
    data = {
        "area": area,
        "title": "宅基地边界纠纷",
        "summary": "双方因院墙边界发生争执。",
        "source": CaseSource.objects.get(code="grid_patrol"),
        "dispute_type": DisputeType.objects.get(code="housing_homestead"),
        "grade": Grade.YELLOW,
        "received_on": timezone.localdate(),
    }
    data.update(overrides)
    return data


def register_case(by: User, area: Area | None = None, parties=None, **overrides):
    return services.case_register(
        by=by, data=case_data(area or by.area, **overrides), parties=parties or party_rows()
    )


def case_edit_form_data(case, *, with_personal_data: bool = True, **overrides) -> dict:
    """What the case edit page posts back unchanged: the case's fields and one row per
    party (ID numbers and mobiles left blank keep the stored ones, as the page does)."""
    parties = list(case.parties.order_by("pk"))
    data = {
        "area": case.area_id,
        "title": case.title,
        "summary": case.summary,
        "source": case.source_id,
        "dispute_type": case.dispute_type_id,
        "received_on": case.received_on.isoformat(),
        "parties-TOTAL_FORMS": str(len(parties)),
        "parties-INITIAL_FORMS": str(len(parties)),
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "30",
    }
    for index, party in enumerate(parties):
        prefix = f"parties-{index}-"
        data.update(
            {
                f"{prefix}id": party.pk,
                f"{prefix}role": party.role,
                f"{prefix}name": party.name,
                f"{prefix}gender": party.gender,
                f"{prefix}address": party.address,
            }
        )
        if with_personal_data:
            data[f"{prefix}id_number"] = party.id_number
            data[f"{prefix}mobile"] = party.mobile
    data.update(overrides)
    return data


def registration_page_data(world, **overrides) -> dict:
    """What the registration page posts: a good case with an applicant and a respondent."""
    data = {
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "2",
        "parties-MAX_NUM_FORMS": "30",
        "area": world.village_a.pk,
        "title": "王某与陈某宅基地纠纷",
        "summary": "两家因宅基地界址发生争吵。",
        "source": CaseSource.objects.get(code="walk_in").pk,
        "dispute_type": DisputeType.objects.get(code="housing_homestead").pk,
        "grade": "yellow",
        "received_on": timezone.localdate().isoformat(),
        "occurred_on": "",
        "people_involved": "",
        "amount_at_stake": "",
        "external_reference": "",
        "parties-0-role": "applicant",
        "parties-0-name": "王大山",
        "parties-0-gender": "male",
        "parties-0-id_number": make_id_number(),
        "parties-0-mobile": "13912345678",
        "parties-0-address": "枫源村三组8号",
        "parties-1-role": "respondent",
        "parties-1-name": "陈小河",
        "parties-1-gender": "female",
        "parties-1-id_number": "",
        "parties-1-mobile": "",
        "parties-1-address": "",
    }
    data.update(overrides)
    return data


def watch_flag(by: User, area: Area | None = None, **overrides):
    """A 重点人员 flag set through the service: the default applicant of ``party_rows``
    and of the registration page (``make_id_number()``), reviewed in 90 days."""
    fields = {
        "name": "王大山",
        "id_number": make_id_number(),
        "area": area or by.area,
        "category": WatchCategory.MENTAL_ILLNESS,
        "note": "精神分裂症,规律服药中",
        "review_on": timezone.localdate() + datetime.timedelta(days=90),
    }
    fields.update(overrides)
    return services.watched_person_flag(by=by, **fields)
