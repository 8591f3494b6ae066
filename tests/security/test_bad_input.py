"""Bad input on every form and API endpoint that writes (issue 6): overlong text, script
tags, NUL and other control characters, undecodable bytes, future and too-early dates,
invalid ID numbers and mobiles, negative and huge numbers.

For each: no error page (a 200 re-render of the form, or the API's 400 ``{"errors": […]}``),
a message in the user's language, nothing changed in the database, and the other values
the user typed still on the form. Script-tag text that is valid input may be stored, but
is only ever shown escaped."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import Attachment, Case
from common.validators import id_number_check_char
from reports.models import GeneratedReport, MonthlyReview
from tests.api.conftest import errors, token_client
from tests.builders import mediating, now_minute, ready_to_close
from tests.factories import (
    case_edit_form_data,
    make_id_number,
    register_case,
    registration_page_data,
)
from tests.web.helpers import datetime_input, snapshot

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
NUL = "纠纷\x00名称"
BELL = "纠纷\x07名称"  # a control character other than NUL
ESCAPE = "案情\x1b[31m说明"
BAD_CHECK_CHAR = "360426199101010072"
BAD_BIRTH_DATE = (lambda first17: first17 + id_number_check_char(first17))("11010519800230123")
TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
BEFORE_1950 = "1949-12-31"

# Messages, by kind of refusal (Chinese; the English sample is in its own test).
TOO_LONG = "最多填写"
NO_NUL = "空字符"
NO_CONTROL = "控制字符"
FUTURE = "日期不能晚于今天"
TOO_EARLY = "1950"
ID_CHECK = "校验位不正确"
ID_LENGTH = "应为18位"
ID_BIRTH = "出生日期不存在"
MOBILE = "11位手机号码"


def everything() -> dict:
    """Every row a form of the portal can write, so "nothing changed" is one comparison."""
    return {
        **snapshot(),
        "users": list(User.objects.order_by("pk").values_list("pk", "password", "last_login")),
        "reviews": list(
            MonthlyReview.objects.order_by("pk").values_list("pk", "held_on", "minutes")
        ),
        "reports": GeneratedReport.objects.count(),
        "attachments": Attachment.objects.count(),
    }


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"


@pytest.fixture
def a_cases(world):
    by, mediators = world.secretary_a, [world.mediator_a]
    return {
        "registered": register_case(by),
        "mediating": mediating(register_case(by), by, mediators),
        "ready": ready_to_close(register_case(by), by, mediators),
        "review": MonthlyReview.objects.create(
            village=world.village_a, month=timezone.localdate().replace(day=1)
        ),
    }


# ---------------------------------------------------------------------------
# The forms: what a valid submission is, and which value the re-render must keep
# ---------------------------------------------------------------------------


def registration(world, a_cases) -> dict:
    return registration_page_data(world)


def case_edit(world, a_cases) -> dict:
    return case_edit_form_data(a_cases["registered"], with_personal_data=False)


# page -> (url name, which case, valid data, fields whose typed value the re-render keeps)
PAGES = {
    "register": ("cases:create", None, registration, ("parties-0-name", "summary")),
    "edit": ("cases:edit", "registered", case_edit, ("title", "summary")),
    "accept": (
        "cases:accept",
        "registered",
        lambda w, c: {"owner": w.secretary_a.pk, "mediators": [w.mediator_a.pk], "note": "保留"},
        ("note",),
    ),
    "not_accept": ("cases:not_accept", "registered", lambda w, c: {"reason": "不属于"}, ()),
    "withdraw": ("cases:withdraw", "registered", lambda w, c: {"reason": "撤回"}, ()),
    "void": ("cases:void", "registered", lambda w, c: {"reason": "重复"}, ()),
    "grade": (
        "cases:change_grade",
        "registered",
        lambda w, c: {"grade": "blue", "reason": "风险降低"},
        ("reason",),
    ),
    "session": (
        "cases:session_create",
        "mediating",
        lambda w, c: {
            "held_at": datetime_input(now_minute()),
            "place": "mediation_room",
            "place_detail": "村委会二楼",
            "method": "face_to_face",
            "mediators": [w.mediator_a.pk],
            "content": "双方陈述",
            "result": "continue",
        },
        ("place_detail", "content"),
    ),
    "agreement": (
        "cases:agreement_create",
        "mediating",
        lambda w, c: {
            "form": "oral",
            "reached_on": timezone.localdate().isoformat(),
            "facts": "事实清楚",
            "terms": "院墙重建",
        },
        ("facts", "terms"),
    ),
    "escalate": ("cases:escalate", "mediating", lambda w, c: {"reason": "未成"}, ()),
    "fail": (
        "cases:fail",
        "mediating",
        lambda w, c: {
            "failure_reason": "party_refused",
            "routes_explained": "on",
            "note": "已告知",
        },
        ("note",),
    ),
    "follow_up": (
        "cases:follow_up_create",
        "ready",
        lambda w, c: {
            "kind": "home_visit",
            "done_at": datetime_input(now_minute()),
            "satisfaction": "satisfied",
            "notes": "回访记录保留",
        },
        ("notes",),
    ),
    "agreement_update": (
        "cases:agreement_update",
        "ready",
        lambda w, c: {"performance": "partly", "performance_note": "部分履行保留"},
        ("performance_note",),
    ),
    "close": ("cases:close", "ready", lambda w, c: {"note": "销号"}, ()),
    "review": (
        "reports:review_detail",
        "review",
        lambda w, c: {
            "held_on": timezone.localdate().isoformat(),
            "attendees": "参会人员保留",
            "minutes": "会议记录",
            "decisions": "议定事项",
        },
        ("attendees", "decisions"),
    ),
}

# (page, field, bad value, message)
ROWS = [
    ("register", "title", "长" * 101, TOO_LONG),
    ("register", "title", NUL, NO_NUL),
    ("register", "title", BELL, NO_CONTROL),
    ("register", "summary", ESCAPE, NO_CONTROL),
    ("register", "received_on", TOMORROW, FUTURE),
    ("register", "received_on", BEFORE_1950, TOO_EARLY),
    ("register", "received_on", "2025-02-30", "日期"),
    ("register", "parties-0-id_number", BAD_CHECK_CHAR, ID_CHECK),
    ("register", "parties-0-id_number", "11010519800517", ID_LENGTH),
    ("register", "parties-0-id_number", BAD_BIRTH_DATE, ID_BIRTH),
    ("register", "parties-0-mobile", "1391234", MOBILE),
    ("register", "parties-0-mobile", "23912345678", MOBILE),
    ("register", "parties-0-name", "王" * 101, TOO_LONG),
    ("register", "people_involved", "-5", "0"),
    ("register", "people_involved", "99999999999999999999", "不能大于"),
    ("register", "amount_at_stake", "-1", "不能为负数"),
    ("register", "amount_at_stake", "1e30", "最多 14 位"),
    ("register", "area", "99999999", "选择"),
    ("edit", "title", "长" * 101, TOO_LONG),
    ("edit", "title", BELL, NO_CONTROL),
    ("edit", "received_on", TOMORROW, FUTURE),
    ("accept", "note", "长" * 2001, TOO_LONG),
    ("accept", "owner", "99999999", "选择"),
    ("not_accept", "reason", NUL, NO_NUL),
    ("withdraw", "reason", "长" * 2001, TOO_LONG),
    ("void", "reason", BELL, NO_CONTROL),
    ("grade", "grade", "purple", "选择"),
    (
        "session",
        "held_at",
        (timezone.localdate() + datetime.timedelta(days=2)).isoformat() + "T10:00",
        "晚于",
    ),
    ("session", "content", "长" * 8001, TOO_LONG),
    ("session", "place_detail", BELL, NO_CONTROL),
    ("agreement", "reached_on", TOMORROW, FUTURE),
    ("agreement", "reached_on", BEFORE_1950, TOO_EARLY),
    ("agreement", "terms", NUL, NO_NUL),
    ("escalate", "reason", "长" * 2001, TOO_LONG),
    ("fail", "note", BELL, NO_CONTROL),
    ("follow_up", "done_at", TOMORROW + "T10:00", "晚于"),
    ("follow_up", "notes", NUL, NO_NUL),
    ("agreement_update", "performance_note", "长" * 2001, TOO_LONG),
    ("close", "note", "长" * 2001, TOO_LONG),
    ("review", "held_on", TOMORROW, FUTURE),
    ("review", "attendees", "长" * 2001, TOO_LONG),
    ("review", "minutes", ESCAPE, NO_CONTROL),
]


@pytest.mark.parametrize(
    ("page", "field", "value", "message"),
    ROWS,
    ids=[f"{page}-{field}-{index}" for index, (page, field, _, _m) in enumerate(ROWS)],
)
def test_a_form_refuses_bad_input_keeps_the_rest_and_stores_nothing(
    client, world, a_cases, page, field, value, message
):
    url_name, which, valid, kept_fields = PAGES[page]
    args = [a_cases[which].pk] if which else []
    data = {**valid(world, a_cases), field: value}
    client.force_login(world.secretary_a)
    client.raise_request_exception = False
    before = everything()

    response = client.post(reverse(url_name, args=args), data)

    assert response.status_code == 200, response.content[:300]
    body = response.content.decode()
    assert message in body, f"no message {message!r} for {field}={value!r}"
    assert everything() == before
    for kept in kept_fields:
        if kept != field:
            assert str(data[kept]) in body, f"{kept} was not kept"


def test_the_message_follows_the_language(client, world, a_cases):
    client.force_login(world.secretary_a)
    client.cookies["django_language"] = "en"
    data = {**registration(world, a_cases), "parties-0-id_number": BAD_CHECK_CHAR}

    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 200
    body = response.content.decode()
    assert "校验位" not in body
    assert "check" in body.lower()


# ---------------------------------------------------------------------------
# Bodies that are not text
# ---------------------------------------------------------------------------


def test_a_form_body_of_undecodable_bytes_is_refused_without_an_error_page(client, world):
    client.force_login(world.secretary_a)
    client.raise_request_exception = False
    before = everything()

    response = client.generic(
        "POST",
        reverse("cases:create"),
        b"title=%FF%FE&summary=%C3%28&area=%FF",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code in (200, 400)
    assert everything() == before


# ---------------------------------------------------------------------------
# The other forms: export, import, attachment, password, login
# ---------------------------------------------------------------------------


def test_the_ledger_export_form_refuses_a_month_before_1950_and_a_reversed_range(client, world):
    client.force_login(world.secretary_a)
    url = reverse("reports:ledger_export")
    early = client.post(url, {"area": world.village_a.code, "month": "1949-12", "format": "csv"})
    reversed_range = client.post(
        url,
        {"area": world.village_a.code, "start": "2025-03-01", "end": "2025-02-01", "format": "csv"},
    )
    nul = client.post(url, {"area": "\x00", "month": "2025-03", "format": "csv"})

    assert early.status_code == 200 and "年-月" in early.content.decode()
    assert reversed_range.status_code == 200
    assert "截止日期不能早于起始日期" in reversed_range.content.decode()
    assert nul.status_code in (200, 404)
    assert GeneratedReport.objects.count() == 0


def test_the_import_upload_refuses_a_file_that_is_not_a_workbook(client, world):
    client.force_login(world.secretary_a)
    client.raise_request_exception = False
    before = everything()

    response = client.post(
        reverse("reports:ledger_import"),
        {"file": SimpleUploadedFile("台账.xlsx", b"<script>alert(1)</script>")},
    )

    assert response.status_code == 200
    assert everything() == before
    assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "description"),
    [
        ("a.svg", b"<svg onload=alert(1)></svg>", ""),
        ("协议.pdf", b"%PDF-1.4\n%%EOF\n", "长" * 201),
        ("协议.pdf", b"%PDF-1.4\n%%EOF\n", NUL),
        ("协议.pdf", b"%PDF-1.4\n%%EOF\n", BELL),
    ],
)
def test_the_attachment_upload_refuses_bad_files_and_text(
    client, world, a_cases, name, content, description
):
    client.force_login(world.secretary_a)
    before = everything()

    response = client.post(
        reverse("cases:attachment_upload", args=[a_cases["registered"].pk]),
        {"kind": "other", "file": SimpleUploadedFile(name, content), "description": description},
    )

    assert response.status_code == 200
    assert everything() == before


@pytest.mark.parametrize("new_password", ["短", "\x00" * 12 + "Aa1!", "长" * 5000])
def test_the_password_change_refuses_bad_passwords_and_keeps_the_old_one(
    client, world, new_password
):
    client.force_login(world.secretary_a)
    client.raise_request_exception = False
    before = User.objects.get(pk=world.secretary_a.pk).password

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )

    assert response.status_code == 200
    assert User.objects.get(pk=world.secretary_a.pk).password == before


@pytest.mark.parametrize("username", ["secretary_a\x00", "长" * 300, SCRIPT, "secretary_a\x07"])
def test_the_login_form_refuses_bad_usernames_without_an_error_page(client, world, username):
    client.raise_request_exception = False

    response = client.post(
        reverse("login"), {"username": username, "password": "correct-horse-battery"}
    )

    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "<script>alert(1)</script>" not in response.content.decode()


# ---------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["长" * 300, "secretary_a\x00"])
def test_the_api_token_endpoint_refuses_bad_usernames_with_400(world, username):
    api = APIClient()
    api.raise_request_exception = False

    response = api.post(
        "/api/v1/auth/token/", {"username": username, "password": "x"}, format="json"
    )

    assert response.status_code == 400
    assert errors(response)


def api_case(world, **overrides) -> dict:
    data = {
        "area": world.village_a.code,
        "title": "宅基地边界纠纷",
        "summary": "双方因院墙边界发生争执。",
        "source": "grid_patrol",
        "dispute_type": "housing_homestead",
        "grade": "yellow",
        "received_on": timezone.localdate().isoformat(),
        "parties": [
            {"role": "applicant", "name": "张三", "id_number": make_id_number()},
            {"role": "respondent", "name": "李四"},
        ],
    }
    data.update(overrides)
    return data


API_CREATE_ROWS = [
    ("title", "长" * 101),
    ("title", NUL),
    ("title", BELL),
    ("received_on", TOMORROW),
    ("received_on", BEFORE_1950),
    ("people_involved", -5),
    ("amount_at_stake", "1e30"),
    ("amount_at_stake", "-1"),
    ("area", "999999999"),
    ("parties", [{"role": "applicant", "name": "张三", "id_number": BAD_CHECK_CHAR}]),
    (
        "parties",
        [
            {"role": "applicant", "name": "张三", "mobile": "1391234"},
            {"role": "respondent", "name": "李四"},
        ],
    ),
]


@pytest.mark.parametrize(("field", "value"), API_CREATE_ROWS)
def test_the_api_refuses_a_bad_case_with_400_and_stores_nothing(world, field, value):
    api = token_client(world.clerk_a)
    api.raise_request_exception = False
    before = everything()

    response = api.post("/api/v1/cases/", api_case(world, **{field: value}), format="json")

    assert response.status_code == 400, response.content[:300]
    assert errors(response)
    assert everything() == before


# action -> (which case, valid body, field to spoil)
API_ACTIONS = {
    "not-accept": ("registered", {"reason": "不属于"}, "reason"),
    "withdraw": ("registered", {"reason": "撤回"}, "reason"),
    "void": ("registered", {"reason": "重复"}, "reason"),
    "grade": ("registered", {"grade": "blue", "reason": "降低"}, "reason"),
    "escalate": ("mediating", {"reason": "未成"}, "reason"),
    "fail": ("mediating", {"failure_reason": "party_refused", "routes_explained": True}, "note"),
    "close": ("ready", {"note": "销号"}, "note"),
    "agreement": (
        "mediating",
        {
            "form": "oral",
            "reached_on": timezone.localdate().isoformat(),
            "facts": "事实",
            "terms": "条款",
        },
        "terms",
    ),
    "follow-ups": (
        "ready",
        {"kind": "home_visit", "done_at": timezone.now().isoformat(), "satisfaction": "satisfied"},
        "notes",
    ),
}


@pytest.mark.parametrize("action", list(API_ACTIONS))
@pytest.mark.parametrize("value", ["长" * 8001, NUL, BELL])
def test_the_api_actions_refuse_bad_text_with_400_and_change_nothing(world, a_cases, action, value):
    which, body, field = API_ACTIONS[action]
    api = token_client(world.secretary_a)
    api.raise_request_exception = False
    before = everything()

    response = api.post(
        f"/api/v1/cases/{a_cases[which].pk}/{action}/", {**body, field: value}, format="json"
    )

    assert response.status_code == 400, response.content[:300]
    assert errors(response)
    assert everything() == before


def test_the_api_update_refuses_bad_text_and_changes_nothing(world, a_cases):
    api = token_client(world.secretary_a)
    before = everything()

    response = api.patch(
        f"/api/v1/cases/{a_cases['registered'].pk}/", {"title": "长" * 101}, format="json"
    )

    assert response.status_code == 400
    assert everything() == before


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"title": "\xff\xfe"}', "application/json"),
        (json.dumps(api_case.__doc__ or "x").encode("utf-16"), "application/json"),
        (b"{not json", "application/json"),
    ],
)
def test_the_api_refuses_a_body_that_is_not_utf8_json_with_400(world, body, content_type):
    api = token_client(world.clerk_a)
    api.raise_request_exception = False
    before = everything()

    response = api.generic("POST", "/api/v1/cases/", body, content_type=content_type)

    assert response.status_code == 400
    assert errors(response)
    assert everything() == before


def test_the_api_message_follows_accept_language(world):
    api = token_client(world.clerk_a)
    response = api.post(
        "/api/v1/cases/",
        api_case(world, received_on=TOMORROW),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert not any("日期" in error["message"] for error in errors(response))


# ---------------------------------------------------------------------------
# Script tags that are valid text: stored, never output raw
# ---------------------------------------------------------------------------


def test_script_text_is_shown_escaped_on_every_page_and_in_every_export(client, world):
    case = register_case(world.secretary_a, title=f"标题{SCRIPT}", summary=f"案情{IMG}")
    client.force_login(world.clerk_a)
    pages = [
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:list"),
        f"/admin/cases/case/{case.pk}/change/",
        "/admin/cases/case/",
        reverse("audit:case_history", args=[case.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SCRIPT not in body and IMG not in body, url
        assert "&lt;script&gt;" in body, url
    api = token_client(world.clerk_a).get(f"/api/v1/cases/{case.pk}/")
    # JSON is data, not markup: the text comes back as typed, served as application/json.
    assert api.json()["title"] == f"标题{SCRIPT}"
    assert api["Content-Type"].startswith("application/json")
    export = client.post(
        reverse("reports:ledger_export"),
        {
            "area": world.town_a.code,
            "month": timezone.localdate().strftime("%Y-%m"),
            "format": "csv",
        },
    )
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert export["X-Content-Type-Options"] == "nosniff"
    assert Case.objects.filter(title=f"标题{SCRIPT}").exists()
