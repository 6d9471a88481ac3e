"""What the Open311 (GeoReport v2) adapter contributes: see core/manifest.py."""
from civicgrid.core.manifest import PUBLIC, Route, AppManifest, MediaRule, UrlInclude


FMT = lambda objs, inside: {"fmt": "json"}  # noqa: E731


MANIFEST = AppManifest(
    app="open311",
    urls=(UrlInclude("open311/v2/", "civicgrid.open311.urls"),),
    # A published request's first photo is public, like the request itself.
    media=(MediaRule("cases/", "civicgrid.open311.media.published_photo"),),
    # GeoReport v2 is public by design: reads show published requests only, writes need an api_key.
    routes=(
        Route("open311:root", PUBLIC),
        Route("open311:discovery", PUBLIC, args=FMT),
        Route("open311:services", PUBLIC, args=FMT),
        Route("open311:service", PUBLIC, args=lambda o, inside: {"code": "09006", "fmt": "json"}),
        Route("open311:requests", PUBLIC, args=FMT),
        Route("open311:request", PUBLIC, args=lambda o, inside: {"rid": o["case_in"].number, "fmt": "json"}),
        Route("open311:token", PUBLIC, args=lambda o, inside: {"token": "0" * 32, "fmt": "json"}),
        Route("open311:not_found", PUBLIC, args=lambda o, inside: {"rest": "nothing-here"}),
    ),
)
