from civicgrid.core.manifest import AppManifest

MANIFEST = AppManifest(app="care")
