"""How an entry reads on a page: who, what was done, and each field's old → new value,
in the user's language. Shared by the admin and the case page."""

from dataclasses import dataclass

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    LogEntry.Action.CREATE: _("新增"),
    LogEntry.Action.UPDATE: _("修改"),
    LogEntry.Action.DELETE: _("删除"),
    LogEntry.Action.ACCESS: _("查看"),
}
# What auditlog writes for an empty value.
EMPTY_VALUES = {"", "None", None}
EMPTY = "—"


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


def action_label(entry: LogEntry) -> str:
    return str(ACTION_LABELS.get(entry.action, entry.action))


def actor_label(entry: LogEntry) -> str:
    """The user, or "system" for what a task or a command did with nobody logged in."""
    if entry.actor_id is None:
        return str(_("系统"))
    return str(entry.actor.full_name or entry.actor.username)


def _readable(field, value) -> str:
    if value in EMPTY_VALUES:
        return EMPTY
    value = str(value)
    choices = dict(getattr(field, "flatchoices", None) or [])
    if choices:
        return str(choices.get(value, value))
    if field.is_relation and field.related_model is not None:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else value
    if field.get_internal_type() == "BooleanField":
        return str(_("是")) if value == "True" else str(_("否"))
    return value


def object_type_label(entry: LogEntry) -> str:
    model = entry.content_type.model_class()
    return str(model._meta.verbose_name) if model is not None else entry.content_type.model


def _field(model, name):
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None


def _label(field, name: str) -> str:
    return str(getattr(field, "verbose_name", None) or name)


def changed_field_labels(entry: LogEntry) -> list[str]:
    """Just the names of the fields, for a list (no query per value)."""
    model = entry.content_type.model_class()
    return [_label(_field(model, name), name) for name in (entry.changes_dict or {})]


def field_changes(entry: LogEntry) -> list[FieldChange]:
    model = entry.content_type.model_class()
    rows = []
    for name, change in (entry.changes_dict or {}).items():
        field = _field(model, name)
        label = _label(field, name)
        if isinstance(change, dict) and change.get("type") == "m2m":
            objects = "、".join(change.get("objects", []))
            if change.get("operation") == "add":
                rows.append(FieldChange(label, EMPTY, "+ " + objects))
            else:
                rows.append(FieldChange(label, "− " + objects, EMPTY))
            continue
        old, new = change
        if field is None:
            rows.append(FieldChange(label, str(old), str(new)))
        else:
            rows.append(FieldChange(label, _readable(field, old), _readable(field, new)))
    return rows
