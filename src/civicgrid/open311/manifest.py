"""What the Open311 (GeoReport v2) adapter contributes: see core/manifest.py."""
from civicgrid.core.manifest import AppManifest, MediaRule, UrlInclude

MANIFEST = AppManifest(
    app="open311",
    urls=(UrlInclude("open311/v2/", "civicgrid.open311.urls"),),
    # A published request's first photo is public, like the request itself.
    media=(MediaRule("cases/", "civicgrid.open311.media.published_photo"),),
)
