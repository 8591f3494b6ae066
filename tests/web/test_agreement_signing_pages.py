"""The signing of a written agreement on the portal's pages: the case page says in plain
words who has signed and who has not and whether the seal is on; the signing page records
each signature, the mediator's and the committee's seal; the printed agreement is headed
by the committee that seals it."""

import pytest
from django.urls import reverse

from cases.models import Case, EventKind, Status
from mediators.models import OrganisationKind
from tests.builders import committee_for, in_signing, sign, today
from tests.factories import OrganisationFactory, register_case
from tests.web.helpers import html, messages_of, timeline_kinds

pytestmark = pytest.mark.django_db


@pytest.fixture
def signing_case(world) -> Case:
    case = register_case(world.secretary_a, parties=None)
    return in_signing(case, world.secretary_a, [world.mediator_a])


def _sign_page(client, world, case, data):
    client.force_login(world.secretary_a)
    return client.post(reverse("cases:agreement_sign", args=[case.pk]), data)


def test_the_case_page_says_who_has_signed_and_who_has_not(client, world, signing_case):
    first = signing_case.parties.order_by("pk").first()
    _sign_page(
        client,
        world,
        signing_case,
        {f"party_{first.pk}_how": "fingerprint", f"party_{first.pk}_on": today().isoformat()},
    )

    page = html(client.get(reverse("cases:detail", args=[signing_case.pk])))

    assert f"张三:已按指印({today().isoformat()})" in page
    assert "李四:尚未签署" in page
    assert "尚未签名" in page  # the mediator
    assert "尚未盖章" in page
    assert "协议待签" in page
    assert reverse("cases:agreement_sign", args=[signing_case.pk]) in page


def test_the_signing_page_brings_the_agreement_into_force_and_says_so(client, world, signing_case):
    first, second = signing_case.parties.order_by("pk")
    committee = committee_for(signing_case)
    day = today().isoformat()
    data = {
        f"party_{first.pk}_how": "signed",
        f"party_{first.pk}_on": day,
        f"party_{second.pk}_how": "sealed",
        f"party_{second.pk}_on": day,
        "mediator": world.mediator_a.pk,
        "mediator_signed_on": day,
        "seal_organisation": committee.pk,
        "sealed_on": day,
    }

    response = _sign_page(client, world, signing_case, data)

    assert response.status_code == 302
    page = client.get(response["Location"])
    signing_case.refresh_from_db()
    assert signing_case.status == Status.RESOLVED
    assert signing_case.agreement.effective_on == today()
    assert "调解协议已生效,案件调解成功。" in messages_of(page)
    assert timeline_kinds(page)[-2:] == ["协议签署", "协议生效"]
    assert f"{committee.name} 已盖章({day},经办人 {world.secretary_a.display_name})" in html(page)


def test_the_signing_page_offers_only_the_committees_that_may_seal(client, world, signing_case):
    committee = committee_for(signing_case)
    studio = OrganisationFactory(
        name="宝大叔调解工作室", kind=OrganisationKind.STUDIO, area=world.village_a
    )
    client.force_login(world.secretary_a)

    form = client.get(reverse("cases:agreement_sign", args=[signing_case.pk])).context["form"]

    offered = {label for _value, label in form.fields["seal_organisation"].choices}
    assert committee.name in offered
    assert studio.name not in offered


def test_a_studio_s_seal_posted_to_the_signing_page_is_refused_and_what_was_typed_kept(
    client, world, signing_case
):
    studio = OrganisationFactory(
        name="宝大叔调解工作室", kind=OrganisationKind.STUDIO, area=world.village_a
    )

    response = _sign_page(
        client,
        world,
        signing_case,
        {"seal_organisation": studio.pk, "sealed_on": today().isoformat()},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["seal_organisation"][0].startswith("只有本案发生地的人民调解委员会")
    assert form["sealed_on"].value() == today().isoformat()
    signing_case.refresh_from_db()
    assert signing_case.agreement.seal_organisation is None


def test_the_printed_agreement_is_headed_by_the_committee_that_sealed_it(
    client, world, signing_case
):
    # The case was mediated by a studio, which has no seal of its own.
    studio = OrganisationFactory(
        name="宝大叔调解工作室", kind=OrganisationKind.STUDIO, area=world.village_a
    )
    type(signing_case).objects.filter(pk=signing_case.pk).update(organisation=studio)
    sign(signing_case, world.secretary_a, world.mediator_a)
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:agreement_print", args=[signing_case.pk])))

    heading = page.split('<p class="document-committee">')[1].split("</p>")[0]
    assert heading == committee_for(signing_case).name


def test_signing_is_recorded_on_the_timeline_by_kind(client, world, signing_case):
    first = signing_case.parties.order_by("pk").first()
    _sign_page(
        client,
        world,
        signing_case,
        {f"party_{first.pk}_how": "signed", f"party_{first.pk}_on": today().isoformat()},
    )

    event = signing_case.events.order_by("-id").first()
    assert event.kind == EventKind.AGREEMENT_SIGNED
    assert event.note == f"张三 签名({today().isoformat()})"
