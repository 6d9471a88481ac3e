"""Helpers for manifest seeders."""
from __future__ import annotations


def command(name: str, *args, **options):
    """A seeder that runs a management command (the app's existing `seed-…` command)."""

    def run(stdout=None):
        from django.core.management import call_command

        if stdout is not None:
            options.setdefault("stdout", stdout)
        call_command(name, *args, **options)

    run.__name__ = f"command_{name}"
    return run
