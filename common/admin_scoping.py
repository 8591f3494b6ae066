"""What every ModelAdmin of the back office shares: who may use it, what they see, and
how a service's refusal is shown.

- Access follows the role, not Django's per-model permission rows (users are provisioned
  by role): clerks add, change and view; supervisors only view; nobody else gets in.
- Every queryset is narrowed to the user's area subtree through the same selectors as
  the portal (``visible_cases``, ``areas_within_reach``), and so is every foreign-key
  choice in a form. An object outside the area answers 404, as it does in the portal.
- This module knows no app: who may use the back office is the rule named by the setting
  ``FENGQIAO_ADMIN_ACCESS`` (``accounts.policy.admin_access``), and each app registers how
  its rows are narrowed for a form's choices with ``scope_choices`` in its ``admin.py``.
- Nothing is ever deleted from the admin: a case is evidence, and the rest is kept for
  the history that points at it. Lookup rows, areas and people are deactivated instead.
"""

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from common.forms import show_refusal
from common.pagination import (
    EXACT_COUNT_PARAM,
    CappedPaginator,
    exact_count_requested,
    wanted_page_number,
)

# Once for the whole site: no bulk delete anywhere (DOMAIN §6: never hard-delete a case).
admin.site.disable_action("delete_selected")
admin.site.site_header = _("枫桥式矛盾纠纷台账 · 后台管理")
admin.site.site_title = _("台账后台")
admin.site.index_title = _("后台管理")

VIEW = "view"
EDIT = "edit"


@cache
def _access_rule() -> Callable:
    return import_string(settings.FENGQIAO_ADMIN_ACCESS)


def admin_access(user) -> str | None:
    """EDIT, VIEW, or None when the user has no business in the admin."""
    return _access_rule()(user)


_CHOICES: dict[type[Model], Callable[[object], QuerySet]] = {}


def scope_choices(model: type[Model], rows_for_user: Callable[[object], QuerySet]) -> None:
    """Say which rows of ``model`` a user may pick in any admin form (a foreign key or
    many-to-many to it). Each app registers its own models from its ``admin.py``."""
    _CHOICES[model] = rows_for_user


def related_choices(model, user) -> QuerySet | None:
    """The rows of ``model`` a user may pick in a form, or None for tables that are not
    scoped by area (the lookup tables)."""
    rows_for_user = _CHOICES.get(model)
    return None if rows_for_user is None else rows_for_user(user)


class ServiceRefused(Exception):
    """A service refused what ``save_model`` handed it; the form is shown again with the
    refusal on it (see ``ScopedAdminMixin.changeform_view``)."""

    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


def call_service(service, **kwargs):
    """Call a service from ``save_model`` / ``save_formset``; a refusal becomes
    ``ServiceRefused`` so that the whole save is rolled back and the form re-shown."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        raise ServiceRefused(error) from error


class _AccessMixin:
    """Role-based permissions shared by ModelAdmins and inlines.

    ``read_only``: history and counters nobody edits, superusers included.
    ``allow_add``: False where rows are created by the portal's workflow.
    """

    read_only = False
    allow_add = True

    def has_module_permission(self, request):
        return admin_access(request.user) is not None

    def has_view_permission(self, request, obj=None):
        return admin_access(request.user) is not None

    def has_delete_permission(self, request, obj=None):
        return False

    def _may_edit(self, request) -> bool:
        return not self.read_only and admin_access(request.user) == EDIT

    def object_editable(self, request, obj) -> bool:
        """Hook: may this particular row be changed now (e.g. not a voided case)?"""
        return True

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request) and (obj is None or self.object_editable(request, obj))

    def scope_queryset(self, request, queryset: QuerySet) -> QuerySet:
        """Narrow ``queryset`` to the user's area. Every admin says how."""
        raise NotImplementedError(f"{type(self).__name__} must scope its queryset")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return self.scope_queryset(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            choices = related_choices(db_field.related_model, request.user)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            choices = related_choices(db_field.related_model, request.user)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CappedChangeList(ChangeList):
    """The changelist of a ``CappedPaginator``: the parameter asking for the exact count
    is not a filter, and the pager links to it when the count stopped at the limit."""

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(EXACT_COUNT_PARAM, None)
        return lookup_params

    @property
    def exact_count_url(self) -> str:
        return self.get_query_string({EXACT_COUNT_PARAM: "1"})


class ScopedAdminMixin(_AccessMixin):
    """Base of every ModelAdmin of the back office (put it before ``admin.ModelAdmin``)."""

    list_per_page = 50
    # The full count is a second COUNT(*) over everything in reach on every page.
    show_full_result_count = False
    # Counts stop at FENGQIAO_EXACT_COUNT_LIMIT rows ("10,000+"), the exact one on request;
    # any page number can still be reached (the paginator counts as far as that page).
    paginator = CappedPaginator

    def get_changelist(self, request, **kwargs):
        return CappedChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return self.paginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            exact=exact_count_requested(request.GET),
            wanted_page=wanted_page_number(request.GET.get(PAGE_VAR)),
        )

    def has_add_permission(self, request):
        return self.allow_add and self._may_edit(request)

    def get_object(self, request, object_id, from_field=None):
        # Django's admin answers a missing object with a redirect and a message naming
        # the id; outside the user's area the answer is 404, as in the portal, whether
        # the row exists elsewhere or not. Someone with no business here gets 403 first.
        if admin_access(request.user) is None:
            raise PermissionDenied
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("找不到该记录,或不在您的管辖范围内。"))
        return obj

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned_data = super().clean()
                show_refusal(self, refusal)
                return cleaned_data

        RefusedForm.__name__ = form_class.__name__
        return RefusedForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The save ran in a transaction that is now rolled back. Build the page again
            # from what was posted, with the service's words on the form, so nothing
            # typed is lost.
            request._service_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)


class ScopedInlineMixin(_AccessMixin):
    """Base of every inline; the parent admin has already scoped the parent row."""

    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return self.allow_add and self._may_edit(request) and self.parent_editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request) and self.parent_editable(request, obj)

    def parent_editable(self, request, parent) -> bool:
        """Hook: may rows under this parent be changed (e.g. not under a voided case)?"""
        return True

    def scope_queryset(self, request, queryset):
        return queryset
