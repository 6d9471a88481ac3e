"""Shared helpers for hotline/API/Open311 tests: make and close cases through the real services."""
from __future__ import annotations

import io

from civicgrid.cases import services as cs
from civicgrid.cases.models import Category


def cat(code: str) -> Category:
    return Category.objects.get(code=code)


def hotline_case(t, *, phone="13900001111", grid="A1a", code="06002", lng=None, lat=None, **kw):
    """A case taken by the hotline operator (community-tier category by default)."""
    g = t.grid(grid)
    return cs.intake(t.users["operator"], channel="hotline", category=cat(code), description=kw.pop("description", "楼道堆物"),
                     grid=g, requester_phone=phone, requester_name=kw.pop("name", "张三"), lng=lng, lat=lat, **kw)


def close_case(t, case, community="A1"):
    """take → handle → verify_pass → close, each by the role the workflow asks for."""
    staff = t.users[f"staff_{community}"]
    case = cs.act(staff, case, "take")
    case = cs.act(staff, case, "handle", note="已清理")
    case = cs.act(t.users["operator"], case, "verify_pass", note="电话核实")
    case = cs.act(staff, case, "close")
    return case


def jpeg_with_gps(size=(64, 48)) -> bytes:
    from PIL import Image

    img = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    gps = {1: "N", 2: (39.0, 54.0, 36.0), 3: "E", 4: (116.0, 1.0, 12.0)}
    exif[0x8825] = gps
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()
