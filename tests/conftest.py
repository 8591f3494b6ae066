"""Shared fixtures: one district, two towns, a village in each, a grid and micro-grid,
and a user of every role, so scoping tests can ask across the boundary."""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.utils import translation

from accounts.models import Role, User
from grids.models import Area, AreaLevel
from mediators.models import Mediator, Organisation, OrganisationKind
from tests.factories import (
    AreaFactory,
    MediatorFactory,
    OrganisationFactory,
    UserFactory,
    area_child,
)


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in Chinese. A request through LocaleMiddleware leaves its language
    active on the thread, which would otherwise leak into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@dataclass
class World:
    district: Area
    town_a: Area
    town_b: Area
    village_a: Area
    village_a2: Area
    village_b: Area
    grid_a: Area
    grid_b: Area
    secretary_a: User
    secretary_a2: User
    secretary_b: User
    grid_member_a: User
    clerk_a: User
    supervisor_a: User
    supervisor_district: User
    mediator_user_a: User
    mediator_a: Mediator
    mediator_b: Mediator
    # 枫桥镇's professional team for red cases (三三调处) and its mediator, who records them.
    team_a: Organisation
    town_mediator_user_a: User
    town_mediator_a: Mediator


@pytest.fixture
def world(db) -> World:
    district = AreaFactory(code="330681", name="诸暨市", level=AreaLevel.DISTRICT)
    town_a = area_child(district, AreaLevel.TOWN, "枫桥镇", suffix="101")
    town_b = area_child(district, AreaLevel.TOWN, "赵家镇", suffix="102")
    village_a = area_child(town_a, AreaLevel.VILLAGE, "枫源村", suffix="001")
    village_a2 = area_child(town_a, AreaLevel.VILLAGE, "陈家村", suffix="002")
    village_b = area_child(town_b, AreaLevel.VILLAGE, "赵家村", suffix="001")
    grid_a = area_child(village_a, AreaLevel.GRID, "枫源村第一网格", suffix="01")
    grid_b = area_child(village_b, AreaLevel.GRID, "赵家村第一网格", suffix="01")
    mediator_user_a = UserFactory(username="mediator_a", role=Role.MEDIATOR, area=village_a)
    mediator_a = MediatorFactory(name="宝大叔", area=village_a, user=mediator_user_a)
    mediator_b = MediatorFactory(name="宋哥", area=village_b)
    # Each village's people's mediation committee and each town's professional team: the
    # teams yellow and red cases are handed to on acceptance.
    for village in (village_a, village_a2, village_b):
        OrganisationFactory(name=f"{village.name}人民调解委员会", area=village)
    teams = [
        OrganisationFactory(
            name=f"{town.name}专业调处团队", kind=OrganisationKind.PROFESSIONAL_TEAM, area=town
        )
        for town in (town_a, town_b)
    ]
    town_mediator_user_a = UserFactory(username="town_mediator_a", role=Role.MEDIATOR, area=town_a)
    town_mediator_a = MediatorFactory(name="司法所老周", area=town_a, user=town_mediator_user_a)
    town_mediator_a.organisations.set([teams[0]])
    return World(
        district=district,
        town_a=town_a,
        town_b=town_b,
        village_a=village_a,
        village_a2=village_a2,
        village_b=village_b,
        grid_a=grid_a,
        grid_b=grid_b,
        secretary_a=UserFactory(
            username="secretary_a", role=Role.VILLAGE_SECRETARY, area=village_a
        ),
        secretary_a2=UserFactory(
            username="secretary_a2", role=Role.VILLAGE_SECRETARY, area=village_a2
        ),
        secretary_b=UserFactory(
            username="secretary_b", role=Role.VILLAGE_SECRETARY, area=village_b
        ),
        grid_member_a=UserFactory(username="grid_a", role=Role.GRID_MEMBER, area=grid_a),
        clerk_a=UserFactory(username="clerk_a", role=Role.CLERK, area=town_a, is_staff=True),
        supervisor_a=UserFactory(
            username="supervisor_a", role=Role.SUPERVISOR, area=town_a, is_staff=True
        ),
        supervisor_district=UserFactory(
            username="supervisor_d", role=Role.SUPERVISOR, area=district, is_staff=True
        ),
        mediator_user_a=mediator_user_a,
        mediator_a=mediator_a,
        mediator_b=mediator_b,
        team_a=teams[0],
        town_mediator_user_a=town_mediator_user_a,
        town_mediator_a=town_mediator_a,
    )
