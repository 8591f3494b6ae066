"""The ledger's filter panel, laid out by hand with drop-downs written in Python: the
same choices, selection and escaping as Django's own widgets, and a bad value told
beside its field with everything else kept."""

from django import forms
from django.test.html import parse_html
from django.urls import reverse

from common.widgets import QuickSelect
from tests.factories import register_case
from tests.web.helpers import html

LEDGER = reverse("cases:list")

CHOICES = [
    ("", "请选择"),
    ("a", "甲 <b>&"),
    ("区域", [("b", "乙"), ("c", 'say "丙"')]),
]


def test_a_quick_select_writes_what_djangos_select_writes():
    for value in ("", "a", "c", None, "not offered"):
        attrs = {"id": "id_pick", "class": "form-select"}
        quick = QuickSelect(choices=CHOICES).render("pick", value, attrs)
        django = forms.Select(choices=CHOICES).render("pick", value, attrs)

        assert parse_html(quick) == parse_html(django), value


def test_a_quick_select_escapes_what_a_label_holds():
    rendered = QuickSelect(choices=CHOICES).render("pick", "a")

    assert "<b>" not in rendered
    assert "甲 &lt;b&gt;&amp;" in rendered
    assert "say &quot;丙&quot;" in rendered


def test_the_ledger_panel_keeps_the_chosen_filters_and_marks_a_bad_date(client, world):
    register_case(world.secretary_a, title="张家与李家漏水纠纷")
    client.force_login(world.secretary_a)

    response = client.get(LEDGER, {"q": "漏水", "grade": "yellow", "received_after": "2026-13-40"})

    page = parse_html(html(response))
    assert response.status_code == 200
    assert page.count(parse_html('<option value="yellow" selected>黄色(较大)</option>')) == 1
    text = html(response)
    assert 'name="q" value="漏水"' in text
    assert 'name="received_after" value="2026-13-40" class="form-control is-invalid"' in text
    assert '<div class="invalid-feedback d-block">输入一个有效的日期。</div>' in text
