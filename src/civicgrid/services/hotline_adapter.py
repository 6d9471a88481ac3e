"""The service supermarket's only doorway into the hotline: SMS codes for the resident's phone page (the
same codes and limits as the hotline's /r/ pages) and the caller of a call the operator is taking."""
from __future__ import annotations

from civicgrid.core.scoping import visible_to
from civicgrid.hotline import services as hotline_services
from civicgrid.hotline.models import Contact

PURPOSE = "service"  # a code sent for ordering cannot be used to report a case, and the other way round


def send_code(phone: str, *, ip: str | None) -> str:
    hotline_services.send_code(phone, ip=ip, purpose=PURPOSE)
    return hotline_services.clean_mobile(phone)


def verify_code(phone: str, code: str) -> str:
    return hotline_services.verify_code(phone, code, purpose=PURPOSE)


def caller_of(user, number: str) -> dict:
    """Name, phone and address of a call in the operator's scope, to prefill the order form; {} otherwise."""
    number = (number or "").strip()[:20]
    if not number:
        return {}
    c = visible_to(user, Contact.objects.all()).filter(number=number).first()
    if c is None:
        return {}
    return {"contact": c.number, "name": c.caller_name, "phone": c.caller_phone, "address": c.address}
