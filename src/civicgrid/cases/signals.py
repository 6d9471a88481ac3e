"""Hooks other apps subscribe to. Both are sent INSIDE the transaction that made the change.

Why inside: the dashboard keeps exact rollups and the hotline queues call-backs; a receiver that
writes rows in the same transaction commits or rolls back together with the event, so a rollup can
never count an event that did not happen (or miss one that did). A receiver must therefore be quick
and must not talk to the outside world; for that, use `transaction.on_commit` inside the receiver.

    case_event_appended(sender=Case, case=Case, event=CaseEvent, writes=Writes|None)  — every event,
        intake included. `writes` (cases/onewrite.py) is given by intake: a receiver that inserts
        rows for a new case adds them to it (writes.add(obj)), and they go in intake's one statement;
        what must wait for the commit goes to writes.on_commit(fn) (intake may open no transaction).
    case_closed(sender=Case, case=Case, event=CaseEvent)          — after the `close` event
"""
from django.dispatch import Signal

case_event_appended = Signal()
case_closed = Signal()
