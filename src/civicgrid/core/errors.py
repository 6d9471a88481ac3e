"""Error codes: stable identifiers with Chinese messages, and the ONE mapping to HTTP status.

Each app declares the refusals a user can cause as subclasses of AppError in its `errors.py`:

    class RateLimited(AppError):
        code = "hotline.rate_limited"      # stable: clients, tests and logs branch on it
        kind = THROTTLED                    # decides the HTTP status, here and only here
        default_message = "操作过于频繁，请稍后再试。"

and raises them with a specific Chinese message when it has one. Views and the API never read a
message to decide what happened: `problem(exc)` turns any refusal (an AppError, Django's
ValidationError / PermissionDenied / Http404) into (status, code, message, details), and both the
HTML views and api/errors.py use it.

Form validation is the one kind whose status differs by audience: a page re-rendering its form
answers 400, the JSON API answers 422 (its published contract, in the OpenAPI document).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

INVALID, FORBIDDEN, NOT_FOUND, CONFLICT, THROTTLED = "invalid", "forbidden", "not_found", "conflict", "throttled"

# kind → (status for HTML pages, status for the JSON API)
STATUS = {
    INVALID: (400, 422),
    FORBIDDEN: (403, 403),
    NOT_FOUND: (404, 404),
    CONFLICT: (409, 409),
    THROTTLED: (429, 429),
}

_registry: dict[str, type["AppError"]] = {}


class AppError(Exception):
    """A refusal a user can cause, with a stable `code` ("app.reason") and a Chinese message."""

    code = "core.error"
    kind = INVALID
    default_message = "操作未能完成。"

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls.kind not in STATUS:
            raise TypeError(f"{cls.__name__}.kind must be one of {sorted(STATUS)}")
        if "code" in cls.__dict__:  # a code is declared once, by one class
            other = _registry.get(cls.code)
            if other is not None and other.__qualname__ != cls.__qualname__:
                raise TypeError(f"error code {cls.code} declared twice ({other.__qualname__}, {cls.__qualname__})")
            _registry[cls.code] = cls

    def __init__(self, message: str | None = None, *, details: list | None = None):
        self.message = message or self.default_message
        self.details = details or []
        super().__init__(self.message)


def declared() -> dict[str, type[AppError]]:
    """Every declared code (for the docs and the test that codes stay unique)."""
    return dict(_registry)


@dataclass(frozen=True)
class Problem:
    status: int
    code: str
    message: str
    details: list = field(default_factory=list)


def messages_of(exc: BaseException) -> str:
    """The Chinese text to show for any refusal."""
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return getattr(exc, "message", None) or str(exc) or "操作被拒绝。"


def problem(exc: BaseException, *, api: bool = False) -> Problem | None:
    """(status, code, message, details) for a refusal; None for anything else (a bug: let it raise)."""
    column = 1 if api else 0
    if isinstance(exc, AppError):
        return Problem(STATUS[exc.kind][column], exc.code, exc.message, exc.details)
    if isinstance(exc, ValidationError):
        details = []
        if hasattr(exc, "error_dict"):
            for name, errs in exc.message_dict.items():
                details += [{"loc": ["body", name], "message": m, "type": "value_error"} for m in errs]
        code = getattr(exc, "code", None)
        code = code if isinstance(code, str) and "." in code else INVALID  # "core.invalid_phone" etc.
        return Problem(STATUS[INVALID][column], code, messages_of(exc) or "数据不正确。", details)
    if isinstance(exc, PermissionDenied):
        return Problem(STATUS[FORBIDDEN][column], FORBIDDEN, str(exc) or "无权执行此操作。")
    if isinstance(exc, Http404):
        return Problem(STATUS[NOT_FOUND][column], NOT_FOUND, str(exc) or "对象不存在或不在您的管辖范围内。")
    return None


def status_of(exc: BaseException) -> int:
    """HTTP status for a page that shows this refusal (400 when it is not a known refusal)."""
    p = problem(exc)
    return p.status if p else 400


USER_ERRORS = (AppError, ValidationError, PermissionDenied)  # what a view catches to show a message
