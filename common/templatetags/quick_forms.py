"""``quick_form`` and ``quick_field``: crispy-forms' Bootstrap 5 markup for a form or a
field, written in Python.

The portal's forms are laid out with ``{{ form|crispy }}`` and ``|as_crispy_field``, which
render every field through a dozen nested template includes: the registration page, with
its party blocks, spent about 190 ms of CPU a request on them. These filters give the
same HTML (tests/web/test_quick_forms.py compares them with crispy's, field kind by field
kind, with and without errors) in a fraction of that. A field they do not write (a file
input, radio buttons or check boxes of several choices, a widget drawn as a fieldset) or a
form with a crispy ``helper`` (its own layout) is handed to crispy-forms as before.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_LEFT_TO_CRISPY = (forms.FileInput, forms.RadioSelect)  # CheckboxSelectMultiple is a RadioSelect


def _drawn_by_crispy(field: BoundField) -> bool:
    widget = field.field.widget
    return isinstance(widget, _LEFT_TO_CRISPY) or widget.use_fieldset


def _widget(field: BoundField, bootstrap: str) -> SafeString:
    """The input with crispy's classes: its widget's own, the widget's class name, then
    Bootstrap's (``crispy_forms_field.CrispyFieldNode``)."""
    widget = field.field.widget
    kind = type(widget).__name__.lower()
    css = widget.attrs.get("class", "")
    if not css:
        css = kind
    elif kind not in css:
        css = f"{css} {kind}"
    present = css.split()
    css = " ".join([*present, *(name for name in bootstrap.split() if name not in present)])
    html = field.as_widget(attrs={"class": css})
    if field.field.show_hidden_initial:
        html += field.as_hidden(only_initial=True)
    return html


def _errors_and_help(field: BoundField) -> SafeString:
    parts = []
    if field.errors:
        parts.append(
            format_html(
                '<div id="{}_error" class="invalid-feedback">{}</div>',
                field.errors.field_id,
                format_html_join(
                    "",
                    '<p id="error_{}_{}"><strong>{}</strong></p>',
                    ((n, field.auto_id, error) for n, error in enumerate(field.errors, 1)),
                ),
            )
        )
    if field.help_text:
        help_id = format_html('id="{}_helptext" ', field.auto_id) if field.auto_id else ""
        parts.append(
            format_html(
                '<div {}class="form-text">{}</div>',
                help_id,
                mark_safe(field.help_text),  # noqa: S308 - crispy prints help text as safe too
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - each part is built by format_html


def _label_text(field: BoundField) -> SafeString:
    if field.field.required:
        return format_html('{}<span class="asteriskField">*</span>', field.label)
    return format_html("{}", field.label)


def _required(field: BoundField) -> str:
    return " requiredField" if field.field.required else ""


def _classes(base: str, field: BoundField) -> str:
    extra = field.css_classes()
    return f"{base} {extra}" if extra else base


def _field_html(field: BoundField) -> SafeString:
    if field.is_hidden:
        return mark_safe(str(field))  # noqa: S308 - Django's own widget rendering
    invalid = " is-invalid" if field.errors else ""
    if isinstance(field.field.widget, forms.CheckboxInput):
        return format_html(
            '<div class="mb-3"><div id="div_{}" class="{}">{}'
            '<label for="{}" class="form-check-label{}">{}</label>{}</div></div>',
            field.auto_id,
            _classes("form-check", field),
            _widget(field, "form-check-input" + invalid),
            field.id_for_label,
            _required(field),
            _label_text(field),
            _errors_and_help(field),
        )
    label = ""
    if field.label:
        label_for = format_html('for="{}" ', field.id_for_label) if field.id_for_label else ""
        label = format_html(
            '<label {}class="form-label{}">{}</label>',
            label_for,
            _required(field),
            _label_text(field),
        )
    bootstrap = "form-select" if isinstance(field.field.widget, forms.Select) else "form-control"
    return format_html(
        '<div id="div_{}" class="{}">{}{}{}</div>',
        field.auto_id,
        _classes("mb-3", field),
        label,
        _widget(field, bootstrap + invalid),
        _errors_and_help(field),
    )


@register.filter
def quick_field(field: BoundField) -> SafeString:
    """``{{ form.name|quick_field }}``: what ``|as_crispy_field`` gives."""
    if getattr(field.form, "helper", None) is not None or _drawn_by_crispy(field):
        return as_crispy_field(field)
    return _field_html(field)


@register.filter
def quick_form(form) -> SafeString:
    """``{{ form|quick_form }}``: what ``|crispy`` gives for a form without a helper."""
    if isinstance(form, forms.BaseFormSet) or getattr(form, "helper", None) is not None:
        return as_crispy_form(form)
    parts = []
    errors = form.non_field_errors()
    if errors:
        parts.append(
            format_html(
                '<div class="alert alert-block alert-danger"><ul class="m-0">{}</ul></div>',
                format_html_join("", "<li>{}</li>", ((error,) for error in errors)),
            )
        )
    parts.extend(
        as_crispy_field(field) if _drawn_by_crispy(field) else _field_html(field) for field in form
    )
    return mark_safe("".join(parts))  # noqa: S308 - each part is escaped where it is built
