"""Objects for the jurisdiction matrix (hotline/manifest.py routes).

The hotline's seats are district-wide, so "out of scope" is another district: the builder adds one
(测试外区) with its own operator-visible contact and article."""
from __future__ import annotations


def objects(t) -> dict:
    from civicgrid.regions.models import Region

    from .models import Article, Contact

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
    # A call-back is scoped by its own region; the case it follows is the cases builder's (run before
    # this one, INSTALLED_APPS order), whatever district the call-back is filed under.
    from civicgrid.cases.models import Case

    from .models import CallBack

    case = Case.objects.order_by("pk").first()
    for side, region in (("in", t.district), ("out", other)):
        out[f"callback_{side}"] = CallBack.objects.create(case=case, region=region, street=region,
                                                          closed_at=timezone.now())
    return out
