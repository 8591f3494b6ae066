"""Form helpers every app's pages share."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from common.widgets import QuickSelect

# What a drop-down shows before anything is chosen: words, not Django's "---------".
PLEASE_SELECT = _("请选择")

# Django's own words for a limit ("确保该变量包含不超过…") speak like a programmer.
PLAIN_LIMITS = {
    "max_length": _("最多填写 %(limit_value)d 个字。"),
    "min_length": _("至少填写 %(limit_value)d 个字。"),
    "min_value": _("不能小于 %(limit_value)s。"),
    "max_value": _("不能大于 %(limit_value)s。"),
    "max_digits": _("数字太长:最多 %(max)s 位。"),
    "max_decimal_places": _("最多保留 %(max)s 位小数。"),
    "max_whole_digits": _("整数部分最多 %(max)s 位。"),
}


class PlainFormMixin:
    """A portal form that speaks plainly: its drop-downs offer 请选择 as their blank
    choice and its limits are told in everyday words. Put it first among the form's
    bases. Radio buttons keep their choices; the back office keeps Django's words.
    Plain drop-downs are written by ``QuickSelect``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages.update(PLAIN_LIMITS)
            if not isinstance(field.widget, forms.Select):
                continue
            if type(field.widget) is forms.Select:
                # Same widget, options written without a template each: the registration
                # form's 民族 lists alone are 58 options a party.
                field.widget.__class__ = QuickSelect
            if isinstance(field, forms.ModelChoiceField):
                if field.empty_label is not None:
                    field.empty_label = PLEASE_SELECT
            elif isinstance(field, forms.ChoiceField):
                field.choices = [
                    (value, PLEASE_SELECT if value == "" else label)
                    for value, label in field.choices
                ]


class _OfferedChoices(ModelChoiceIterator):
    def __init__(self, field):
        super().__init__(field)
        self.queryset = field.offered


def offer_choices(field, *, offered, accepted) -> None:
    """Let a model choice field show ``offered`` but accept any row of ``accepted``.

    The page offers only the rows a rule allows; a row posted from outside them is
    still read, so that the service refuses it in the rule's own words (the words the
    API shows too) instead of the form answering "not a valid choice" first. An id that
    is not in ``accepted`` at all is still refused by the field."""
    field.offered = offered.all()
    field.iterator = _OfferedChoices
    # Set last: assigning the queryset rebuilds the widget's choices from the iterator.
    field.queryset = accepted


def show_refusal(form, error, formsets: dict | None = None) -> None:
    """Put a service's ValidationError on the form: on the field it names (or above the
    formset it names, e.g. ``parties``), else on top, so the page comes back with
    everything the user typed and the reason beside it."""
    formsets = formsets or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        # "parties.1.name": the second form of the formset "parties", its field "name".
        name, _dot, row_field = field.partition(".")
        index, _dot, row_field = row_field.partition(".")
        if name in formsets and index.isdigit() and int(index) < len(formsets[name].forms):
            row = formsets[name].forms[int(index)]
            row.add_error(row_field if row_field in row.fields else None, errors)
        elif field in formsets:
            formset = formsets[field]
            messages = [m for e in errors for m in e.messages]
            formset._non_form_errors = formset.error_class(messages, error_class="nonform")
        else:
            form.add_error(field if field in form.fields else None, errors)


def form_page(request, *, form, perform, template: str, context: dict):
    """A page with one form, handled the way every portal page handles one. GET shows
    ``form()``; POST binds ``form(request.POST, request.FILES)`` and, when it is valid,
    returns ``perform(cleaned_data)`` (the response: a redirect, after its message). A
    refusal (ValidationError) goes on the form and the page comes back with everything
    the user typed. Any other method: 405."""
    if request.method == "POST":
        bound = form(request.POST, request.FILES)
        if bound.is_valid():
            try:
                return perform(bound.cleaned_data)
            except ValidationError as error:
                show_refusal(bound, error)
    elif request.method == "GET":
        bound = form()
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, template, {**context, "form": bound})
