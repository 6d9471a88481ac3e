"""The photo Open311 publishes as a request's media_url (re-encoded on upload, so no EXIF/GPS)."""
from __future__ import annotations


def published_photo(request, relpath: str) -> bool:
    from civicgrid.cases.media import attachment_for

    from .views import PUBLISHED_KINDS

    att = attachment_for(relpath)
    if att is None or att.kind != "before" or att.event.case.category.kind not in PUBLISHED_KINDS:
        return False
    # Exactly the one views._request_dict publishes: the first event's first "before" photo.
    first = att.event.case.events.order_by("seq").first()
    published = first.attachments.filter(kind="before").first() if first is not None else None
    return published is not None and published.pk == att.pk
