"""The back office extends a mediation term through the same service as the page and the
API, and is refused in the same words."""

import datetime

import pytest

from cases.models import Case, CaseTermExtension
from tests.admin.conftest import admin_url
from tests.builders import mediating, refresh
from tests.factories import register_case

pytestmark = pytest.mark.django_db


def _extend(client, case, **fields):
    return client.post(
        admin_url(Case, "changelist"),
        {
            "action": "extend_term_selected",
            "_selected_action": [case.pk],
            "apply": "yes",
            "days": "10",
            "reason": "双方同意继续调解",
            **fields,
        },
        follow=True,
    )


def test_the_admin_extends_a_term_only_with_both_parties_consent(client, world):
    case = mediating(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])
    term = case.term_ends_on
    client.force_login(world.clerk_a)

    refused = _extend(client, case)
    # What was typed is refused beside the field, the form shown again with it.
    form = refused.context["form"]
    assert form.errors == {"parties_consented": ["延长调解期限须经双方当事人同意。"]}
    assert form["reason"].value() == "双方同意继续调解"
    assert not CaseTermExtension.objects.exists()

    done = _extend(client, case, parties_consented="on")
    assert [str(m) for m in done.context["messages"]] == ["已延长1件案件的调解期限。"]
    assert refresh(case).term_ends_on == term + datetime.timedelta(days=10)
    assert CaseTermExtension.objects.get(case=case).extended_by == world.clerk_a
