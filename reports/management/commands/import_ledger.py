import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from reports import importing
from reports.policy import may_import


class Command(BaseCommand):
    help = _(
        "从 .xlsx 或 .csv 台账导入案件(列同月度台账)。每一行都按登记表单的规则校验;"
        "有任何一行出错则全部不导入,并列出出错的行号。只导入登记信息。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("Excel(.xlsx)或 CSV(UTF-8 或 GBK 编码)文件"))
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help=_("以哪个用户的身份登记(综治中心工作人员或村书记),决定可导入的区域"),
        )
        parser.add_argument("--dry-run", action="store_true", help=_("只检查,不导入"))

    def handle(self, *args, **options):
        # The messages are the portal's (Chinese by default), not the shell's locale.
        with translation.override(settings.LANGUAGE_CODE):
            self._import(options["file"], options["username"], options["dry_run"])

    def _import(self, path: str, username: str, dry_run: bool) -> None:
        user = User.objects.filter(username=username).select_related("area").first()
        if user is None:
            raise CommandError(_("用户“%(username)s”不存在。") % {"username": username})
        if not may_import(user):
            raise CommandError(_("用户“%(username)s”没有导入台账的权限。") % {"username": username})
        try:
            if os.path.getsize(path) > importing.max_bytes():
                raise CommandError(importing.too_large_message())
            with open(path, "rb") as handle:
                content = handle.read()
        except OSError as exc:
            raise CommandError(
                _("无法打开文件“%(path)s”:%(error)s") % {"path": path, "error": exc}
            ) from exc

        result = importing.import_ledger(
            by=user, content=content, file_name=os.path.basename(path), dry_run=dry_run
        )
        if result.ignored_columns:
            self.stdout.write(
                _("以下列未导入(只记录登记信息):%(columns)s")
                % {"columns": "、".join(result.ignored_columns)}
            )
        if not result.ok:
            # Every problem at once, so the whole file can be fixed in one pass.
            for problem in result.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("导入失败:共 %(count)d 处问题,文件中的案件均未导入。")
                % {"count": len(result.problems)}
            )
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    _("检查通过:%(rows)d 行都可以导入(只检查,未导入)。") % {"rows": result.rows}
                )
            )
            return
        # Plainly: the history of a case (sessions, agreement, follow-ups) did not come.
        self.stdout.write(importing.general_notes()[1])
        for case in result.cases:
            self.stdout.write(
                _("第 %(line)d 行 → %(number)s %(title)s")
                % {"line": case.line, "number": case.number, "title": case.title}
            )
        self.stdout.write(
            self.style.SUCCESS(_("%(count)d 件案件已导入。") % {"count": len(result.cases)})
        )
