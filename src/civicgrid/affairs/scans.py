"""Scanned documents at the window: images and PDFs only, checked by their bytes, never by their name.

- the type is sniffed from the first bytes (JPEG, PNG, PDF); the extension and the browser's
  content type are ignored;
- size limits (MAX_BYTES) are enforced while reading, so a huge upload is refused early;
- images are opened with Pillow, pixel-bounded and re-encoded as JPEG: EXIF and anything appended
  after the image data go, nothing executable survives;
- PDFs carrying active content (JavaScript, launch actions, embedded files, forms that run scripts)
  are refused, as are encrypted ones (they cannot be checked).
Files get random names under MEDIA_ROOT/affairs/YYYY/MM/ and are served only to users who can see
the application (manifest MediaRule → media_allowed).
"""
from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import BadScan

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
STORE_LONG_EDGE = 3000  # an A4 page at 300 dpi stays legible
# Names a PDF uses for things that run or open something when the file is viewed.
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|EmbeddedFiles|RichMedia|XFA|OpenAction|AA|"
                        rb"SubmitForm|ImportData|GoToR|Encrypt)\b")


@dataclass
class Scan:
    file: ContentFile
    content_type: str
    size: int


def _read(upload) -> tuple[bytes, str]:
    name = str(getattr(upload, "name", "") or "扫描件")[:80]
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise BadScan(f"“{name}”超过 {MAX_BYTES // 1024 // 1024} MB，请降低扫描分辨率后再传。")
    buf = io.BytesIO()
    chunks = upload.chunks() if hasattr(upload, "chunks") else [upload.read()]
    for chunk in chunks:
        buf.write(chunk)
        if buf.tell() > MAX_BYTES:
            raise BadScan(f"“{name}”超过 {MAX_BYTES // 1024 // 1024} MB，请降低扫描分辨率后再传。")
    return buf.getvalue(), name


def sniff(data: bytes) -> str:
    """The real type from the bytes: 'image/jpeg', 'image/png', 'application/pdf' or ''."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:1024].lstrip(b"\x00\t\r\n ").startswith(b"%PDF-"):
        return "application/pdf"
    return ""


def _image(data: bytes, name: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise BadScan(f"“{name}”像素过大。")
            probe.verify()
        img = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    except BadScan:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise BadScan(f"“{name}”不是有效的图片。") from exc
    img.thumbnail((STORE_LONG_EDGE, STORE_LONG_EDGE))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, optimize=True)  # no exif=: metadata is not carried over
    return out.getvalue()


def _pdf(data: bytes, name: str) -> bytes:
    if b"%%EOF" not in data[-2048:]:
        raise BadScan(f"“{name}”不是完整的 PDF 文件。")
    # Names may be written with #xx escapes (/J#61vaScript); undo them before looking.
    plain = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data)
    found = PDF_ACTIVE.search(plain)
    if found:
        what = found.group(1).decode()
        raise BadScan(f"“{name}”含有脚本、自动动作、嵌入文件或加密（/{what}），不予接收；请重新扫描为普通 PDF 或图片。")
    if b"/ObjStm" in plain:
        # Compressed object streams can hide the names above from this check: ask for a plain scan.
        raise BadScan(f"“{name}”使用了压缩对象流，无法检查其中是否含有脚本；请用扫描仪直接生成 PDF 或上传图片。")
    return data


def prepare(upload) -> Scan:
    """A checked, stored-ready scan, or BadScan with the reason. Runs before any transaction."""
    data, name = _read(upload)
    if not data:
        raise BadScan(f"“{name}”是空文件。")
    kind = sniff(data)
    if not kind:
        raise BadScan(f"“{name}”不是图片（JPEG/PNG）或 PDF 文件，不予接收。")
    if kind == "application/pdf":
        body, ext = _pdf(data, name), "pdf"
    else:
        body, kind, ext = _image(data, name), "image/jpeg", "jpg"
    return Scan(ContentFile(body, name=f"{uuid.uuid4().hex}.{ext}"), kind, len(body))
