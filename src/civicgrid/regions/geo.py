"""Point-to-grid lookup over a shapely STRtree.

The index is built once per process from all grid polygons and rebuilt lazily after any grid
changes: in this process the signal handlers mark it dirty at once; changes made by another
process (the worker, another app server) are noticed by comparing the grids' (count, latest
update) signature, checked at most every RECHECK_SECONDS so a lookup is not a query.

Boundary rule: a point on an edge shared by two grids belongs to the grid with the smallest code.
Candidates from the tree are tested with `covers` (interior or boundary), sorted by code, and the
first wins, so the answer never depends on insertion order. Holes are honoured by shapely.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape

_lock = threading.Lock()
_index: "GridIndex | None" = None
_nodes: dict = {}  # grid pk → the grid Region with its parents loaded, valid with _index
_dirty = True
_signature: tuple | None = None
_checked_at = 0.0
RECHECK_SECONDS = 5.0


@dataclass(frozen=True)
class GridIndex:
    tree: shapely.STRtree
    geoms: np.ndarray
    ids: np.ndarray  # Region primary keys, aligned with geoms
    codes: list[str]

    @classmethod
    def build(cls, rows: list[tuple[int, str, dict]]) -> "GridIndex":
        # Sorting by code once makes "smallest code wins" a matter of taking the smallest index.
        rows = sorted(rows, key=lambda r: r[1])
        geoms = np.empty(len(rows), dtype=object)
        for i, (_, _, g) in enumerate(rows):
            geom = g if isinstance(g, shapely.Geometry) else shape(g)
            # Imports refuse invalid polygons; this only guards rows written around the services.
            geoms[i] = geom if geom.is_valid else shapely.make_valid(geom)
        shapely.prepare(geoms)
        return cls(tree=shapely.STRtree(geoms), geoms=geoms,
                   ids=np.array([r[0] for r in rows], dtype=np.int64), codes=[r[1] for r in rows])

    def lookup(self, lng: float, lat: float) -> int | None:
        """Primary key of the grid covering (lng, lat), or None."""
        point = shapely.Point(lng, lat)
        hits = self.tree.query(point, predicate="covered_by")
        if len(hits) == 0:
            return None
        return int(self.ids[hits.min()])

    def lookup_many(self, lngs, lats) -> np.ndarray:
        """Vectorised lookup: an array of grid pks (-1 where no grid covers the point)."""
        points = shapely.points(np.asarray(lngs, dtype=float), np.asarray(lats, dtype=float))
        point_idx, geom_idx = self.tree.query(points, predicate="covered_by")
        out = np.full(len(points), -1, dtype=np.int64)
        if len(point_idx):
            # For each point keep the smallest geometry index (= smallest code).
            order = np.lexsort((geom_idx, point_idx))
            point_idx, geom_idx = point_idx[order], geom_idx[order]
            first = np.ones(len(point_idx), dtype=bool)
            first[1:] = point_idx[1:] != point_idx[:-1]
            out[point_idx[first]] = self.ids[geom_idx[first]]
        return out


def invalidate() -> None:
    """Mark the index stale now, and again when the current transaction commits.

    The second mark matters when another thread rebuilds between our write and our commit: it
    reads the committed (old) rows, and without it would keep serving them until the next
    signature check.
    """
    global _dirty
    _dirty = True
    from django.db import connection, transaction

    if connection.in_atomic_block:  # outside a transaction the write is already committed
        transaction.on_commit(_mark_dirty)


def _mark_dirty() -> None:
    global _dirty
    _dirty = True


def _db_signature() -> tuple:
    from django.db.models import Count, Max

    from .models import Region

    agg = Region.objects.filter(level="grid").aggregate(n=Count("pk"), latest=Max("updated_at"))
    return (agg["n"], agg["latest"])


def grid_index() -> GridIndex:
    global _index, _dirty, _signature, _checked_at
    with _lock:
        now = time.monotonic()
        if _index is not None and not _dirty and now - _checked_at > RECHECK_SECONDS:
            _checked_at = now
            if _db_signature() != _signature:
                _dirty = True
        if _index is None or _dirty:
            from .models import Region

            # Cleared before reading, so an invalidate() that lands while we read is not lost.
            _dirty = False
            try:
                _signature = _db_signature()
                _checked_at = now
                rows = list(Region.objects.filter(level="grid", geometry__isnull=False)
                            .values_list("pk", "code", "geometry"))
                _index = GridIndex.build(rows)
                _nodes.clear()  # the grids and their chains are read again with the new index
            except BaseException:
                _dirty = True
                raise
        return _index


def grid_at(lng: float, lat: float):
    """The grid Region covering the point, or None."""
    from .models import Region

    pk = grid_index().lookup(lng, lat)
    if pk is None:
        return None
    # A grid deleted in another process since the last signature check: answer as if uncovered.
    # The grid with its community, street and district, kept beside the index and dropped with it
    # (any region saved, or the signature check finding another process's change): every intake
    # asks this, and grids change a few times a year. Without the boundaries: the index already
    # used them, a city's polygons are large, and none of the readers needs them.
    node = _nodes.get(pk)
    if node is None:
        node = (Region.objects.select_related("parent__parent__parent")
                .defer("geometry", "parent__geometry", "parent__parent__geometry", "parent__parent__parent__geometry")
                .filter(pk=pk).first())
        if node is not None:
            _nodes[pk] = node
    return node


@dataclass(frozen=True)
class Location:
    """A point's place in the tree: the grid covering it and the nodes above that grid."""

    grid: object  # Region (typed loosely so this module imports no models at load time)
    community: object | None
    street: object | None
    district: object | None


def locate(lng: float, lat: float) -> Location | None:
    """Which grid covers (lng, lat), and which community, street and district lie above it."""
    grid = grid_at(lng, lat)
    if grid is None:
        return None
    chain, node = {}, grid.parent  # grid → community → street → district, already joined
    while node is not None and node.level not in chain:
        chain[node.level] = node
        node = node.parent if node.level != "district" else None
    return Location(grid=grid, community=chain.get("community"), street=chain.get("street"),
                    district=chain.get("district"))
