"""What each role may do with accounts and the back office (DOMAIN §1)."""

from accounts.models import Role
from common.admin_scoping import EDIT, VIEW

# Which roles may use the back office, and how: clerks add, change and view; supervisors
# only view; nobody else gets in.
ROLE_ACCESS = {Role.CLERK: EDIT, Role.SUPERVISOR: VIEW}


def admin_access(user) -> str | None:
    """EDIT, VIEW, or None when the user has no business in the admin. Named by the
    setting ``FENGQIAO_ADMIN_ACCESS``, which ``common.admin_scoping`` reads."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    if user.is_superuser:
        return EDIT
    if user.area_id is None:
        return None
    return ROLE_ACCESS.get(user.role)
