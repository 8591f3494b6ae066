"""Log-in protection: failures are counted per username *and* address, locked after the
limit for a cool-off, reset by a success; the page and the API token endpoint alike; and
the address is the real client's behind our proxy, never one a client writes itself."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import LoginFailure, LoginLockout
from common.client_address import client_address
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
LOGIN = "/accounts/login/"
TOKEN_URL = "/api/v1/auth/token/"


def log_in(username, password, address="10.0.0.1", **extra):
    return Client(REMOTE_ADDR=address, **extra).post(
        LOGIN, {"username": username, "password": password}
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("cases:list")


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def test_one_colleague_locks_out_only_themselves_and_only_from_that_address(world, limit):
    a, b = world.secretary_a.username, world.secretary_a2.username

    failures = [log_in(a, f"guess-{n}") for n in range(limit)]
    right_password_same_place = log_in(a, PASSWORD)

    assert [r.status_code for r in failures[:-1]] == [200] * (limit - 1)
    assert failures[-1].status_code == 429
    assert right_password_same_place.status_code == 429
    assert "登录失败次数过多" in right_password_same_place.content.decode()
    assert "15 分钟后再试" in right_password_same_place.content.decode()
    # The colleague at the next desk, behind the same router, is not affected ...
    assert logged_in(log_in(b, PASSWORD, address="10.0.0.1"))
    # ... nor A from somewhere else.
    assert logged_in(log_in(a, PASSWORD, address="10.0.0.2"))
    # Logged for the back office.
    assert AccessAttempt.objects.get(username=a, ip_address="10.0.0.1").failures_since_start >= 3
    assert AccessFailureLog.objects.filter(username=a, locked_out=True).exists()


def test_the_lockout_is_a_portal_page_in_any_language_never_an_error(world, limit):
    for n in range(limit):
        response = log_in(world.secretary_a.username, f"guess-{n}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert response.context["LANGUAGE_CODE"] == "en"


def test_after_the_cool_off_the_account_opens_again(world, limit):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for n in range(limit):
            log_in(world.secretary_a.username, f"guess-{n}")
        traveller.shift(timedelta(minutes=14))
        assert log_in(world.secretary_a.username, PASSWORD).status_code == 429

        traveller.shift(timedelta(minutes=16))
        assert logged_in(log_in(world.secretary_a.username, PASSWORD))


def test_a_success_resets_the_count(world, limit):
    for n in range(limit - 1):
        log_in(world.secretary_a.username, f"guess-{n}")
    assert logged_in(log_in(world.secretary_a.username, PASSWORD))

    for n in range(limit - 1):
        response = log_in(world.secretary_a.username, f"again-{n}")

    assert response.status_code == 200  # still below the limit: the count started again


def test_the_api_token_endpoint_shares_the_lockout_and_answers_in_json(world, limit):
    client = APIClient(REMOTE_ADDR="10.0.0.7")
    guesses = [
        client.post(TOKEN_URL, {"username": "clerk_a", "password": f"guess-{n}"})
        for n in range(limit)
    ]
    right = client.post(TOKEN_URL, {"username": "clerk_a", "password": PASSWORD})

    assert [r.status_code for r in guesses] == [400] * (limit - 1) + [429]
    assert right.status_code == 429
    [error] = right.json()["errors"]
    assert (error["field"], error["code"]) == (None, "locked_out")
    assert "登录失败次数过多" in error["message"]
    assert not Token.objects.exists()
    # The portal's log-in page from the same address is locked for the same account.
    assert log_in("clerk_a", PASSWORD, address="10.0.0.7").status_code == 429
    # Another address still gets its token.
    other = APIClient(REMOTE_ADDR="10.0.0.8")
    assert other.post(TOKEN_URL, {"username": "clerk_a", "password": PASSWORD}).status_code == 200


# ---------------------------------------------------------------------------
# The client's address
# ---------------------------------------------------------------------------


def _request(remote_addr, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().post(LOGIN, REMOTE_ADDR=remote_addr, **extra)


@pytest.mark.parametrize(
    ("trusted", "remote_addr", "forwarded", "expected"),
    [
        # No proxy trusted (dev): the header is the client's own words, ignored.
        (0, "203.0.113.5", "6.6.6.6", "203.0.113.5"),
        (0, "203.0.113.5", None, "203.0.113.5"),
        # nginx in front: the last entry is what nginx saw; the rest the client wrote.
        (1, "127.0.0.1", "203.0.113.9", "203.0.113.9"),
        (1, "127.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (1, "127.0.0.1", "6.6.6.6,7.7.7.7, 203.0.113.9", "203.0.113.9"),
        # Reached without passing the proxy: nothing to believe in the header.
        (1, "203.0.113.5", None, "203.0.113.5"),
        # Reached directly, with a forged entry: the header is not from our proxy.
        (1, "203.0.113.5", "6.6.6.6", "203.0.113.5"),
        (1, "203.0.113.5", "6.6.6.6, 7.7.7.7", "203.0.113.5"),
        (2, "127.0.0.1", "6.6.6.6, 198.51.100.4, 10.1.1.1", "198.51.100.4"),
    ],
)
def test_the_client_address_reads_forwarded_for_only_as_far_as_trusted_proxies(
    settings, trusted, remote_addr, forwarded, expected
):
    settings.FENGQIAO_TRUSTED_PROXY_COUNT = trusted

    assert client_address(_request(remote_addr, forwarded)) == expected


def test_a_proxy_on_a_configured_network_is_believed_and_no_other(settings):
    settings.FENGQIAO_TRUSTED_PROXY_COUNT = 1
    settings.FENGQIAO_TRUSTED_PROXY_ADDRESSES = ["10.20.0.0/24"]

    through_proxy = client_address(_request("10.20.0.7", "6.6.6.6, 198.51.100.4"))
    from_loopback = client_address(_request("127.0.0.1", "198.51.100.4"))

    assert (through_proxy, from_loopback) == ("198.51.100.4", "127.0.0.1")


@override_settings(FENGQIAO_TRUSTED_PROXY_COUNT=1)
def test_a_client_reaching_the_app_directly_cannot_escape_the_lockout_with_a_header(world, limit):
    direct = "203.0.113.5"
    for n in range(limit):
        log_in(
            world.secretary_a.username,
            f"guess-{n}",
            address=direct,
            HTTP_X_FORWARDED_FOR=f"6.6.6.{n}",
        )

    response = log_in(
        world.secretary_a.username, PASSWORD, address=direct, HTTP_X_FORWARDED_FOR="6.6.6.99"
    )

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {direct}


def test_with_no_trusted_proxy_a_spoofed_header_cannot_escape_the_lockout(world, limit):
    for n in range(limit):
        log_in(world.secretary_a.username, f"guess-{n}", HTTP_X_FORWARDED_FOR=f"6.6.6.{n}")

    response = log_in(world.secretary_a.username, PASSWORD, HTTP_X_FORWARDED_FOR="6.6.6.99")

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}


@override_settings(FENGQIAO_TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_each_real_client_is_counted_apart(world, limit):
    proxy = "127.0.0.1"
    for n in range(limit):
        log_in(
            world.secretary_a.username,
            f"guess-{n}",
            address=proxy,
            HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 198.51.100.4",
        )

    locked = log_in(
        world.secretary_a.username, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.4"
    )
    elsewhere = log_in(
        world.secretary_a.username, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.5"
    )

    assert locked.status_code == 429
    assert logged_in(elsewhere)
    assert AccessAttempt.objects.get().ip_address == "198.51.100.4"


# ---------------------------------------------------------------------------
# The records in the back office
# ---------------------------------------------------------------------------


def test_a_clerk_sees_the_failed_log_ins_of_their_area_only_and_cannot_change_them(world):
    log_in(world.secretary_a.username, "guess")  # town A
    log_in(world.secretary_b.username, "guess")  # town B
    log_in("nobody-at-all", "guess")
    request = RequestFactory().get("/admin/")
    request.user = world.clerk_a

    for model in (LoginLockout, LoginFailure):
        model_admin = admin.site._registry[model]
        seen = set(model_admin.get_queryset(request).values_list("username", flat=True))
        assert seen == {world.secretary_a.username}, model
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert not model_admin.has_add_permission(request)

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    request.user = root
    assert admin.site._registry[LoginFailure].get_queryset(request).count() == 3
