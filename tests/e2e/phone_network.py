"""Phone conditions for browser tests: Chromium's Regular-3G throttling and a realistic phone photo."""
from __future__ import annotations

import io
from pathlib import Path

# Chrome DevTools' "Regular 3G" preset: 750 kbit/s down, 250 kbit/s up, 100 ms round trip.
REGULAR_3G = {"offline": False, "latency": 100,
              "downloadThroughput": 750 * 1000 / 8, "uploadThroughput": 250 * 1000 / 8}


def throttle(page, conditions: dict = REGULAR_3G):
    """Throttle this page's network through the DevTools protocol (what DevTools' menu does)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", conditions)
    return cdp


def phone_photo(path: Path, target_bytes: int = 2_200_000) -> Path:
    """A 4000×3000 JPEG of smooth shapes with sensor-like noise, about target_bytes large.

    Pure noise would be far larger than a real photo and a flat image far smaller; the noise level
    is tuned until the file is within 10 % of a typical 12-megapixel phone photo (2.2 MB)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(2026)
    h, w = 3000, 4000
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([120 + 80 * np.sin(x / 370) + 40 * np.cos(y / 230),
                     110 + 60 * np.cos(x / 510 + y / 700),
                     90 + 70 * np.sin((x + y) / 900)], -1)
    unit = rng.normal(0, 1, (h, w, 3)).astype(np.float32)
    lo, hi = 2.0, 30.0
    data = b""
    for _ in range(8):
        sigma = (lo + hi) / 2
        buf = io.BytesIO()
        Image.fromarray(np.clip(base + unit * sigma, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=88)
        data = buf.getvalue()
        if abs(len(data) - target_bytes) < target_bytes * 0.1:
            break
        lo, hi = (sigma, hi) if len(data) < target_bytes else (lo, sigma)
    path.write_bytes(data)
    return path
