from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicgrid.api import services
from civicgrid.regions.models import Region


class Command(BaseCommand):
    help = ("创建接入应用（Open311 api_key / 接口客户端）并打印其密钥（只显示这一次）："
            "civicgrid create-api-key 应用名称 [--region 区编码]")

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--region", help="受理区域编码（区或市）；缺省为唯一的区")
        parser.add_argument("--contact", default="")

    def handle(self, *args, **opts):
        if opts["region"]:
            region = Region.objects.filter(code=opts["region"]).first()
            if region is None:
                raise CommandError(f"区域 {opts['region']} 不存在。")
        else:
            districts = list(Region.objects.filter(level="district")[:2])
            if len(districts) != 1:
                raise CommandError("请用 --region 指定受理区域（区或市的编码）。")
            region = districts[0]
        try:
            _, raw = services.create_client(None, name=opts["name"], region=region, contact=opts["contact"])
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(raw)
