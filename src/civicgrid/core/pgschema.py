"""PostgreSQL catalogue reads shared by the tools that take a table's indexes and keys apart and put
them back as they were: the bulk loader (dashboard/seed.py, which drops them while it loads) and the
partition conversion (cases/partitions.py, which re-creates them on the new tables). Each returns
(name, definition) pairs whose definition is the SQL that re-creates the object as it is now.
"""
from __future__ import annotations


def secondary_indexes(cur, table: str) -> list[tuple[str, str]]:
    """The indexes of `table` that are neither its primary key nor a constraint's own (a unique
    constraint's index goes with the constraint): (name, CREATE INDEX …), by name."""
    cur.execute(
        "SELECT ci.relname, pg_get_indexdef(ix.indexrelid) FROM pg_index ix JOIN pg_class ci ON ci.oid = ix.indexrelid "
        "WHERE ix.indrelid = %s::regclass AND NOT ix.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid) ORDER BY 1", [table])
    return cur.fetchall()


def constraints(cur, table: str, kinds: tuple[str, ...] = ("f",)) -> list[tuple[str, str]]:
    """The constraints of `table` of the given kinds ('f' foreign key, 'u' unique): (name, definition for
    ALTER TABLE … ADD CONSTRAINT name …), unique keys before foreign keys (a key must exist before a
    foreign key can point at it), then by name. Only the table's own: on a partitioned table
    (cases/partitions.py) PostgreSQL keeps a copy of a key per partition, which goes with the parent."""
    cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = ANY(%s) AND conparentid = 0 ORDER BY contype DESC, conname", [table, list(kinds)])
    return cur.fetchall()
