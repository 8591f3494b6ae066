"""What the audit trail records, and how each entry learns whose area it belongs to.

Every audited model gets a ``get_additional_data`` method (django-auditlog calls it when it
writes an entry) that stores the area path of the object: the entries are then scoped like
everything else, by one prefix match on the path, even for objects that later move or
whose case is voided. Rows that hang off a case also carry ``case_id`` so the case page can
show its whole history. The methods are attached here rather than in each app's models so
that one file says what is audited and how.
"""

from contextvars import ContextVar

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.db.models.signals import pre_save

MASK = "audit.masking.mask_personal"
# Fields that change on every save and say nothing about who did what.
NOISE = ["updated_at", "search_text"]

CASE_CHILDREN = [
    "Party",
    "MediationSession",
    "Investigation",
    "Agreement",
    "FollowUp",
    "Escalation",
    "GradeChange",
    "Attachment",
    "Refusal",
]

# Rows that hang off a case through one of its parties, with the way from them to the
# case: a party's agents (委托代理人).
CASE_GRANDCHILDREN = {"PartyAgent": "party__case"}

# The request being served, so that an entry written during it names the user who is
# logged in at that moment; see ``name_the_actor``.
current_request: ContextVar = ContextVar("audit_current_request", default=None)


def case_child_models() -> list:
    """The audited models that hang off a case."""
    models = []
    for name in CASE_CHILDREN:
        try:
            models.append(apps.get_model("cases", name))
        except LookupError:
            continue
    return models


def case_related_models() -> list[tuple]:
    """Every audited model that hangs off a case, with the lookup from it to the case:
    the case page's history reads their entries (``audit.selectors.case_entries``)."""
    related = [(model, "case") for model in case_child_models()]
    for name, lookup in CASE_GRANDCHILDREN.items():
        try:
            related.append((apps.get_model("cases", name), lookup))
        except LookupError:
            continue
    return related


def _path(area) -> str:
    return area.path if area is not None else ""


def _scope_of_area(self) -> dict:
    return {"area_path": self.path}


def _scope_of_area_owner(self) -> dict:
    return {"area_path": _path(self.area) if self.area_id else ""}


def _scope_of_case(self) -> dict:
    return {"area_path": _path(self.area), "case_id": self.pk}


def _scope_of_case_child(self) -> dict:
    return {"area_path": _path(self.case.area), "case_id": self.case_id}


def _scope_of_party_child(self) -> dict:
    case = self.party.case
    return {"area_path": _path(case.area), "case_id": case.pk}


def _reverse_relations(model) -> list[str]:
    """The other side of foreign keys pointing here (a case's events, a user's cases):
    auditlog would log them at creation as meaningless "None" values."""
    return [
        field.name
        for field in model._meta.get_fields()
        if field.auto_created and not field.concrete
    ]


def _register(model, get_additional_data, exclude_fields=(), **options) -> None:
    model.get_additional_data = get_additional_data
    auditlog.register(
        model,
        mask_callable=MASK,
        exclude_fields=[*exclude_fields, *_reverse_relations(model)],
        **options,
    )


def register_audited_models() -> None:
    _register(
        apps.get_model("cases", "Case"),
        _scope_of_case,
        exclude_fields=NOISE,
        m2m_fields={"mediators"},
    )
    for model in case_child_models():
        options = {"exclude_fields": NOISE}
        if model.__name__ == "Party":
            options["mask_fields"] = ["id_number", "mobile"]
            # The blind indexes follow the numbers; a keyed hash of a number is still
            # about a person and says nothing an auditor needs. The place follows the
            # case's area (cases.people), whose change the case's own entry records.
            options["exclude_fields"] = [*NOISE, "id_number_index", "mobile_index", "place_path"]
        _register(model, _scope_of_case_child, **options)
    # A party's agent: numbers masked like the party's, the blind indexes left out.
    _register(
        apps.get_model("cases", "PartyAgent"),
        _scope_of_party_child,
        mask_fields=["id_number", "mobile"],
        exclude_fields=["id_number_index", "mobile_index"],
    )

    # A password change is recorded as a change of the (hidden) field, never the hash;
    # the last log-in time changes at every log-in and is not a change to the account.
    _register(
        apps.get_model("accounts", "User"),
        _scope_of_area_owner,
        exclude_fields=["last_login"],
        mask_fields=["password", "mobile"],
    )
    _register(apps.get_model("grids", "Area"), _scope_of_area)
    # 重点人员: every flag, review and lift, numbers masked like a party's.
    _register(
        apps.get_model("cases", "WatchedPerson"),
        _scope_of_area_owner,
        mask_fields=["id_number", "mobile"],
        exclude_fields=["id_number_index", "mobile_index", "review_reminded_for"],
    )
    _register(apps.get_model("mediators", "Organisation"), _scope_of_area_owner)
    _register(apps.get_model("mediators", "Mediator"), _scope_of_area_owner, mask_fields=["mobile"])

    pre_save.connect(name_the_actor, sender=LogEntry, dispatch_uid="audit_name_the_actor")


def name_the_actor(sender, instance, **kwargs) -> None:
    """The actor is whoever is logged in when the entry is written, not when the request
    came in: an API client authenticates by token inside the view, after every middleware
    has run, and DRF then sets the user on the Django request. With no request (a Celery
    task, a management command) the actor stays empty and the entry reads "system"."""
    if instance.pk is not None or instance.actor_id is not None:
        return
    request = current_request.get()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        instance.actor = user
        instance.actor_email = user.email or None
