"""The case page names who makes each scheduled follow-up visit and when it is due, and
shows whether the agreement carries a rebound risk."""

from django.urls import reverse
from django.utils import timezone

from cases.models import FollowUp
from tests.builders import resolved
from tests.factories import register_case
from tests.web.helpers import html


def _resolved(world, rebound_risk: bool):
    case = register_case(world.secretary_a)
    return resolved(case, world.secretary_a, [world.mediator_a], rebound_risk=rebound_risk)


def test_scheduled_visits_show_their_responsible_person_and_due_time(client, world):
    case = _resolved(world, rebound_risk=True)
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:detail", args=[case.pk])))

    scheduled = list(FollowUp.objects.filter(case=case, done_at__isnull=True))
    assert len(scheduled) == 3  # the call, the home visit, the rebound re-visit
    for visit in scheduled:
        assert visit.responsible is not None
        due = timezone.localtime(visit.due_at).strftime("%Y-%m-%d %H:%M")
        assert f"应于 {due}" in page
        assert f"负责人:{visit.responsible}" in page
    assert "存在反弹隐患" in page


def test_an_agreement_without_rebound_risk_says_so(client, world):
    case = _resolved(world, rebound_risk=False)
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:detail", args=[case.pk])))

    assert "反弹隐患</dt>" in page
    assert "存在反弹隐患" not in page
