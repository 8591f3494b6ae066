"""The grid hierarchy in the back office. Writes go through
``grids.services.area_create_or_update`` so ``path`` and ``depth`` never drift from
``parent``; an area is deactivated, never deleted (users and cases hang off it)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin_scoping import ScopedAdminMixin, call_service, scope_choices
from grids.models import Area
from grids.selectors import areas_within_reach
from grids.services import area_create_or_update

scope_choices(Area, areas_within_reach)


@admin.register(Area)
class AreaAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent", "is_active")
    list_select_related = ("parent",)
    list_filter = ("level", "is_active")
    search_fields = ("code__startswith", "name__contains")
    search_help_text = _("按编码开头或名称搜索。")
    autocomplete_fields = ("parent",)
    fields = ("code", "name", "level", "parent", "is_active", "path", "depth")

    def scope_queryset(self, request, queryset):
        return areas_within_reach(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["path", "depth"]
        if obj is not None:
            # The code is the node's identity and the level fixes where its children
            # hang: neither changes in place (the import service refuses it too).
            readonly += ["code", "level"]
            # A clerk's own town hangs off a district outside their reach: it stays put.
            if not request.user.is_superuser and (
                obj.parent_id is None
                or not areas_within_reach(request.user).filter(pk=obj.parent_id).exists()
            ):
                readonly.append("parent")
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent" and not request.user.is_superuser:
            # Only a superuser may add a district (a node without a parent).
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        area = call_service(
            area_create_or_update,
            code=obj.code,
            name=obj.name,
            level=obj.level,
            parent=obj.parent,
        )
        if area.is_active != obj.is_active:
            area.is_active = obj.is_active
            area.save(update_fields=["is_active"])  # a save, so the audit trail sees it
        # The admin goes on to log and redirect with this instance.
        obj.pk, obj.path, obj.depth = area.pk, area.path, area.depth
        obj._state.adding = False
        obj._state.db = area._state.db
