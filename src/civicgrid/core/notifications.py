"""Notify a user: an inbox row, and an SMS when asked and the user has a phone."""
from __future__ import annotations

from .models import Notification
from .pii import redact
from .sms import send_sms


def notify(user, title: str, body: str = "", link: str = "", *, sms: bool = False) -> Notification:
    # A notification points at its object (the link) and may quote a resident's words; numbers in
    # them are masked, so inboxes and SMS texts never carry a resident's ID or phone in clear.
    title, body = redact(title), redact(body)
    note = Notification.objects.create(recipient=user, title=title[:200], body=body, link=link)
    if sms and user.phone:
        send_sms(user.phone, f"{title} {body}".strip())
    return note


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
