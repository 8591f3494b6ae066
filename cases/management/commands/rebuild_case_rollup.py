"""Rebuild the statistics' rollup from the raw tables (after a bulk load that bypassed the
services, such as the benchmark's filler). Safe to run again at any time."""

import time

from django.core.management.base import BaseCommand, CommandError

from cases.rollup_bulk import rollup_differences, rollup_rebuild


class Command(BaseCommand):
    help = "按原始数据重建统计汇总表(可重复执行);--check 只核对不重建。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="只核对汇总表与原始数据是否一致,不一致时列出差异并以非零状态退出",
        )

    def handle(self, *args, check: bool, **options):
        started = time.perf_counter()
        if check:
            differences = rollup_differences()
            for difference in differences:
                self.stdout.write(" ".join(str(value) for value in difference))
            if differences:
                raise CommandError("统计汇总表与原始数据不一致。")
            self.stdout.write(
                self.style.SUCCESS(
                    f"统计汇总表与原始数据一致({time.perf_counter() - started:.1f} 秒)。"
                )
            )
            return
        rows = rollup_rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"已重建统计汇总表:{rows} 行({time.perf_counter() - started:.1f} 秒)。"
            )
        )
