"""``quick_form`` and ``quick_field`` write what crispy-forms' Bootstrap 5 templates
write, for every kind of field the portal's forms use, with and without errors; what they
do not write themselves they leave to crispy-forms."""

import datetime

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms
from django.template import Context, Template
from django.test.html import parse_html

from cases.forms.registration import DATE_INPUT, CaseForm, PartyForm
from common.forms import PlainFormMixin
from common.templatetags.quick_forms import quick_field, quick_form


class EveryKindForm(PlainFormMixin, forms.Form):
    name = forms.CharField(label="姓名 <b>", max_length=10, help_text="如:张三 <i>")
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    count = forms.IntegerField(label="人数", min_value=1)
    day = forms.DateField(label="日期", widget=DATE_INPUT)
    grade = forms.ChoiceField(label="等级", choices=[("", "---"), ("blue", "蓝色")])
    kinds = forms.MultipleChoiceField(label="多选", required=False, choices=[("a", "甲")])
    agreed = forms.BooleanField(label="同意", required=False, help_text="勾选表示同意")
    must = forms.BooleanField(label="必须勾选")
    side = forms.ChoiceField(
        label="单选", choices=[("a", "甲"), ("b", "乙")], widget=forms.RadioSelect
    )
    scan = forms.FileField(label="扫描件", required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    styled = forms.CharField(
        label="已有样式", required=False, widget=forms.TextInput(attrs={"class": "font-monospace"})
    )

    def clean(self):
        raise forms.ValidationError("整张表的错误 <script>")


BAD_DATA = {"name": "x" * 11, "count": "0", "day": "2026-13-40", "grade": "red", "side": "c"}
GOOD_DATA = {"name": "张三", "count": "2", "day": "2026-11-30", "grade": "blue", "side": "a"}


def same_html(ours, crispys) -> bool:
    return parse_html(str(ours)) == parse_html(str(crispys))


def test_each_kind_of_field_is_written_as_crispy_writes_it_blank_with_errors_and_filled():
    for data in (None, BAD_DATA, GOOD_DATA):
        for name in EveryKindForm.base_fields:
            # crispy-forms changes a widget's classes as it renders: a fresh form each.
            ours, theirs = EveryKindForm(data=data)[name], EveryKindForm(data=data)[name]
            assert same_html(quick_field(ours), as_crispy_field(theirs)), (data, name)


def test_a_whole_form_with_its_form_wide_error_is_written_as_crispy_writes_it():
    for data in (None, BAD_DATA, GOOD_DATA):
        assert same_html(
            quick_form(EveryKindForm(data=data)), as_crispy_form(EveryKindForm(data=data))
        )


def test_the_registration_forms_fields_are_written_as_crispy_writes_them(world):
    bad = {"title": "", "received_on": "昨天", "amount_at_stake": "很多", "area": "-1"}
    for data in (None, bad):
        ours = CaseForm(data=data, user=world.secretary_a)
        theirs = CaseForm(data=data, user=world.secretary_a)
        assert same_html(quick_form(ours), as_crispy_form(theirs)), data
    party_bad = {"name": "", "id_number": "123", "mobile": "abc", "birth_date": "1990-02-30"}
    for data in (None, party_bad):
        for name in PartyForm.base_fields:
            ours, theirs = PartyForm(data=data)[name], PartyForm(data=data)[name]
            assert same_html(quick_field(ours), as_crispy_field(theirs)), (data, name)


def test_what_a_user_typed_and_the_errors_show_escaped():
    rendered = quick_form(EveryKindForm(data={**BAD_DATA, "name": "<img src=x>"}))

    assert "<img src=x>" not in rendered
    assert "&lt;img src=x&gt;" in rendered
    assert "整张表的错误 &lt;script&gt;" in rendered
    assert "姓名 &lt;b&gt;" in rendered


def test_the_filters_are_what_the_templates_load():
    form = EveryKindForm(initial={"day": datetime.date(2026, 11, 30)})
    page = Template("{% load quick_forms %}{{ form|quick_form }}{{ form.name|quick_field }}")

    rendered = page.render(Context({"form": form}))

    assert rendered.count('id="div_id_name"') == 2
    assert 'value="2026-11-30"' in rendered
