"""Uploads above the in-memory limit are spooled to an owner-only folder of ours, never the shared /tmp."""
import os
import stat

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile


def test_large_uploads_spool_into_a_private_folder():
    folder = settings.FILE_UPLOAD_TEMP_DIR
    assert folder and not folder.startswith("/tmp")
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    spooled = TemporaryUploadedFile("scan.pdf", "application/pdf", 6 * 1024 * 1024, None)
    try:
        assert os.path.dirname(spooled.temporary_file_path()) == folder
    finally:
        spooled.close()
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600
