"""Identity and phone numbers out of log lines (access logs above all).

A search for a resident (/people/?q=110101…) or a caller lookup carries the number in the URL, and
every access log (runserver's django.server, gunicorn, nginx) writes the URL. The application's
own handlers pass every record through MaskPII; deploy/gunicorn.conf.py and deploy/nginx.conf log
the path without the query string.
"""
from __future__ import annotations

import logging
import re

from .pii import redact

# In a URL a space is "+" or "%20" and a dash may be "%2D": decoded between digits before matching.
_URL_SEP = re.compile(r"(?<=\d)(?:\+|%20|%2[dD]|%E3%80%80)(?=\d)")


def mask_line(text: str) -> str:
    return redact(_URL_SEP.sub(" ", text))


class MaskPII(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a broken format string is logging's problem, not ours
            return True
        masked = mask_line(msg)
        if masked != msg:
            record.msg, record.args = masked, ()
        return True
