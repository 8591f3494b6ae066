from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_MEMBER = "grid_member", _("网格员")
    VILLAGE_SECRETARY = "village_secretary", _("村(社区)书记")
    MEDIATOR = "mediator", _("人民调解员")
    CLERK = "clerk", _("综治中心工作人员")
    SUPERVISOR = "supervisor", _("分管领导")


class User(AbstractUser):
    """An account of the portal: exactly one role and one area (DOMAIN §1).

    The area bounds everything the user sees; the role bounds what they may do.
    """

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("所属区域"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(_("手机号码"), max_length=20, blank=True)
    # Set when someone else chose the password (add_user, the back office): its owner must
    # replace it before doing anything else (accounts.middleware).
    must_change_password = models.BooleanField(
        _("须修改密码"),
        default=False,
        help_text=_("勾选后,该用户下次登录时必须先修改密码。"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


# django-axes's log-in records under Chinese names for the back office (axes ships no
# Chinese); the rows are axes's own.
class LoginLockout(AccessAttempt):
    class Meta:
        proxy = True
        verbose_name = _("登录失败计数")
        verbose_name_plural = _("登录失败计数")


class LoginFailure(AccessFailureLog):
    class Meta:
        proxy = True
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
