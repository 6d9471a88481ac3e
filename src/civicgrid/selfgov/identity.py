"""Who a resident is, without an account: the SMS code to the phone on the register.

The code is the hotline's (hotline.services.send_code / verify_code, purpose "selfgov": the same rate
limits, one-time codes and hashed storage as the /r/ report page). The verified phone is then matched
against the register of the community: only a current resident whose registered phone it is may act,
and acts as that `Person` — one identity per registered resident. Where a household shares one phone,
the resident picks which of the (masked) registered names is theirs; the session then holds that person
only. Session values are encrypted (core.session_secrets); nothing of this goes to logs.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from civicgrid.core import session_secrets
from civicgrid.core.crypto import lookup_hash

PURPOSE = "selfgov"
PHONE, AT, PERSON = "selfgov_phone", "selfgov_phone_at", "selfgov_person"
VERIFIED_FOR = dt.timedelta(minutes=30)


def send_code(phone: str, ip: str | None) -> str:
    from civicgrid.hotline import services as hotline

    hotline.send_code(phone, ip=ip, purpose=PURPOSE)
    return hotline.clean_mobile(phone)


def verify(session, phone: str, code: str) -> str:
    from civicgrid.hotline import services as hotline

    phone = hotline.verify_code(phone, code, purpose=PURPOSE)
    session_secrets.put(session, PHONE, phone)
    session[AT] = timezone.now().timestamp()
    session.pop(PERSON, None)
    return phone


def verified_phone(session) -> str:
    at = session.get(AT)
    if not at or timezone.now().timestamp() - at > VERIFIED_FOR.total_seconds():
        return ""
    return session_secrets.get(session, PHONE)


def registered(community, phone: str):
    """The current residents of `community` whose registered phone is `phone`."""
    from civicgrid.people.models import Person

    if not phone:
        return Person.objects.none()
    return Person.objects.current().filter(community=community, phone_hash=lookup_hash(phone)).order_by("id")


def choose(session, community, person_id) -> None:
    """Pick one of the people registered with the verified phone (a shared household phone)."""
    people = registered(community, verified_phone(session))
    if not str(person_id).isdigit() or not people.filter(pk=int(person_id)).exists():
        raise ValueError("not one of the verified phone's residents")
    session_secrets.put(session, PERSON, f"{community.pk}:{int(person_id)}")


def person(session, community):
    """The resident acting now in `community`, or None (not verified, not registered here, or not chosen)."""
    people = registered(community, verified_phone(session))
    chosen = session_secrets.get(session, PERSON)
    if chosen.startswith(f"{community.pk}:"):
        return people.filter(pk=int(chosen.split(":", 1)[1])).first()
    if len(people[:2]) == 1:
        return people.first()
    return None


def forget(session) -> None:
    for k in (PHONE, AT, PERSON):
        session.pop(k, None)
