"""The doors a rule can be tried at, each read back as the words it refused with.

A door is a page (the Django test client), the API (a token client), the admin (a change
form), the ledger import, or a management command. Each reader returns the messages the
door showed, so that a test can say "every door refused with the same words"; ``state``
is everything those doors could have written, so that it can also say "and nothing
changed".
"""

import csv
import io

from django.contrib.messages import constants as message_levels
from django.utils import timezone

from accounts.models import User
from grids.models import Area
from reports import importing
from reports.columns import LEDGER_COLUMNS
from reports.models import MonthlyReview
from tests.api.conftest import errors
from tests.factories import make_id_number
from tests.web.helpers import html, snapshot

CASES_API = "/api/v1/cases/"
GOOD_ID_NUMBER = make_id_number()
BAD_CHECK_CHAR = "360426199101010072"  # DOMAIN §6's invalid test value
GOOD_MOBILE = "13912345678"


def state() -> dict:
    """Every row a refused request at any door could have left behind."""
    return {
        **snapshot(),
        "users": list(User.objects.order_by("pk").values_list("pk", "area_id", "role")),
        "areas": list(Area.objects.order_by("pk").values_list("pk", "parent_id", "path")),
        "reviews": list(MonthlyReview.objects.order_by("pk").values_list("pk", "held_on")),
    }


# ---------------------------------------------------------------------------
# Reading each door's refusal
# ---------------------------------------------------------------------------


def page_refusal(client, response) -> list[str]:
    """What a portal page refused with: the errors on the re-rendered form (its fields,
    the form as a whole, the parties' formset), or, when the page sent the user back to
    the case, the error message shown there."""
    if response.status_code == 302:
        shown = client.get(response["Location"])
        return [
            str(message)
            for message in shown.context["messages"]
            if message.level == message_levels.ERROR
        ]
    assert response.status_code == 200, response.status_code
    shown = []
    form = response.context["form"]
    for messages in form.errors.values():
        shown.extend(messages)
    parties = response.context.get("parties")
    if parties is not None:
        shown.extend(parties.non_form_errors())
        for party_form in parties.forms:
            for messages in party_form.errors.values():
                shown.extend(messages)
    page = html(response)
    for message in shown:
        assert message in page, f"{message!r} is not on the page"
    return shown


def api_refusal(response, status: int = 400) -> list[tuple[str | None, str]]:
    """(field, message) of each error the API answered with."""
    assert response.status_code == status, (response.status_code, response.content)
    return [(item["field"], item["message"]) for item in errors(response)]


def admin_refusal(response) -> list[str]:
    """The errors on a re-shown admin change form, its inlines included."""
    assert response.status_code == 200, response.status_code
    shown = []
    for messages in response.context["adminform"].form.errors.values():
        shown.extend(messages)
    for inline in response.context["inline_admin_formsets"]:
        shown.extend(inline.formset.non_form_errors())
        for inline_form in inline.formset.forms:
            for messages in inline_form.errors.values():
                shown.extend(messages)
    assert shown, "the admin saved instead of refusing"
    return shown


# ---------------------------------------------------------------------------
# What each door is sent
# ---------------------------------------------------------------------------


def registration_api_data(world, *, applicant=None, respondent=None, **overrides) -> dict:
    """What a pushing system posts for the same case."""
    data = {
        "area": world.village_a.code,
        "title": "王某与陈某宅基地纠纷",
        "summary": "两家因宅基地界址发生争吵。",
        "source": "walk_in",
        "dispute_type": "housing_homestead",
        "grade": "yellow",
        "received_on": timezone.localdate().isoformat(),
        "parties": [
            {
                "role": "applicant",
                "name": "王大山",
                "gender": "male",
                "id_number": GOOD_ID_NUMBER,
                "mobile": GOOD_MOBILE,
                "address": "枫源村三组8号",
                **(applicant or {}),
            },
            {"role": "respondent", "name": "陈小河", "gender": "female", **(respondent or {})},
        ],
    }
    data.update(overrides)
    return data


IMPORT_HEADERS = [column.header for column in LEDGER_COLUMNS if column.importable]


def ledger_row(world, **values) -> dict:
    """One row of a ledger file, by column header: the same good case unless overridden."""
    data = {
        "区域代码": world.village_a.code,
        "登记日期": timezone.localdate().isoformat(),
        "案件名称": "王某与陈某宅基地纠纷",
        "当事人一方": "王大山",
        "一方身份证号": GOOD_ID_NUMBER,
        "一方联系电话": GOOD_MOBILE,
        "一方住址": "枫源村三组8号",
        "当事人另一方": "陈小河",
        "来源": "群众来访",
        "纠纷类型": "房屋宅基地",
        "风险等级": "黄",
        "简要案情": "两家因宅基地界址发生争吵。",
    }
    data.update(values)
    return data


def ledger_file(rows: list[dict]) -> bytes:
    """A UTF-8 CSV file (a workbook cannot hold control characters; a CSV can)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(IMPORT_HEADERS)
    for values in rows:
        writer.writerow([values.get(header, "") for header in IMPORT_HEADERS])
    return buffer.getvalue().encode()


def import_refusal(by, rows: list[dict]) -> list[str]:
    """The problems the ledger import reports, as the page and the command print them
    ("第 N 行 · 列名:消息")."""
    result = importing.import_ledger(by=by, content=ledger_file(rows), file_name="台账.csv")
    assert not result.ok, "the import accepted the file"
    return [str(problem) for problem in result.problems]
