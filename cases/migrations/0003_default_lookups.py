"""DOMAIN §4's default dispute types, sources and grade policy. Offices edit them later."""

from django.db import migrations

DISPUTE_TYPES = [
    ("marriage_family", "婚姻家庭", "Marriage and family"),
    ("neighbours", "邻里", "Neighbours"),
    ("housing_homestead", "房屋宅基地", "Housing and homestead"),
    ("contract", "合同", "Contracts"),
    ("business", "生产经营", "Production and business"),
    ("damages", "损害赔偿", "Damages"),
    ("land_forest", "山林土地", "Land and forest"),
    ("land_acquisition", "征地拆迁", "Land acquisition and demolition"),
    ("pollution", "环境污染", "Environmental pollution"),
    ("labour", "劳动争议", "Labour (incl. unpaid wages)"),
    ("consumer", "消费", "Consumer"),
    ("medical", "医疗", "Medical"),
    ("traffic", "道路交通事故", "Road traffic accidents"),
    ("property_management", "物业", "Property management"),
    ("other", "其他", "Other"),
]

SOURCES = [
    ("grid_patrol", "网格员排查", "Grid patrol", False),
    ("walk_in", "群众来访", "Walk-in", False),
    ("phone", "来电", "Phone call", False),
    ("resident_report", "群众随手报", "Resident report (online)", False),
    ("hotline_12345", "12345热线转办", "12345 hotline transfer", False),
    ("police_110", "110警情推送(警调对接)", "Police referral (110)", False),
    ("court", "法院委托/委派(诉调对接)", "Court entrustment", False),
    ("petition", "信访转办(访调对接)", "Petition referral", True),
    ("department", "部门移交", "Department transfer", False),
    ("assigned_from_above", "上级交办", "Assigned from above", False),
    ("own_initiative", "主动调解", "Committee's own initiative", False),
]

GRADE_POLICY = [
    ("blue", 7, "grid", "网格员随手调"),
    ("yellow", 15, "village", "村调委会团队坝坝调解"),
    ("red", 30, "town", "司法所+人民法庭+派出所专业团队"),
]


def add_defaults(apps, schema_editor):
    DisputeType = apps.get_model("cases", "DisputeType")
    CaseSource = apps.get_model("cases", "CaseSource")
    GradePolicy = apps.get_model("cases", "GradePolicy")
    for order, (code, name, name_en) in enumerate(DISPUTE_TYPES, start=1):
        DisputeType.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
    for order, (code, name, name_en, is_petition) in enumerate(SOURCES, start=1):
        CaseSource.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "sort_order": order,
                "is_petition": is_petition,
            },
        )
    for grade, days, level, handled_by in GRADE_POLICY:
        GradePolicy.objects.update_or_create(
            grade=grade,
            defaults={"time_limit_days": days, "default_level": level, "handled_by": handled_by},
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
