"""Each party's place (``cases.people.person_place``): the path of its case's village, or
of the case's area above village level; where a name is matched. Filled once per place
(one update of the parties of that place's cases), then indexed with the name."""

from collections import defaultdict

from django.db import migrations, models

# grids.models.LEVEL_ORDER, frozen here as a migration must be.
LEVEL_ORDER = ["district", "town", "village", "grid", "microgrid"]
VILLAGE_DEPTH = LEVEL_ORDER.index("village")


def place_of(path: str, level: str) -> str:
    """cases.people.village_scope's path, as of this migration."""
    depth = LEVEL_ORDER.index(level)
    if depth <= VILLAGE_DEPTH:
        return path
    codes = [code for code in path.split("/") if code]
    return "/" + "/".join(codes[: len(codes) - (depth - VILLAGE_DEPTH)]) + "/"


def fill_places(apps, schema_editor):
    Area = apps.get_model("grids", "Area")
    Party = apps.get_model("cases", "Party")
    areas_of = defaultdict(list)
    for pk, path, level in Area.objects.values_list("pk", "path", "level").iterator():
        areas_of[place_of(path, level)].append(pk)
    for place, ids in areas_of.items():
        Party.objects.filter(case__area__in=ids).update(place_path=place)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0041_search_text_statistics"),
        ("grids", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="party",
            name="party_name_idx",
        ),
        migrations.AddField(
            model_name="party",
            name="place_path",
            field=models.CharField(blank=True, default="", editable=False, max_length=255),
        ),
        migrations.RunPython(fill_places, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="party",
            index=models.Index(fields=["name", "place_path"], name="party_name_place_idx"),
        ),
    ]
