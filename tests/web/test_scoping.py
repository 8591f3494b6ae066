"""Nobody sees or touches a case outside their area (DOMAIN §1): every page that takes a
case id answers 404 across the boundary, on GET and on POST, and changes nothing."""

import pytest
from django.urls import reverse

from cases.models import Case, Party, PersonalDataAccess
from cases.urls import urlpatterns
from tests.builders import (
    VillageB,
    accept,
    cases_in_two_villages,
    now_minute,
    today,
    village_b_in_every_state,
)
from tests.factories import register_case
from tests.web.helpers import LOGIN_URL, datetime_input, ledger_numbers, snapshot


@pytest.fixture
def village_b(world) -> VillageB:
    return village_b_in_every_state(world)


def _post_data(url_name: str, world, case: Case) -> dict:
    """A submission the page would accept from someone allowed to act on the case."""
    reason = {"reason": "越界操作测试"}
    return {
        "detail": {},
        "edit": {
            "area": world.village_b.pk,
            "title": "被越界修改的标题",
            "summary": case.summary,
            "source": case.source_id,
            "dispute_type": case.dispute_type_id,
            "received_on": case.received_on.isoformat(),
            "parties-TOTAL_FORMS": "0",
            "parties-INITIAL_FORMS": "0",
            "parties-MIN_NUM_FORMS": "0",
            "parties-MAX_NUM_FORMS": "30",
        },
        "accept": {"owner": world.secretary_b.pk, "mediators": [world.mediator_b.pk]},
        "not_accept": reason,
        "withdraw": reason,
        "session_create": {
            "held_at": datetime_input(now_minute()),
            "place": "mediation_room",
            "method": "face_to_face",
            "mediators": [world.mediator_b.pk],
            "content": "越界记录",
            "result": "not_resolved",
        },
        "investigation_create": {
            "held_at": datetime_input(now_minute()),
            "place": "越界地点",
            "interviewee_name": "越界",
            "interviewee_relation": "证人",
            "investigators": [world.mediator_b.pk],
            "content": "越界调查",
        },
        "change_grade": {"grade": "blue", **reason},
        "escalate": reason,
        "decide_escalation": {"accept": "yes", "note": "接收"},
        "agreement_sign": {
            "mediator": world.mediator_b.pk,
            "mediator_signed_on": today().isoformat(),
        },
        "agreement_create": {
            "form": "oral",
            "reached_on": today().isoformat(),
            "facts": "事实",
            "terms": "条款",
        },
        "agreement_update": {"judicial_confirmation": "not_applied", "performance": "partly"},
        "agreement_print": {},
        "follow_up_create": {
            "kind": "home_visit",
            "done_at": datetime_input(now_minute()),
            "satisfaction": "not_satisfied",
            "flared_again": "on",
        },
        "fail": {"failure_reason": "sessions_failed", "routes_explained": "on"},
        "resolve_otherwise": {
            "means": "administrative",
            "action_taken": "越界登记",
            "resolved_on": today().isoformat(),
        },
        "refusal": {
            "party": case.parties.first().pk,
            "refused_on": case.received_on.isoformat(),
            "routes_explained": "on",
        },
        "follow_up_waive": {
            "follow_up": getattr(case.follow_ups.filter(done_at__isnull=True).first(), "pk", ""),
            "reason": "当事人已迁居外地",
        },
        "close": {"note": "越界销号"},
        "void": reason,
        "extend_term": {"days": "10", "parties_consented": "on", **reason},
        "extend_petition": {"days": "30", **reason},
    }[url_name]


# url name -> (which village-B case, who may use the page on it)
CASE_PAGES = {
    "detail": ("registered", "secretary_b"),
    "edit": ("registered", "secretary_b"),
    "accept": ("registered", "secretary_b"),
    "not_accept": ("registered", "secretary_b"),
    "withdraw": ("registered", "secretary_b"),
    "session_create": ("mediating", "secretary_b"),
    "investigation_create": ("mediating", "secretary_b"),
    "change_grade": ("registered", "secretary_b"),
    "escalate": ("mediating", "secretary_b"),
    "decide_escalation": ("escalated", "supervisor_district"),
    "agreement_create": ("mediating", "secretary_b"),
    "agreement_sign": ("signing", "secretary_b"),
    "agreement_update": ("ready_to_close", "secretary_b"),
    "agreement_print": ("ready_to_close", "secretary_b"),
    "follow_up_create": ("ready_to_close", "secretary_b"),
    "fail": ("mediating", "secretary_b"),
    "resolve_otherwise": ("mediating", "secretary_b"),
    "refusal": ("registered", "secretary_b"),
    "follow_up_waive": ("resolved", "secretary_b"),
    "close": ("ready_to_close", "secretary_b"),
    "void": ("registered", "secretary_b"),
    "extend_term": ("mediating", "secretary_b"),
    "extend_petition": ("petition_mediating", "secretary_b"),
}
# Adding an agent (with the power of attorney) and parties from a spreadsheet need an
# upload: their allowed journeys are in tests/cases/test_party_records.py; the boundary is
# checked below.
UPLOAD_PAGES = {"party_agent_add", "parties_import"}
# Pages that only show something: a POST by an allowed user changes nothing either.
READ_ONLY_PAGES = {"detail", "agreement_print"}


def test_every_case_page_of_the_url_conf_is_checked_for_scoping():
    # Attachments (upload, download, void) have their 404s in tests/cases/test_attachments.py,
    # which also keeps uploads in a temporary private folder.
    attachment_pages = {"attachment_upload", "attachment_download", "attachment_void"}
    # Party pages (the reveal, the person page) are keyed by a party: their 404s are
    # below and in tests/web/test_repeat_disputes_pages.py.
    # A 重点人员 flag's pages are scoped by the flag's village: tests/web/test_watch_pages.py.
    watch_pages = {"watch_detail", "watch_review", "watch_lift"}
    # The documents (a kind and a record beside the case) and the rights-notice date have
    # their 404s in tests/cases/test_documents_pages.py.
    document_pages = {
        "document_pdf",
        "document_pdf_record",
        "document_page",
        "document_page_record",
        "rights_notice_record",
        # The dossier: its 404 is in tests/cases/test_dossier.py.
        "dossier_pdf",
    }
    case_pages = {p.name for p in urlpatterns if "<int:pk>" in str(p.pattern)} - {
        *document_pages,
        "party_reveal",
        "person",
        *attachment_pages,
        *watch_pages,
    }
    assert case_pages == set(CASE_PAGES) | UPLOAD_PAGES


@pytest.mark.parametrize("url_name", list(CASE_PAGES))
def test_a_village_a_secretary_gets_404_for_a_village_b_case_and_changes_nothing(
    client, world, village_b, url_name
):
    state, allowed_user = CASE_PAGES[url_name]
    case = getattr(village_b, state)
    url = reverse(f"cases:{url_name}", args=[case.pk])
    data = _post_data(url_name, world, case)
    before = snapshot()

    client.force_login(world.secretary_a)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert snapshot() == before

    # The same page and the same submission do work for someone of village B: the 404
    # above is the boundary, not a broken page or a case in the wrong state.
    client.force_login(getattr(world, allowed_user))
    assert client.get(url).status_code == 200
    response = client.post(url, data)
    if url_name in READ_ONLY_PAGES:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("cases:detail", args=[case.pk])
        assert snapshot() != before


@pytest.mark.parametrize("url_name", sorted(UPLOAD_PAGES))
def test_a_village_a_secretary_gets_404_for_a_village_b_case_s_upload_pages(
    client, world, village_b, url_name
):
    case = village_b.registered
    url = reverse(f"cases:{url_name}", args=[case.pk])
    before = snapshot()
    client.force_login(world.secretary_a)

    assert client.get(url).status_code == 404
    assert client.post(url, {"party": case.parties.first().pk, "name": "越界"}).status_code == 404
    assert snapshot() == before
    client.force_login(world.secretary_b)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("field", ["id_number", "mobile"])
def test_revealing_a_village_b_party_is_404_for_village_a_and_logs_nothing(
    client, world, village_b, field
):
    party = village_b.registered.parties.get(role="applicant")
    url = reverse("cases:party_reveal", args=[party.pk, field])
    client.force_login(world.secretary_a)

    response = client.post(url)

    assert response.status_code == 404
    assert party.id_number not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_the_reveal_page_answers_get_with_405_and_logs_nothing(client, world):
    party = register_case(world.secretary_a).parties.get(role="applicant")
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:party_reveal", args=[party.pk, "id_number"]))

    assert response.status_code == 405
    assert not PersonalDataAccess.objects.exists()


# ---------------------------------------------------------------------------
# The ledger
# ---------------------------------------------------------------------------


@pytest.fixture
def two_villages(world, village_b):
    return cases_in_two_villages(world)


def test_the_ledger_of_a_village_a_secretary_lists_their_cases_and_none_of_village_b(
    client, world, two_villages
):
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:list"))

    own = two_villages["own"]
    assert ledger_numbers(response) == [own[1].number, own[0].number]
    for number in [*two_villages["b_numbers"], two_villages["a2"].number]:
        assert number not in response.content.decode()


def test_searching_the_ledger_for_a_village_b_party_finds_nothing(client, world, two_villages):
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:list"), {"q": "赵大宝"})

    assert ledger_numbers(response) == []
    assert "没有符合条件的案件" in response.content.decode()
    assert "赵大宝" not in response.content.decode().replace('value="赵大宝"', "")


def test_filtering_the_ledger_by_village_b_is_refused_and_shows_nothing_of_village_b(
    client, world, two_villages
):
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:list"), {"area": world.village_b.pk})

    assert response.status_code == 200
    assert "area" in response.context["filter"].errors
    shown = ledger_numbers(response)
    assert not set(shown) & set(two_villages["b_numbers"])
    assert set(shown) <= {c.number for c in two_villages["own"]}
    # The area choices offered do not name village B either.
    assert world.village_b.name not in response.content.decode()


# ---------------------------------------------------------------------------
# Who sees what, role by role
# ---------------------------------------------------------------------------


@pytest.fixture
def spread(world):
    """One case in each village and in grid A, registered by their own secretaries."""
    return {
        "village_a": register_case(world.secretary_a, world.village_a),
        "grid_a": register_case(world.secretary_a, world.grid_a),
        "village_a2": register_case(world.secretary_a2, world.village_a2),
        "village_b": register_case(world.secretary_b, world.village_b),
        "grid_b": register_case(world.secretary_b, world.grid_b),
    }


def _assert_sees_exactly(client, user, spread, visible: set[str]) -> None:
    client.force_login(user)
    response = client.get(reverse("cases:list"))
    expected = sorted((spread[key] for key in visible), key=lambda c: -c.pk)
    assert ledger_numbers(response) == [c.number for c in expected]
    for key, case in spread.items():
        status = client.get(reverse("cases:detail", args=[case.pk])).status_code
        assert status == (200 if key in visible else 404), key


def test_a_secretary_of_another_village_of_the_same_town_gets_404(client, world, spread):
    _assert_sees_exactly(client, world.secretary_a2, spread, {"village_a2"})


def test_a_village_secretary_sees_their_village_and_its_grids(client, world, spread):
    _assert_sees_exactly(client, world.secretary_a, spread, {"village_a", "grid_a"})


@pytest.mark.parametrize("user", ["clerk_a", "supervisor_a"])
def test_town_a_staff_see_every_village_of_town_a_and_nothing_of_town_b(
    client, world, spread, user
):
    _assert_sees_exactly(
        client, getattr(world, user), spread, {"village_a", "grid_a", "village_a2"}
    )


def test_the_district_supervisor_sees_every_case(client, world, spread):
    _assert_sees_exactly(client, world.supervisor_district, spread, set(spread))


def test_a_grid_member_sees_only_their_grid_not_the_rest_of_the_village(client, world, spread):
    _assert_sees_exactly(client, world.grid_member_a, spread, {"grid_a"})


def test_a_mediator_sees_only_the_cases_assigned_to_them(client, world, spread):
    accept(spread["grid_a"], world.secretary_a, [world.mediator_a])
    # Assigned to somebody else in the same village: not theirs.
    other = accept(spread["village_a"], world.secretary_a, [])
    assert other.mediators.count() == 0

    _assert_sees_exactly(client, world.mediator_user_a, spread, {"grid_a"})


def test_a_mediator_cannot_reveal_a_party_of_a_case_not_assigned_to_them(client, world, spread):
    party = spread["village_a"].parties.get(role="applicant")
    client.force_login(world.mediator_user_a)

    response = client.post(reverse("cases:party_reveal", args=[party.pk, "id_number"]))

    assert response.status_code == 404
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/cases/"),
        ("get", "/cases/new/"),
        ("get", "/cases/{pk}/"),
        ("get", "/cases/{pk}/edit/"),
        ("post", "/cases/{pk}/void/"),
        ("post", "/cases/parties/{party}/reveal/id_number/"),
    ],
)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, world, method, path):
    case = register_case(world.secretary_a)
    party = Party.objects.filter(case=case).first()
    path = path.format(pk=case.pk, party=party.pk)
    before = snapshot()

    response = getattr(client, method)(path, {"reason": "匿名"} if method == "post" else {})

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={path}"
    assert snapshot() == before
