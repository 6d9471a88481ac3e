"""Control characters out of user text, once, where text enters the system.

A NUL or ESC typed (or pasted, or sent by a client) into a description is never meant: it breaks
Excel exports (openpyxl refuses it), PostgreSQL refuses NUL in text, and terminals reading logs
interpret ESC sequences. Tab, line feed and carriage return are kept: multi-line descriptions are
normal. Everything else in Unicode category Cc (C0, DEL, C1) is removed.

Where it is applied (see core.middleware.CleanInputMiddleware for the reasons): every HTTP request's
query string, form fields and JSON body; the import reader for spreadsheet cells; export writers
again, defensively, for what was stored before this existed.
"""
from __future__ import annotations

import re

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: str) -> str:
    if not isinstance(value, str) or not value:
        return value
    return CONTROL_RE.sub("", value)


def has_control(value: str) -> bool:
    return isinstance(value, str) and bool(CONTROL_RE.search(value))


def clean_data(value, depth: int = 0):
    """Every string in a JSON-like structure cleaned (keys too). Depth is bounded by the caller's parser."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k): clean_data(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_data(v, depth + 1) for v in value]
    return value
