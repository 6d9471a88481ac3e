"""A resident who followed a case (number + phone, checked in this session) may see its photos."""
from __future__ import annotations


def resident_may_see(request, relpath: str) -> bool:
    from civicgrid.cases.media import attachment_for

    from . import selectors

    number = request.session.get("resident_case")
    from civicgrid.core import session_secrets

    phone = session_secrets.get(request.session, "resident_case_phone")
    if not number or not phone:
        return False
    att = attachment_for(relpath)
    return (att is not None and att.event.case.number == number
            and selectors.public_case(number, phone) is not None)
