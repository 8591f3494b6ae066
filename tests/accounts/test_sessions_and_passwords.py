"""Sessions renewed at log-in and ended by idleness; the password rules; a temporary
password replaced before anything else, on the page and refused on the API."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from cases.management.commands.load_demo import DEMO_PASSWORD
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
NEW_PASSWORD = "Qiao-Feng-2026!"
CASES = reverse("cases:list")
CHANGE = reverse("password_change")


def test_logging_in_gives_a_new_session_key(world):
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key

    client.post(reverse("login"), {"username": "secretary_a", "password": PASSWORD})

    assert client.session.session_key != before
    assert client.session[SESSION_KEY] == str(world.secretary_a.pk)


def test_an_idle_session_ends_and_activity_keeps_it_alive(world):
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = Client()
        client.post(reverse("login"), {"username": "secretary_a", "password": PASSWORD})
        # Working: a page a little before the limit each time keeps the session.
        for _ in range(3):
            traveller.shift(idle - timedelta(minutes=1))
            assert client.get(CASES).status_code == 200

        traveller.shift(idle + timedelta(minutes=1))
        response = client.get(CASES)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logging_out_ends_the_session(world):
    client = Client()
    client.post(reverse("login"), {"username": "secretary_a", "password": PASSWORD})
    key = client.session.session_key

    client.post(reverse("logout"))

    assert client.get(CASES).status_code == 302
    assert client.session.session_key != key
    assert not Session.objects.filter(session_key=key).exists()


# ---------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        (DEMO_PASSWORD, True),
        (NEW_PASSWORD, True),
        ("qiao-feng-2024!", True),  # lower, digit, symbol
        ("QiaoFengZhen2024", True),  # upper, lower, digit
        ("qiaofengzhen-cun", False),  # lower and symbol only
        ("qiaofengzhen2024", False),  # lower and digit only
        ("Qf-2024!", False),  # four classes, too short
    ],
)
def test_password_rules(password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_the_character_class_message_is_chinese():
    with pytest.raises(ValidationError) as excinfo:
        validate_password("qiaofengzhen2024")

    assert excinfo.value.messages == ["密码须包含大写字母、小写字母、数字、符号四类中的至少 3 类。"]


# ---------------------------------------------------------------------------
# Temporary passwords
# ---------------------------------------------------------------------------


def _add_user(world, *args):
    call_command(
        "add_user",
        "wanglei",
        "--role",
        "village_secretary",
        "--area",
        world.village_a.code,
        "--password",
        NEW_PASSWORD,
        *args,
        stdout=StringIO(),
    )
    return User.objects.get(username="wanglei")


def test_a_password_given_to_add_user_is_temporary_unless_permanent(world):
    assert _add_user(world).must_change_password
    User.objects.filter(username="wanglei").delete()
    assert not _add_user(world, "--permanent").must_change_password


def test_a_temporary_password_leads_every_page_to_the_change_page(world):
    _add_user(world)
    client = Client()
    client.post(reverse("login"), {"username": "wanglei", "password": NEW_PASSWORD})

    for path in (CASES, "/admin/", "/reports/reviews/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(CHANGE), path
    assert client.get(CHANGE).status_code == 200
    assert client.get("/api/v1/cases/").json()["errors"][0]["code"] == "password_change_required"


def test_changing_the_password_clears_the_flag_and_keeps_the_user_logged_in(world):
    user = _add_user(world)
    client = Client()
    client.post(reverse("login"), {"username": "wanglei", "password": NEW_PASSWORD})

    response = client.post(
        CHANGE + "?next=" + CASES,
        {
            "old_password": NEW_PASSWORD,
            "new_password1": "Fengyuan-cun-88",
            "new_password2": "Fengyuan-cun-88",
            "next": CASES,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == CASES
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password("Fengyuan-cun-88")
    assert client.get(CASES).status_code == 200


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("qiaofengzhen2024", "至少 3 类"),
        ("Qf-24!", "密码太短"),
        (NEW_PASSWORD, "新密码不能与当前密码相同"),
    ],
)
def test_a_weak_or_unchanged_new_password_is_refused_with_the_rule(world, new_password, message):
    user = _add_user(world)
    client = Client()
    client.post(reverse("login"), {"username": "wanglei", "password": NEW_PASSWORD})

    response = client.post(
        CHANGE,
        {
            "old_password": NEW_PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(NEW_PASSWORD)


def test_the_token_endpoint_refuses_an_account_with_a_temporary_password(world):
    user = UserFactory(username="court", role="clerk", area=world.town_a, is_staff=True)
    user.must_change_password = True
    user.save()

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "court", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 403
    [error] = response.json()["errors"]
    assert error["code"] == "password_change_required"
    assert "临时密码" in error["message"]


def test_a_clerk_setting_a_password_in_the_back_office_makes_it_temporary(world):
    client = Client()
    client.force_login(world.clerk_a)
    target = world.secretary_a

    response = client.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.must_change_password and target.check_password(NEW_PASSWORD)
