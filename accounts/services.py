"""Writing accounts. The admin, the command line and any future form call these, so that
the role/area rule (``accounts.policy``), the username rule and the password policy are
checked the same way whoever writes. The audit trail records each save (django-auditlog,
with whoever is logged in as the actor)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.policy import is_staff_role, may_manage_accounts, may_manage_user, role_area_refusal
from grids.models import Area
from grids.selectors import areas_within_reach

# What the back office may change on an account; the password has its own form, and the
# log-in times are Django's.
EDITABLE_FIELDS = frozenset(
    {
        "username",
        "full_name",
        "mobile",
        "email",
        "role",
        "area",
        "is_active",
        "must_change_password",
    }
)
# Only a superuser makes another superuser or hands out the back office by hand.
SUPERUSER_FIELDS = frozenset({"is_staff", "is_superuser"})


def unknown_role(role: str) -> str:
    """The refusal of a role that is not one of ours (the command line says it before it
    asks for a password)."""
    return _("角色“%(role)s”无效,应为 %(choices)s 之一。") % {
        "role": role,
        "choices": "、".join(Role.values),
    }


def _username_taken(username: str) -> str:
    return _("用户名“%(username)s”已存在。") % {"username": username}


def _check_account(user: User, errors: dict[str, list[str]]) -> None:
    """Add to ``errors`` what the rules every account obeys say against ``user``: its role
    on the right level of area, a username nobody else has, the model's field rules.
    Fields that already have an error keep only that one."""
    if user.area is not None:
        refusal = role_area_refusal(user.role, user.area)
        if refusal is not None:
            errors.setdefault("area", []).append(refusal)

    others = User.objects.exclude(pk=user.pk) if user.pk else User.objects.all()
    if user.username and others.filter(username__iexact=user.username).exists():
        # Case-insensitive, as Django's own forms check: "Zhang" and "zhang" would be
        # indistinguishable to the people reading the case history.
        errors.setdefault("username", []).append(_username_taken(user.username))

    try:
        # Field rules (username characters, lengths, required values) from the model.
        user.full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            if field not in errors:
                errors[field] = messages


def _check_area_in_reach(by, area: Area | None) -> None:
    """The area an account will hang on is one ``by`` manages."""
    if area is not None and not areas_within_reach(by).filter(pk=area.pk).exists():
        raise ValidationError({"area": _("所选区域不在您的管辖范围内。")})


def _save(user: User) -> None:
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        # Another session took the same username between the check and the save.
        raise ValidationError({"username": _username_taken(user.username)}) from exc


def user_create(
    *,
    username: str,
    role: str,
    area: Area | str,
    password: str | None = None,
    full_name: str = "",
    mobile: str = "",
    temporary_password: bool = False,
    by=None,
) -> User:
    """Create an account with one role on one area.

    ``area`` is an Area or its code. Without a password the account cannot log in
    until one is set. A ``temporary_password`` (one chosen by whoever made the account)
    must be replaced at the first log-in. ``by`` is the user making the account in the
    back office (None at the console, where operations may make any account). Refusals
    are a ``ValidationError`` keyed by field.
    """
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()

    if role not in Role.values:
        errors.setdefault("role", []).append(unknown_role(role))

    if isinstance(area, Area):
        found = Area.objects.filter(pk=area.pk).first() if area.pk else None
        code = area.code
    else:
        code = (area or "").strip()
        found = Area.objects.filter(code=code).first() if code else None
    if found is None:
        errors.setdefault("area", []).append(_("区域编码“%(code)s”不存在。") % {"code": code})
    if by is not None:
        if not may_manage_accounts(by):
            raise PermissionDenied
        _check_area_in_reach(by, found)

    user = User(
        username=username,
        role=role,
        area=found,
        full_name=full_name.strip(),
        mobile=mobile.strip(),
        is_staff=is_staff_role(role),
        must_change_password=temporary_password and password is not None,
    )
    _check_account(user, errors)

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
    _save(user)
    return user


def user_update(*, by, user: User, data: dict) -> User:
    """Change an account's names, role, area or state (``EDITABLE_FIELDS``; a superuser
    also ``SUPERUSER_FIELDS``). The account is re-read under a row lock; ``by`` must
    manage it and the area it moves to. Back-office access follows the new role, except
    for a superuser's account. Refusals are a ``ValidationError`` keyed by field."""
    unknown = set(data) - EDITABLE_FIELDS - SUPERUSER_FIELDS
    if unknown:
        raise TypeError(f"user_update cannot change {sorted(unknown)}")
    if not by.is_superuser and set(data) & SUPERUSER_FIELDS:
        raise PermissionDenied

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not may_manage_user(by, locked):
            raise PermissionDenied
        _check_area_in_reach(by, data.get("area", locked.area))
        for field, value in data.items():
            setattr(locked, field, value)
        if not locked.is_superuser:
            locked.is_staff = is_staff_role(locked.role)

        errors: dict[str, list[str]] = {}
        _check_account(locked, errors)
        if errors:
            raise ValidationError(errors)
        _save(locked)
    return locked


def password_changed_by_owner(user: User) -> None:
    """The owner chose their own password: the temporary one no longer binds them."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
