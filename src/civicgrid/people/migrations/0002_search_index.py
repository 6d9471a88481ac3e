"""Name search index (see people/search.py for the design): FTS5 on SQLite, GIN on PostgreSQL."""
from django.db import migrations

SQLITE_INSTALL = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS people_person_fts USING fts5(
         name_grams, content='people_person', content_rowid='id', tokenize='unicode61')""",
    """CREATE TRIGGER IF NOT EXISTS people_person_fts_ai AFTER INSERT ON people_person BEGIN
         INSERT INTO people_person_fts(rowid, name_grams) VALUES (new.id, new.name_grams); END""",
    """CREATE TRIGGER IF NOT EXISTS people_person_fts_ad AFTER DELETE ON people_person BEGIN
         INSERT INTO people_person_fts(people_person_fts, rowid, name_grams) VALUES ('delete', old.id, old.name_grams); END""",
    """CREATE TRIGGER IF NOT EXISTS people_person_fts_au AFTER UPDATE OF name_grams ON people_person BEGIN
         INSERT INTO people_person_fts(people_person_fts, rowid, name_grams) VALUES ('delete', old.id, old.name_grams);
         INSERT INTO people_person_fts(rowid, name_grams) VALUES (new.id, new.name_grams); END""",
    "INSERT INTO people_person_fts(people_person_fts) VALUES ('rebuild')",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS people_person_fts_ai", "DROP TRIGGER IF EXISTS people_person_fts_ad",
    "DROP TRIGGER IF EXISTS people_person_fts_au", "DROP TABLE IF EXISTS people_person_fts",
]
POSTGRES_INSTALL = [
    "CREATE INDEX IF NOT EXISTS people_person_grams_gin ON people_person USING gin (string_to_array(name_grams, ' '))",
    # Address search matches fragments of building addresses; pg_trgm makes that LIKE indexable.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS people_building_address_trgm ON people_building USING gin (address gin_trgm_ops)",
]
POSTGRES_REMOVE = ["DROP INDEX IF EXISTS people_person_grams_gin", "DROP INDEX IF EXISTS people_building_address_trgm"]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_INSTALL, "postgresql": POSTGRES_INSTALL}.get(vendor, []):
        schema_editor.execute(sql)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_REMOVE, "postgresql": POSTGRES_REMOVE}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
