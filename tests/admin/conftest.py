"""Helpers for the admin tests: URLs, and the POST a browser would send for a form."""

from django.urls import reverse


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _as_post_value(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def post_data_from(response) -> dict:
    """The data the change page in ``response`` would post unchanged, inlines included."""
    data: dict = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for bound in form:
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
                continue
            data[bound.html_name] = _as_post_value(value)
    data["_save"] = "保存"
    return data


def form_errors(response) -> dict:
    """Errors of the main admin form, by field (``__all__`` for the form as a whole)."""
    form = response.context["adminform"].form
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}
