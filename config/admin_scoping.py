"""What every ModelAdmin of the back office shares: who may use it, what they see, and
how a service's refusal is shown.

- Access follows the role, not Django's per-model permission rows (users are provisioned
  by role): clerks add, change and view; supervisors only view; nobody else gets in.
- Every queryset is narrowed to the user's area subtree through the same selectors as
  the portal (``visible_cases``, ``areas_within_reach``), and so is every foreign-key
  choice in a form. An object outside the area answers 404, as it does in the portal.
- Nothing is ever deleted from the admin: a case is evidence, and the rest is kept for
  the history that points at it. Lookup rows, areas and people are deactivated instead.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from cases.forms import show_refusal
from cases.models import Case, Party
from cases.selectors import visible_cases
from grids.models import Area, AreaLevel
from grids.selectors import areas_within_reach
from mediators.models import Mediator, Organisation

# Once for the whole site: no bulk delete anywhere (DOMAIN §6: never hard-delete a case).
admin.site.disable_action("delete_selected")
admin.site.site_header = _("枫桥式矛盾纠纷台账 · 后台管理")
admin.site.site_title = _("台账后台")
admin.site.index_title = _("后台管理")

VIEW = "view"
EDIT = "edit"

# Which roles may use the back office, and how (DOMAIN §1).
ROLE_ACCESS = {Role.CLERK: EDIT, Role.SUPERVISOR: VIEW}


def admin_access(user) -> str | None:
    """EDIT, VIEW, or None when the user has no business in the admin."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    if user.is_superuser:
        return EDIT
    if user.area_id is None:
        return None
    return ROLE_ACCESS.get(user.role)


def cases_in_reach(user) -> QuerySet:
    """Primary keys of the user's cases, for ``case__in=``: one subquery, no join."""
    return visible_cases(user).values("pk")


def users_in_reach(user) -> QuerySet:
    users = User.objects.filter(area__in=areas_within_reach(user).values("pk"))
    if not user.is_superuser:
        # A clerk may manage the accounts of their area, never a superuser's.
        users = users.filter(is_superuser=False)
    return users


def related_choices(model, user) -> QuerySet | None:
    """The rows of ``model`` a user may pick in a form, or None for tables that are not
    scoped by area (the lookup tables)."""
    if model is Area:
        return areas_within_reach(user)
    if model is User:
        return users_in_reach(user)
    if model in (Mediator, Organisation):
        return model.objects.filter(area__in=areas_within_reach(user).values("pk"))
    if model is Case:
        return visible_cases(user)
    if model is Party:
        return Party.objects.filter(case__in=cases_in_reach(user))
    return None


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


class ScopedAdminMixin(_AccessMixin):
    """Base of every ModelAdmin of the back office (put it before ``admin.ModelAdmin``)."""

    list_per_page = 50
    # The full count is a second COUNT(*) over everything in reach on every page.
    show_full_result_count = False

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


class CaseChildScopedMixin:
    """Scoping for rows that hang off a case: parties, sessions, agreements, events."""

    def scope_queryset(self, request, queryset):
        return queryset.filter(case__in=cases_in_reach(request.user))


class AreaScopedMixin:
    """Scoping for rows that hang off an area: mediators, organisations, users."""

    def scope_queryset(self, request, queryset):
        return queryset.filter(area__in=areas_within_reach(request.user).values("pk"))


class TownVillageFilter(admin.SimpleListFilter):
    """Filter by town or village, listing only those within the user's reach.

    A plain ``list_filter = ["area"]`` would list every area of the district, thousands
    of grids included; this lists the few dozen places a clerk actually picks from.
    """

    title = _("区域")
    parameter_name = "area_within"
    area_field = "area"

    def lookups(self, request, model_admin):
        areas = (
            areas_within_reach(request.user)
            .filter(level__in=[AreaLevel.TOWN, AreaLevel.VILLAGE])
            .only("pk", "name", "level", "depth")
            .order_by("path")
        )
        return [
            (str(area.pk), ("　" if area.level == AreaLevel.VILLAGE else "") + area.name)
            for area in areas
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        area = (
            areas_within_reach(request.user).filter(pk=value).first() if value.isdigit() else None
        )
        if area is None:
            return queryset.none()
        subtree = Area.objects.subtree(area).values("pk")
        return queryset.filter(**{f"{self.area_field}__in": subtree})
