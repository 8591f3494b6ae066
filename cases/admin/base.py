"""What the cases back office's pages share: how rows under a case are scoped, whether a
step is open to the user, and saving a change through the service that corrects it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from cases.models import Case
from cases.policy import Action
from cases.selectors import cases_in_reach
from cases.workflow import step_open
from common.admin_scoping import ScopedAdminMixin, call_service


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
