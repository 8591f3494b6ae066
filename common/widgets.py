"""Widgets for pages that render on every request, where Django's per-option templates
show up in the profile."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class QuickSelect(forms.Select):
    """A drop-down whose options are written in Python rather than through one template
    render each. Same choices, same selection, same attributes as ``forms.Select``; the
    ledger's filter panel renders hundreds of options (every area in a district) on
    every page, which was most of the panel's cost."""

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in context["optgroups"]:
            html = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((o["value"], flatatt(o["attrs"]), o["label"]) for o in options),
            )
            groups.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, html)
                if group_name
                else html
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            context["name"],
            flatatt(context["attrs"]),
            format_html_join("", "{}", ((group,) for group in groups)),
        )


def bootstrap_classes(form) -> None:
    """Give each widget of ``form`` Bootstrap's class for its kind, as crispy-forms
    would, for a form the template lays out by hand."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = css
