import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.services import unknown_role, user_create


def _role_value(text: str) -> str | None:
    """The role for a value ("grid_member") or its Chinese name ("网格员")."""
    text = text.strip()
    for role in Role:
        if text.lower() == role.value or text == str(role.label):
            return role.value
    return None


class Command(BaseCommand):
    help = _(
        "创建一个用户:一个角色,挂在一个区域上。不给 --password 时在终端中输入两次密码。"
        "密码默认为临时密码,用户首次登录须修改;机器账号(接口对接)加 --permanent。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role",
            required=True,
            help=_("角色:%(choices)s") % {"choices": ", ".join(Role.values)},
        )
        parser.add_argument("--area", required=True, help=_("所属区域的编码"))
        parser.add_argument(
            "--password",
            help=_("密码(会留在命令历史里,只建议在脚本中使用)"),
        )
        parser.add_argument(
            "--permanent",
            action="store_true",
            help=_("密码不是临时密码,登录后无须修改(用于接口对接的机器账号)"),
        )
        parser.add_argument("--full-name", default="", help=_("姓名"))
        parser.add_argument("--mobile", default="", help=_("手机号码"))

    def handle(self, *args, **options):
        role = _role_value(options["role"])
        if role is None:
            raise CommandError(unknown_role(options["role"]))
        password = options["password"]
        if password is None:
            password = self._prompt_password()

        try:
            user = user_create(
                username=options["username"],
                role=role,
                area=options["area"],
                password=password,
                full_name=options["full_name"],
                mobile=options["mobile"],
                # Whoever runs the command knows the password; its owner must replace it.
                temporary_password=not options["permanent"],
            )
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc

        if user.must_change_password:
            self.stdout.write(_("这是临时密码:用户首次登录时须修改密码。"))
        self.stdout.write(
            self.style.SUCCESS(
                _("已创建用户“%(username)s”(%(role)s,%(area)s)。")
                % {
                    "username": user.username,
                    "role": user.get_role_display(),
                    "area": user.area.full_name(),
                }
            )
        )

    def _prompt_password(self) -> str:
        if not sys.stdin.isatty():
            # getpass would fall back to reading an echoed line from a pipe; refuse
            # instead of hanging or taking a password from wherever stdin points.
            raise CommandError(_("没有可输入密码的终端,请用 --password 提供密码。"))
        first = getpass.getpass(_("密码:"))
        second = getpass.getpass(_("再次输入密码:"))
        if first != second:
            raise CommandError(_("两次输入的密码不一致。"))
        if not first:
            raise CommandError(_("密码不能为空。"))
        return first
