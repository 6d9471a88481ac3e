"""`civicgrid rotate-data-key`: re-encrypt every personal-data column under the first configured key."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civicgrid.core import audit
from civicgrid.people.keyrotation import rotate_all, undecryptable_with_first_key


class Command(BaseCommand):
    help = "用 CIVICGRID_DATA_KEYS 中的第一个密钥重新加密所有个人信息字段（密钥轮换）"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只检查：统计第一个密钥无法解密的密文数")

    def handle(self, *args, **options):
        if options["check"]:
            bad = undecryptable_with_first_key()
            self.stdout.write(f"第一个密钥无法解密的密文：{bad}")
            if bad:
                raise CommandError("仍有旧密钥加密的数据，请运行 civicgrid rotate-data-key")
            return
        if len(settings.DATA_ENCRYPTION_KEYS) < 2:
            self.stdout.write("提示：只配置了一个密钥，本次只会用同一密钥重新加密。")
        counts = rotate_all(self.stdout)
        audit.record("系统", "people.rotate_key", None, detail=counts)
        bad = undecryptable_with_first_key()
        if bad:
            raise CommandError(f"轮换后仍有 {bad} 条密文无法用新密钥解密")
        self.stdout.write(self.style.SUCCESS(f"完成：共重新加密 {sum(counts.values())} 个字段值"))
