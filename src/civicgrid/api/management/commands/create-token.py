from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicgrid.api import services
from civicgrid.core.models import User


class Command(BaseCommand):
    help = "为用户签发一个接口令牌并打印（只显示这一次）：civicgrid create-token 用户名 [--name 用途]"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="命令行签发", help="令牌用途说明")

    def handle(self, *args, **opts):
        user = User.objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"用户 {opts['username']} 不存在。")
        try:
            _, raw = services.issue_token(None, user=user, name=opts["name"])
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(raw)
