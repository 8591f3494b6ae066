"""Form helpers every app's pages share."""


def show_refusal(form, error, formsets: dict | None = None) -> None:
    """Put a service's ValidationError on the form: on the field it names (or above the
    formset it names, e.g. ``parties``), else on top, so the page comes back with
    everything the user typed and the reason beside it."""
    formsets = formsets or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        if field in formsets:
            formset = formsets[field]
            messages = [m for e in errors for m in e.messages]
            formset._non_form_errors = formset.error_class(messages, error_class="nonform")
        else:
            form.add_error(field if field in form.fields else None, errors)
