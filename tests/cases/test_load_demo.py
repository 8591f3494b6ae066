from django.core.management import call_command

from accounts.models import Role, User
from cases.models import Case, MediationSession, Status


def test_the_demo_has_a_user_of_every_role_and_cases_in_every_state(db, capsys):
    call_command("load_demo", cases=30)

    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    printed = capsys.readouterr().out
    assert "shuji" in printed and "Fengqiao-demo-2026" in printed
    assert User.objects.get(username="shuji").check_password("Fengqiao-demo-2026")


def test_loading_the_demo_twice_changes_nothing(db, capsys):
    call_command("load_demo", cases=5)
    before = (Case.objects.count(), User.objects.count())

    call_command("load_demo", cases=5)

    assert (Case.objects.count(), User.objects.count()) == before
    assert "跳过" in capsys.readouterr().out


def test_the_demos_red_cases_are_mediated_by_the_towns_professional_team(db, capsys):
    call_command("load_demo", cases=60)

    red = Case.objects.filter(grade="red").exclude(status__in=["registered", "voided"])
    assert red.exists()
    assert set(red.values_list("level", flat=True)) <= {"town", "district"}
    accepted = red.exclude(organisation=None)
    assert set(accepted.values_list("organisation__kind", flat=True)) == {"professional_team"}
    recorders = MediationSession.objects.filter(case__in=red).values_list(
        "recorded_by__area__level", flat=True
    )
    assert recorders and set(recorders) == {"town"}
    printed = capsys.readouterr().out
    assert "tiaojie_zhen" in printed
    town_mediator = User.objects.get(username="tiaojie_zhen")
    assert (town_mediator.role, town_mediator.area.level) == (Role.MEDIATOR, "town")
    assert town_mediator.check_password("Fengqiao-demo-2026")
