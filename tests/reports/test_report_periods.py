"""The period a report covers is read by one function (reports.periods.period_from) for
the page's form and the export command alike: the same limits at every door."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from grids.models import Area
from reports.forms import ReportScopeForm


def test_the_export_command_refuses_a_range_of_more_than_three_years_as_the_form_does(
    world, tmp_path
):
    output = tmp_path / "ledger.xlsx"

    with pytest.raises(CommandError, match="日期范围不能超过三年"):
        call_command(
            "export_ledger",
            area=world.village_a.code,
            start="2020-01-01",
            end="2023-01-05",
            output=str(output),
        )

    assert not output.exists()
    form = ReportScopeForm(
        {"area": world.village_a.code, "start": "2020-01-01", "end": "2023-01-05"},
        areas=Area.objects.all(),
    )
    assert not form.is_valid()
    assert form.errors["end"] == ["日期范围不能超过三年。"]


def test_the_export_command_accepts_a_range_just_under_three_years(world, tmp_path):
    output = tmp_path / "ledger.csv"
    start = datetime.date(2020, 1, 1)
    end = start + datetime.timedelta(days=3 * 366 - 1)

    call_command(
        "export_ledger",
        area=world.village_a.code,
        start=start.isoformat(),
        end=end.isoformat(),
        output=str(output),
        stdout=io.StringIO(),
    )

    assert output.exists()
