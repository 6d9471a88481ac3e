"""Objects for the jurisdiction matrix (hotline/manifest.py routes).

The hotline's seats are district-wide, so "out of scope" is another district: the builder adds one
(测试外区) with its own operator-visible contact and article."""
from __future__ import annotations


def objects(t) -> dict:
    from civicgrid.regions.models import Region

    from civicgrid.cases import services as case_services
    from civicgrid.cases.matrix import _categories

    from .models import Article, CallBack, Contact

    other = Region(code="110109", name="测试外区", level="district", parent=t.city)
    other.path = other.compute_path()
    other.save()
    from django.utils import timezone

    out = {}
    for side, region in (("in", t.district), ("out", other)):
        out[f"contact_{side}"] = Contact.objects.create(number=f"RX20260101{'00001' if side == 'in' else '00002'}",
                                                        subject="咨询", region=region, received_at=timezone.now(), operator=t.users["operator"])
        out[f"article_{side}"] = Article.objects.create(region=region, title="办事指南", body="正文", category="policy",
                                                        version=1)
    # A call-back to reveal the requester's number for: one in the district, one in the other.
    g = t.grids["A1a"]
    case = case_services.intake(t.users["worker_A1a"], channel="grid_worker", category=_categories(),
                                description="回访用案件", lng=g.label_lng, lat=g.label_lat, requester_phone="13911113333")
    for side, region, street in (("in", case.region, case.street), ("out", other, other)):
        out[f"callback_{side}"] = CallBack.objects.create(case=case, region=region, street=street,
                                                          closed_at=timezone.now(), source="hotline" if side == "in"
                                                          else "resident")
    return out
