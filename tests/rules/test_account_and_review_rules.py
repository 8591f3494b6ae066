"""Rules outside the cases: an account's role and area (the admin's add form and the
``add_user`` command), and the monthly review's record (its page and the admin). Each
door refuses with the same words, and nothing is written."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from reports.models import MonthlyReview
from tests.admin.conftest import admin_url, post_data_from
from tests.rules.doors import admin_refusal, page_refusal, state

GOOD_PASSWORD = "qiao-feng-2024!"


def _admin_add_user(client, world, **fields) -> list[str]:
    client.force_login(world.clerk_a)
    data = {
        "username": "new_user",
        "usable_password": "true",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "full_name": "新同事",
        "mobile": "",
        "role": "grid_member",
        "area": world.grid_a.pk,
        "_save": "保存",
        **fields,
    }
    response = client.post(admin_url(User, "add"), data)
    return admin_refusal(response)


def _command_add_user(world, **fields) -> list[str]:
    options = {
        "username": "new_user",
        "role": "grid_member",
        "area": world.grid_a.code,
        "password": GOOD_PASSWORD,
        **fields,
    }
    with pytest.raises(CommandError) as refused:
        call_command(
            "add_user",
            options.pop("username"),
            stdout=StringIO(),
            stderr=StringIO(),
            **options,
        )
    return str(refused.value).split("\n")


ACCOUNT_RULES = {
    "a grid member placed on a town": (
        {"role": "grid_member", "area": "town_a"},
        "网格员只能属于网格、微网格,而“枫桥镇”是乡镇(街道)。",
    ),
    "a village secretary placed on a grid": (
        {"role": "village_secretary", "area": "grid_a"},
        "村(社区)书记只能属于村(社区),而“枫源村第一网格”是网格。",
    ),
    "a clerk placed on a village": (
        {"role": "clerk", "area": "village_a"},
        "综治中心工作人员只能属于乡镇(街道)、区县,而“枫源村”是村(社区)。",
    ),
    "a username already taken": ({"username": "secretary_a"}, "用户名“secretary_a”已存在。"),
}


@pytest.mark.parametrize(("fields", "message"), ACCOUNT_RULES.values(), ids=ACCOUNT_RULES.keys())
def test_an_account_rule_is_refused_alike_by_the_admin_and_the_add_user_command(
    client, world, fields, message
):
    area = getattr(world, fields["area"]) if "area" in fields else None
    admin_fields = {**fields, **({"area": area.pk} if area else {})}
    command_fields = {**fields, **({"area": area.code} if area else {})}
    before = state()

    refused = {
        "admin": _admin_add_user(client, world, **admin_fields),
        "command": _command_add_user(world, **command_fields),
    }

    assert refused == {"admin": [message], "command": [message]}
    assert state() == before


# ---------------------------------------------------------------------------
# The monthly review's record
# ---------------------------------------------------------------------------


@pytest.fixture
def review(world) -> MonthlyReview:
    return MonthlyReview.objects.create(
        village=world.village_a, month=timezone.localdate().replace(day=1)
    )


class _days:  # noqa: N801 - reads as the value it stands for
    """A date this many days from today, worked out when the test runs, not when it is
    collected (a run that crosses midnight would otherwise post yesterday's "tomorrow")."""

    def __init__(self, days: int):
        self.days = days

    def __str__(self) -> str:
        return (timezone.localdate() + datetime.timedelta(days=self.days)).isoformat()


REVIEW_RULES = {
    "a meeting held in the future": (
        {"held_on": _days(1)},
        "召开日期不能晚于今天。",
    ),
    "a meeting held before the month it reviews": (
        {"held_on": _days(-40)},
        None,  # names the month; filled in by the test
    ),
    "a meeting without minutes": ({"minutes": ""}, "请填写会议记录。"),
    "minutes holding a control character": (
        {"minutes": "讨论\x07了三件事"},
        "不能包含控制字符或不可见字符,请删除后重新输入。",
    ),
}


@pytest.mark.parametrize(("fields", "message"), REVIEW_RULES.values(), ids=REVIEW_RULES.keys())
def test_a_review_rule_is_refused_alike_by_the_review_page_and_the_admin(
    client, world, review, fields, message
):
    if message is None:
        message = f"召开日期不能早于所审议的月份({review.month:%Y-%m})。"
    good = {
        "held_on": timezone.localdate().isoformat(),
        "attendees": "村两委、网格员",
        "minutes": "审议了上月案件。",
        "decisions": "",
    }
    client.force_login(world.secretary_a)
    url = reverse("reports:review_detail", args=[review.pk])
    before = state()
    fields = {name: str(value) for name, value in fields.items()}
    page = client.post(url, {**good, **fields})
    client.force_login(world.clerk_a)
    admin_url_ = admin_url(MonthlyReview, "change", review.pk)
    data = {**post_data_from(client.get(admin_url_)), **good, **fields}
    admin = client.post(admin_url_, data)

    assert {"page": page_refusal(client, page), "admin": admin_refusal(admin)} == {
        "page": [message],
        "admin": [message],
    }
    assert state() == before
