"""Objects for the jurisdiction matrix (tests/test_jurisdiction_matrix.py), and the small catalogue the
app's tests share: a completed meal-delivery order in street A and one in street B, each served by a
provider seated in that street's first community, made through the services. Referenced from manifest.py."""
from __future__ import annotations

import datetime as dt
import decimal
import io


def photo_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buf, "JPEG")
    return buf.getvalue()


def catalogue():
    """Two series: meals (助餐送餐, subsidised for older people living alone) and repairs; a venue item."""
    from .models import ServiceItem, ServiceSeries

    meals, _ = ServiceSeries.objects.get_or_create(code="S01", defaults={"name": "助餐服务", "order": 1})
    repairs, _ = ServiceSeries.objects.get_or_create(code="S04", defaults={"name": "维修服务", "order": 4})
    rooms, _ = ServiceSeries.objects.get_or_create(code="S08", defaults={"name": "场地开放", "order": 8})
    meal, _ = ServiceItem.objects.get_or_create(code="S01-02", defaults=dict(
        series=meals, name="助餐送餐上门", kind="public", pricing="subsidised", price=decimal.Decimal("15"),
        subsidy=decimal.Decimal("5"), accept_minutes=30, arrive_minutes=30, unit="餐"))
    repair, _ = ServiceItem.objects.get_or_create(code="S04-01", defaults=dict(
        series=repairs, name="水电维修", kind="market", pricing="paid", price=decimal.Decimal("50"),
        accept_minutes=60, arrive_minutes=60))
    room, _ = ServiceItem.objects.get_or_create(code="S08-01", defaults=dict(
        series=rooms, name="活动室预约", kind="public", pricing="free", is_venue=True, duration_minutes=120))
    return {"meal": meal, "repair": repair, "room": room}


def provider(name: str, region, items, *, area=None, username: str = "", kind: str = "social_org", rating=None):
    from civicgrid.core.models import User

    from .models import Provider, ProviderAccount, ProviderOffer

    p = Provider.objects.create(name=name, kind=kind, region=region)
    if rating is not None:
        p.rating_sum, p.rating_count = rating * 10, 10
        p.save(update_fields=["rating_sum", "rating_count"])
    for item in items:
        ProviderOffer.objects.create(provider=p, item=item, area=area or region)
    if username:
        user = User.objects.create_user(username=username, display_name=f"{name}账号")
        ProviderAccount.objects.create(user=user, provider=p)
    return p


def completed_order(actor, provider_user, item, region, *, name="王秀英", phone="13912345678", address="幸福小区3号楼2单元501"):
    from django.utils import timezone

    from civicgrid.cases import photos

    from . import services

    o = services.place_order(actor, item=item, name=name, phone=phone, address=address, region=region,
                             scheduled_for=timezone.now() + dt.timedelta(minutes=30))
    o = services.act(provider_user, o, "accept")
    o = services.act(provider_user, o, "check_in", lng=region_point(region)[0], lat=region_point(region)[1])
    return services.act(provider_user, o, "complete", note="已送餐到家，老人用餐正常",
                        photo=photos.prepare(photo_bytes()))


def region_point(region) -> tuple[float, float]:
    """The middle of the region's outline (its first ring's corners averaged)."""
    g = region.geometry or {}
    ring = (g.get("coordinates") or [[]])[0] if g.get("type") == "Polygon" else []
    if not ring:
        return 116.005, 39.905
    xs, ys = [p[0] for p in ring[:-1] or ring], [p[1] for p in ring[:-1] or ring]
    return sum(xs) / len(xs), sum(ys) / len(ys)


def objects(territory) -> dict:
    t = territory
    cat = catalogue()
    out = {}
    for key in ("A", "B"):
        community = t.communities[f"{key}1"]
        p = provider(f"{key}街道为老服务社", community, [cat["meal"], cat["repair"]], area=t.streets[key],
                     username=f"matrix_provider_{key}")
        out[f"services_provider_{key}"] = p
        from civicgrid.core.models import User

        out[f"services_order_{key}"] = completed_order(t.users[f"staff_{key}1"],
                                                        User.objects.get(username=f"matrix_provider_{key}"),
                                                        cat["meal"], t.grids[f"{key}1a"])
    return out


def order_args(objs, inside: bool) -> dict:
    return {"number": objs["services_order_A" if inside else "services_order_B"].number}


def provider_args(objs, inside: bool) -> dict:
    return {"pk": objs["services_provider_A" if inside else "services_provider_B"].pk}


def community_args(objs, inside: bool) -> dict:
    return {"code": objs["t"].communities["A1"].code}
