"""Who may read the audit trail (DOMAIN §1): the back office of an area (clerks and
supervisors) reads the entries about it; superusers read everything; nobody writes."""

from accounts.models import Role

READER_ROLES = frozenset({Role.CLERK, Role.SUPERVISOR})


def may_read_audit(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.area_id is not None and user.role in READER_ROLES
