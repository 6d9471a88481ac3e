"""Pluggable SMS: settings.SMS_BACKEND names a class with send(phone, text)."""
from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("civicgrid.sms")


class ConsoleSMSBackend:
    """Development backend: writes the message to the log instead of a gateway.

    The demo needs the verification code on screen, not the resident's number: the phone is masked
    (and so is any number inside the text), the code stays readable.
    """

    def send(self, phone: str, text: str) -> None:
        from .crypto import mask_phone
        from .pii import redact

        # Logged once (the civicgrid logger writes INFO to the console in the demo); it used to be printed
        # as well, so every message showed twice.
        log.info("短信 → %s：%s", mask_phone(phone), redact(text))


class MemorySMSBackend:
    """For tests: keeps every message in `outbox`."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        MemorySMSBackend.outbox.append((phone, text))


def send_sms(phone: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(phone, text)
