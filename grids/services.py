"""Writing the grid hierarchy: single nodes, and whole files of nodes from the clerks.

Every write goes through ``area_create_or_update`` so that ``path`` and ``depth`` can
never drift from ``parent``: the subtree query (``Area.objects.subtree``) that scopes
every list in the portal is only as right as these two columns.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from common.spreadsheets import Row, SpreadsheetError, cell_text, loose_key, open_sheets
from grids.models import LEVEL_ORDER, PARENT_LEVEL, Area, AreaLevel

COLUMNS = ("code", "name", "level", "parent_code")

# Clerks export from spreadsheets made by hand, so the Chinese headings of the
# template are as valid as the English ones.
HEADER_ALIASES = {
    "code": "code",
    "编码": "code",
    "name": "name",
    "名称": "name",
    "level": "level",
    "层级": "level",
    "parent_code": "parent_code",
    "上级编码": "parent_code",
}

# What people actually type in the level column besides the English values.
# Keys are compared as ``loose_key`` makes them: no case, no spaces, full-width alike.
LEVEL_ALIASES = {
    **{level.value: level.value for level in AreaLevel},
    "区县": AreaLevel.DISTRICT,
    "区": AreaLevel.DISTRICT,
    "县": AreaLevel.DISTRICT,
    "乡镇": AreaLevel.TOWN,
    "乡": AreaLevel.TOWN,
    "镇": AreaLevel.TOWN,
    "街道": AreaLevel.TOWN,
    "乡镇(街道)": AreaLevel.TOWN,
    "村": AreaLevel.VILLAGE,
    "社区": AreaLevel.VILLAGE,
    "村(社区)": AreaLevel.VILLAGE,
    "网格": AreaLevel.GRID,
    "微网格": AreaLevel.MICROGRID,
}

LEVEL_RANK = {level: rank for rank, level in enumerate(LEVEL_ORDER)}


class AreaImportError(ValidationError):
    """A file was refused as a whole; ``messages`` holds one entry per problem,
    each starting with its line number."""

    def __init__(self, messages: list[str]):
        super().__init__(list(messages))


@dataclass(frozen=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _level_label(level: str) -> str:
    try:
        return str(AreaLevel(level).label)
    except ValueError:
        return level


def _check_parent(level: str, parent_level: str | None) -> str | None:
    """The reason ``parent_level`` cannot hold a node of ``level``, or None if it can.

    ``parent_level`` is None when there is no parent.
    """
    expected = PARENT_LEVEL.get(level)
    if expected is None:
        if parent_level is not None:
            return _("区县是最高层级,不能有上级。")
        return None
    if parent_level is None:
        return _("“%(level)s”必须有上级(%(expected)s)。") % {
            "level": _level_label(level),
            "expected": _level_label(expected),
        }
    if parent_level != expected:
        return _("“%(level)s”的上级应为“%(expected)s”,而不是“%(actual)s”。") % {
            "level": _level_label(level),
            "expected": _level_label(expected),
            "actual": _level_label(parent_level),
        }
    return None


def _save_area(*, code: str, name: str, level: str, parent: Area | None) -> tuple[Area, str]:
    """Create or update one node; returns the area and "created", "updated" or "unchanged".

    The caller holds the transaction.
    """
    if level not in LEVEL_RANK:
        raise ValidationError({"level": _("层级“%(level)s”无效。") % {"level": level}})
    if parent is not None:
        # Re-read and lock the parent: the caller's copy may predate a move of the
        # parent's own subtree, and a stale path would be copied into the child.
        parent = Area.objects.select_for_update().get(pk=parent.pk)
    problem = _check_parent(level, parent.level if parent else None)
    if problem:
        raise ValidationError({"parent": problem})

    area = Area.objects.select_for_update().filter(code=code).first()
    if area is None:
        area = Area(code=code, name=name, level=level, parent=parent)
        area.path = area.compute_path()
        area.depth = len(area.path_codes) - 1
        area.save()
        return area, "created"

    if area.level != level:
        # Children and users hang off the node at its level; changing it in place
        # would leave them one step out of the hierarchy.
        raise ValidationError(
            {
                "level": _("编码“%(code)s”已是“%(old)s”,不能改为“%(new)s”。")
                % {"code": code, "old": _level_label(area.level), "new": _level_label(level)}
            }
        )

    old_path, old_depth = area.path, area.depth
    changed = area.name != name or area.parent_id != (parent.pk if parent else None)
    if not changed:
        return area, "unchanged"

    area.name = name
    area.parent = parent
    area.path = area.compute_path()
    area.depth = len(area.path_codes) - 1
    if area.path.startswith(old_path) and area.path != old_path:
        # The strict level order already rules this out; kept so a future relaxation
        # of it cannot silently turn the tree into a cycle.
        raise ValidationError({"parent": _("不能把区域移到它自己的下级之下。")})
    area.save(update_fields=["name", "parent", "path", "depth"])

    if area.path != old_path:
        # Once the node itself carries the new path, only its descendants still start
        # with the old one: rewrite them all in a single statement.
        Area.objects.filter(path__startswith=old_path).update(
            path=Concat(
                Value(area.path),
                Substr("path", len(old_path) + 1),
                output_field=CharField(),
            ),
            depth=F("depth") + (area.depth - old_depth),
        )
        # Parties are matched by name within their case's village path: it moved too.
        from cases.people import refresh_person_places  # cases builds on grids

        refresh_person_places(area)
    return area, "updated"


def area_create_or_update(*, code: str, name: str, level: str, parent: Area | None = None) -> Area:
    """Create the area ``code`` or bring it up to date, keeping its subtree's paths right."""
    with transaction.atomic():
        area, _status = _save_area(code=code, name=name, level=level, parent=parent)
    return area


def _line_error(line: int, message: str) -> str:
    return _("第%(line)d行:%(message)s") % {"line": line, "message": message}


def areas_import(rows: Iterable[dict]) -> ImportReport:
    """Import a whole file of areas, or nothing if any line is wrong.

    ``rows`` are dicts with code, name, level and parent_code, in file order: the first
    is line 2 (line 1 is the header). Blank rows are skipped but still counted, so the
    numbers match what the clerk sees in the spreadsheet. Importing the same file
    again updates names and parents and never duplicates a node.
    """
    errors: list[str] = []
    parsed: list[dict] = []
    first_line_of: dict[str, int] = {}

    for line, row in enumerate(rows, start=2):
        values = {key: cell_text(row.get(key)) for key in COLUMNS}
        if not any(values.values()):
            continue
        missing = [
            label
            for key, label in (("code", _("编码")), ("name", _("名称")), ("level", _("层级")))
            if not values[key]
        ]
        if missing:
            errors.append(_line_error(line, _("缺少%(fields)s。") % {"fields": "、".join(missing)}))
        level = LEVEL_ALIASES.get(loose_key(values["level"])) if values["level"] else None
        if values["level"] and level is None:
            errors.append(
                _line_error(
                    line,
                    _("层级“%(level)s”无效,应为 %(choices)s 之一。")
                    % {"level": values["level"], "choices": "、".join(AreaLevel.values)},
                )
            )
        code = values["code"]
        if code:
            if code in first_line_of:
                errors.append(
                    _line_error(
                        line,
                        _("编码“%(code)s”与第%(first)d行重复。")
                        % {"code": code, "first": first_line_of[code]},
                    )
                )
                continue
            first_line_of[code] = line
        parsed.append({**values, "level": level, "line": line})

    in_file = {row["code"]: row for row in parsed if row["code"]}
    wanted = set(in_file) | {row["parent_code"] for row in parsed if row["parent_code"]}
    in_db = Area.objects.in_bulk(wanted, field_name="code")

    for row in parsed:
        code, level, line = row["code"], row["level"], row["line"]
        if code in in_db and level and in_db[code].level != level:
            errors.append(
                _line_error(
                    line,
                    _("编码“%(code)s”在系统中是“%(old)s”,与文件中的“%(new)s”不符。")
                    % {
                        "code": code,
                        "old": _level_label(in_db[code].level),
                        "new": _level_label(level),
                    },
                )
            )
        parent_code = row["parent_code"]
        if parent_code and parent_code not in in_file and parent_code not in in_db:
            errors.append(
                _line_error(line, _("上级编码“%(code)s”不存在。") % {"code": parent_code})
            )
            continue
        if not level:
            continue
        if parent_code:
            # The file wins over the database: the parent's row there is what will be saved.
            source = in_file.get(parent_code) or {"level": in_db[parent_code].level}
            parent_level = source["level"]
            if parent_level is None:
                continue  # the parent's own line already carries the error
        else:
            parent_level = None
        problem = _check_parent(level, parent_level)
        if problem:
            errors.append(_line_error(line, problem))

    if errors:
        raise AreaImportError(errors)

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    # Parents may come after their children in the file: save top-down.
    parsed.sort(key=lambda row: (LEVEL_RANK[row["level"]], row["line"]))
    saved: dict[str, Area] = {}
    with transaction.atomic():
        for row in parsed:
            parent_code = row["parent_code"]
            parent = (saved.get(parent_code) or in_db[parent_code]) if parent_code else None
            area, status = _save_area(
                code=row["code"], name=row["name"], level=row["level"], parent=parent
            )
            saved[area.code] = area
            counts[status] += 1
    return ImportReport(**counts)


def _map_header(header: tuple) -> dict[str, int]:
    """Column index of each expected field; refuses a header that lacks one."""
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        field = HEADER_ALIASES.get(loose_key(cell_text(raw)))
        if field and field not in positions:
            positions[field] = index
    missing = [field for field in COLUMNS if field not in positions]
    if missing:
        message = _(
            "表头缺少列 %(columns)s(应为 code,name,level,parent_code 或 编码,名称,层级,上级编码)。"
        ) % {"columns": "、".join(missing)}
        raise AreaImportError([_line_error(1, message)])
    return positions


def _rows_from_sheet(sheet: Iterator[Row]) -> list[dict]:
    first = next(sheet, None)
    if first is None:
        raise AreaImportError([_("文件是空的。")])
    _line, header = first
    positions = _map_header(header)
    return [
        {
            field: (record[index] if index < len(record) else None)
            for field, index in positions.items()
        }
        for _line, record in sheet
    ]


def read_area_file(path) -> list[dict]:
    """Rows of a .csv or .xlsx area file, as dicts keyed code, name, level, parent_code.

    Every row after the header (the first row of the first sheet) is returned, blank
    ones included, so the position in the list still gives the line number. The file is
    read by ``common.spreadsheets``: its content, not its name, tells a workbook from a
    CSV, and a CSV may be UTF-8 (with or without a BOM), GB18030 or UTF-16.
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise AreaImportError(
            [_("不支持的文件类型“%(suffix)s”,请使用 .csv 或 .xlsx。") % {"suffix": path.suffix}]
        )
    try:
        with open_sheets(path.read_bytes()) as sheets:
            return _rows_from_sheet(next(sheets, iter(())))
    except SpreadsheetError as error:
        raise AreaImportError([str(error)]) from error
