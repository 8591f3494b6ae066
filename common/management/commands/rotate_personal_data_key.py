"""Re-encrypt every stored personal number with the current key (and cipher).

    python manage.py rotate_personal_data_key [--batch-size 1000]

After a new key is added to FENGQIAO_PERSONAL_DATA_KEYS and made current with
FENGQIAO_PERSONAL_DATA_KEY_ID (the old one still listed, so old values decrypt), or after
FENGQIAO_PERSONAL_DATA_CIPHER changed (``--reindex`` after a new
FENGQIAO_PERSONAL_DATA_INDEX_KEY: every blind index recomputed). Each batch is committed on its own and only rows
not yet on the current key are selected, so a run that is killed is simply run again and
goes on where it stopped; the portal keeps working meanwhile. It also encrypts values
found in clear (rows loaded around the services). When it reports nothing left, the old
key may be removed from the environment.
"""

import time

from django.apps import apps
from django.core.management.base import BaseCommand

from common.encrypted_fields import models_with_encrypted_fields, reencrypt
from common.personal_data import key_ring


class Command(BaseCommand):
    help = "用当前密钥重新加密所有个人信息(身份证号码、手机号码);分批提交,中断后重跑即可续做。"

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="每批行数(默认 1000)")
        parser.add_argument(
            "--stop-after-batches",
            type=int,
            default=None,
            help="做完这么多批后停下(分段执行;下次运行接着做)",
        )
        parser.add_argument(
            "--reindex",
            action="store_true",
            help="更换 FENGQIAO_PERSONAL_DATA_INDEX_KEY 后:重算所有行的盲索引",
        )
        parser.add_argument(
            "--after",
            type=int,
            default=None,
            help="与 --reindex 同用:从该主键之后接着做(中断时输出的“已做到”)",
        )

    def handle(
        self,
        *args,
        batch_size: int,
        stop_after_batches: int | None,
        reindex: bool,
        after: int | None,
        **options,
    ):
        ring = key_ring()
        self.stdout.write(f"当前密钥:{ring.current}({ring.cipher})")
        started = time.monotonic()
        remaining_total = 0
        resume_after = None
        for model in models_with_encrypted_fields(apps.get_models()):
            label = model._meta.label
            seen = {"reported": 0.0, "last": after}

            def progress(done, total, last, label=label, seen=seen):
                seen["last"] = last
                now = time.monotonic()
                if done == total or now - seen["reported"] >= 2:
                    seen["reported"] = now
                    rate = done / max(now - started, 1e-9)
                    self.stdout.write(
                        f"  {label}: {done:,} / {total:,} 行({rate:,.0f} 行/秒,已做到 {last})"
                    )

            done, remaining = reencrypt(
                model,
                batch_size=batch_size,
                max_batches=stop_after_batches,
                reindex=reindex,
                after=after,
                progress=progress,
            )
            remaining_total += remaining
            if remaining:
                resume_after = seen["last"]
            self.stdout.write(f"{label}:本次处理 {done:,} 行,尚余 {remaining:,} 行。")
        elapsed = time.monotonic() - started
        if remaining_total:
            again = f"--reindex --after {resume_after}" if reindex else "(不带参数)"
            self.stdout.write(
                self.style.WARNING(
                    f"已停下,尚余 {remaining_total:,} 行;再次运行本命令 {again} 即可接着做"
                    f"({elapsed:.1f} 秒)。"
                )
            )
        elif reindex:
            self.stdout.write(self.style.SUCCESS(f"盲索引已全部重算({elapsed:.1f} 秒)。"))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"全部个人信息均已使用密钥 {ring.current} 加密({elapsed:.1f} 秒);"
                    f"旧密钥可从环境变量中移除。"
                )
            )
