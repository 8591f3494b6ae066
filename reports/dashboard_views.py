"""The reports landing page and the supervisors' dashboard.

The dashboard shows the figures of ``reports.statistics`` for an area within the user's
reach and a period (``ReportScopeForm``; by default the user's own area and the last full
month). An area outside the reach is refused by the form like any unknown choice, and
then no figures at all are shown. Grid members and mediators keep to their cases: 403.
"""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Area, AreaLevel
from grids.selectors import areas_within_reach
from reports import statistics
from reports.filing import may_file
from reports.forms import ReportScopeForm
from reports.policy import may_export, may_import, may_review, may_see_dashboard


def last_full_month(today: datetime.date | None = None) -> str:
    first = (today or timezone.localdate()).replace(day=1)
    return f"{first - datetime.timedelta(days=1):%Y-%m}"


def _default_area(user, areas) -> Area | None:
    if user.area_id and user.area.level != AreaLevel.MICROGRID:
        return user.area
    return areas.exclude(level=AreaLevel.MICROGRID).order_by("depth", "code").first()


def _ledger_download_url(area: Area, period) -> str:
    base = reverse("reports:ledger_export")
    if period.is_month:
        query = {"area": area.code, "month": f"{period.start:%Y-%m}"}
    else:
        query = {"area": area.code, "start": period.start, "end": period.end}
    return f"{base}?{urlencode(query)}"


def _scope_form(request) -> ReportScopeForm:
    """The area and period asked for, or the user's own area and the last full month."""
    user = request.user
    if not may_see_dashboard(user):
        raise PermissionDenied
    areas = areas_within_reach(user)
    if request.GET:
        return ReportScopeForm(request.GET, areas=areas)
    default_area = _default_area(user, areas)
    return ReportScopeForm(
        {"area": default_area.code if default_area else "", "month": last_full_month()},
        areas=areas,
    )


@login_required
def dashboard(request):
    form = _scope_form(request)
    stats = None
    if form.is_valid():
        area, period = form.cleaned_data["area"], form.cleaned_data["period"]
        stats = statistics.statistics_for(area, period)
    context = {
        "form": form,
        "stats": stats,
        "cohort_note": statistics.COHORT_NOTE,
    }
    if stats is not None:
        figures = stats.figures
        context.update(
            {
                "area_name": stats.area.full_name(),
                "download_url": _ledger_download_url(stats.area, stats.period),
                "sections": _sections(figures),
                "repeats_url": f"{reverse('reports:repeat_rates')}?{request.GET.urlencode()}",
            }
        )
    return render(request, "reports/dashboard.html", context)


@login_required
def repeat_rates(request):
    """The repeat-dispute rate of the same area and period, on a page of its own: it
    compares every party of the period with the 24 months before (a few seconds for a
    district's busy month at 1M cases), so the dashboard does not wait for it."""
    form = _scope_form(request)
    context = {"form": form, "repeats": None, "repeat_note": statistics.REPEAT_NOTE}
    if form.is_valid():
        area, period = form.cleaned_data["area"], form.cleaned_data["period"]
        context.update(
            {
                "repeats": statistics.repeat_rates_for(area, period),
                "area_name": area.full_name(),
                "period": period,
                "dashboard_url": f"{reverse('reports:dashboard')}?{request.GET.urlencode()}",
            }
        )
    return render(request, "reports/repeat_rates.html", context)


def _sections(figures: dict) -> list[tuple[str, list]]:
    """Every figure, grouped by section in the order of their definitions."""
    sections: dict[str, list] = {}
    for figure in figures.values():
        sections.setdefault(str(figure.spec.section), []).append(figure)
    return list(sections.items())


@login_required
def index(request):
    """What the reports offer this user: only the pages their role may use."""
    user = request.user
    links = []
    if may_see_dashboard(user):
        links.append(
            (
                reverse("reports:dashboard"),
                _("统计分析"),
                _("受理、调解成功、化解率、回访和超期等数据,含趋势、分类图表和环比同比。"),
            )
        )
        links.append(
            (
                reverse("reports:repeat_rates"),
                _("重复纠纷率"),
                _("当事人此前 24 个月内另有纠纷的案件所占比例,按区域和纠纷类型。"),
            )
        )
    if may_export(user):
        links.append(
            (
                reverse("reports:ledger_export"),
                _("导出月度台账"),
                _("按区域和月份(或日期范围)下载 Excel 或 CSV 台账,含统计表和回访表。"),
            )
        )
        links.append(
            (
                reverse("reports:export_list"),
                _("已生成的报表"),
                _("大批量导出在后台生成,完成后可在此下载。"),
            )
        )
    if may_export(user):
        links.append(
            (
                reverse("reports:dossier_incomplete"),
                _("卷宗不全的案件"),
                _("已销号但缺少必备文书的案件,按调解委员会和月份,供卷宗检查。"),
            )
        )
    if may_file(user):
        links.append(
            (
                reverse("reports:dossier_filing"),
                _("卷宗年度归档"),
                _("一个调解委员会一年的全部销号案件卷宗,打包为ZIP(每案一个PDF和卷宗目录)。"),
            )
        )
    if may_import(user):
        links.append(
            (
                reverse("reports:ledger_import"),
                _("导入台账"),
                _("导入已有的 Excel 或 CSV 台账;文件全部校验通过才会导入。"),
            )
        )
    if may_review(user):
        links.append(
            (
                reverse("reports:review_list"),
                _("月例会"),
                _("各村(社区)月例会的议程和会议记录。"),
            )
        )
    if not links:
        raise PermissionDenied
    return render(request, "reports/index.html", {"links": links})
