"""Idempotency-Key on creates: a client that retries after a timeout never makes two objects.

The record is keyed by (credential, key) and written in the same transaction as the object, so
either both exist or neither. A concurrent retry with the same key waits on the unique index and
then replays. Same key + same request → the stored response again (header Idempotent-Replayed);
same key + a different request → 422 `idempotency_key_reused`. Records older than
IDEMPOTENCY_TTL_HOURS (default 24) may be purged by `prune()`.
The stored response is encrypted at rest (it can hold a case's description and requester): only
the hash of the request and the ciphertext of the answer are kept.

Open311's POST requests.{json,xml} uses the same records (credential "client:<id>", the client
application): its answer is stored as rendered, and replayed with the content type of its format.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone

from civicgrid.core.crypto import PREFIX, decrypt, encrypt

from .errors import ApiError
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"


def credential_of(request) -> str:
    token = getattr(request, "auth", None)
    if getattr(token, "pk", None) and token.__class__.__name__ == "ApiToken":
        return f"token:{token.pk}"
    return f"user:{request.user.pk}"


def request_hash(request) -> str:
    try:
        raw = request.body or b""
    except RawPostDataException:  # a multipart form already parsed (Open311): its fields, in a stable order
        raw = json.dumps(sorted((k, request.POST.getlist(k)) for k in request.POST), ensure_ascii=False).encode()
    try:  # the same JSON with keys in another order or other spacing is the same request
        raw = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, UnicodeDecodeError):
        pass
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + raw).hexdigest()


JSON = "application/json; charset=utf-8"


def _response(status: int, text: str, replayed: bool = False, content_type: str = JSON) -> HttpResponse:
    resp = HttpResponse(text, status=status, content_type=content_type)
    if replayed:
        resp["Idempotent-Replayed"] = "true"
    return resp


def _replay(record: IdempotencyRecord, h: str, content_type: str = JSON) -> HttpResponse:
    if record.request_hash != h:
        raise ApiError(422, "idempotency_key_reused",
                       f"幂等键“{record.key}”已用于另一个不同的请求；重试时请原样重发同一请求，新请求请换一个新的幂等键。")
    body = decrypt(record.body) if record.body.startswith(PREFIX) else record.body  # older rows: plain
    return _response(record.status, body, replayed=True, content_type=content_type)


def run(request, fn: Callable[[], tuple[int, object]], *, credential: str | None = None,
        content_type: str = JSON) -> HttpResponse:
    """Call fn() (which returns (status, json-able data) or (status, text already rendered)) at most
    once per Idempotency-Key of the credential (by default the API token's or the user's)."""
    def text_of(data) -> str:
        return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)

    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        status, data = fn()
        return _response(status, text_of(data), content_type=content_type)
    if len(key) > 200:
        raise ApiError(422, "invalid", "Idempotency-Key 过长（最多 200 个字符）。")
    cred, h = credential or credential_of(request), request_hash(request)
    existing = IdempotencyRecord.objects.filter(credential=cred, key=key).first()
    if existing is not None:
        return _replay(existing, h, content_type)
    try:
        with transaction.atomic():
            status, data = fn()
            text = text_of(data)
            IdempotencyRecord.objects.create(credential=cred, key=key, method=request.method,
                                             path=request.path[:300], request_hash=h, status=status,
                                             body=encrypt(text))
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(credential=cred, key=key).first()
        if existing is None:
            raise
        return _replay(existing, h, content_type)
    return _response(status, text, content_type=content_type)


def prune(now: dt.datetime | None = None) -> int:
    hours = getattr(settings, "IDEMPOTENCY_TTL_HOURS", 24)
    cutoff = (now or timezone.now()) - dt.timedelta(hours=hours)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
