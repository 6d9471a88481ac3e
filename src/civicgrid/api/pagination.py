"""Paging of every list in /api/v1: one bound for `offset`, so no client can ask the database for
an OFFSET past what a 64-bit integer holds (a 500 before), and no list needs its own rule."""
from __future__ import annotations

from ninja import Schema
from pydantic import Field

# Far past any real list (a district's cases for years); a client paging further should filter.
MAX_OFFSET = 1_000_000


class Paged(Schema):
    """Base of every list filter: `offset` bounded; each list sets its own `limit` default and maximum."""

    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description=f"跳过的条数（0–{MAX_OFFSET}）")

