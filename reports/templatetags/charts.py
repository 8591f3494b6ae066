"""Charts drawn on the server as inline SVG: no JavaScript, nothing from the internet.

The geometry is computed here and the inclusion templates only place it. Each chart has a
``viewBox`` so it scales to a phone's width; every bar and point is a link to the ledger
rows it counts, carries a ``<title>`` (the tooltip and the accessible name) and shows its
number. Colours are SVG presentation attributes, never ``style``, for the CSP.
"""

from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()

ACCEPTED_FILL = "#9ec5fe"
SUCCESSFUL_FILL = "#198754"
OVERDUE_STROKE = "#dc3545"


@register.filter
def ledger_url(params) -> str:
    """The case list filtered by ``params`` (a dict from ``reports.statistics``)."""
    if not params:
        return ""
    return f"{reverse('cases:list')}?{urlencode(params)}"


@register.filter
def percent(value) -> str:
    """A fraction as a percentage to two places (``Decimal("0.4776")`` → ``47.76%``)."""
    if value is None or value == "":
        return "—"
    hundred = (Decimal(value) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{hundred}%"


@register.filter
def money(value) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f}"


@register.filter
def figure_value(figure) -> str:
    """A figure's value as the page shows it, by its kind."""
    if figure.kind == "percent":
        return percent(figure.value)
    if figure.kind == "money":
        return money(figure.value)
    return str(figure.value)


@register.filter
def change_text(change_obj, kind) -> str:
    """A change as "+8 (+400.00%)"; for rates the difference is in percentage points."""
    absolute, relative = change_obj.absolute, change_obj.relative
    if absolute is None:
        return "—"
    if kind == "percent":
        points = (Decimal(absolute) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        text = _("%(points)s个百分点") % {"points": f"{points:+}"}
    elif kind == "money":
        text = f"{Decimal(absolute):+,.2f}"
    else:
        text = f"{absolute:+d}"
    if relative is not None:
        text += f" ({'+' if relative >= 0 else ''}{percent(relative)})"
    return text


@register.filter
def change_direction(change_obj) -> str:
    if change_obj.absolute is None or change_obj.absolute == 0:
        return "flat"
    return "up" if change_obj.absolute > 0 else "down"


def _nice_ceiling(value: int) -> int:
    """A round axis maximum at or above ``value``, even so its half is a whole number."""
    if value <= 4:
        return 4
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10):
        top = int(step * magnitude)
        if top >= value and top % 2 == 0:
            return top
    return 10 * magnitude


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


TREND_WIDTH, TREND_HEIGHT = 640, 260
TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 40, 8, 18, 44


@register.inclusion_tag("reports/includes/chart_trend.html")
def trend_chart(trend, chart_id="trend"):
    """Accepted and successful as paired bars per month, overdue as a line."""
    plot_width = TREND_WIDTH - TREND_LEFT - TREND_RIGHT
    plot_height = TREND_HEIGHT - TREND_TOP - TREND_BOTTOM
    baseline = TREND_TOP + plot_height
    top = _nice_ceiling(max([1, *(max(p.accepted, p.successful, p.overdue) for p in trend)]))

    def y_of(value: int) -> float:
        return round(baseline - plot_height * value / top, 1)

    slot = plot_width / max(len(trend), 1)
    bar_width = round(slot * 0.34, 1)
    months, line = [], []
    for index, point in enumerate(trend):
        left = TREND_LEFT + slot * index
        centre = round(left + slot / 2, 1)
        bars = []
        for offset, value, fill, label, params in (
            (-bar_width, point.accepted, ACCEPTED_FILL, _("受理"), point.accepted_ledger),
            (0, point.successful, SUCCESSFUL_FILL, _("调解成功"), point.successful_ledger),
        ):
            y = y_of(value)
            bars.append(
                {
                    "x": round(centre + offset, 1),
                    "y": y,
                    "width": bar_width,
                    "height": round(baseline - y, 1),
                    "fill": fill,
                    "value": value,
                    "text_x": round(centre + offset + bar_width / 2, 1),
                    "text_y": round(y - 3, 1),
                    "title": f"{point.label} {label} {value}",
                    "url": ledger_url(params),
                }
            )
        overdue_y = y_of(point.overdue)
        line.append(f"{centre},{overdue_y}")
        months.append(
            {
                "label": point.label,
                "label_x": centre,
                "bars": bars,
                "overdue": {
                    "cx": centre,
                    "cy": overdue_y,
                    "value": point.overdue,
                    "title": f"{point.label} {_('超期未化解')} {point.overdue}",
                    "url": ledger_url(point.overdue_ledger),
                },
            }
        )
    ticks = [
        {"y": y_of(value), "label_y": round(y_of(value) + 3, 1), "value": value}
        for value in (0, top // 2, top)
    ]
    return {
        "chart_id": chart_id,
        "width": TREND_WIDTH,
        "height": TREND_HEIGHT,
        "left": TREND_LEFT,
        "right": TREND_WIDTH - TREND_RIGHT,
        "baseline": baseline,
        "month_label_y": baseline + 14,
        "legend_y": TREND_HEIGHT - 8,
        "months": months,
        "line": " ".join(line),
        "ticks": ticks,
        "trend": trend,
        "accepted_fill": ACCEPTED_FILL,
        "successful_fill": SUCCESSFUL_FILL,
        "overdue_stroke": OVERDUE_STROKE,
    }


BAR_WIDTH = 640
BAR_LABEL_WIDTH = 150
BAR_ROW = 24
BAR_TEXT_SPACE = 150


@register.inclusion_tag("reports/includes/chart_bars.html")
def breakdown_chart(breakdown, chart_id):
    """One row per kind: the accepted bar, the successful bar inside it, the numbers."""
    rows = breakdown.rows
    top = max([1, *(row.accepted for row in rows)])
    span = BAR_WIDTH - BAR_LABEL_WIDTH - BAR_TEXT_SPACE
    drawn = []
    for index, row in enumerate(rows):
        y = 6 + index * BAR_ROW
        accepted_width = round(span * row.accepted / top, 1)
        successful_width = round(span * row.successful / top, 1)
        rate = percent(row.success_rate)
        drawn.append(
            {
                "label": _shorten(row.label, 11),
                "full_label": row.label,
                "label_y": y + 14,
                "y": y + 2,
                "inner_y": y + 6,
                "accepted_width": max(accepted_width, 1),
                "successful_width": successful_width,
                "text_x": BAR_LABEL_WIDTH + max(accepted_width, 1) + 6,
                "accepted": row.accepted,
                "successful": row.successful,
                "rate": rate,
                "accepted_title": _("%(name)s:受理 %(count)d 件")
                % {
                    "name": row.label,
                    "count": row.accepted,
                },
                "successful_title": _("%(name)s:调解成功 %(count)d 件,成功率 %(rate)s")
                % {"name": row.label, "count": row.successful, "rate": rate},
                "accepted_url": ledger_url(row.accepted_ledger),
                "successful_url": ledger_url(row.successful_ledger),
            }
        )
    return {
        "chart_id": chart_id,
        "breakdown": breakdown,
        **_bar_frame(rows),
        "rows": drawn,
        "accepted_fill": ACCEPTED_FILL,
        "successful_fill": SUCCESSFUL_FILL,
    }


def _bar_frame(rows) -> dict:
    """The geometry every horizontal bar chart shares: a row of bars per item."""
    return {
        "width": BAR_WIDTH,
        "height": 12 + BAR_ROW * max(len(rows), 1),
        "label_right": BAR_LABEL_WIDTH - 6,
        "bar_left": BAR_LABEL_WIDTH,
    }


@register.inclusion_tag("reports/includes/chart_counts.html")
def count_chart(rows, chart_id, title):
    """One bar per row of its cohort count (the cohort by outcome)."""
    top = max([1, *(row.total for row in rows)])
    span = BAR_WIDTH - BAR_LABEL_WIDTH - BAR_TEXT_SPACE
    drawn = []
    for index, row in enumerate(rows):
        y = 6 + index * BAR_ROW
        width = max(round(span * row.total / top, 1), 1)
        drawn.append(
            {
                "label": _shorten(row.label, 11),
                "label_y": y + 14,
                "y": y + 2,
                "width": width,
                "text_x": BAR_LABEL_WIDTH + width + 6,
                "total": row.total,
                "share": percent(row.share),
                "title": _("%(name)s:%(count)d 件") % {"name": row.label, "count": row.total},
                "url": ledger_url(row.ledger),
            }
        )
    return {
        "chart_id": chart_id,
        "title": title,
        **_bar_frame(rows),
        "rows": drawn,
        "fill": SUCCESSFUL_FILL,
    }
