"""The access-control matrix (issue 6): every URL of the URLconf that takes an id or a
code, asked by users of village A (and a supervisor of town A) for village B's object,
answers 404; and no list or exported file of A's holds a row of B's.

The URLs are not listed by hand: they are read from the resolver, and each pattern is
mapped to the village-B object it needs (``OBJECT_FOR_ROUTE`` and ``OBJECT_FOR_ADMIN_MODEL``).
A pattern added to the URLconf without a row here fails ``test_every_id_taking_url_is_in_the_matrix``.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass

import openpyxl
import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import LoginFailure, LoginLockout
from cases import attachments, services
from cases.models import Case, CaseNumberCounter, GradeChange, PersonalDataAccess, WatchCategory
from notifications.models import Channel, Delivery, Notification, NotificationKind
from reports.models import GeneratedReport, MonthlyReview, ReportFormat, ReportStatus
from tests.api.conftest import token_client
from tests.builders import mediating, ready_to_close
from tests.factories import OrganisationFactory, make_id_number, party_rows, register_case

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

# Names of URL parameters that designate one object.
ID_PARAMETERS = {"pk", "object_id", "id", "code", "content_type_id"}

# Id-taking routes whose objects are shared by every village (lookup tables, policy
# tables): there is no "village B's" row to ask for. Each entry says why.
NOT_OWNED_BY_A_VILLAGE = {
    "api/v1/dispute-types/<code>": "dispute types are one national list",
    "api/v1/sources/<code>": "case sources are one national list",
    "admin/cases/disputetype/": "dispute types are one national list",
    "admin/cases/casesource/": "case sources are one national list",
    "admin/cases/gradepolicy/": "grade policy is one table for the district",
    "admin/cases/followuprule/": "follow-up rules are one table for the district",
    "admin/cases/lookbackrule/": "look-back rules are one table for the district",
    "admin/cases/responsibilityrule/": "responsibility rules are one table for the district",
    "admin/cases/workflowpolicy/": "workflow policy is one table for the district",
    "admin/cases/clockpolicy/": "the time limit rules are one table for the district",
}

# route name -> the village-B object it is asked for (a key of the ``VillageB`` objects).
OBJECT_FOR_ROUTE = {
    "cases:detail": "case",
    "cases:edit": "case",
    "cases:accept": "case",
    "cases:not_accept": "case",
    "cases:withdraw": "case",
    "cases:session_create": "case",
    "cases:investigation_create": "case",
    "cases:change_grade": "case",
    "cases:escalate": "case",
    "cases:decide_escalation": "escalated_case",
    "cases:agreement_create": "case",
    "cases:agreement_sign": "case",
    "cases:agreement_update": "case",
    "cases:agreement_print": "case",
    "cases:document_pdf": "case",
    "cases:document_pdf_record": "case",
    "cases:document_page": "case",
    "cases:document_page_record": "case",
    "cases:dossier_pdf": "case",
    "cases:rights_notice_record": "case",
    "cases:follow_up_create": "case",
    "cases:fail": "case",
    "cases:resolve_otherwise": "case",
    "cases:refusal": "case",
    "cases:follow_up_waive": "case",
    "cases:close": "case",
    "cases:void": "case",
    "cases:extend_term": "case",
    "cases:extend_petition": "case",
    "cases:party_reveal": "party",
    "cases:person": "party",
    "cases:party_agent_add": "case",
    "cases:parties_import": "case",
    "cases:watch_detail": "watched_person",
    "cases:watch_review": "watched_person",
    "cases:watch_lift": "watched_person",
    "cases:attachment_upload": "case",
    "cases:attachment_download": "attachment",
    "cases:attachment_void": "attachment",
    "reports:review_detail": "review",
    "reports:export_detail": "report",
    "reports:export_progress": "report",
    "reports:export_download": "report",
    "notifications:mark_read": "notification",
    "audit:case_history": "case",
    "admin:view_on_site": "case",
    "admin:auth_user_password_change": "user",
    "area-detail": "area",
    "organisation-detail": "organisation",
    "mediator-detail": "mediator",
    "case-detail": "case",
    "case-accept": "case",
    "case-agreement": "case",
    "case-agreement-sign": "case",
    "case-agreement-update": "case",
    "case-close": "case",
    "case-decide-escalation": "escalated_case",
    "case-escalate": "case",
    "case-fail": "case",
    "case-resolve-otherwise": "case",
    "case-refusal": "case",
    "case-follow-up-waive": "case",
    "case-follow-ups": "case",
    "case-grade": "case",
    "case-not-accept": "case",
    "case-sessions": "case",
    "case-investigations": "case",
    "case-void": "case",
    "case-withdraw": "case",
    "case-extend-term": "case",
    "case-extend-petition": "case",
    "case-agents": "case",
    "case-parties-import": "case",
}

# admin model (app_label.model_name) -> the village-B object its change pages are asked for.
OBJECT_FOR_ADMIN_MODEL = {
    "accounts.user": "user",
    "accounts.loginlockout": "login_lockout",
    "accounts.loginfailure": "login_failure",
    "grids.area": "area",
    "mediators.organisation": "organisation",
    "mediators.mediator": "mediator",
    "cases.case": "case",
    "cases.party": "party",
    "cases.watchedperson": "watched_person",
    "cases.mediationsession": "session",
    "cases.investigation": "investigation",
    "cases.followup": "follow_up",
    "cases.agreement": "agreement",
    "cases.caseevent": "event",
    "cases.gradechange": "grade_change",
    "cases.escalation": "escalation",
    "cases.personaldataaccess": "personal_data_access",
    "cases.casenumbercounter": "number_counter",
    "cases.attachment": "attachment",
    "cases.refusal": "refusal",
    "reports.monthlyreview": "review",
    "reports.generatedreport": "report",
    "notifications.notification": "notification",
    "notifications.delivery": "delivery",
    "auditlog.logentry": "audit_entry",
}

# What an id that exists nowhere looks like, per object kind (codes are not numbers).
MISSING_ID = "987654321"
MISSING_CODE = "330681999999"

USERS_OF_A = ["secretary_a", "grid_member_a", "supervisor_a", "clerk_a"]


# ---------------------------------------------------------------------------
# The URLconf, walked
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    pattern: str  # the full pattern, as the resolver holds it
    name: str | None
    parameters: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith("admin/")

    @property
    def admin_model(self) -> str | None:
        match = re.match(r"admin/(\w+)/(\w+)/", self.pattern)
        return f"{match[1]}.{match[2]}" if match and "<path:object_id>" in self.pattern else None

    @property
    def readable(self) -> str:
        """The pattern with regex noise taken out: ``api/v1/cases/<pk>/accept/``."""
        text = re.sub(
            r"\(\?P<(\w+)>[^)]*\)|<\w+:(\w+)>", lambda m: f"<{m[1] or m[2]}>", self.pattern
        )
        return text.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")


_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if namespace and entry.namespace:
                inner = f"{namespace}:{entry.namespace}"
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield prefix + str(entry.pattern), name


def id_taking_routes() -> list[Route]:
    routes = []
    for pattern, name in _walk(get_resolver().url_patterns):
        parameters = tuple(a or b for a, b in _PARAMETER.findall(pattern))
        if ID_PARAMETERS & set(parameters):
            routes.append(Route(pattern, name, parameters))
    return routes


def _exempt(route: Route) -> bool:
    return any(route.readable.startswith(prefix) for prefix in NOT_OWNED_BY_A_VILLAGE)


def object_key(route: Route) -> str | None:
    if route.admin_model:
        return OBJECT_FOR_ADMIN_MODEL.get(route.admin_model)
    return OBJECT_FOR_ROUTE.get(route.name)


def concrete_url(route: Route, values: dict) -> str:
    url = _PARAMETER.sub(lambda m: str(values[m[1] or m[2]]), route.pattern)
    return "/" + url.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "")


# ---------------------------------------------------------------------------
# Village B, one object of each kind
# ---------------------------------------------------------------------------


@dataclass
class VillageB:
    objects: dict
    markers: list[str]  # strings that identify B's rows: none may appear in A's lists


@pytest.fixture
def private_dir(settings, tmp_path):
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"
    return settings.FENGQIAO_PRIVATE_DIR


@pytest.fixture
def village_b(world, private_dir) -> VillageB:
    by, mediators = world.secretary_b, [world.mediator_b]
    case = ready_to_close(
        register_case(by, parties=party_rows("赵大宝", "钱小贝"), title="越界标记山林纠纷"),
        by,
        mediators,
    )
    escalated = mediating(register_case(by, title="越界标记上报"), by, mediators)
    escalation = services.escalation_propose(case=escalated, by=by, reason="村级调解未成")
    # Cooled, not raised: a red case would be the town's, and its hand-up no longer pending.
    services.case_change_grade(case=escalated, by=by, grade="blue", reason="越界标记降级")
    investigation = services.investigation_record(
        case=escalated,
        by=by,
        held_at=timezone.now(),
        place="越界标记调查地点",
        interviewee_name="越界标记证人",
        interviewee_relation="证人",
        content="越界标记调查内容",
        investigators=mediators,
    )
    refused = register_case(by, title="越界标记拒绝调解")
    refusal = services.case_record_refusal(
        case=refused,
        by=by,
        party=refused.parties.first(),
        refused_on=refused.received_on,
        note="越界标记拒绝",
        routes_explained=True,
    )
    party = case.parties.order_by("pk").first()
    services.personal_data_reveal(party=party, by=by, action="reveal_id_number")
    attachment = attachments.attachment_add(
        case=case, by=by, upload=SimpleUploadedFile("越界标记协议.pdf", PDF_BYTES), kind="other"
    )
    review = MonthlyReview.objects.create(
        village=world.village_b, month=timezone.localdate().replace(day=1)
    )
    report_file = private_dir / "exports" / "b.csv"
    report_file.parent.mkdir(parents=True, exist_ok=True)
    report_file.write_text("越界标记")
    report = GeneratedReport.objects.create(
        requested_by=world.secretary_b,
        area=world.village_b,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 1, 31),
        format=ReportFormat.CSV,
        status=ReportStatus.DONE,
        file_name="越界标记台账.csv",
        file_path="exports/b.csv",
        size=report_file.stat().st_size,
    )
    notification = Notification.objects.create(
        recipient=world.secretary_b,
        kind=NotificationKind.CASE_OVERDUE,
        case=case,
        title="越界标记通知",
        dedupe_key="matrix:b",
    )
    delivery = Delivery.objects.create(
        notification=notification, channel=Channel.SMS, address="13900000000"
    )
    attempt = {"username": "secretary_b", "ip_address": "10.9.9.9", "user_agent": "matrix"}
    attempt_fields = {**attempt, "http_accept": "*/*", "path_info": "/accounts/login/"}
    lockout = AccessAttempt.objects.create(**attempt_fields, failures_since_start=5)
    failure = AccessFailureLog.objects.create(**attempt_fields, locked_out=True)
    organisation = OrganisationFactory(name="越界标记调委会", area=world.village_b)
    audit_entry = LogEntry.objects.get_for_object(case).order_by("pk").first()
    assert audit_entry is not None, "the audit app records case changes"
    objects = {
        "case": case,
        "escalated_case": escalated,
        "party": party,
        "session": case.sessions.first(),
        "investigation": investigation,
        "agreement": case.agreement,
        "follow_up": case.follow_ups.exclude(done_at=None).first(),
        "event": case.events.order_by("pk").first(),
        "grade_change": GradeChange.objects.get(case=escalated),
        "escalation": escalation,
        "personal_data_access": case_access(case),
        "number_counter": CaseNumberCounter.objects.get(numbering_area=world.town_b),
        "attachment": attachment,
        "refusal": refusal,
        "review": review,
        "report": report,
        "notification": notification,
        "delivery": delivery,
        "login_lockout": LoginLockout.objects.get(pk=lockout.pk),
        "login_failure": LoginFailure.objects.get(pk=failure.pk),
        "audit_entry": audit_entry,
        "user": world.secretary_b,
        "area": world.village_b,
        "organisation": organisation,
        "mediator": world.mediator_b,
        "watched_person": services.watched_person_flag(
            by=by,
            name="越界标记重点人员",
            id_number=make_id_number(sequence=913),
            area=world.village_b,
            category=WatchCategory.OTHER,
            review_on=timezone.localdate() + datetime.timedelta(days=30),
        ),
    }
    for key, value in objects.items():
        assert value is not None, f"village B has no {key}"
    markers = [
        case.number,
        escalated.number,
        refused.number,
        "赵大宝",
        "钱小贝",
        "越界标记",
        "宋哥",
        f"/cases/{case.pk}/",
        f"/cases/{escalated.pk}/",
        f"/cases/{refused.pk}/",
    ]
    return VillageB(objects=objects, markers=markers)


def case_access(case: Case):
    return PersonalDataAccess.objects.filter(party__case=case).first()


def identifier(route: Route, obj) -> str:
    """What the URL carries for an object: its code where the route names one."""
    if "code" in route.parameters:
        return obj.code
    return str(obj.pk)


def url_values(route: Route, obj, *, missing: bool) -> dict:
    # A document's kind and record (cases:document_*): the case in the URL decides.
    values = {"format": "json", "field": "id_number", "kind": "agreement", "record": "1"}
    if "content_type_id" in route.parameters:
        values["content_type_id"] = ContentType.objects.get_for_model(Case).pk
        values["object_id"] = MISSING_ID if missing else obj.pk
        return values
    for name in ID_PARAMETERS & set(route.parameters):
        if missing:
            values[name] = MISSING_CODE if name == "code" else MISSING_ID
        else:
            values[name] = identifier(route, obj)
    return values


# ---------------------------------------------------------------------------
# Asking
# ---------------------------------------------------------------------------


def client_for(user, route: Route, client):
    http = token_client(user) if route.is_api else client
    if not route.is_api:
        client.force_login(user)
    # A crash is one more wrong answer to list, not the end of the walk.
    http.raise_request_exception = False
    return http


def methods_for(route: Route) -> list[str]:
    if route.is_api:
        return ["get", "post", "patch"]
    return ["get", "post"]


def ask(http, method: str, url: str):
    if method == "get":
        return http.get(url)
    if method == "patch":
        return http.patch(url, {}, format="json")
    return http.post(url, {})


def is_not_found_page(route: Route, response) -> bool:
    if response.status_code != 404:
        return False
    if route.is_api:
        body = response.json()
        return body.get("errors", [{}])[0].get("code") == "not_found"
    return "404.html" in [t.name for t in response.templates]


def answer(response, url: str) -> tuple:
    """What the user learns from a response that is not a 404: its status and where it
    sends them (the URL asked for taken out)."""
    return response.status_code, response.get("Location", "").replace(url, "<url>")


# (role, section) pairs with no access at all: they get the same refusal for any id.
# Section: the first part of the path (admin, audit, reports/exports).
NO_ACCESS = {
    ("secretary_a", "admin"): 302,
    ("grid_member_a", "admin"): 302,
    ("secretary_a", "audit"): 403,
    ("grid_member_a", "audit"): 403,
    ("grid_member_a", "reports/exports"): 403,
}


def section_of(url: str) -> str:
    if url.startswith("/reports/exports/"):
        return "reports/exports"
    return url.strip("/").split("/")[0]


@pytest.mark.parametrize("username", USERS_OF_A)
def test_every_id_taking_url_answers_404_for_village_bs_object(client, world, village_b, username):
    user = getattr(world, username)
    failures = []
    asked = 0
    for route in id_taking_routes():
        key = object_key(route)
        if key is None:
            continue  # exempt, or missing from the matrix: the guard test names it
        url = concrete_url(route, url_values(route, village_b.objects[key], missing=False))
        missing_url = concrete_url(route, url_values(route, None, missing=True))
        http = client_for(user, route, client)
        for method in methods_for(route):
            asked += 1
            response = ask(http, method, url)
            if route.pattern.startswith("admin/") and response.status_code == 302:
                # The admin's bare "<id>/" and "r/<type>/<id>/" only redirect; what they
                # redirect to must not open.
                final = ask(http, "get", response["Location"])
                if final.status_code == 404 and not NO_ACCESS.get((username, "admin")):
                    continue
            if is_not_found_page(route, response):
                continue
            # 405: the view takes only POST (or GET), whatever the id.
            expected = {405, NO_ACCESS.get((username, section_of(url)))}
            if response.status_code not in expected:
                failures.append(
                    f"{method.upper()} {url} ({route.readable}) -> {response.status_code}"
                )
                continue
            # A refusal for the whole section: the same as for an id that exists nowhere.
            missing = ask(http, method, missing_url)
            if answer(missing, missing_url) != answer(response, url):
                failures.append(
                    f"{method.upper()} {url}: {answer(response, url)} but "
                    f"{answer(missing, missing_url)} for "
                    "an id that does not exist"
                )
    assert asked > 300
    assert not failures, "\n".join(failures)


def test_every_id_taking_url_is_in_the_matrix():
    uncovered = [
        route.readable
        for route in id_taking_routes()
        if object_key(route) is None and not _exempt(route)
    ]
    assert not uncovered, "id-taking URLs without a row in the access matrix:\n" + "\n".join(
        uncovered
    )
    # And the matrix has no stale rows: each name it maps still exists.
    names = {route.name for route in id_taking_routes()}
    assert set(OBJECT_FOR_ROUTE) <= names, set(OBJECT_FOR_ROUTE) - names
    models = {route.admin_model for route in id_taking_routes()}
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    assert set(OBJECT_FOR_ADMIN_MODEL) & registered <= models


def test_the_matrix_walk_finds_the_admin_and_api_detail_routes():
    readable = {route.readable for route in id_taking_routes()}
    assert "admin/cases/case/<object_id>/change/" in readable
    assert "admin/cases/case/<object_id>/history/" in readable
    assert "api/v1/cases/<pk>/escalation/decide/" in readable
    assert "cases/parties/<pk>/reveal/<field>/" in readable


# ---------------------------------------------------------------------------
# Lists and exports of A hold nothing of B's
# ---------------------------------------------------------------------------


@pytest.fixture
def village_a_cases(world):
    return [
        register_case(world.secretary_a, title="枫源村宅基地纠纷"),
        register_case(world.secretary_a, world.grid_a, title="网格内邻里纠纷"),
    ]


def _pages(client, url: str, *, per_page: int = 25, limit: int = 20) -> list[str]:
    """Every page of a paginated HTML list."""
    bodies = []
    for page in range(1, limit + 1):
        response = client.get(url, {"page": page})
        assert response.status_code == 200, url
        bodies.append(response.content.decode())
        if f"page={page + 1}" not in bodies[-1]:
            break
    return bodies


def _api_pages(user) -> list[str]:
    api = token_client(user)
    bodies, url = [], "/api/v1/cases/"
    while url:
        response = api.get(url)
        assert response.status_code == 200
        bodies.append(response.content.decode())
        url = response.json().get("next")
    return bodies


def _export(client, area, fmt: str) -> str:
    response = client.post(
        reverse("reports:ledger_export"),
        {
            "area": area.code,
            "start": (timezone.localdate() - datetime.timedelta(days=365)).isoformat(),
            "end": timezone.localdate().isoformat(),
            "format": fmt,
        },
    )
    assert response.status_code == 200, response.content[:500]
    assert response["Cache-Control"] == "no-store"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        return "\n".join(
            ",".join(row) for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))
        )
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def _leaks(text: str, markers: list[str]) -> list[str]:
    return [marker for marker in markers if marker in text]


@pytest.mark.parametrize("username", ["secretary_a", "grid_member_a", "supervisor_a"])
def test_no_list_or_export_of_a_holds_a_row_of_b(
    client, world, village_b, village_a_cases, username
):
    user = getattr(world, username)
    client.force_login(user)
    own_numbers = [case.number for case in village_a_cases]
    texts: dict[str, str] = {}
    texts["ledger"] = "".join(_pages(client, reverse("cases:list")))
    texts["api"] = "".join(_api_pages(user))
    texts["inbox"] = client.get(reverse("notifications:inbox")).content.decode()
    for name in (
        "reports:dashboard",
        "reports:repeat_rates",
        "reports:review_list",
        "reports:export_list",
        "cases:escalation_inbox",
    ):
        response = client.get(reverse(name))
        assert response.status_code in (200, 403), name
        texts[name] = response.content.decode()
    if user.role in ("village_secretary", "supervisor"):
        for fmt in ("csv", "xlsx"):
            texts[f"export.{fmt}"] = _export(client, user.area, fmt)
            assert any(number in texts[f"export.{fmt}"] for number in own_numbers), fmt
        # B's area is not A's to export: the same 404 as any place that does not exist.
        asked_for_b = client.get(
            reverse("reports:ledger_export"),
            {"area": world.village_b.code, "month": "2025-01", "download": "1"},
        )
        assert asked_for_b.status_code == 404
    if user.is_staff:
        for model in admin.site._registry:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            response = client.get(url)
            assert response.status_code == 200, url
            texts[url] = response.content.decode()
    # The lists do work: A's own cases are in them.
    assert any(number in texts["ledger"] for number in own_numbers)
    assert any(number in texts["api"] for number in own_numbers)
    leaks = {
        where: found for where, text in texts.items() if (found := _leaks(text, village_b.markers))
    }
    assert not leaks, leaks
