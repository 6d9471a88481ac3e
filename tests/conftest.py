import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from that
# thread are safe here because the browser, not the test, talks to the live server.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Hypothesis's timing checks (deadline, slow generation) measure the machine, not the code: on a
# loaded CI machine they fail tests whose properties hold. Speed belongs in bench/.
from hypothesis import HealthCheck, settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile("civicgrid", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("civicgrid")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.SMS_BACKEND = "civicgrid.core.sms.MemorySMSBackend"
    # Tests see every badge count as it is now (core/nav.py keeps them 30 s for real users); the
    # page walks, which check statuses and not counts, turn the cache back on (tests/test_hostile_params.py,
    # tests/test_jurisdiction_matrix.py); tests/cases/test_nav_badge_cache.py tests the cache itself.
    settings.NAV_BADGE_SECONDS = 0
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.Argon2PasswordHasher"]
    from civicgrid.core.calendar import invalidate_overrides
    from civicgrid.core.sms import MemorySMSBackend

    MemorySMSBackend.outbox.clear()
    # The cache lives in the process (hot topics are kept there): no test may see another's.
    from django.core.cache import cache

    cache.clear()
    # Calendar overrides are cached per process; a rolled-back test must not leave its days behind.
    invalidate_overrides()
    # So are the write path's lookups (issue 19): services and their attributes, API keys and tokens, a
    # new case's supervisors, the grid index. Ids repeat across rolled-back tests, so none may carry over.
    from civicgrid.api.tokens import forget_all
    from civicgrid.cases.services import _forget_supervisors
    from civicgrid.open311.services import forget_catalogue
    from civicgrid.regions import geo

    forget_catalogue()
    forget_all()
    _forget_supervisors()
    geo.invalidate()


if os.environ.get("CIVICGRID_TEST_PARTITIONED"):
    # The suite against monthly-partitioned case and event tables (cases/partitions.py): the test
    # database, once migrated, is converted as `civicgrid partition-cases` converts a real one.
    @pytest.fixture(scope="session")
    def django_db_setup(django_db_setup, django_db_blocker):
        from django.db import connection
        from django.db.backends.postgresql.operations import DatabaseOperations

        from civicgrid.cases import partitions

        if connection.vendor != "postgresql":
            raise RuntimeError("CIVICGRID_TEST_PARTITIONED needs DATABASE_URL to point at PostgreSQL")
        with django_db_blocker.unblock():
            partitions.convert()
        # Between transactional tests Django empties its tables with TRUNCATE; the case key table is
        # not a Django model but refers to the case table, so it has to go with it (CASCADE).
        original = DatabaseOperations.sql_flush
        DatabaseOperations.sql_flush = (lambda self, style, tables, *, reset_sequences=False, allow_cascade=False:
                                        original(self, style, tables, reset_sequences=reset_sequences,
                                                 allow_cascade=True))
        yield
        DatabaseOperations.sql_flush = original


@pytest.fixture(autouse=True, scope="session")
def _allow_flush_of_audit_log():
    """Django's flush empties SQLite tables with DELETE, which the audit guard refuses.

    Only the flush command between transactional tests is let through; every other DELETE is still
    refused (tests/core/test_audit.py proves it).
    """
    from django.core.management.commands import flush

    from civicgrid.core import dbguard

    original = flush.Command.handle

    def handle(self, *args, **options):
        dbguard.set_unlocked(True)
        try:
            return original(self, *args, **options)
        finally:
            dbguard.set_unlocked(False)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture
def territory(db):
    from tests.factories import build_territory

    return build_territory()
