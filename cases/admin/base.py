"""What the cases back office's pages share: how rows under a case are scoped, whether a
step is open to the user, saving a change through the service that corrects it, and a
step taken for several selected rows (``run_bulk_step``)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from cases.models import Case
from cases.policy import Action
from cases.selectors import cases_in_reach
from cases.workflow import step_open
from common.admin_scoping import ScopedAdminMixin, call_service
from common.forms import show_refusal


class CaseChildScopedMixin:
    """Scoping for rows that hang off a case: parties, sessions, agreements, events."""

    def scope_queryset(self, request, queryset):
        return queryset.filter(case__in=cases_in_reach(request.user))


class DistrictWideMixin(ScopedAdminMixin):
    """One table for the whole district, not scoped by area: every office reads and works
    to the same list."""

    def scope_queryset(self, request, queryset):
        return queryset


def case_editable(user, case: Case) -> bool:
    return step_open(user, case, Action.EDIT)


def refusal_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return ";".join(error.messages)
    return str(error) or gettext("没有权限。")


class ServiceSaveMixin:
    """A change form saved the way the portal saves it: the changed fields among
    ``service_fields`` go to ``save_service(case=…, by=…, data=…)``, which records who
    changed what; the admin never writes the row itself, nor adds one."""

    service_fields: tuple[str, ...] = ()

    def save_service(self, **kwargs):
        raise NotImplementedError

    def service_case(self, obj) -> Case:
        return obj.case

    def save_model(self, request, obj, form, change):
        if not change:
            raise PermissionDenied
        data = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field in self.service_fields
        }
        if data:
            call_service(self.save_service, case=self.service_case(obj), by=request.user, data=data)


# More than this at once is almost certainly a slip of "select all".
BATCH_LIMIT = 100


@dataclass(frozen=True)
class BulkStep:
    """One workflow step taken for several selected rows from the changelist: a
    confirmation page with the step's form, then the service for each row, each refusal
    reported in the service's own words. A refusal of what was typed (a field of the form,
    before any row was done) goes back to the form with the input kept."""

    title: str
    template: str
    form_class: type
    perform: Callable  # (row, user, cleaned_data) -> None: the service call
    refused: Callable[[object, str], str]  # (row, reason) -> message
    done: Callable[[int], str]  # count -> message
    too_many: Callable[[int], str]  # limit -> message


def run_bulk_step(model_admin, request, rows, step: BulkStep):
    rows = list(rows[: BATCH_LIMIT + 1])
    if len(rows) > BATCH_LIMIT:
        model_admin.message_user(request, step.too_many(BATCH_LIMIT), messages.ERROR)
        return None
    form = step.form_class(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        done, refusals = 0, []
        for row in rows:
            try:
                step.perform(row, request.user, form.cleaned_data)
            except ValidationError as refusal:
                typed = hasattr(refusal, "error_dict") and set(refusal.error_dict) <= set(
                    form.fields
                )
                if not done and typed:
                    show_refusal(form, refusal)
                    break
                refusals.append((row, refusal))
            except PermissionDenied as refusal:
                refusals.append((row, refusal))
            else:
                done += 1
        if form.is_valid():
            for row, refusal in refusals:
                model_admin.message_user(
                    request, step.refused(row, refusal_text(refusal)), messages.WARNING
                )
            if done:
                model_admin.message_user(request, step.done(done), messages.SUCCESS)
            return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": step.title,
        "opts": model_admin.opts,
        "rows": rows,
        "action": request.POST.get("action", ""),
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": model_admin.media,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, step.template, context)
