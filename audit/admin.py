"""The audit trail in the back office: read-only for everyone, superusers included, and
scoped to the user's area like every other list."""

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from audit import display
from audit.policy import may_read_audit
from audit.selectors import entries_within_reach
from common.admin_scoping import ScopedAdminMixin

# django-auditlog registers its own (unscoped, English) admin; this one replaces it.
if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)


class _NumberFilter(admin.SimpleListFilter):
    """A filter on an integer column; anything but digits in the URL matches nothing."""

    field: str

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(**{self.field: int(value)})


class AuditedModelFilter(_NumberFilter):
    title = _("对象类型")
    parameter_name = "model"
    field = "content_type_id"

    def lookups(self, request, model_admin):
        models = sorted(auditlog.get_models(), key=lambda m: str(m._meta.verbose_name))
        return [
            (str(ContentType.objects.get_for_model(model).pk), model._meta.verbose_name)
            for model in models
        ]


class ActionFilter(_NumberFilter):
    title = _("操作")
    parameter_name = "action"
    field = "action"

    def lookups(self, request, model_admin):
        return [(str(value), label) for value, label in display.ACTION_LABELS.items()]


@admin.register(LogEntry)
class AuditLogEntryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    read_only = True
    allow_add = False
    list_display = ("when", "who", "what", "object_type", "object_name", "changed_fields")
    list_display_links = ("when",)
    list_select_related = ("actor", "content_type")
    list_filter = (AuditedModelFilter, ActionFilter)
    date_hierarchy = "timestamp"
    ordering = ("-timestamp", "-id")
    search_fields = ("object_repr", "actor__username", "actor__full_name")
    search_help_text = _("按对象名称或操作人用户名、姓名搜索。")
    fields = ("when", "who", "address", "what", "object_type", "object_name", "changes_table")
    readonly_fields = fields

    def has_module_permission(self, request):
        return may_read_audit(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return may_read_audit(request.user) and super().has_view_permission(request, obj)

    # Nobody edits the record of what happened, not even a superuser (level-2 protection).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def scope_queryset(self, request, queryset):
        return entries_within_reach(request.user, queryset)

    @admin.display(description=_("时间"), ordering="timestamp")
    def when(self, entry):
        return entry.timestamp

    @admin.display(description=_("来源地址"))
    def address(self, entry):
        return entry.remote_addr or display.EMPTY

    @admin.display(description=_("对象"), ordering="object_repr")
    def object_name(self, entry):
        return entry.object_repr

    @admin.display(description=_("操作人"), ordering="actor__username")
    def who(self, entry):
        return display.actor_label(entry)

    @admin.display(description=_("操作"), ordering="action")
    def what(self, entry):
        return display.action_label(entry)

    @admin.display(description=_("对象类型"))
    def object_type(self, entry):
        return display.object_type_label(entry)

    @admin.display(description=_("修改的字段"))
    def changed_fields(self, entry):
        if entry.action != LogEntry.Action.UPDATE:
            return ""
        return "、".join(display.changed_field_labels(entry))

    @admin.display(description=_("修改内容"))
    def changes_table(self, entry):
        rows = display.field_changes(entry)
        if not rows:
            return display.EMPTY
        body = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>",
            ((row.label, row.old, row.new) for row in rows),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("字段"),
            _("原值"),
            _("新值"),
            body,
        )
