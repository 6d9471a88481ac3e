"""Signed requests from emergency buttons and pendants.

A device holds a per-device key (issued once, stored encrypted here: the server must recompute the
HMAC, so a one-way hash would not do). Every request carries

    X-Device-Id:  the device's serial
    X-Timestamp:  Unix seconds when it was signed
    X-Nonce:      16–64 characters [A-Za-z0-9_-], never reused by that device
    X-Signature:  hex HMAC-SHA256(key, "<serial>\\n<timestamp>\\n<nonce>\\n<sha256 hex of the body>")

and is refused, each with its own code, when a header is missing (400 care.unsigned_request), the
device is unknown or disabled (401 care.unknown_device), the timestamp is more than WINDOW seconds
away from the server's clock (401 care.stale_request), the signature does not match (401
care.bad_signature), or the nonce was seen before (401 care.replayed_nonce). The signature is checked
before the nonce is stored, so nobody without the key can burn a device's nonces. Nonces are kept for
twice the window (older ones could only come with a stale timestamp) and purged by a periodic task.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Device, DeviceNonce

WINDOW = 300  # seconds either side of the server's clock
NONCE_RE = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")
SERIAL_RE = re.compile(r"^[A-Za-z0-9\-]{1,40}$")


class DeviceRefused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def signature(key: str, serial: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = f"{serial}\n{timestamp}\n{nonce}\n{hashlib.sha256(body).hexdigest()}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(key: str, serial: str, body: bytes, *, timestamp: int | None = None, nonce: str | None = None) -> dict:
    """What a device sends (used by tests, the demo and device vendors' reference)."""
    import secrets

    ts = str(int(timezone.now().timestamp()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    return {"HTTP_X_DEVICE_ID": serial, "HTTP_X_TIMESTAMP": ts, "HTTP_X_NONCE": nonce,
            "HTTP_X_SIGNATURE": signature(key, serial, ts, nonce, body)}


def verify(headers, body: bytes, now: dt.datetime | None = None) -> Device:
    serial = (headers.get("X-Device-Id") or "").strip()
    ts = (headers.get("X-Timestamp") or "").strip()
    nonce = (headers.get("X-Nonce") or "").strip()
    sig = (headers.get("X-Signature") or "").strip().lower()
    if not (serial and ts and nonce and sig):
        raise DeviceRefused(400, "care.unsigned_request",
                            "设备请求须带 X-Device-Id、X-Timestamp、X-Nonce、X-Signature 请求头。")
    device = Device.objects.select_related("plan").filter(serial=serial, active=True).first() \
        if SERIAL_RE.match(serial) else None
    if device is None:
        raise DeviceRefused(401, "care.unknown_device", "设备未登记或已停用。")
    now = now or timezone.now()
    try:
        moment = int(ts)
    except ValueError:
        moment = None
    if moment is None or abs(now.timestamp() - moment) > WINDOW:
        raise DeviceRefused(401, "care.stale_request",
                            f"请求时间戳与服务器时间相差超过 {WINDOW} 秒（请校准设备时钟后重新签名）。")
    if not NONCE_RE.match(nonce):
        raise DeviceRefused(400, "care.unsigned_request", "X-Nonce 须为 16–64 位字母、数字、下划线或连字符。")
    expected = signature(device.key, serial, ts, nonce, body)
    if not hmac.compare_digest(expected, sig):
        raise DeviceRefused(401, "care.bad_signature", "签名不正确。")
    try:
        with transaction.atomic():
            DeviceNonce.objects.create(device=device, nonce=nonce, at=now)
    except IntegrityError:
        raise DeviceRefused(401, "care.replayed_nonce", "该请求已处理过（随机数重复），拒绝重放。")
    return device


def purge_nonces(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    n, _ = DeviceNonce.objects.filter(at__lt=now - dt.timedelta(seconds=2 * WINDOW)).delete()
    return n
