"""The empty ledger offered for filling in, and what every door says about the import."""

import xlsxwriter
from django.utils.translation import gettext as _

from cases.models import PartyKind
from grids.selectors import areas_within_reach
from reports.columns import PARTY_DETAIL_SIDES, Kind
from reports.importing.reading import IMPORTABLE_COLUMNS
from reports.importing.rows import Lookups

TEMPLATE_FILE_NAME = "台账导入模板.xlsx"


def _party_detail_notes() -> dict[str, str]:
    """The import-only columns of each side (``PARTY_DETAIL_COLUMNS``), keyed by field."""
    return {
        "kind": _("可填写:%(choices)s;不填为自然人。")
        % {"choices": "、".join(str(label) for label in PartyKind.labels)},
        "ethnicity": _("民族,如 汉、汉族 或代码 01(GB/T 3304);法人和非法人组织不填。"),
        "birth_date": _("日期,如 1980-05-17;填了身份证号的可不填,由号码得出,填了须与号码一致。"),
        "occupation": _("职业或职务;可不填。"),
        "employer": _("工作单位;可不填。"),
        "relation_to_other_party": _("与对方当事人的关系,如 邻居、亲属、雇佣;可不填。"),
        "credit_code": _("法人或非法人组织的18位统一社会信用代码;自然人不填。"),
        "legal_representative": _("法人的法定代表人或非法人组织的负责人。"),
        "is_representative": _("群体性纠纷中该方推选的代表人填“是”,其他人留空。"),
    }


def _column_notes(lookups: Lookups) -> dict[str, str]:
    line_up = _("多名当事人时与姓名逐行对应。")
    details = {
        f"{side}_{field}": f"{note}{line_up}"
        for side, _prefix in PARTY_DETAIL_SIDES
        for field, note in _party_detail_notes().items()
    }
    return details | {
        "area_code": _("案件发生地的区域代码(村/社区或网格),须在您的管辖范围内;见“区域代码”表。"),
        "received_on": _("日期,如 2026-10-05、2026/10/5 或 2026年10月5日;不能晚于今天。"),
        "occurred_on": _("日期,格式同受理日期;可不填。"),
        "title": _("如:张某与李某宅基地纠纷;最多100字。"),
        "applicants": _(
            "纠纷一方(有人申请调解的为申请人)的姓名或单位名称;多人每行一名(单元格内换行),"
            "也可用“;”或“、”分隔。"
        ),
        "applicant_id_numbers": _(
            "18位身份证号,须完整(导出台账中的脱敏号码不能导入);"
            "多人时与姓名逐行对应;可不填。请把本列设为“文本”格式。"
        ),
        "applicant_mobiles": _("11位手机号码,多名时与姓名逐行对应;可不填。"),
        "applicant_addresses": _("住址,多名时与姓名逐行对应;可不填。"),
        "respondents": _("纠纷另一方(有人申请调解的为被申请人),填法同当事人一方。"),
        "respondent_id_numbers": _("同一方身份证号。"),
        "respondent_mobiles": _("同一方联系电话。"),
        "respondent_addresses": _("同一方住址。"),
        "source": _("可填写:%(choices)s。") % {"choices": "、".join(lookups.active_source_names)},
        "dispute_type": _("可填写:%(choices)s。")
        % {"choices": "、".join(lookups.active_type_names)},
        "grade": _("蓝色(一般)、黄色(较大)、红色(重大),也可简写为蓝、黄、红。"),
        "summary": _("简要案情;最多4000字。"),
        "amount_at_stake": _("数字,单位元,如 1200 或 1200.50;可不填。"),
        "external_reference": _(
            "法院委托调解的案号、110警情单号、12345工单号或信访件编号;同一来源的编号不能重复。"
        ),
    }


def write_template(target, user) -> None:
    """An empty ledger to fill in: the import columns, a sheet explaining each of them,
    and the area codes within the user's reach."""
    lookups = Lookups(user)
    notes = _column_notes(lookups)
    workbook = xlsxwriter.Workbook(target, {"in_memory": True})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    required_header = workbook.add_format(
        {"bold": True, "bg_color": "#FCE4D6", "border": 1, "font_color": "#C00000"}
    )
    text = workbook.add_format({"num_format": "@", "text_wrap": True, "valign": "top"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    money = workbook.add_format({"num_format": "#,##0.00", "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    bold = workbook.add_format({"bold": True})

    ledger = workbook.add_worksheet(_("台账"))
    for index, column in enumerate(IMPORTABLE_COLUMNS):
        cell_format = {Kind.DATE: date, Kind.MONEY: money}.get(column.kind, text)
        ledger.set_column(index, index, column.width, cell_format)
        ledger.write_string(0, index, column.header, required_header if column.required else header)
        ledger.write_comment(0, index, notes.get(column.key, ""))
    ledger.freeze_panes(1, 0)

    guide = workbook.add_worksheet(_("填写说明"))
    guide.set_column(0, 0, 18)
    guide.set_column(1, 1, 8)
    guide.set_column(2, 2, 90, wrap)
    guide.write_row(0, 0, [_("列名"), _("必填"), _("填写说明")], bold)
    for row_index, column in enumerate(IMPORTABLE_COLUMNS, start=1):
        guide.write_string(row_index, 0, column.header)
        guide.write_string(row_index, 1, _("是") if column.required else "")
        guide.write_string(row_index, 2, notes.get(column.key, ""))
    row_index = len(IMPORTABLE_COLUMNS) + 2
    for line in general_notes():
        guide.write_string(row_index, 0, line)
        row_index += 1

    areas = workbook.add_worksheet(_("区域代码"))
    areas.set_column(0, 0, 16, text)
    areas.set_column(1, 1, 40)
    areas.write_row(0, 0, [_("区域代码"), _("名称")], bold)
    reach = areas_within_reach(user).order_by("path").values_list("code", "name", "depth")
    for row_index, (code, name, depth) in enumerate(reach.iterator(), start=1):
        areas.write_string(row_index, 0, code)
        areas.write_string(row_index, 1, f"{'　' * depth}{name}")
    workbook.close()


def general_notes() -> list[str]:
    """What the page, the template and the command all say about the import."""
    return [
        _("第一行是列名(上面可以有一行标题);每个案件一行;红色列名为必填列。"),
        _("只导入案件登记信息,导入后案件状态为“登记”。"),
        _(
            "调解员、调解次数、状态、调解结果、协议、履行、回访、销号等列不导入,会被忽略;请在门户中逐案办理。"
        ),
        _("门户导出的台账可以作为模板,但身份证号和手机号须填写完整号码。"),
        _(
            "当事人类型、民族、出生日期、工作单位、统一社会信用代码等列可以不填或不要;"
            "没有这些列的旧模板照常导入。"
        ),
        _("整个文件全部校验通过才会导入;有任何一行出错,文件中的案件均不导入。"),
    ]
