"""Repeat disputes on the pages: the registration form's check step (never a block),
the person page and the ledger's repeat badge, each within the user's area."""

import datetime

from django.urls import reverse

from cases.models import Case, PersonalDataAccess
from tests.factories import make_id_number, party_rows, register_case, registration_page_data
from tests.web.helpers import html, ledger_numbers

ID_WANG = make_id_number()  # the registration page's applicant, 王大山


def wang_vs(respondent: str, **applicant) -> list[dict]:
    rows = party_rows("王大山", respondent)
    rows[0].update({"id_number": ID_WANG, **applicant})
    return rows


def test_a_repeat_is_shown_before_saving_with_links_and_nothing_typed_is_lost(client, world):
    earlier = [register_case(world.secretary_a, parties=wang_vs(f"邻居{i}")) for i in range(3)]
    client.force_login(world.secretary_a)
    data = registration_page_data(world, summary="第三次因排水沟吵架。")

    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 200
    assert Case.objects.count() == 3
    page = html(response)
    assert "王大山:此人近 24 个月内另有 3 起纠纷" in page
    for case in earlier:
        assert f'href="/cases/{case.pk}/"' in page
    assert "第三次因排水沟吵架。" in page and ID_WANG in page
    assert 'name="confirm_repeats"' in page


def test_confirming_registers_the_case_all_the_same(client, world):
    register_case(world.secretary_a, parties=wang_vs("陈小河"))
    client.force_login(world.secretary_a)
    data = registration_page_data(world, confirm_repeats="1")

    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 302
    assert Case.objects.count() == 2


def test_the_same_pair_is_told_apart_from_a_repeat_of_one_person(client, world):
    pair = register_case(world.secretary_a, parties=wang_vs("陈小河"))
    register_case(world.secretary_a, parties=wang_vs("别人"))
    client.force_login(world.secretary_a)

    page = html(client.post(reverse("cases:create"), registration_page_data(world)))

    assert "双方此前有过纠纷" in page
    # Under 王大山 (by ID number), under 陈小河 (no numbers: same name, same village) and
    # as the pair.
    assert page.count(f'href="/cases/{pair.pk}/"') == 3


def test_without_earlier_disputes_the_form_registers_at_once(client, world):
    client.force_login(world.secretary_a)

    response = client.post(reverse("cases:create"), registration_page_data(world))

    assert response.status_code == 302
    assert Case.objects.count() == 1


def test_village_b_s_cases_give_a_village_a_user_no_hint_at_all(client, world):
    register_case(world.secretary_b, parties=wang_vs("陈小河"))
    client.force_login(world.secretary_a)

    response = client.post(reverse("cases:create"), registration_page_data(world))

    assert response.status_code == 302  # nothing to check: saved at once
    assert "此人近" not in html(client.get(response["Location"]))


def test_the_person_page_lists_every_visible_dispute_newest_first_with_masked_numbers(
    client, world
):
    old = register_case(
        world.secretary_a,
        parties=wang_vs("陈小河"),
        received_on=datetime.date.today() - datetime.timedelta(days=1000),
    )
    new = register_case(world.secretary_a, parties=wang_vs("别人"))
    register_case(world.secretary_b, parties=wang_vs("赵家村的人"))
    party = new.parties.get(name="王大山")
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:person", args=[party.pk]))

    assert response.status_code == 200
    assert ledger_numbers(response) == [new.number, old.number]
    page = html(response)
    assert party.masked_id_number in page and ID_WANG not in page
    assert not PersonalDataAccess.objects.exists()


def test_the_person_page_of_a_party_out_of_sight_is_404(client, world):
    elsewhere = register_case(world.secretary_b, parties=wang_vs("陈小河"))
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:person", args=[elsewhere.parties.first().pk]))

    assert response.status_code == 404


def test_the_case_page_links_each_party_to_their_person_page(client, world):
    case = register_case(world.secretary_a, parties=wang_vs("陈小河"))
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:detail", args=[case.pk])))

    for party in case.parties.all():
        assert reverse("cases:person", args=[party.pk]) in page


def test_the_ledger_badges_a_case_whose_party_had_an_earlier_visible_dispute(client, world):
    first = register_case(world.secretary_a, parties=wang_vs("陈小河"))
    second = register_case(world.secretary_a, parties=wang_vs("别人"))
    only_here = register_case(
        world.secretary_a,
        parties=[{"role": "applicant", "name": "甲某"}, {"role": "respondent", "name": "乙某"}],
    )
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:list"))

    assert response.context["repeat_ids"] == {second.pk}
    assert first.pk not in response.context["repeat_ids"]
    assert only_here.pk not in response.context["repeat_ids"]
    assert "重复" in html(response)


def test_the_ledger_badge_ignores_earlier_cases_out_of_the_user_s_sight(client, world):
    register_case(world.secretary_b, parties=wang_vs("陈小河"))
    mine = register_case(world.secretary_a, parties=wang_vs("别人"))
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:list"))

    assert mine.pk not in response.context["repeat_ids"]


def test_the_town_s_ledger_badges_a_repeat_across_its_villages_that_each_village_s_does_not(
    client, world
):
    # 枫源村 and the other village of the same town.
    register_case(world.secretary_a2, parties=wang_vs("陈小河"))
    later = register_case(world.secretary_a, parties=wang_vs("别人"))

    badged = []
    for user in (world.secretary_a, world.supervisor_a, world.supervisor_district):
        client.force_login(user)
        if later.pk in client.get(reverse("cases:list")).context["repeat_ids"]:
            badged.append(user)

    assert badged == [world.supervisor_a, world.supervisor_district]


def test_the_ledger_badge_agrees_with_the_parties_for_every_kind_of_user(world):
    """The stored depth and the parties' own lookup give the same badges, whoever asks."""
    from cases.models import Case
    from cases.people import repeat_badges, repeat_case_ids
    from cases.selectors import visible_cases

    register_case(world.secretary_b, parties=wang_vs("陈小河"))
    register_case(world.secretary_a2, parties=wang_vs("陈小河"))
    register_case(world.secretary_a, parties=wang_vs("别人"))
    cases = list(Case.objects.all())
    for user in (
        world.secretary_a,
        world.secretary_a2,
        world.secretary_b,
        world.supervisor_a,
        world.supervisor_district,
        world.mediator_user_a,
    ):
        mine = [case for case in cases if visible_cases(user).filter(pk=case.pk).exists()]
        expected = repeat_case_ids(mine, within=visible_cases(user))
        assert repeat_badges(user, mine) == expected, user.username
