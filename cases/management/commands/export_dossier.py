"""Write a case's dossier (一案一卷) as one PDF: the same service as the case page's link.

Printing a dossier puts the parties' full ID numbers and phones on paper, so it is a
reveal logged under a person: ``--by USERNAME`` names the account that prints (it must
be allowed to reveal, and the case must be in its area), as the page would check. There
is no system actor on purpose: a file of personal data is always somebody's print."""

import os
import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from accounts.models import User
from cases import selectors
from cases.models import Case
from cases.services.dossier import dossier_write


class Command(BaseCommand):
    help = "生成一个案件的卷宗PDF(封面、卷内目录、全部文书和附件、封底),记入敏感信息查看记录。"

    def add_arguments(self, parser):
        parser.add_argument("case_number", help="案件编号")
        parser.add_argument("--output", required=True, help="写入的PDF文件")
        parser.add_argument(
            "--by", required=True, help="打印人的用户名(须有查看完整身份证号码和电话的权限)"
        )

    def handle(self, *args, case_number: str, output: str, by: str, **options):
        user = User.objects.filter(username=by, is_active=True).first()
        if user is None:
            raise CommandError(f"没有用户名为“{by}”的在用账号。")
        if not Case.objects.filter(number=case_number.strip()).exists():
            raise CommandError(f"没有编号为“{case_number}”的案件。")
        pk = Case.objects.get(number=case_number.strip()).pk
        try:
            case = selectors.case_get(user=user, pk=pk)
        except Http404 as error:
            raise CommandError(f"案件“{case_number}”不在“{by}”的管辖范围内。") from error
        target = Path(output)
        # Written beside the target and moved in whole: a refusal or a crash never leaves
        # half a PDF under the name asked for.
        handle = tempfile.NamedTemporaryFile(
            dir=target.parent if str(target.parent) else ".", suffix=".part", delete=False
        )
        try:
            with handle:
                result = dossier_write(case=case, by=user, output=handle)
            os.replace(handle.name, target)
        except (ValidationError, PermissionDenied) as error:
            os.unlink(handle.name)
            messages = getattr(error, "messages", None) or [str(error)]
            raise CommandError(" ".join(messages)) from error
        except BaseException:
            os.unlink(handle.name)
            raise
        self.stdout.write(self.style.SUCCESS(f"卷宗已写入 {target}:共 {result.pages} 页。"))
