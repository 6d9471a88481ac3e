"""People-app settings read from Django settings with environment fallbacks (settings.py stays untouched)."""
from __future__ import annotations

import os

from django.conf import settings


def retention_days() -> int:
    """How long after moving out a resident's identifying data is kept (then anonymised)."""
    return int(getattr(settings, "PEOPLE_RETENTION_DAYS", os.environ.get("CIVICGRID_PEOPLE_RETENTION_DAYS", 3 * 365)))


def inline_import_rows() -> int:
    """Sheets up to this many rows are imported in the request; larger ones go to the worker."""
    return int(getattr(settings, "PEOPLE_INLINE_IMPORT_ROWS", os.environ.get("CIVICGRID_PEOPLE_INLINE_ROWS", 300)))
