"""Who may do what with the reports (DOMAIN §1): watch the figures, export and import the
ledger, take part in and record the monthly review. Every page, command, task and admin
screen asks these functions; none keeps its own list of roles."""

from accounts.models import Role
from cases.policy import Action, role_allows

# Who watches the figures: supervisors and clerks for their town or district, village
# secretaries for their village.
DASHBOARD_ROLES = (Role.SUPERVISOR, Role.CLERK, Role.VILLAGE_SECRETARY)
# Who exports the ledger: the people who report figures upward. Grid members and
# mediators keep to their own cases.
EXPORT_ROLES = (Role.VILLAGE_SECRETARY, Role.CLERK, Role.SUPERVISOR)
# Who registers cases in bulk: the back office, and the village secretaries who keep
# the ledger. Supervisors do not register cases at all.
IMPORT_ROLES = (Role.CLERK, Role.VILLAGE_SECRETARY)
# Who holds, records or watches the monthly review meeting; the pages are theirs.
REVIEW_ROLES = (Role.VILLAGE_SECRETARY, Role.CLERK, Role.SUPERVISOR)


def _signed_in(user) -> bool:
    return user.is_authenticated and user.is_active


def may_see_dashboard(user) -> bool:
    return _signed_in(user) and (user.is_superuser or user.role in DASHBOARD_ROLES)


def may_export(user) -> bool:
    """A ledger covers an area, so the exporter needs one (a superuser covers all)."""
    if not _signed_in(user):
        return False
    return user.is_superuser or (user.area_id is not None and user.role in EXPORT_ROLES)


def may_import(user) -> bool:
    """Importing registers cases: the role must also be allowed to register one."""
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    return user.role in IMPORT_ROLES and role_allows(user, Action.REGISTER)


def may_review(user) -> bool:
    """May see the monthly reviews (of the villages in reach)."""
    return _signed_in(user) and (user.is_superuser or user.role in REVIEW_ROLES)


def may_record_review(user, review) -> bool:
    """May record the minutes of ``review``: the village's own secretary, or a clerk or
    supervisor above it."""
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    if user.area_id is None:
        return False
    if user.role == Role.VILLAGE_SECRETARY:
        return user.area_id == review.village_id
    if user.role in (Role.CLERK, Role.SUPERVISOR):
        return review.village.is_within(user.area)
    return False
