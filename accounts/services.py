"""Creating accounts. The admin, the command line and any future form call
``user_create`` so that the role/area rule and the password policy are written once."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from grids.models import Area, AreaLevel

# Where each role may hang in the hierarchy (DOMAIN §1): the area is what the user
# sees, so a grid member on a town would see the whole town.
ROLE_AREA_LEVELS: dict[str, tuple[str, ...]] = {
    Role.GRID_MEMBER: (AreaLevel.GRID, AreaLevel.MICROGRID),
    Role.VILLAGE_SECRETARY: (AreaLevel.VILLAGE,),
    Role.MEDIATOR: tuple(AreaLevel.values),
    Role.CLERK: (AreaLevel.TOWN, AreaLevel.DISTRICT),
    Role.SUPERVISOR: (AreaLevel.TOWN, AreaLevel.DISTRICT),
}

# Clerks work in the Django admin; supervisors download ledgers from it.
STAFF_ROLES = frozenset({Role.CLERK, Role.SUPERVISOR})


def _labels(choices, values) -> str:
    return "、".join(str(choices(value).label) for value in values)


def user_create(
    *,
    username: str,
    role: str,
    area: Area | str,
    password: str | None = None,
    full_name: str = "",
    mobile: str = "",
    temporary_password: bool = False,
) -> User:
    """Create an account with one role on one area.

    ``area`` is an Area or its code. Without a password the account cannot log in
    until one is set. A ``temporary_password`` (one chosen by whoever made the account)
    must be replaced at the first log-in. Refusals are a ``ValidationError`` keyed by field.
    """
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()

    if role not in Role.values:
        errors.setdefault("role", []).append(
            _("角色“%(role)s”无效,应为 %(choices)s 之一。")
            % {"role": role, "choices": "、".join(Role.values)}
        )

    if isinstance(area, Area):
        found = Area.objects.filter(pk=area.pk).first() if area.pk else None
        code = area.code
    else:
        code = (area or "").strip()
        found = Area.objects.filter(code=code).first() if code else None
    if found is None:
        errors.setdefault("area", []).append(_("区域编码“%(code)s”不存在。") % {"code": code})
    elif role in Role.values and found.level not in ROLE_AREA_LEVELS[role]:
        errors.setdefault("area", []).append(
            _("%(role)s只能属于%(levels)s,而“%(area)s”是%(level)s。")
            % {
                "role": Role(role).label,
                "levels": _labels(AreaLevel, ROLE_AREA_LEVELS[role]),
                "area": found.name,
                "level": AreaLevel(found.level).label,
            }
        )

    if username and User.objects.filter(username__iexact=username).exists():
        # Case-insensitive, as Django's own forms check: "Zhang" and "zhang" would be
        # indistinguishable to the people reading the case history.
        errors.setdefault("username", []).append(
            _("用户名“%(username)s”已存在。") % {"username": username}
        )

    user = User(
        username=username,
        role=role,
        area=found,
        full_name=full_name.strip(),
        mobile=mobile.strip(),
        is_staff=role in STAFF_ROLES,
        must_change_password=temporary_password and password is not None,
    )
    try:
        # Field rules (username characters, lengths, required values) from the model.
        user.full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            if field not in errors:
                errors[field] = messages

    if password is not None:
        try:
            # The user is passed so the similarity validator can compare with the name.
            validate_password(password, user)
        except ValidationError as exc:
            errors.setdefault("password", []).extend(exc.messages)

    if errors:
        raise ValidationError(errors)

    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        # Another session created the same username between the check and the save.
        raise ValidationError(
            {"username": _("用户名“%(username)s”已存在。") % {"username": username}}
        ) from exc
    return user


def password_changed_by_owner(user: User) -> None:
    """The owner chose their own password: the temporary one no longer binds them."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
