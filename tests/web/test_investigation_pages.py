"""The investigation page (人民调解调查记录) as a village office uses it: offered on the case
page while the case is mediated, recorded onto the history, and bad input shown beside
the form with everything typed kept. Its 404 outside the area is in test_scoping.py."""

import pytest
from django.urls import reverse

from cases.models import Investigation
from tests.builders import accepted_case, now_minute
from tests.factories import register_case
from tests.web.helpers import datetime_input, html, messages_of, snapshot, timeline_kinds

pytestmark = pytest.mark.django_db


def _posted(world, **overrides) -> dict:
    return {
        "held_at": datetime_input(now_minute()),
        "place": "枫源村三组王家院坝",
        "interviewee_name": "王二叔",
        "interviewee_relation": "邻居,知情人",
        "investigators": [world.mediator_a.pk],
        "content": "界桩是十年前两家一起埋的,后来修路时被挪动过。",
        **overrides,
    }


def test_the_case_page_offers_the_investigation_and_the_page_records_it_onto_the_history(
    client, world
):
    case = accepted_case(world)
    client.force_login(world.secretary_a)
    url = reverse("cases:investigation_create", args=[case.pk])
    assert url in html(client.get(reverse("cases:detail", args=[case.pk])))

    response = client.post(url, _posted(world))

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    page = client.get(response["Location"])
    assert messages_of(page) == ["调查记录已保存。"]
    assert timeline_kinds(page) == ["登记", "受理", "调查记录"]
    shown = html(page)
    assert "王二叔(邻居,知情人)" in shown
    assert "界桩是十年前两家一起埋的" in shown
    investigation = Investigation.objects.get(case=case)
    assert list(investigation.investigators.all()) == [world.mediator_a]


def test_a_registered_case_offers_no_investigation_and_the_page_sends_back_with_the_reason(
    client, world
):
    case = register_case(world.secretary_a)
    client.force_login(world.secretary_a)
    url = reverse("cases:investigation_create", args=[case.pk])
    assert url not in html(client.get(reverse("cases:detail", args=[case.pk])))
    before = snapshot()

    response = client.post(url, _posted(world))

    assert response.status_code == 302
    page = client.get(response["Location"])
    assert messages_of(page) == ["案件当前状态为“已登记”,不能记录调查。"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"investigators": []}, "investigators", "请选择进行调查的调解员。"),
        ({"interviewee_name": ""}, "interviewee_name", "该字段是必填项。"),
        ({"held_at": "2001-01-01T09:00"}, "held_at", "调查时间不能早于登记日期。"),
    ],
)
def test_bad_input_is_shown_beside_its_field_keeping_what_was_typed(
    client, world, change, field, message
):
    case = accepted_case(world)
    client.force_login(world.secretary_a)
    before = snapshot()

    response = client.post(
        reverse("cases:investigation_create", args=[case.pk]), _posted(world, **change)
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field] == [message]
    assert snapshot() == before
    # Everything typed comes back in the form.
    assert "界桩是十年前两家一起埋的,后来修路时被挪动过。" in html(response)
    assert 'value="枫源村三组王家院坝"' in html(response)


def test_a_supervisor_gets_403_and_nothing_is_recorded(client, world):
    case = accepted_case(world)
    client.force_login(world.supervisor_a)
    url = reverse("cases:investigation_create", args=[case.pk])
    before = snapshot()

    assert client.get(url).status_code == 403
    assert client.post(url, _posted(world)).status_code == 403
    assert snapshot() == before
