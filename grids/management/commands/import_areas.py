from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from grids.services import AreaImportError, areas_import, read_area_file


class Command(BaseCommand):
    help = _(
        "从 CSV 或 XLSX 文件导入区域(列:code,name,level,parent_code)。"
        "文件中有任何错误则全部不导入;重复导入只更新名称和上级,不会重复创建。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("CSV(UTF-8 或 GB18030)或 XLSX 文件"))

    def handle(self, *args, **options):
        path = options["file"]
        try:
            report = areas_import(read_area_file(path))
        except OSError as exc:
            raise CommandError(
                _("无法打开文件“%(path)s”:%(error)s") % {"path": path, "error": exc}
            ) from exc
        except AreaImportError as exc:
            # Every problem at once, so the clerk can fix the whole file in one pass.
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(
                _("导入失败:共 %(count)d 处错误,没有写入任何数据。") % {"count": len(exc.messages)}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("导入完成:新增 %(created)d 个,更新 %(updated)d 个,未变 %(unchanged)d 个。")
                % {
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                }
            )
        )
