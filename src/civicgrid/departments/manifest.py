"""What the departments app (functional departments and their units) contributes: see core/manifest.py."""
from civicgrid.core.manifest import AppManifest

MANIFEST = AppManifest(
    app="departments",
    audit_subjects={"department": "部门", "departmentunit": "部门单位"},
)
