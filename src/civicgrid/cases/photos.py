"""Photo intake: verify with Pillow, re-encode (drops EXIF, GPS included), make a thumbnail.

Everything here runs before the service opens its transaction, so a bad photo is refused with a
clear message and nothing is saved. Files get random names under MEDIA_ROOT/cases/YYYY/MM/.
"""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_PHOTOS = 9
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}
STORE_LONG_EDGE = 2560  # phones send 12 MP; 2560 px keeps the evidence readable at a fraction of the size
THUMB_LONG_EDGE = 360


@dataclass
class Photo:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    original_name: str


def _read(upload) -> tuple[bytes, str]:
    if isinstance(upload, (bytes, bytearray)):
        return bytes(upload), "photo"
    name = getattr(upload, "name", "") or "photo"
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(f"照片“{name}”超过 {MAX_BYTES // 1024 // 1024} MB，请压缩后再传。")
    if hasattr(upload, "seek"):
        upload.seek(0)
    return upload.read(MAX_BYTES + 1), str(name)


def prepare(upload) -> Photo:
    data, name = _read(upload)
    if len(data) > MAX_BYTES:
        raise ValidationError(f"照片“{name}”超过 {MAX_BYTES // 1024 // 1024} MB，请压缩后再传。")
    if not data:
        raise ValidationError(f"照片“{name}”是空文件。")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(f"照片“{name}”像素过大。")
            probe.verify()
        if fmt not in ALLOWED_FORMATS:
            raise ValidationError(f"照片“{name}”格式不支持（{fmt}），请上传 JPEG、PNG 或 WebP。")
        img = Image.open(io.BytesIO(data))
        img = ImageOps.exif_transpose(img)  # keep the orientation the phone meant before EXIF goes
        img = img.convert("RGB")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(f"文件“{name}”不是有效的图片。") from exc
    img.thumbnail((STORE_LONG_EDGE, STORE_LONG_EDGE))
    stem = uuid.uuid4().hex
    full = io.BytesIO()
    img.save(full, "JPEG", quality=85, optimize=True)  # no exif= argument: metadata is not carried over
    thumb_img = img.copy()
    thumb_img.thumbnail((THUMB_LONG_EDGE, THUMB_LONG_EDGE))
    thumb = io.BytesIO()
    thumb_img.save(thumb, "JPEG", quality=75)
    return Photo(ContentFile(full.getvalue(), name=f"{stem}.jpg"), ContentFile(thumb.getvalue(), name=f"{stem}_t.jpg"),
                 img.width, img.height, name[:200])


def prepare_all(uploads) -> list[Photo]:
    uploads = [u for u in (uploads or ()) if u]
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(f"每次最多上传 {MAX_PHOTOS} 张照片。")
    return [prepare(u) for u in uploads]
