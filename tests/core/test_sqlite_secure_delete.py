"""On the embedded SQLite database, a deleted row's bytes do not stay in the file (PRAGMA secure_delete):
erasing or anonymising a resident must not leave their phone number readable in free pages."""
import pytest
from django.db import connection

pytestmark = [pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite file only"), pytest.mark.django_db]

SECRET = "13912345678-张建国-110101199001011234"


def _file_after_delete(tmp_path, options: dict) -> bytes:
    from django.db.backends.sqlite3.base import DatabaseWrapper

    path = tmp_path / "probe.sqlite3"
    w = DatabaseWrapper({**connection.settings_dict, "NAME": str(path), "OPTIONS": options}, alias="probe")
    try:
        w.connect()
        cur = w.connection.cursor()
        cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        cur.executemany("INSERT INTO t (v) VALUES (?)", [(f"{SECRET}-{i}",) for i in range(50)])
        w.connection.commit()
        cur.execute("DELETE FROM t")
        w.connection.commit()
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        w.close()
    return path.read_bytes()


def test_the_configured_connection_overwrites_deleted_rows(tmp_path):
    data = _file_after_delete(tmp_path, connection.settings_dict["OPTIONS"])
    assert SECRET.encode() not in data


def test_without_the_pragma_the_bytes_would_remain(tmp_path):
    """The probe can fail: the same steps without secure_delete leave the value in the file."""
    options = dict(connection.settings_dict["OPTIONS"])
    options["init_command"] = options["init_command"].replace("PRAGMA secure_delete=ON;", "PRAGMA secure_delete=OFF;")
    data = _file_after_delete(tmp_path, options)
    assert SECRET.encode() in data
