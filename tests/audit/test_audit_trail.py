"""The audit trail: every change to cases and what hangs off them, users and areas is kept
with who, when and old → new; personal numbers never in clear; readable by clerks and
supervisors of the area only; changed or deleted by nobody."""

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, Party, PersonalDataAccess
from cases.policy import Action
from common.validators import mask_id_number
from tests.api.conftest import token_client
from tests.factories import UserFactory, case_edit_form_data, make_id_number, register_case
from tests.web.helpers import html
from tests.web.test_case_pages import registration

ADMIN_LIST = "admin:auditlog_logentry_changelist"
OLD_ID, NEW_ID = make_id_number(sequence=123), make_id_number(sequence=457)
OLD_MOBILE, NEW_MOBILE = "13912345678", "13700001111"
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def entries_for(instance) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(instance).order_by("timestamp", "id"))


def stored_text() -> str:
    """Everything the log table holds, as one string to search."""
    rows = LogEntry.objects.values(
        "object_repr", "changes", "changes_text", "serialized_data", "additional_data"
    )
    return json.dumps(list(rows), ensure_ascii=False)


# ---------------------------------------------------------------------------
# Who, when, what
# ---------------------------------------------------------------------------


def test_a_case_registered_and_edited_on_the_pages_is_logged_with_actor_time_and_values(
    client, world
):
    client.force_login(world.secretary_a)
    before = timezone.now()

    client.post(reverse("cases:create"), registration(world), REMOTE_ADDR="10.0.0.7")
    case = Case.objects.get()
    response = client.post(
        reverse("cases:edit", args=[case.pk]), case_edit_form_data(case, title="改正后的标题")
    )

    assert response.status_code == 302
    created, updated = entries_for(case)
    assert (created.action, updated.action) == (LogEntry.Action.CREATE, LogEntry.Action.UPDATE)
    assert created.actor == updated.actor == world.secretary_a
    assert created.remote_addr == "10.0.0.7"
    assert before <= created.timestamp <= updated.timestamp <= timezone.now()
    assert created.changes["title"] == ["None", "王某与陈某宅基地纠纷"]
    assert updated.changes == {"title": ["王某与陈某宅基地纠纷", "改正后的标题"]}
    assert updated.additional_data == {"area_path": world.village_a.path, "case_id": case.pk}
    parties = Party.objects.filter(case=case)
    party_entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Party), object_id__in=parties.values("pk")
    )
    assert party_entries.count() == 3
    assert set(party_entries.values_list("actor", flat=True)) == {world.secretary_a.pk}


def test_a_case_registered_and_edited_through_the_api_names_the_token_client(world):
    court = UserFactory(username="court_fengqiao", role="clerk", area=world.town_a)
    api = token_client(court)
    push = {
        "area": world.village_a.code,
        "title": "法院委派:买卖合同纠纷",
        "summary": "诉前委派调解。",
        "source": "court",
        "dispute_type": "contract",
        "grade": "yellow",
        "received_on": timezone.localdate().isoformat(),
        "parties": [
            {"role": "applicant", "name": "王某", "id_number": OLD_ID},
            {"role": "respondent", "name": "李某"},
        ],
    }

    created = api.post("/api/v1/cases/", push, format="json", REMOTE_ADDR="10.9.8.7")
    case_id = created.json()["id"]
    edited = api.patch(f"/api/v1/cases/{case_id}/", {"title": "改过的名称"}, format="json")

    assert (created.status_code, edited.status_code) == (201, 200)
    entries = entries_for(Case.objects.get(pk=case_id))
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert [e.actor for e in entries] == [court, court]
    assert entries[0].remote_addr == "10.9.8.7"
    assert entries[1].changes == {"title": ["法院委派:买卖合同纠纷", "改过的名称"]}


def test_a_change_with_nobody_logged_in_is_the_systems_and_reads_so(client, world):
    case = register_case(world.secretary_a)  # as a task or a command would: no request

    assert entries_for(case)[0].actor is None
    client.force_login(world.clerk_a)
    page = html(client.get(reverse("audit:case_history", args=[case.pk])))
    assert "系统" in page


# ---------------------------------------------------------------------------
# Personal data and secrets
# ---------------------------------------------------------------------------


def test_changing_a_partys_id_number_and_mobile_logs_the_change_but_never_the_numbers(world):
    parties = [
        {"role": "applicant", "name": "张三", "id_number": OLD_ID, "mobile": OLD_MOBILE},
        {"role": "respondent", "name": "李四"},
    ]
    case = register_case(world.secretary_a, parties=parties)
    applicant = case.parties.get(role="applicant")

    services.case_update(
        case=case,
        by=world.secretary_a,
        data={},
        parties=[{"id": applicant.pk, "id_number": NEW_ID, "mobile": NEW_MOBILE}],
    )

    change = entries_for(applicant)[-1].changes
    assert change["id_number"] == [mask_id_number(OLD_ID), mask_id_number(NEW_ID)]
    assert change["mobile"] == ["139****5678", "137****1111"]
    text = stored_text()
    for secret in (OLD_ID, NEW_ID, OLD_MOBILE, NEW_MOBILE):
        assert secret not in text


def test_adding_a_party_s_agent_is_logged_on_the_case_s_history_but_never_the_numbers(
    client, world, settings, tmp_path
):
    settings.FENGQIAO_PRIVATE_DIR = tmp_path / "private"
    case = register_case(world.secretary_a)
    party = case.parties.get(role="applicant")

    agent = services.party_agent_add(
        by=world.secretary_a,
        party=party,
        data={
            "name": "王小山",
            "kind": "relative",
            "relation": "父子",
            "id_number": NEW_ID,
            "mobile": NEW_MOBILE,
        },
        power_of_attorney=SimpleUploadedFile("授权委托书.pdf", PDF_BYTES),
    )

    (created,) = entries_for(agent)
    assert created.action == LogEntry.Action.CREATE
    assert created.changes["id_number"] == ["None", mask_id_number(NEW_ID)]
    assert created.changes["mobile"] == ["None", "137****1111"]
    assert "id_number_index" not in created.changes
    assert created.additional_data == {"area_path": case.area.path, "case_id": case.pk}
    assert NEW_ID not in stored_text() and NEW_MOBILE not in stored_text()
    client.force_login(world.clerk_a)
    history = client.get(reverse("audit:case_history", args=[case.pk]))
    assert agent.name in [row["entry"].object_repr for row in history.context["entries"]]


def test_a_password_change_is_logged_without_the_hash_and_a_log_in_is_not_a_change(client, world):
    user = world.secretary_a
    user.set_password("a-new-long-passphrase")
    user.save()

    change = entries_for(user)[-1]
    assert change.changes == {"password": ["********", "********"]}
    assert user.password not in stored_text()
    count = LogEntry.objects.count()
    client.force_login(user)  # sets last_login
    assert LogEntry.objects.count() == count


def test_renaming_an_area_is_logged_with_old_and_new_name(world):
    world.village_a.name = "枫源社区"
    world.village_a.save()

    entry = entries_for(world.village_a)[-1]
    assert entry.changes == {"name": ["枫源村", "枫源社区"]}
    assert entry.additional_data == {"area_path": world.village_a.path}


# ---------------------------------------------------------------------------
# Who reads it
# ---------------------------------------------------------------------------


@pytest.fixture
def two_towns(world):
    case_a = register_case(world.secretary_a, title="甲镇的纠纷")
    case_b = register_case(world.secretary_b, title="乙镇的纠纷")
    return case_a, case_b


def test_a_clerk_sees_the_entries_of_their_town_only(client, world, two_towns):
    case_a, case_b = two_towns
    world.village_b.name = "赵家社区"
    world.village_b.save()
    client.force_login(world.clerk_a)

    listing = client.get(reverse(ADMIN_LIST))
    shown = {entry.object_repr for entry in listing.context["cl"].result_list}

    assert listing.status_code == 200
    assert str(case_a) in shown
    assert str(case_b) not in shown and "赵家社区" not in shown
    party_type = ContentType.objects.get_for_model(Party).pk
    parties_only = client.get(reverse(ADMIN_LIST), {"model": party_type, "action": 0})
    assert {e.object_repr for e in parties_only.context["cl"].result_list} == {"张三", "李四"}
    b_entry = entries_for(case_b)[0]
    change = reverse("admin:auditlog_logentry_change", args=[b_entry.pk])
    assert client.get(change).status_code == 404
    a_entry = entries_for(case_a)[0]
    a_page = client.get(reverse("admin:auditlog_logentry_change", args=[a_entry.pk]))
    assert a_page.status_code == 200
    assert "甲镇的纠纷" in html(a_page)
    assert client.get(reverse("audit:case_history", args=[case_b.pk])).status_code == 404


def test_the_case_page_links_the_history_which_lists_the_case_and_its_parties(
    client, world, two_towns
):
    case_a, _ = two_towns
    party = case_a.parties.get(role="applicant")
    services.personal_data_reveal(party=party, by=world.secretary_a, action=Action.REVEAL_ID_NUMBER)
    client.force_login(world.supervisor_a)

    detail = html(client.get(reverse("cases:detail", args=[case_a.pk])))
    history = client.get(reverse("audit:case_history", args=[case_a.pk]))

    assert reverse("audit:case_history", args=[case_a.pk]) in detail
    assert history.status_code == 200
    objects = [row["entry"].object_repr for row in history.context["entries"]]
    assert sorted(objects) == sorted([str(case_a), "张三", "李四"])
    assert [a.party for a in history.context["accesses"]] == [party]
    assert "身份证号码" in html(history)


@pytest.mark.parametrize("who", ["secretary_a", "grid_member_a", "mediator_user_a"])
def test_village_staff_and_mediators_get_no_audit_view(client, world, two_towns, who):
    case_a, _ = two_towns
    client.force_login(getattr(world, who))

    assert client.get(reverse("audit:case_history", args=[case_a.pk])).status_code == 403
    assert client.get(reverse(ADMIN_LIST)).status_code != 200
    detail = client.get(reverse("cases:detail", args=[case_a.pk]))
    if detail.status_code == 200:
        assert reverse("audit:case_history", args=[case_a.pk]) not in html(detail)


# ---------------------------------------------------------------------------
# Nobody alters it
# ---------------------------------------------------------------------------


def test_not_even_a_superuser_can_add_change_or_delete_an_entry_in_the_admin(
    client, world, two_towns
):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    entry = entries_for(two_towns[0])[0]
    change_url = reverse("admin:auditlog_logentry_change", args=[entry.pk])

    page = client.get(change_url)
    posted = client.post(change_url, {"object_repr": "篡改"})
    delete_get = client.get(reverse("admin:auditlog_logentry_delete", args=[entry.pk]))
    delete_post = client.post(
        reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    add = client.get(reverse("admin:auditlog_logentry_add"))

    assert page.status_code == 200
    assert 'name="_save"' not in html(page)
    assert (posted.status_code, delete_get.status_code, delete_post.status_code) == (403,) * 3
    assert add.status_code == 403
    entry.refresh_from_db()
    assert entry.object_repr == str(two_towns[0])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's"
)
def test_the_database_refuses_to_update_or_delete_audit_rows(world, two_towns):
    party = two_towns[0].parties.first()
    services.personal_data_reveal(party=party, by=world.secretary_a, action=Action.REVEAL_MOBILE)

    attempts = [
        lambda: LogEntry.objects.update(object_repr="篡改"),
        lambda: LogEntry.objects.all().delete(),
        lambda: PersonalDataAccess.objects.update(field="id_number"),
        lambda: PersonalDataAccess.objects.all().delete(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()

    assert LogEntry.objects.filter(object_repr=str(two_towns[0])).exists()
    assert PersonalDataAccess.objects.get().field == "mobile"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's"
)
def test_the_database_refuses_to_truncate_audit_tables_outside_maintenance(world, two_towns):
    party = two_towns[0].parties.first()
    services.personal_data_reveal(party=party, by=world.secretary_a, action=Action.REVEAL_MOBILE)
    entries = LogEntry.objects.count()

    for table in ("auditlog_logentry", "cases_personaldataaccess"):
        with pytest.raises(DatabaseError, match="TRUNCATE"), transaction.atomic():
            with connection.cursor() as cursor:
                # The portal's sessions: not a maintenance session (the test runner's is).
                cursor.execute("SET LOCAL fengqiao.audit_maintenance = 'off'")
                cursor.execute(f"TRUNCATE {table} CASCADE")

    assert LogEntry.objects.count() == entries > 0
    assert PersonalDataAccess.objects.count() == 1
