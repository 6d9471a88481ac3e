"""Static file storage: hashed names and Brotli/gzip copies from collectstatic (WhiteNoise).

Before collectstatic has run (development, the test suite, a fresh checkout) there is no manifest;
templates then get the plain file names, which WhiteNoise serves from the app folders, instead of
a ValueError on every page. After collectstatic every name is in the manifest.
"""
from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CompressedStaticStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        try:
            return super().stored_name(name)
        except ValueError:
            # A file added after the last collectstatic (development only).
            return name
