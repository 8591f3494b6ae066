"""What each role may be and do with accounts and the back office (DOMAIN §1): where a
role may hang in the hierarchy, who gets the back office, and whose accounts a user may
manage. The services, the admin and the command line all ask here."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import users_in_reach
from common.admin_scoping import EDIT, VIEW
from grids.models import Area, AreaLevel

# Where each role may hang in the hierarchy: the area is what the user sees, so a grid
# member on a town would see the whole town.
ROLE_AREA_LEVELS: dict[str, tuple[str, ...]] = {
    Role.GRID_MEMBER: (AreaLevel.GRID, AreaLevel.MICROGRID),
    Role.VILLAGE_SECRETARY: (AreaLevel.VILLAGE,),
    Role.MEDIATOR: tuple(AreaLevel.values),
    Role.CLERK: (AreaLevel.TOWN, AreaLevel.DISTRICT),
    Role.SUPERVISOR: (AreaLevel.TOWN, AreaLevel.DISTRICT),
}

# Which roles may use the back office, and how: clerks add, change and view; supervisors
# only view (they download ledgers there); nobody else gets in.
ROLE_ACCESS = {Role.CLERK: EDIT, Role.SUPERVISOR: VIEW}

# The roles whose accounts are staff, so that Django lets them into the admin at all.
STAFF_ROLES = frozenset(ROLE_ACCESS)


def is_staff_role(role: str) -> bool:
    return role in STAFF_ROLES


def role_area_refusal(role: str, area: Area) -> str | None:
    """Why a ``role`` may not hang on ``area``, or None if it may (or the role is not one
    of ours: that is refused on the role itself)."""
    levels = ROLE_AREA_LEVELS.get(role)
    if levels is None or area.level in levels:
        return None
    return _("%(role)s只能属于%(levels)s,而“%(area)s”是%(level)s。") % {
        "role": Role(role).label,
        "levels": "、".join(str(AreaLevel(level).label) for level in levels),
        "area": area.name,
        "level": AreaLevel(area.level).label,
    }


def check_role_area(role: str, area: Area) -> None:
    """Refuse a role on the wrong level of area, on the ``area`` field."""
    refusal = role_area_refusal(role, area)
    if refusal is not None:
        raise ValidationError({"area": refusal})


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


def may_manage_accounts(user) -> bool:
    """Clerks (and superusers) provision and change accounts; supervisors only look."""
    return admin_access(user) == EDIT


def may_manage_user(by, user) -> bool:
    """``by`` manages accounts and ``user`` is one of their area's (never a superuser,
    unless ``by`` is one)."""
    if not may_manage_accounts(by):
        return False
    return by.is_superuser or users_in_reach(by).filter(pk=user.pk).exists()
