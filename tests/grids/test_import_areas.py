from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from grids.models import Area
from grids.services import AreaImportError, area_create_or_update, areas_import

HEADER = "code,name,level,parent_code"

# One branch through all five levels plus a sibling at each of the lower levels.
FIVE_LEVELS = [
    ("110105", "朝阳区", "district", ""),
    ("110105001", "建外街道", "town", "110105"),
    ("110105002", "朝外街道", "town", "110105"),
    ("110105001001", "永安里社区", "village", "110105001"),
    ("11010500100101", "永安里第一网格", "grid", "110105001001"),
    ("11010500100102", "永安里第二网格", "grid", "110105001001"),
    ("1101050010010101", "永安里1号楼微网格", "microgrid", "11010500100101"),
]


def write_csv(tmp_path, rows, *, header=HEADER, encoding="utf-8", name="areas.csv"):
    path = tmp_path / name
    lines = [header, *(",".join(row) for row in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def run_import(path):
    out = StringIO()
    call_command("import_areas", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def run_failing_import(path):
    err = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_areas", str(path), stdout=StringIO(), stderr=err)
    return err.getvalue(), str(excinfo.value)


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


@pytest.mark.django_db
def test_a_five_level_csv_is_imported_with_paths_and_depths(tmp_path):
    output = run_import(write_csv(tmp_path, FIVE_LEVELS))

    assert "新增 7 个" in output
    assert Area.objects.count() == 7
    micro = Area.objects.get(code="1101050010010101")
    assert micro.path == "/110105/110105001/110105001001/11010500100101/1101050010010101/"
    assert micro.depth == 4
    assert micro.parent.code == "11010500100101"
    assert (
        micro.full_name() == "朝阳区 / 建外街道 / 永安里社区 / 永安里第一网格 / 永安里1号楼微网格"
    )
    district = Area.objects.get(code="110105")
    assert (district.path, district.depth, district.parent) == ("/110105/", 0, None)


@pytest.mark.django_db
def test_the_subtree_of_a_node_is_the_node_and_everything_under_it(tmp_path):
    run_import(write_csv(tmp_path, FIVE_LEVELS))

    town = Area.objects.get(code="110105001")
    grid = Area.objects.get(code="11010500100101")
    assert set(codes(Area.objects.subtree(town))) == {
        "110105001",
        "110105001001",
        "11010500100101",
        "11010500100102",
        "1101050010010101",
    }
    assert codes(Area.objects.subtree(grid)) == ["11010500100101", "1101050010010101"]
    assert codes(Area.objects.subtree(Area.objects.get(code="110105002"))) == ["110105002"]


@pytest.mark.django_db
def test_parents_listed_after_their_children_are_imported_all_the_same(tmp_path):
    run_import(write_csv(tmp_path, list(reversed(FIVE_LEVELS))))

    assert Area.objects.count() == 7
    assert Area.objects.get(code="11010500100102").path == (
        "/110105/110105001/110105001001/11010500100102/"
    )


@pytest.mark.django_db
def test_an_xlsx_with_numeric_codes_and_chinese_headers_is_imported(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["编码", "名称", "层级", "上级编码"])
    # Excel keeps typed-in codes as numbers; a float one must not become "110105.0".
    sheet.append([110105, "朝阳区", "district", None])
    sheet.append([110105001.0, "建外街道", "town", 110105])
    sheet.append(["110105001001", "永安里社区", "village", "110105001"])
    sheet.append([11010500100101, "永安里第一网格", "grid", 110105001001])
    sheet.append([1101050010010101, "永安里1号楼微网格", "microgrid", 11010500100101])
    sheet.append([None, None, None, None])  # trailing blank row Excel often leaves
    path = tmp_path / "areas.xlsx"
    workbook.save(path)

    output = run_import(path)

    assert "新增 5 个" in output
    assert codes(Area.objects.all()) == [
        "110105",
        "110105001",
        "110105001001",
        "11010500100101",
        "1101050010010101",
    ]
    assert Area.objects.get(code="1101050010010101").depth == 4


@pytest.mark.django_db
def test_reimporting_with_a_changed_name_updates_it_without_duplicates(tmp_path):
    run_import(write_csv(tmp_path, FIVE_LEVELS))
    renamed = [
        (code, "永安里第一网格(东)" if code == "11010500100101" else name, level, parent)
        for code, name, level, parent in FIVE_LEVELS
    ]

    output = run_import(write_csv(tmp_path, renamed, name="renamed.csv"))

    assert "新增 0 个,更新 1 个,未变 6 个" in output
    assert Area.objects.count() == 7
    assert Area.objects.get(code="11010500100101").name == "永安里第一网格(东)"


@pytest.mark.django_db
def test_reimporting_a_moved_village_rewrites_the_paths_of_its_whole_subtree(tmp_path):
    run_import(write_csv(tmp_path, FIVE_LEVELS))
    moved = [("110105001001", "永安里社区", "village", "110105002")]

    run_import(write_csv(tmp_path, moved, name="moved.csv"))

    micro = Area.objects.get(code="1101050010010101")
    assert micro.path == "/110105/110105002/110105001001/11010500100101/1101050010010101/"
    assert micro.depth == 4
    assert codes(Area.objects.subtree(Area.objects.get(code="110105001"))) == ["110105001"]
    assert len(codes(Area.objects.subtree(Area.objects.get(code="110105002")))) == 5


@pytest.mark.django_db
def test_moving_a_town_under_another_district_moves_every_descendant(tmp_path):
    run_import(write_csv(tmp_path, FIVE_LEVELS))
    other = area_create_or_update(code="110106", name="丰台区", level="district")

    area_create_or_update(code="110105001", name="建外街道", level="town", parent=other)

    paths = dict(Area.objects.values_list("code", "path"))
    assert paths["110105001"] == "/110106/110105001/"
    assert paths["11010500100102"] == "/110106/110105001/110105001001/11010500100102/"
    assert paths["110105002"] == "/110105/110105002/"  # the sibling stays put
    assert Area.objects.get(code="1101050010010101").depth == 4


@pytest.mark.django_db
def test_a_bad_file_reports_every_line_number_and_writes_nothing(tmp_path):
    rows = [
        ("110105", "朝阳区", "district", ""),
        ("110105001", "建外街道", "township", "110105"),
        ("110105001001", "永安里社区", "village", "999999999"),
    ]

    stderr, error = run_failing_import(write_csv(tmp_path, rows))

    assert "第3行:层级“township”无效" in stderr
    assert "第4行:上级编码“999999999”不存在。" in stderr
    assert "共 2 处错误" in error
    assert Area.objects.count() == 0


@pytest.mark.django_db
def test_missing_fields_duplicates_and_wrong_parent_levels_are_each_reported(tmp_path):
    rows = [
        ("110105", "朝阳区", "district", ""),
        ("110105001", "", "town", "110105"),  # line 3: no name
        ("110105001001", "永安里社区", "village", "110105"),  # line 4: skips the town
        ("110105", "朝阳区", "district", ""),  # line 5: duplicate
        ("110105002", "朝外街道", "town", ""),  # line 6: a town needs a parent
        ("110106", "丰台区", "district", "110105"),  # line 7: a district has none
    ]

    stderr, _error = run_failing_import(write_csv(tmp_path, rows))

    assert "第3行:缺少名称。" in stderr
    assert "第4行:“村(社区)”的上级应为“乡镇(街道)”,而不是“区县”。" in stderr
    assert "第5行:编码“110105”与第2行重复。" in stderr
    assert "第6行:“乡镇(街道)”必须有上级" in stderr
    assert "第7行:区县是最高层级,不能有上级。" in stderr
    assert Area.objects.count() == 0


@pytest.mark.django_db
def test_a_code_whose_level_differs_from_the_database_is_refused(tmp_path):
    run_import(write_csv(tmp_path, FIVE_LEVELS))
    rows = [("110105002", "朝外街道", "village", "110105")]

    stderr, _error = run_failing_import(write_csv(tmp_path, rows, name="relevel.csv"))

    assert "第2行:编码“110105002”在系统中是“乡镇(街道)”" in stderr
    assert Area.objects.get(code="110105002").level == "town"


@pytest.mark.django_db
def test_a_parent_already_in_the_database_need_not_be_in_the_file(tmp_path):
    run_import(write_csv(tmp_path, FIVE_LEVELS[:2]))

    run_import(write_csv(tmp_path, [FIVE_LEVELS[3]], name="village.csv"))

    assert Area.objects.get(code="110105001001").path == "/110105/110105001/110105001001/"


@pytest.mark.django_db
def test_a_gb18030_csv_with_chinese_headers_is_read(tmp_path):
    path = write_csv(
        tmp_path, FIVE_LEVELS[:4], header="编码,名称,层级,上级编码", encoding="gb18030"
    )

    run_import(path)

    assert Area.objects.get(code="110105001001").name == "永安里社区"


@pytest.mark.django_db
def test_a_utf8_csv_with_a_byte_order_mark_and_loose_headers_is_read(tmp_path):
    path = write_csv(
        tmp_path, FIVE_LEVELS[:2], header=" Code , NAME,Level,Parent_Code ", encoding="utf-8-sig"
    )

    run_import(path)

    assert Area.objects.get(code="110105").name == "朝阳区"
    assert Area.objects.get(code="110105001").parent.code == "110105"


@pytest.mark.django_db
def test_a_file_missing_a_column_is_refused(tmp_path):
    path = write_csv(tmp_path, [("110105", "朝阳区", "district")], header="code,name,level")

    stderr, _error = run_failing_import(path)

    assert "第1行:表头缺少列 parent_code" in stderr
    assert Area.objects.count() == 0


@pytest.mark.django_db
def test_a_file_of_another_type_is_refused(tmp_path):
    path = tmp_path / "areas.txt"
    path.write_text(HEADER + "\n", encoding="utf-8")

    stderr, _error = run_failing_import(path)

    assert "不支持的文件类型“.txt”" in stderr


@pytest.mark.django_db
def test_the_import_service_raises_a_validation_error_with_all_messages():
    rows = [
        {"code": "110105", "name": "朝阳区", "level": "district", "parent_code": ""},
        {"code": "", "name": "", "level": "", "parent_code": ""},  # blank: skipped
        {"code": "110105001", "name": "建外街道", "level": "town", "parent_code": "1"},
    ]

    with pytest.raises(AreaImportError) as excinfo:
        areas_import(rows)

    assert isinstance(excinfo.value, ValidationError)
    assert excinfo.value.messages == ["第4行:上级编码“1”不存在。"]


@pytest.mark.django_db
def test_the_import_service_accepts_chinese_level_names_and_reports_counts():
    rows = [
        {"code": "110105", "name": "朝阳区", "level": "区县", "parent_code": None},
        {"code": "110105001", "name": "建外街道", "level": "街道", "parent_code": "110105"},
        {"code": "110105001001", "name": "永安里", "level": "社区", "parent_code": "110105001"},
    ]

    report = areas_import(rows)

    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert Area.objects.get(code="110105001001").level == "village"
