"""GradePolicy.team_kind: the kind of mediation organisation that handles each grade
(三三调处, seed 001): yellow the village committee team (村两委, 坝坝调解), red the town's
professional team of 司法所, 人民法庭 and 派出所; blue is the grid member's on-the-spot
mediation (随手调), so no team.

Existing data: a grade row gets the seed's team only where it still hands the grade to the
seed's level (yellow to the village, red to the town); a row an office moved to another
level is left without a team for its clerk to choose, rather than given a team of the
wrong level. Cases already accepted keep their organisation: the team is checked when a
case is accepted, not after.
"""

from django.db import migrations, models

SEED_TEAMS = [
    ("yellow", "village", "village_committee"),
    ("red", "town", "professional_team"),
]


def set_seed_teams(apps, schema_editor):
    GradePolicy = apps.get_model("cases", "GradePolicy")
    for grade, level, team_kind in SEED_TEAMS:
        GradePolicy.objects.filter(grade=grade, default_level=level, team_kind="").update(
            team_kind=team_kind
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0022_resolved_otherwise"),
    ]

    operations = [
        migrations.AddField(
            model_name="gradepolicy",
            name="team_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("village_committee", "村(居)人民调解委员会"),
                    ("town_committee", "乡镇(街道)人民调解委员会"),
                    ("industry_committee", "行业性专业性人民调解委员会"),
                    ("studio", "个人调解工作室"),
                    ("expert_pool", "专家库"),
                    ("district_centre", "县级矛盾纠纷多元化解服务中心"),
                    ("professional_team", "专业调处团队(派出所/司法所/人民法庭)"),
                ],
                help_text="受理时须指派该类型的调解组织;留空表示由网格员等个人处置,不限组织类型。",
                max_length=32,
                verbose_name="处置团队类型",
            ),
        ),
        migrations.RunPython(set_seed_teams, migrations.RunPython.noop),
    ]
