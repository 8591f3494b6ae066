import datetime
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from grids.models import Area
from reports import exporters
from reports.periods import Period, PeriodError, period_from


def _date(text: str, option: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            _("%(option)s 应为“年-月-日”格式的日期,如 2026-10-01,而不是“%(value)s”。")
            % {"option": option, "value": text}
        ) from None


class Command(BaseCommand):
    help = _(
        "导出一个区域(含下辖各级)某月或某段日期的台账,写成 .xlsx 或 .csv 文件。"
        "身份证号和手机号脱敏。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--area", required=True, help=_("区域编码"))
        parser.add_argument("--month", help=_("月份,如 2026-10"))
        parser.add_argument("--start", help=_("起始日期,如 2026-10-01(与 --end 一起使用)"))
        parser.add_argument("--end", help=_("截止日期,如 2026-10-31"))
        parser.add_argument("--output", required=True, help=_("输出文件,.xlsx 或 .csv"))
        parser.add_argument(
            "--format",
            choices=exporters.FORMATS,
            help=_("文件格式;不给时按输出文件的扩展名"),
        )

    def handle(self, *args, **options):
        area = Area.objects.filter(code=options["area"].strip()).first()
        if area is None:
            raise CommandError(_("找不到编码为“%(code)s”的区域。") % {"code": options["area"]})
        period = self._period(options)
        output = Path(options["output"])
        fmt = options["format"] or output.suffix.lower().lstrip(".")
        if fmt not in exporters.FORMATS:
            raise CommandError(
                _("无法识别输出文件“%(name)s”的格式:请用 .xlsx 或 .csv 扩展名,或给出 --format。")
                % {"name": output.name}
            )
        if not output.parent.is_dir():
            raise CommandError(_("输出目录“%(folder)s”不存在。") % {"folder": output.parent})

        # Written beside the target, then renamed: a half-written ledger is never left
        # under the name asked for.
        partial = output.with_name(f".{output.name}.part")
        started = time.perf_counter()
        with translation.override(settings.LANGUAGE_CODE):
            try:
                with open(partial, "wb") as target:
                    rows = exporters.write(fmt, target, area, period)
                os.replace(partial, output)
            finally:
                partial.unlink(missing_ok=True)
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                _("已导出 %(rows)d 行(%(area)s,%(period)s)到 %(output)s,用时 %(seconds).1f 秒。")
                % {
                    "rows": rows,
                    "area": area.name,
                    "period": period.label,
                    "output": output,
                    "seconds": seconds,
                }
            )
        )

    def _period(self, options) -> Period:
        """The period of ``reports.periods.period_from``, worded for the command line."""
        month, start, end = options["month"], options["start"], options["end"]
        if month and (start or end):
            # The form lets a range win; on a command line both is a slip worth stopping.
            raise CommandError(_("--month 与 --start/--end 只能选一种。"))
        try:
            return period_from(
                month=month or "",
                start=_date(start, "--start") if start else None,
                end=_date(end, "--end") if end else None,
            )
        except PeriodError as error:
            wording = {
                PeriodError.HALF_RANGE: _("按日期范围导出时,请同时给出 --start 和 --end。"),
                PeriodError.NOTHING: _("请给出 --month,或 --start 和 --end。"),
                PeriodError.BAD_MONTH: _("月份“%(value)s”无效,请按“年-月”填写,如 2026-10。")
                % {"value": month},
            }
            raise CommandError(wording.get(error.reason, str(error))) from None
