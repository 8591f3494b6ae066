import sys
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from accounts.models import Role, User
from accounts.services import user_create
from grids.services import area_create_or_update

GOOD_PASSWORD = "qiao-feng-2024!"


@pytest.fixture
def areas(db):
    district = area_create_or_update(code="330681", name="诸暨市", level="district")
    town = area_create_or_update(code="330681100", name="枫桥镇", level="town", parent=district)
    village = area_create_or_update(
        code="330681100201", name="枫源村", level="village", parent=town
    )
    grid = area_create_or_update(
        code="33068110020101", name="枫源村第一网格", level="grid", parent=village
    )
    return {"district": district, "town": town, "village": village, "grid": grid}


def add_user(*args, **options):
    out = StringIO()
    call_command("add_user", *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_add_user_creates_a_grid_member_on_a_grid_who_can_log_in(areas):
    output = add_user(
        "zhangwei",
        role="grid_member",
        area="33068110020101",
        password=GOOD_PASSWORD,
        full_name="张伟",
    )

    user = User.objects.get(username="zhangwei")
    assert (user.role, user.area, user.full_name) == (Role.GRID_MEMBER, areas["grid"], "张伟")
    assert not user.is_staff
    assert "已创建用户“zhangwei”" in output
    assert authenticate(_login_request(), username="zhangwei", password=GOOD_PASSWORD) == user
    assert authenticate(_login_request(), username="zhangwei", password="wrong-password") is None


@pytest.mark.parametrize("role", [Role.CLERK, Role.SUPERVISOR])
def test_clerks_and_supervisors_are_staff_so_they_can_use_the_admin(areas, role):
    add_user("wangfang", role=role.value, area="330681100", password=GOOD_PASSWORD)

    user = User.objects.get(username="wangfang")
    assert user.is_staff
    assert not user.is_superuser


def test_a_role_may_be_given_by_its_chinese_name(areas):
    add_user("lina", role="村(社区)书记", area="330681100201", password=GOOD_PASSWORD)

    assert User.objects.get(username="lina").role == Role.VILLAGE_SECRETARY


def test_an_unknown_area_code_is_refused(areas):
    with pytest.raises(CommandError, match="区域编码“999”不存在"):
        add_user("zhangwei", role="mediator", area="999", password=GOOD_PASSWORD)

    assert not User.objects.filter(username="zhangwei").exists()


def test_an_unknown_role_is_refused(areas):
    with pytest.raises(CommandError, match="角色“boss”无效"):
        add_user("zhangwei", role="boss", area="330681100", password=GOOD_PASSWORD)

    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("role", "area_code"),
    [
        ("grid_member", "330681100201"),  # a grid member on a village
        ("village_secretary", "330681100"),  # a secretary on a town
        ("clerk", "330681100201"),  # a clerk on a village
        ("supervisor", "33068110020101"),  # a supervisor on a grid
    ],
)
def test_a_role_that_does_not_fit_the_area_level_is_refused(areas, role, area_code):
    with pytest.raises(CommandError, match="只能属于"):
        add_user("zhangwei", role=role, area=area_code, password=GOOD_PASSWORD)

    assert not User.objects.exists()


def test_a_mediator_may_belong_to_any_level(areas):
    for index, area in enumerate(areas.values()):
        user_create(username=f"mediator{index}", role="mediator", area=area, password=GOOD_PASSWORD)

    assert User.objects.filter(role=Role.MEDIATOR).count() == 4


@pytest.mark.parametrize("password", ["12345678901", "short1!", "password123"])
def test_a_weak_password_is_refused(areas, password):
    with pytest.raises(CommandError):
        add_user("zhangwei", role="mediator", area="330681100", password=password)

    assert not User.objects.exists()


def test_an_existing_username_is_refused_whatever_its_case(areas):
    add_user("zhangwei", role="mediator", area="330681100", password=GOOD_PASSWORD)

    with pytest.raises(CommandError, match="用户名“ZhangWei”已存在"):
        add_user("ZhangWei", role="mediator", area="330681100", password=GOOD_PASSWORD)

    assert User.objects.count() == 1


def test_without_a_password_it_asks_twice_on_a_terminal(areas, monkeypatch):
    answers = iter([GOOD_PASSWORD, GOOD_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(sys, "stdin", _Terminal())

    add_user("zhangwei", role="mediator", area="330681100")

    assert authenticate(_login_request(), username="zhangwei", password=GOOD_PASSWORD) is not None


def test_without_a_password_two_different_entries_are_refused(areas, monkeypatch):
    answers = iter([GOOD_PASSWORD, GOOD_PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(sys, "stdin", _Terminal())

    with pytest.raises(CommandError, match="两次输入的密码不一致"):
        add_user("zhangwei", role="mediator", area="330681100")

    assert not User.objects.exists()


def test_without_a_password_or_a_terminal_it_stops(areas, monkeypatch):
    monkeypatch.setattr(sys, "stdin", StringIO(""))

    with pytest.raises(CommandError, match="--password"):
        add_user("zhangwei", role="mediator", area="330681100")


def test_the_service_reports_every_problem_by_field(areas):
    with pytest.raises(ValidationError) as excinfo:
        user_create(username="", role="boss", area="999", password="123")

    assert set(excinfo.value.message_dict) == {"username", "role", "area", "password"}


def _login_request():
    # django-axes counts log-ins per client address, so authenticate() needs a request.
    return RequestFactory().post("/accounts/login/")


class _Terminal(StringIO):
    def isatty(self):
        return True
