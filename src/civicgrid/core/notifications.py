"""Notify a user: an inbox row, and an SMS when asked and the user has a phone.

A notice may name the object it asks someone to act on (`subject`). One rule then keeps the inbox
honest: whoever acts on that object (the workflow calls mark_done on every transition) answers the
notices about it that were sent before, for every recipient — the step they asked for is past.
"""
from __future__ import annotations

from django.db.models import Model
from django.utils import timezone

from .models import Notification
from .pii import redact
from .sms import send_sms


def subject_key(obj: Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def notify(user, title: str, body: str = "", link: str = "", *, sms: bool = False,
           subject: Model | None = None, into=None) -> Notification:
    """`into`: a collector of new rows (see audit.record) that inserts the inbox row with the rows
    written beside it; without it the row is saved at once."""
    # A notification points at its object (the link) and may quote a resident's words; numbers in
    # them are masked, so inboxes and SMS texts never carry a resident's ID or phone in clear.
    title, body = redact(title), redact(body)
    stype, sid = subject_key(subject) if subject is not None else ("", "")
    note = Notification(recipient=user, title=title[:200], body=body, link=link, subject_type=stype, subject_id=sid)
    if into is not None:
        into.add(note)
    else:
        note.save(force_insert=True)
    if sms and user.phone:
        send_sms(user.phone, f"{title} {body}".strip())
    return note


def mark_done(subject: Model, *, now=None) -> int:
    """Mark every open notice about `subject` done (and read). Returns how many."""
    now = now or timezone.now()
    stype, sid = subject_key(subject)
    qs = Notification.objects.filter(subject_type=stype, subject_id=sid, done_at__isnull=True)
    n = qs.filter(read_at__isnull=True).update(done_at=now, read_at=now)
    return n + qs.update(done_at=now)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


__all__ = ["notify", "mark_done", "unread_count", "subject_key"]
