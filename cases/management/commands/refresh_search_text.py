"""Rewrite every case's search text (names' pinyin included) in batches, each committed on
its own; ``--after ID`` goes on after the last case a stopped run reported."""

import time

from django.core.management.base import BaseCommand

from cases.models import Case, Party
from cases.search import refresh_search_texts


class Command(BaseCommand):
    help = "重写案件检索文本(含当事人姓名拼音),分批提交,可用 --after 续跑。"

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--after", type=int, default=0, help="从该案件 ID 之后开始")

    def handle(self, *args, batch_size, after, **options):
        started, done = time.monotonic(), 0
        for last, count in refresh_search_texts(Case, Party, batch_size=batch_size, after=after):
            done += count
            rate = done / max(time.monotonic() - started, 1e-9)
            self.stdout.write(f"{done:,} cases, last id {last} ({rate:,.0f}/s)")
        self.stdout.write(self.style.SUCCESS(f"done: {done:,} cases"))
