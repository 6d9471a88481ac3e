"""Who may fetch a case photo: staff who can see the case it belongs to."""
from __future__ import annotations

from django.db.models import Q

from civicgrid.core.scoping import visible_to


def attachment_for(relpath: str):
    from .models import Attachment

    return (Attachment.objects.select_related("event__case", "event__case__category")
            .filter(Q(image=relpath) | Q(thumbnail=relpath)).first())


def staff_may_see(request, relpath: str) -> bool:
    from .models import Case

    att = attachment_for(relpath)
    return att is not None and visible_to(request.user, Case.objects.filter(pk=att.event.case_id)).exists()
