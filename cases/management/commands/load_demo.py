"""Fill an empty database with the demo district (``cases.demo``). Safe to run again: it
loads once and reprints the logins."""

from django.core.management.base import BaseCommand

from cases.demo import DEMO_PASSWORD, LOGINS, demo_loaded, load_demo


class Command(BaseCommand):
    help = "载入演示数据(一个区县、两个镇、调解员、各角色用户和数百件各状态的案件)。"

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300, help="要生成的案件数量")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, cases: int, seed: int, **options):
        if demo_loaded():
            self.stdout.write("演示数据已存在,跳过载入。")
        else:
            count = load_demo(cases=cases, seed=seed)
            self.stdout.write(self.style.SUCCESS(f"已载入演示数据:{count} 件案件。"))
        self.stdout.write("")
        self.stdout.write(f"演示账号(密码均为 {DEMO_PASSWORD}):")
        for username, label in LOGINS:
            self.stdout.write(f"  {username:<10} {label}")
        self.stdout.write("")
