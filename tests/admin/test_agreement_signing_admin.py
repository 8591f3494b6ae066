"""The back office shows a written agreement's signing as the signing step recorded it:
who signed and how, the mediator, the committee's seal and who applied it; none of it
is edited there."""

import pytest

from cases.models import Agreement, AgreementSignature
from tests.admin.conftest import admin_url
from tests.builders import committee_for, in_signing, sign
from tests.factories import register_case
from tests.web.helpers import html

pytestmark = pytest.mark.django_db


def test_the_agreement_admin_shows_the_signatures_and_the_seal_read_only(client, world):
    case = in_signing(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])
    sign(case, world.secretary_a, world.mediator_a)
    agreement = Agreement.objects.get(case=case)
    client.force_login(world.clerk_a)

    response = client.get(admin_url(Agreement, "change", agreement.pk))

    page = html(response)
    assert response.status_code == 200
    assert committee_for(case).name in page
    assert world.mediator_a.name in page
    assert "张三" in page and "李四" in page
    form = response.context["adminform"].form
    signing_fields = {"mediator_signer", "seal_organisation", "sealed_by", "signed_on", "sealed"}
    assert not signing_fields & set(form.fields)
    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.model is AgreementSignature
    assert not inline.has_add_permission
